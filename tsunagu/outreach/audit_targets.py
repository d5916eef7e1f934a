"""How the audit screens name outreach engagements, and which engagements belong to a person
(access/targets.py). Registered in OutreachConfig.ready(). An engagement is named by its number only;
its person and household are named by people, which the reading screen records."""

from __future__ import annotations

from tsunagu.access.targets import Target

from .models import Engagement
from .policy import ENGAGEMENT


def describe_engagements(municipality_id: int, ids: list[int]) -> dict[int, str]:
    rows = Engagement.objects.filter(municipality_id=municipality_id, pk__in=ids).only("number")
    return {e.pk: f" No.{e.number}" for e in rows}


def engagements_of(municipality_id: int, person_ids: list[int]) -> dict[int, list[Target]]:
    related: dict[int, list[Target]] = {}
    rows = Engagement.objects.filter(municipality_id=municipality_id, person_id__in=person_ids).values_list(
        "person_id", "pk"
    )
    for person_id, pk in rows:
        related.setdefault(person_id, []).append((ENGAGEMENT, pk))
    return related
