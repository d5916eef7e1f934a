"""Who may find which persons and households (identity only), inside the staff member's municipality.

Staff who take consultations (相談員, 束ね役, 関係機関職員 — `access.permissions.CASEWORK`) may find persons
and households by identity, so that nobody registers a household twice; managers, auditors and
administrators may not. What is recorded *about* a person (consultations, cases …) is decided by the
app that owns the record, in its own policy. Missing and forbidden look the same: `Http404`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from tsunagu.access.scope import casework, get_for, in_casework
from tsunagu.accounts.models import Staff

from .models import Household, HouseholdMember, Person, Relationship


def may_take_consultations(staff: Staff) -> bool:
    """May `staff` look persons and households up at all (casework roles of a municipality)?"""
    return in_casework(staff)


def visible_persons(staff: Staff) -> QuerySet[Person]:
    cw = casework(staff)
    if cw is None:
        return Person.objects.none()
    return Person.objects.filter(municipality_id=cw.municipality_id)


def visible_households(staff: Staff) -> QuerySet[Household]:
    cw = casework(staff)
    if cw is None:
        return Household.objects.none()
    return Household.objects.filter(municipality_id=cw.municipality_id)


def get_person_for(staff: Staff, person_id: object) -> Person:
    return get_for(visible_persons(staff), person_id)


def get_household_for(staff: Staff, household_id: object) -> Household:
    return get_for(visible_households(staff), household_id)


def household_heads(staff: Staff, household_ids: Iterable[int]) -> dict[int, Person]:
    """The person each household is named by (世帯主, else its first member), for the households `staff`
    may find; households they may not find are absent. Callers that show the names audit the persons."""
    ids = set(household_ids)
    if not ids:
        return {}
    members = (
        HouseholdMember.objects.filter(household_id__in=ids, person__in=visible_persons(staff))
        .select_related("person")
        .order_by("household_id", "pk")
    )
    first: dict[int, Person] = {}
    head: dict[int, Person] = {}
    for m in members:
        first.setdefault(m.household_id, m.person)
        if m.relationship == Relationship.HEAD:
            head.setdefault(m.household_id, m.person)
    return {hid: head.get(hid, person) for hid, person in first.items()}


def get_for_members(household: Household, person_id: object) -> HouseholdMember:
    """A member of a household the staff member may see (fetched with `get_household_for`), by person id."""
    member = get_for(Person.objects.filter(memberships__household=household), person_id)
    return household.members.select_related("person").get(person=member)
