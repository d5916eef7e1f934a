"""The household timeline's entries of the community pillar: needs (気づき) that became a consultation
of the household, read through the community policy (which defers to the consultation's own)."""

from __future__ import annotations

from collections.abc import Sequence

from tsunagu.accounts.models import Staff
from tsunagu.people.models import Household
from tsunagu.people.timeline import Cursor, TimelineEntry, TimelineSource, older_than

from . import policy

NEEDS = "community.need"


def need_entries(
    staff: Staff, household: Household, before: Cursor | None, limit: int
) -> Sequence[TimelineEntry]:
    rows = (
        policy.visible_needs(staff)
        .filter(consultation__household=household)
        .filter(older_than(before, NEEDS, "recorded_at"))
        .select_related("sitting__group", "area", "consultation")
        .order_by("-recorded_at", "-pk")[:limit]
    )
    return [
        TimelineEntry(
            at=n.recorded_at,
            source=NEEDS,
            pk=n.pk,
            template="community/_timeline_need.html",
            obj=n,
            audit_objects=(("community_need", n.pk),),
            label="地域の気づき",
        )
        for n in rows
    ]


NEED_SOURCE = TimelineSource(key=NEEDS, label="地域の気づき", entries=need_entries)
