"""The bridge between the database and the pure matcher (`matching.py`): a record's needs and the city's
resources as plain data, ranked. Used by the person's participation page, proposals and the demo."""

from __future__ import annotations

import datetime as dt

from tsunagu.directory.resource_models import Resource, ResourceKind
from tsunagu.municipalities.models import Area

from .actions import occupancy
from .matching import Areas, Needs, Place, Ranked, Ranking, rank
from .models import Match, SupportRecord


def _f(value: object) -> float | None:
    return float(value) if value is not None else None  # type: ignore[arg-type]


def needs_of(record: SupportRecord, today: dt.date) -> Needs:
    return Needs(
        goals=tuple(record.goals),
        activities=tuple(record.activities),
        weekdays=tuple(int(d) for d in record.weekdays),
        time_slots=tuple(record.time_slots),
        accessibility=tuple(record.accessibility),
        languages=tuple(record.languages),
        max_group_size=record.max_group_size,
        max_cost_yen=record.max_cost_yen,
        same_area_only=record.same_area_only,
        max_distance_km=record.max_distance_km,
        age=record.person.age(today),
        area_id=record.area_id,
        latitude=_f(record.origin_latitude),
        longitude=_f(record.origin_longitude),
    )


def places_of(municipality_id: int, record: SupportRecord | None = None) -> list[Place]:
    """Every resource of the city — inactive ones too, so that the page can say why they are missing.
    Occupancy leaves out `record`'s own matches."""
    rows = list(Resource.objects.filter(municipality_id=municipality_id).order_by("key", "pk"))
    occupied = occupancy([r.pk for r in rows], besides=record)
    return [
        Place(
            id=r.pk,
            key=r.key,
            name=r.name,
            kind=r.kind,
            kind_label=str(ResourceKind(r.kind).label) if r.kind in ResourceKind.values else r.kind,
            active=r.active,
            accepts_referrals=r.accepts_referrals,
            area_id=r.area_id,
            weekdays=tuple(int(d) for d in r.weekdays),
            time_slots=tuple(r.time_slots),
            age_min=r.age_min,
            age_max=r.age_max,
            activities=tuple(r.activities),
            accessibility=tuple(r.accessibility),
            languages=tuple(r.languages),
            group_size=r.group_size,
            capacity=r.capacity,
            participants=occupied.get(r.pk, 0),
            cost_yen=r.cost_yen,
            latitude=_f(r.latitude),
            longitude=_f(r.longitude),
        )
        for r in rows
    ]


def areas_of(municipality_id: int) -> Areas:
    rows = Area.objects.filter(municipality_id=municipality_id).values_list("pk", "parent_id", "name")
    return Areas(parents={pk: parent for pk, parent, _ in rows}, names={pk: name for pk, _, name in rows})


def rank_for(record: SupportRecord, today: dt.date) -> Ranking:
    """The city's resources ranked for this person today."""
    return rank(
        needs_of(record, today), places_of(record.municipality_id, record), areas_of(record.municipality_id)
    )


def explanation_text(ranked: Ranked) -> str:
    """The explanation kept on a proposal (the page's 「なぜこの場所か」 as plain text)."""
    lines = [*ranked.meets, *ranked.respects]
    if ranked.distance:
        lines.append(f"距離: {ranked.distance}")
    lines += [f"要確認: {c}" for c in ranked.cautions]
    return "\n".join(lines)


def record_days_to_first_participation(matches: list[Match]) -> int | None:
    """Days from the record's first proposal to its first participation anywhere (None until then)."""
    firsts = [m.first_participation_on for m in matches if m.first_participation_on is not None]
    if not firsts or not matches:
        return None
    return (min(firsts) - min(m.proposed_on for m in matches)).days
