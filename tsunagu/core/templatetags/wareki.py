"""Template filters for Japanese dates: {{ d|wareki }}, {{ d|wareki_full }}, {{ dt|wareki_time }} ({{ dt|wareki_time:"seconds" }}).

They never raise on a stored value: a date no era names is shown in 西暦 (core.wareki.wareki), and a
datetime too close to year 1 or 9999 to convert to local time is shown in its own zone.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from tsunagu.core import wareki as w

register = template.Library()


def _local(value: dt.datetime) -> dt.datetime:
    if not timezone.is_aware(value):
        return value
    try:
        return timezone.localtime(value)
    except OverflowError:  # 9999-12-31 23:00 UTC has no Japanese local time
        return value


def _day(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return _local(value).date()
    if isinstance(value, dt.date):
        return value
    return None


@register.filter
def wareki(value: dt.date | None) -> str:
    return w.wareki(_day(value))


@register.filter
def wareki_full(value: dt.date | None) -> str:
    return w.wareki(_day(value), with_seireki=True)


@register.filter
def wareki_time(value: dt.datetime | None, precision: str = "") -> str:
    """令和8年12月2日 10:07 (`|wareki_time:"seconds"`: 10:07:31, for the audit log)."""
    if not isinstance(value, dt.datetime):
        return w.wareki(_day(value))
    local = _local(value)
    clock = f"{local:%H:%M:%S}" if precision == "seconds" else f"{local:%H:%M}"
    return f"{w.wareki(local.date())} {clock}"
