"""The household timeline's entries of the community pillar: needs (気づき) that became a consultation
of the household, read through the community policy (which defers to the consultation's own)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet

from tsunagu.accounts.models import Staff
from tsunagu.people.models import Household
from tsunagu.people.timeline import TimelineEntry, TimelineSource

from . import policy
from .models import SurfacedNeed

NEEDS = "community.need"


def need_rows(staff: Staff, household: Household) -> QuerySet[SurfacedNeed]:
    return policy.visible_needs_of_household(staff, household)


def need_entries(staff: Staff, household: Household, rows: QuerySet[SurfacedNeed]) -> Sequence[TimelineEntry]:
    rows = rows.select_related("sitting__group", "area", "consultation")
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


NEED_SOURCE = TimelineSource(
    key=NEEDS, label="地域の気づき", rows=need_rows, at_field="recorded_at", entries=need_entries
)
