"""Who may read which case (多機関協働) — the record-level rule of 社会福祉法第106条の4〜6.

A staff member of the case's municipality, in a casework role, sees a case and its persons' records when:
1. they are the case's coordinator (束ね役); or
2. their organization is on the case team AND an active consent (本人同意) names that organization; or
3. the case is on the agenda of a 支援会議 they attended as a member who acknowledged 守秘義務, within
   that meeting's follow-up window (`MeetingCaseAccess`, written by the meetings app); or
4. they hold an active break-glass grant on the case.
Anyone else in the municipality's casework roles learns at most that a case exists for a household, so
that nobody opens a second one. Missing and forbidden look the same: `Http404`.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from tsunagu.accounts.models import Role, Staff
from tsunagu.cases.models import Case, CaseTeamMember, Consent, MeetingCaseAccess
from tsunagu.directory.models import Organization
from tsunagu.people.models import Household

from .scope import break_glass_ids

CASE_ROLES = frozenset({Role.WINDOW_WORKER, Role.COORDINATOR, Role.AGENCY_WORKER})


class Why(Enum):
    """Why a staff member may see a case (shown on the case page and kept in the audit detail)."""

    COORDINATOR = "束ね役"
    TEAM_WITH_CONSENT = "チーム（本人同意あり）"
    CONFIDENTIAL_CONFERENCE = "支援会議の構成員（守秘義務）"
    BREAK_GLASS = "緊急アクセス"


def active_consents(at: dt.datetime | None = None) -> QuerySet[Consent]:
    """Consents in force at `at`: given, not expired, not withdrawn."""
    at = at or timezone.now()
    day = timezone.localtime(at).date()
    return (
        Consent.objects.filter(given_on__lte=day)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=day))
        .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=at))
    )


def consent_covers(case: Case, organization: Organization | None, at: dt.datetime | None = None) -> bool:
    """May the case's information be shared with `organization` now (an active consent names it)?"""
    if organization is None:
        return False
    return active_consents(at).filter(case=case, organizations=organization).exists()


def _meeting_windows(at: dt.datetime) -> QuerySet[MeetingCaseAccess]:
    """支援会議 follow-up windows open at `at` for a member who had acknowledged 守秘義務 by then: the
    duty is what makes sharing without consent lawful (法第106条の6), so no acknowledgement, no access."""
    return MeetingCaseAccess.objects.filter(
        valid_from__lte=at, valid_until__gte=at, duty_acknowledged_at__lte=at
    )


def _in_casework(staff: Staff) -> bool:
    return bool(
        staff.is_active and staff.municipality_id and staff.organization_id and staff.role in CASE_ROLES
    )


def visible_cases(staff: Staff, at: dt.datetime | None = None) -> QuerySet[Case]:
    """The cases `staff` may open at `at` (default now)."""
    if not _in_casework(staff):
        return Case.objects.none()
    at = at or timezone.now()
    on_team = CaseTeamMember.objects.filter(
        case=OuterRef("pk"), organization=staff.organization, removed_at__isnull=True
    )
    consented = active_consents(at).filter(case=OuterRef("pk"), organizations=staff.organization_id)
    in_meeting = _meeting_windows(at).filter(case=OuterRef("pk"), staff=staff)
    return Case.objects.filter(municipality=staff.municipality).filter(
        Q(coordinator=staff)
        | (Exists(on_team) & Exists(consented))
        | Exists(in_meeting)
        | Q(pk__in=break_glass_ids(staff, "case"))
    )


def why_visible(staff: Staff, case: Case, at: dt.datetime | None = None) -> list[Why]:
    """Every reason that lets `staff` see `case` (empty: not visible)."""
    if not _in_casework(staff) or case.municipality_id != staff.municipality_id:
        return []
    at = at or timezone.now()
    reasons = []
    if case.coordinator_id == staff.pk:
        reasons.append(Why.COORDINATOR)
    if (
        CaseTeamMember.objects.filter(
            case=case, organization=staff.organization, removed_at__isnull=True
        ).exists()
        and active_consents(at).filter(case=case, organizations=staff.organization_id).exists()
    ):
        reasons.append(Why.TEAM_WITH_CONSENT)
    if _meeting_windows(at).filter(case=case, staff=staff).exists():
        reasons.append(Why.CONFIDENTIAL_CONFERENCE)
    if break_glass_ids(staff, "case").filter(obj_id=case.pk).exists():
        reasons.append(Why.BREAK_GLASS)
    return reasons


def get_case_for(staff: Staff, case_id: int) -> Case:
    case = visible_cases(staff).filter(pk=case_id).first()
    if case is None:
        raise Http404
    return case


def household_has_case(staff: Staff, household: Household) -> bool:
    """Whether an open case exists for the household — all that staff outside the case may learn."""
    if not _in_casework(staff) or household.municipality_id != staff.municipality_id:
        return False
    return Case.objects.filter(household=household).exclude(status="closed").exists()


def shared_person_ids(staff: Staff, at: dt.datetime | None = None) -> QuerySet[Consent, int]:
    """Ids of persons whose records `staff`'s organization may see through a case it is on, by consent."""
    if not _in_casework(staff):
        return Consent.objects.none().values_list("persons", flat=True)
    at = at or timezone.now()
    team_cases = CaseTeamMember.objects.filter(
        organization=staff.organization, removed_at__isnull=True, municipality=staff.municipality
    ).values("case_id")
    return (
        active_consents(at)
        .filter(case_id__in=team_cases, organizations=staff.organization_id)
        .values_list("persons", flat=True)
    )
