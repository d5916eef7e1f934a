"""How the audit screens name persons and households, and find a person by name (access/targets.py).

Registered in PeopleConfig.ready(). These functions serve only the auditor's log and the emergency access
request, which record every person and household they name in their own audit row; they are not a way
for casework screens around people/policy.py.
"""

from __future__ import annotations

import datetime as dt

from tsunagu.access.targets import FoundPerson, Target
from tsunagu.core.wareki import wareki

from .models import HouseholdMember, Person, Relationship
from .search import search_persons


def describe_persons(municipality_id: int, ids: list[int]) -> dict[int, str]:
    rows = Person.objects.filter(municipality_id=municipality_id, pk__in=ids).only(
        "family_name", "given_name"
    )
    return {p.pk: f"「{p.full_name}」No.{p.pk}" for p in rows}


def describe_households(municipality_id: int, ids: list[int]) -> dict[int, str]:
    """世帯「山田」No.14: the family name of the head (世帯主), else of the first member recorded."""
    members = (
        HouseholdMember.objects.filter(municipality_id=municipality_id, household_id__in=ids)
        .select_related("person")
        .order_by("household_id", "pk")
    )
    names: dict[int, str] = {}
    for member in members:
        if member.household_id not in names or member.relationship == Relationship.HEAD:
            names[member.household_id] = member.person.family_name
    return {pk: f"「{name}」No.{pk}" for pk, name in names.items()}


def _detail(person: Person) -> str:
    parts = [person.full_kana] if person.full_kana else []
    if person.birth_date:
        parts.append(f"{wareki(person.birth_date)}生")
    elif person.estimated_age is not None:
        parts.append(f"推定{person.estimated_age}歳")
    return "・".join(parts)


def find_persons(
    municipality_id: int, query: str, birth_date: dt.date | None, limit: int
) -> list[FoundPerson]:
    """Name or reading search over the whole city (merged records left out), best first."""
    hits = search_persons(
        Person.objects.filter(municipality_id=municipality_id), query, birth_date=birth_date, limit=limit
    )
    return [FoundPerson(h.person.pk, h.person.full_name, _detail(h.person)) for h in hits]


def households_of(municipality_id: int, person_ids: list[int]) -> dict[int, list[Target]]:
    related: dict[int, list[Target]] = {}
    rows = HouseholdMember.objects.filter(municipality_id=municipality_id, person_id__in=person_ids)
    for person_id, household_id in rows.order_by("household_id").values_list("person_id", "household_id"):
        related.setdefault(person_id, []).append(("household", household_id))
    return related
