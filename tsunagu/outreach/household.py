"""What outreach adds to people's household page: the contacts of identified engagements on the
household timeline, only those of engagements the reader may see (`policy.visible_engagements`).

Registered in OutreachConfig.ready()."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet

from tsunagu.accounts.models import Staff
from tsunagu.people.models import Household
from tsunagu.people.timeline import TimelineEntry, TimelineSource

from .models import Contact
from .policy import ENGAGEMENT, visible_engagements

CONTACTS = "outreach.contact"


def contact_rows(staff: Staff, household: Household) -> QuerySet[Contact]:
    readable = visible_engagements(staff).filter(household=household)
    return Contact.objects.filter(municipality_id=household.municipality_id, engagement__in=readable)


def contact_entries(staff: Staff, household: Household, rows: QuerySet[Contact]) -> Sequence[TimelineEntry]:
    rows = rows.select_related("engagement", "by", "organization")
    return [
        TimelineEntry(
            at=c.recorded_at,
            source=CONTACTS,
            pk=c.pk,
            template="outreach/_timeline_contact.html",
            obj=c,
            audit_objects=((ENGAGEMENT, c.engagement_id), ("person", c.engagement.person_id))
            if c.engagement.person_id
            else ((ENGAGEMENT, c.engagement_id),),
            label="アウトリーチ",
        )
        for c in rows
    ]


TIMELINE_SOURCES = (
    TimelineSource(
        key=CONTACTS, label="アウトリーチ", rows=contact_rows, at_field="recorded_at", entries=contact_entries
    ),
)
