"""Counts of outreach (第4号) for the official figures: what the business line did in a period.

Every engagement and contact carries its business line (`business_line` = 第4号), so the figures count
rows of that line, never the app they happen to live in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tsunagu.municipalities.choices import BusinessLine
from tsunagu.municipalities.models import Municipality

from .models import Contact, Engagement, Outcome


@dataclass(frozen=True)
class LineCounts:
    business_line: str
    engagements_started: int  # engagements opened in the period
    engagements_active: int  # engagements running at any time in the period
    engagements_closed: int  # engagements closed in the period
    closed_by_outcome: dict[str, int]  # Outcome value → engagements closed in the period
    contacts: int  # contacts made in the period
    persons_contacted: int  # distinct identified persons with a contact in the period
    identified: int  # engagements whose person was identified by the end of the period, of the active


def business_line_counts(municipality: Municipality, start: dt.date, end: dt.date) -> LineCounts:
    """Counts under 第4号 for the period `start`–`end` (both days included)."""
    if end < start:
        raise ValueError("end is before start")
    line = BusinessLine.L4
    engagements = Engagement.objects.filter(municipality=municipality, business_line=line)
    active = engagements.filter(started_on__lte=end).exclude(closed_on__lt=start)
    closed = engagements.filter(closed_on__gte=start, closed_on__lte=end)
    contacts = Contact.objects.filter(
        municipality=municipality, business_line=line, on__gte=start, on__lte=end
    )
    by_outcome = {value: closed.filter(outcome=value).count() for value in Outcome.values}
    return LineCounts(
        business_line=str(line),
        engagements_started=engagements.filter(started_on__gte=start, started_on__lte=end).count(),
        engagements_active=active.count(),
        engagements_closed=closed.count(),
        closed_by_outcome=by_outcome,
        contacts=contacts.count(),
        persons_contacted=contacts.filter(engagement__person__isnull=False)
        .values("engagement__person")
        .distinct()
        .count(),
        identified=active.filter(identified_at__isnull=False, identified_at__date__lte=end).count(),
    )
