"""What outreach adds to people's household page: the contacts of identified engagements on the
household timeline, only those of engagements the reader may see (`policy.visible_engagements`).

Registered in OutreachConfig.ready()."""

from __future__ import annotations

from collections.abc import Sequence

from tsunagu.accounts.models import Staff
from tsunagu.people.models import Household
from tsunagu.people.timeline import Cursor, TimelineEntry, TimelineSource, older_than

from .models import Contact
from .policy import ENGAGEMENT, visible_engagements

CONTACTS = "outreach.contact"


def contact_entries(
    staff: Staff, household: Household, before: Cursor | None, limit: int
) -> Sequence[TimelineEntry]:
    readable = visible_engagements(staff).filter(household=household)
    rows = (
        Contact.objects.filter(municipality_id=household.municipality_id, engagement__in=readable)
        .filter(older_than(before, CONTACTS, "recorded_at"))
        .select_related("engagement", "by", "organization")
        .order_by("-recorded_at", "-pk")[:limit]
    )
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


TIMELINE_SOURCES = (TimelineSource(key=CONTACTS, label="アウトリーチ", entries=contact_entries),)
