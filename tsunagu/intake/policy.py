"""Who may read which records of the intake pillar: consultations and escalation requests.

- Everything stays inside the staff member's municipality, and only casework roles read anything
  (`access.scope.in_casework`); persons and households are found through `tsunagu.people.policy`.
- A consultation's content is visible to its own organization, to other organizations when the person
  consented to sharing at intake (相談受付・申込票 同意あり), to staff holding break-glass on its household,
  and to whatever upper apps register for the record kind "consultation" (`access.registry`): cases
  registers "consultations of persons an active case consent shares with the staff member's organization".
- Escalation requests: 束ね役 see every request of their city; others see their own organization's.
Missing and forbidden look the same: `Http404`.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from tsunagu.access.registry import widen
from tsunagu.access.scope import Casework, break_glass_ids, casework, get_for
from tsunagu.accounts.models import Role, Staff
from tsunagu.people.models import Household
from tsunagu.people.page import once

from .models import Consultation, EscalationRequest, SharingConsent

CONSULTATION = "consultation"  # the record kind upper apps widen (declared in IntakeConfig.ready)

ESCALATION_HANDLER_ROLES = frozenset({Role.COORDINATOR})


def visible_consultations(staff: Staff, at: dt.datetime | None = None) -> QuerySet[Consultation]:
    """Own organization's records, records consented at intake, every record of a household opened by
    break-glass, and what upper apps register (e.g. persons shared with the staff member's organization
    through a case consent)."""
    cw = casework(staff)
    if cw is None:
        return Consultation.objects.none()
    return Consultation.objects.filter(municipality_id=cw.municipality_id).filter(
        widen(CONSULTATION, staff, base=_own_rule(staff, cw), at=at)
    )


def _own_rule(staff: Staff, cw: Casework) -> Q:
    return (
        Q(organization_id=cw.organization_id)
        | Q(sharing_consent=SharingConsent.CONSENTED)
        | Q(household_id__in=break_glass_ids(staff, "household"))
    )


def visible_consultations_of_household(
    staff: Staff, household: Household, at: dt.datetime | None = None
) -> QuerySet[Consultation]:
    """`visible_consultations(staff, at).filter(household=household)`, the same rows (tested for every
    kind of reader), for the household page: the household's consultations are found by index first and
    the registered rules read only what concerns them (`access.registry.widen(within=…)`). The general
    form's OR builds each rule's city-wide sub-select (every person the organization's case consents
    share) before testing the household's rows: ≈ 30 ms per query at 3,000,000 consultations, a dozen
    times a page. On the household page (`people.page.for_page`) the queryset is built once for `now`
    and shared by the page's parts (timeline, summary, escalation advice, community needs)."""
    cw = casework(staff)
    if cw is None:
        return Consultation.objects.none()

    def build() -> QuerySet[Consultation]:
        rows = Consultation.objects.filter(municipality_id=cw.municipality_id, household_id=household.pk)
        return rows.filter(widen(CONSULTATION, staff, base=_own_rule(staff, cw), at=at, within=rows))

    if at is not None:
        return build()
    return once(household, staff, "intake.visible_consultations", build)


def visible_escalation_requests(staff: Staff) -> QuerySet[EscalationRequest]:
    """Coordinators see every request of their city; others see the requests their organization made."""
    cw = casework(staff)
    if cw is None:
        return EscalationRequest.objects.none()
    qs = EscalationRequest.objects.filter(municipality_id=cw.municipality_id)
    if staff.role in ESCALATION_HANDLER_ROLES:
        return qs
    return qs.filter(organization_id=cw.organization_id)


def may_see_escalation_request(staff: Staff, request: EscalationRequest) -> bool:
    """`visible_escalation_requests` for one request already read (no query): same city, and a
    coordinator or the organization that made it."""
    cw = casework(staff)
    if cw is None or request.municipality_id != cw.municipality_id:
        return False
    return staff.role in ESCALATION_HANDLER_ROLES or request.organization_id == cw.organization_id


def get_consultation_for(staff: Staff, consultation_id: object) -> Consultation:
    return get_for(visible_consultations(staff), consultation_id)


def get_escalation_request_for(staff: Staff, request_id: object) -> EscalationRequest:
    return get_for(visible_escalation_requests(staff), request_id)


def hidden_consultation_count(staff: Staff, household: Household) -> int:
    """How many of the household's consultations exist but are not visible: shown as a number only."""
    cw = casework(staff)
    if cw is None or household.municipality_id != cw.municipality_id:
        return 0
    total = Consultation.objects.filter(municipality_id=cw.municipality_id, household=household).count()
    return total - visible_consultations_of_household(staff, household).count()
