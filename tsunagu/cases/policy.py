"""Who may read which case (多機関協働) — the record-level rule of 社会福祉法第106条の4〜6.

A staff member of the case's municipality, in a casework role, sees a case and its persons' records when:
1. they are the case's coordinator (束ね役); or
2. their organization is on the case team AND an active consent (本人同意) names that organization; or
3. they hold an active break-glass grant on the case; or
4. an upper app registered a rule for the record kind "case" (`access.registry`) that grants it — the
   meetings app registers "meetings.follow_up": a 支援会議 member who acknowledged 守秘義務 reads a case
   discussed there until the body's follow-up window ends (its own `FollowUpAccess` record).
Anyone else in the municipality's casework roles learns at most that a case exists for a household, so
that nobody opens a second one. Missing and forbidden look the same: `Http404`.

Cases also widens intake's rule (registered in CasesConfig.ready): the consultations of persons whom an
active consent shares with the staff member's organization, while that organization is on the team.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from tsunagu.access.registry import granting_rules, widen
from tsunagu.access.scope import Casework, break_glass_ids, casework, get_for, in_casework
from tsunagu.accounts.models import Staff
from tsunagu.core import consent_terms
from tsunagu.people.models import Household

from .models import OPEN_STATUSES, Case, CaseTeamMember, Consent

CASE = "case"  # the record kind upper apps widen (declared in CasesConfig.ready)


class Why(Enum):
    """Why a staff member may see a case (shown on the case page and kept in the audit detail)."""

    COORDINATOR = "束ね役"
    TEAM_WITH_CONSENT = "チーム（本人同意あり）"
    BREAK_GLASS = "緊急アクセス"


@dataclass(frozen=True)
class Reason:
    """One reason access is given: `name` goes into audit details, `label` onto the screen."""

    name: str
    label: str

    @classmethod
    def of(cls, why: Why) -> Reason:
        return cls(why.name, why.value)


def active_consents(at: dt.datetime | None = None) -> QuerySet[Consent]:
    """Consents in force at `at`: given, not expired, not withdrawn. The one definition of "active"."""
    return Consent.objects.filter(consent_terms.active_at(at or timezone.now()))


def consents_in_force_on(day: dt.date) -> QuerySet[Consent]:
    """Consents given by `day` and not expired on it (withdrawal is checked by the caller's moment)."""
    return Consent.objects.filter(consent_terms.in_force_on(day))


def _own_rule(staff: Staff, cw: Casework, at: dt.datetime) -> Q:
    on_team = CaseTeamMember.objects.filter(
        case=OuterRef("pk"), organization_id=cw.organization_id, removed_at__isnull=True
    )
    consented = active_consents(at).filter(case=OuterRef("pk"), organizations=cw.organization_id)
    return (
        Q(coordinator=staff) | (Exists(on_team) & Exists(consented)) | Q(pk__in=break_glass_ids(staff, CASE))
    )


def visible_cases(staff: Staff, at: dt.datetime | None = None) -> QuerySet[Case]:
    """The cases `staff` may open at `at` (default now)."""
    cw = casework(staff)
    if cw is None:
        return Case.objects.none()
    at = at or timezone.now()
    return Case.objects.filter(municipality_id=cw.municipality_id).filter(
        widen(CASE, staff, base=_own_rule(staff, cw, at), at=at)
    )


def why_visible(staff: Staff, case: Case, at: dt.datetime | None = None) -> list[Reason]:
    """Every reason that lets `staff` see `case` (empty: not visible)."""
    cw = casework(staff)
    if cw is None or case.municipality_id != cw.municipality_id:
        return []
    at = at or timezone.now()
    reasons = []
    if case.coordinator_id == staff.pk:
        reasons.append(Reason.of(Why.COORDINATOR))
    if (
        CaseTeamMember.objects.filter(
            case=case, organization_id=cw.organization_id, removed_at__isnull=True
        ).exists()
        and active_consents(at).filter(case=case, organizations=cw.organization_id).exists()
    ):
        reasons.append(Reason.of(Why.TEAM_WITH_CONSENT))
    if break_glass_ids(staff, CASE).filter(obj_id=case.pk).exists():
        reasons.append(Reason.of(Why.BREAK_GLASS))
    one = Case.objects.filter(pk=case.pk, municipality_id=cw.municipality_id)
    reasons += [Reason(r.name, r.label or r.name) for r in granting_rules(CASE, staff, one, at)]
    return reasons


def get_case_for(staff: Staff, case_id: object) -> Case:
    """The case if `staff` may open it; `Http404` for missing and forbidden alike."""
    return get_for(visible_cases(staff), case_id)


def household_has_case(staff: Staff, household: Household) -> bool:
    """Whether an open case exists for the household — all that staff outside the case may learn."""
    if not in_casework(staff) or household.municipality_id != staff.municipality_id:
        return False
    return Case.objects.filter(household=household, status__in=OPEN_STATUSES).exists()


def _sharing_consents(cw: Casework, at: dt.datetime) -> QuerySet[Consent]:
    team_cases = CaseTeamMember.objects.filter(
        organization_id=cw.organization_id, removed_at__isnull=True, municipality_id=cw.municipality_id
    ).values("case_id")
    return active_consents(at).filter(case_id__in=team_cases, organizations=cw.organization_id)


def shared_person_ids(staff: Staff, at: dt.datetime | None = None) -> QuerySet[Consent, int]:
    """Ids of persons whose records `staff`'s organization may see through a case it is on, by consent."""
    cw = casework(staff)
    if cw is None:
        return Consent.objects.none().values_list("persons", flat=True)
    return _sharing_consents(cw, at or timezone.now()).values_list("persons", flat=True)


def consented_consultations(staff: Staff, at: dt.datetime) -> Q | None:
    """Registered for intake's "consultation" kind: records of persons a case consent shares with the
    staff member's organization while it is on that case's team."""
    if not in_casework(staff):
        return None
    return Q(person_id__in=shared_person_ids(staff, at))


def consented_consultations_within(staff: Staff, at: dt.datetime, within: QuerySet[Any]) -> Q | None:
    """`consented_consultations` for a query limited to the consultations `within` (one household's):
    the shared persons are looked for among those consultations' persons only — an index lookup per
    person instead of every person the organization's consents share (≈ 3,700 persons and 30 ms for a
    福祉事務所 at 3,000,000 consultations). Among `within` it selects the same rows (tested)."""
    cw = casework(staff)
    if cw is None:
        return None
    shared = Consent.persons.through.objects.filter(
        person_id__in=within.values("person_id"),
        consent_id__in=_sharing_consents(cw, at).values("pk"),
    )
    return Q(person_id__in=shared.values("person_id"))
