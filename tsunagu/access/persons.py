"""Who may find which persons and households (identity only), inside the staff member's municipality.

Kept apart from `records` (consultation content) so that the people app can ask the access policy
without depending on intake. Staff who take consultations (window workers, coordinators, agency
workers) may find persons and households by identity, so that nobody registers a household twice;
managers, auditors and administrators may not. Missing and forbidden look the same: `Http404`.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from tsunagu.accounts.models import Role, Staff
from tsunagu.people.models import Household, Person

INTAKE_ROLES = frozenset({Role.WINDOW_WORKER, Role.COORDINATOR, Role.AGENCY_WORKER})


def may_take_consultations(staff: Staff) -> bool:
    return bool(
        staff.is_active and staff.municipality_id and staff.organization_id and staff.role in INTAKE_ROLES
    )


def visible_persons(staff: Staff) -> QuerySet[Person]:
    if not may_take_consultations(staff):
        return Person.objects.none()
    return Person.objects.filter(municipality=staff.municipality)


def visible_households(staff: Staff) -> QuerySet[Household]:
    if not may_take_consultations(staff):
        return Household.objects.none()
    return Household.objects.filter(municipality=staff.municipality)


def get_person_for(staff: Staff, person_id: int) -> Person:
    person = visible_persons(staff).filter(pk=person_id).first()
    if person is None:
        raise Http404
    return person


def get_household_for(staff: Staff, household_id: int) -> Household:
    household = visible_households(staff).filter(pk=household_id).first()
    if household is None:
        raise Http404
    return household
