"""Who may read which records of the intake pillar: consultations and escalation requests.

Rules (intake issue; the cases issue adds case-team rules):
- everything stays inside the staff member's municipality;
- persons and households: see `tsunagu.access.persons` (re-exported here for intake's views);
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
from tsunagu.people.models import Household

from .cases import shared_person_ids
from .persons import (
    INTAKE_ROLES,
    get_household_for,
    get_person_for,
    may_take_consultations,
    visible_households,
    visible_persons,
)
from .scope import break_glass_ids

__all__ = [
    "ESCALATION_HANDLER_ROLES", "INTAKE_ROLES", "get_consultation_for", "get_escalation_request_for",
    "get_household_for", "get_person_for", "hidden_consultation_count", "may_take_consultations",
    "visible_consultations", "visible_escalation_requests", "visible_households", "visible_persons",
]  # fmt: skip

ESCALATION_HANDLER_ROLES = frozenset({Role.COORDINATOR})


def visible_consultations(staff: Staff) -> QuerySet[Consultation]:
    """Own organization's records, records consented at intake, records of persons shared with the staff
    member's organization through a case consent, and every record of a household opened by break-glass."""
    if not may_take_consultations(staff):
        return Consultation.objects.none()
    return Consultation.objects.filter(municipality=staff.municipality).filter(
        Q(organization=staff.organization)
        | Q(sharing_consent=SharingConsent.CONSENTED)
        | Q(household_id__in=break_glass_ids(staff, "household"))
        | Q(person_id__in=shared_person_ids(staff))
    )


def visible_escalation_requests(staff: Staff) -> QuerySet[EscalationRequest]:
    """Coordinators see every request of their city; others see the requests their organization made."""
    if not may_take_consultations(staff):
        return EscalationRequest.objects.none()
    qs = EscalationRequest.objects.filter(municipality=staff.municipality)
    if staff.role in ESCALATION_HANDLER_ROLES:
        return qs
    return qs.filter(organization=staff.organization)


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
