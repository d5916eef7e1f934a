"""Who may read which personal records of the intake pillar (persons, households, consultations).

Rules (intake issue; the cases issue adds case-team rules):
- everything stays inside the staff member's municipality;
- staff who take consultations (window workers, coordinators, agency workers) may find persons and
  households by identity, so that nobody registers a household twice;
- a consultation's content is visible to its own organization, and to other organizations only when
  the person consented to sharing (相談受付・申込票 同意あり);
- managers, auditors and administrators see no personal records here (they get aggregates and the audit log).
Missing and forbidden look the same: `Http404`.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from tsunagu.accounts.models import Role, Staff
from tsunagu.intake.models import Consultation, EscalationRequest, SharingConsent
from tsunagu.people.models import Household, Person

INTAKE_ROLES = frozenset({Role.WINDOW_WORKER, Role.COORDINATOR, Role.AGENCY_WORKER})
ESCALATION_HANDLER_ROLES = frozenset({Role.COORDINATOR})


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


def visible_consultations(staff: Staff) -> QuerySet[Consultation]:
    if not may_take_consultations(staff):
        return Consultation.objects.none()
    return Consultation.objects.filter(municipality=staff.municipality).filter(
        Q(organization=staff.organization) | Q(sharing_consent=SharingConsent.CONSENTED)
    )


def visible_escalation_requests(staff: Staff) -> QuerySet[EscalationRequest]:
    """Coordinators see every request of their city; others see the requests their organization made."""
    if not may_take_consultations(staff):
        return EscalationRequest.objects.none()
    qs = EscalationRequest.objects.filter(municipality=staff.municipality)
    if staff.role in ESCALATION_HANDLER_ROLES:
        return qs
    return qs.filter(organization=staff.organization)


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


def get_consultation_for(staff: Staff, consultation_id: int) -> Consultation:
    consultation = visible_consultations(staff).filter(pk=consultation_id).first()
    if consultation is None:
        raise Http404
    return consultation


def get_escalation_request_for(staff: Staff, request_id: int) -> EscalationRequest:
    req = visible_escalation_requests(staff).filter(pk=request_id).first()
    if req is None:
        raise Http404
    return req


def hidden_consultation_count(staff: Staff, household: Household) -> int:
    """How many of the household's consultations exist but are not visible: shown as a number only."""
    total = Consultation.objects.filter(municipality=staff.municipality, household=household).count()
    return total - visible_consultations(staff).filter(household=household).count()
