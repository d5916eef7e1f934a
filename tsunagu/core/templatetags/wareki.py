"""Template filters for Japanese dates: {{ d|wareki }}, {{ d|wareki_full }}, {{ dt|wareki_time }}."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from tsunagu.core import wareki as w

register = template.Library()


@register.filter
def wareki(value: dt.date | None) -> str:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return w.wareki(value)


@register.filter
def wareki_full(value: dt.date | None) -> str:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return w.wareki(value, with_seireki=True)


@register.filter
def wareki_time(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{w.wareki(local.date())} {local:%H:%M}"
