"""When an outreach engagement is lapsed (途切れ), and by how much — derived, never stored.

An active engagement is due for its next contact by the earlier of
- its next planned contact date (次回の接触予定日), when one is set, and
- its last contact (or, before any, its start) plus the city's interval (`outreach_lapse_days`).
It is lapsed from the day after that date: on the due day itself it is still on time. Closed
engagements are never lapsed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import DateField, ExpressionWrapper, F, Max, QuerySet
from django.db.models.functions import Cast, Coalesce, Least
from django.utils import timezone

from .models import Engagement, EngagementStatus


def due_on(
    *,
    last_contact_on: dt.date | None,
    started_on: dt.date,
    next_contact_on: dt.date | None,
    interval_days: int,
) -> dt.date:
    """The day by which the next contact should happen (see the module docstring)."""
    by_interval = (last_contact_on or started_on) + dt.timedelta(days=interval_days)
    if next_contact_on is not None and next_contact_on < by_interval:
        return next_contact_on
    return by_interval


@dataclass(frozen=True)
class LapseState:
    """An engagement with its last contact, due date and days overdue (0 when on time or closed)."""

    engagement: Engagement
    last_contact_on: dt.date | None
    due_on: dt.date | None  # None for a closed engagement
    overdue_days: int

    @property
    def lapsed(self) -> bool:
        return self.overdue_days > 0

    @property
    def by_plan(self) -> bool:
        """Is the due date the planned contact (not the interval)?"""
        e = self.engagement
        return e.next_contact_on is not None and self.due_on == e.next_contact_on


def state_of(
    engagement: Engagement, last_contact_on: dt.date | None, interval_days: int, today: dt.date
) -> LapseState:
    if engagement.status != EngagementStatus.ACTIVE:
        return LapseState(engagement, last_contact_on, None, 0)
    due = due_on(
        last_contact_on=last_contact_on,
        started_on=engagement.started_on,
        next_contact_on=engagement.next_contact_on,
        interval_days=interval_days,
    )
    return LapseState(engagement, last_contact_on, due, max((today - due).days, 0))


def with_last_contact(queryset: QuerySet[Engagement]) -> QuerySet[Engagement]:
    """The engagements annotated with `last_contact_on` (their newest contact's day, or None)."""
    return queryset.annotate(last_contact_on=Max("contacts__on"))


def states(
    engagements: Iterable[Engagement], interval_days: int, today: dt.date | None = None
) -> list[LapseState]:
    """Lapse states of engagements annotated by `with_last_contact`, most overdue first: active ones by
    due date (oldest first), then closed ones newest closing first."""
    today = today or timezone.localdate()
    found = [state_of(e, getattr(e, "last_contact_on", None), interval_days, today) for e in engagements]
    active = sorted((s for s in found if s.due_on is not None), key=lambda s: (s.due_on, s.engagement.pk))
    closed = sorted(
        (s for s in found if s.due_on is None),
        key=lambda s: (s.engagement.closed_on or dt.date.min, s.engagement.pk),
        reverse=True,
    )
    return active + closed


def with_due(queryset: QuerySet[Engagement], interval_days: int) -> QuerySet[Engagement]:
    """The engagements annotated with `last_contact_on` and `due_key` — `due_on` computed by the database
    (the same rule), so that a list is ordered, filtered, counted and paged in SQL, never in Python."""
    by_interval = Cast(
        ExpressionWrapper(
            Coalesce(Max("contacts__on"), F("started_on")) + dt.timedelta(days=interval_days),
            output_field=DateField(),
        ),
        DateField(),
    )
    return with_last_contact(queryset).annotate(
        due_key=Least(Coalesce(F("next_contact_on"), by_interval), by_interval)
    )


def lapsed(
    queryset: QuerySet[Engagement], interval_days: int, today: dt.date | None = None
) -> QuerySet[Engagement]:
    """The active engagements of `queryset` lapsed today (due before today), annotated by `with_due`."""
    today = today or timezone.localdate()
    active = queryset.filter(status=EngagementStatus.ACTIVE)
    return with_due(active, interval_days).filter(due_key__lt=today)  # type: ignore[misc]  # an annotation


def page_states(
    engagements: Iterable[Engagement], interval_days: int, today: dt.date | None = None
) -> list[LapseState]:
    """The lapse states of a page of engagements annotated by `with_due`, in the page's order."""
    today = today or timezone.localdate()
    return [state_of(e, getattr(e, "last_contact_on", None), interval_days, today) for e in engagements]


def lapsed_count(queryset: QuerySet[Engagement], interval_days: int, today: dt.date | None = None) -> int:
    """How many of the (already policy-scoped) engagements are lapsed today (one SQL count)."""
    return lapsed(queryset, interval_days, today).count()
