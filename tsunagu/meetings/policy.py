"""Who may see which meeting and which agenda item — the gate follows the item, not the body.

- The calendar (a body's name, date, place, kind of sitting) carries no personal data: every active staff
  member of the city sees it.
- An agenda item (a case on the agenda) is seen by the case's 束ね役 and the one who proposed it, and by
  a staff member whose organization was selected for that item (or who was invited for it by name) when
  the item's legal function lets them:
  * 重層的支援会議: an active consent on the case covers the meeting kind 重層的支援会議 and their
    organization (cases' `active_consents`, the one definition of "active");
  * 支援会議 / 孤独・孤立対策地域協議会: they acknowledged 守秘義務 for this sitting (or for the body's
    term, as the city sets), and the body's follow-up window after the sitting has not ended;
  * 庁内の連携調整: their organization is one of the city's own departments.
  Everyone else sees nothing of the item, not even that it exists. Missing and forbidden are the same 404.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from tsunagu.access.scope import casework, get_for, scoped
from tsunagu.accounts.models import Staff
from tsunagu.cases.policy import active_consents
from tsunagu.directory.models import Acknowledgement as AckMode
from tsunagu.directory.models import MeetingKind, Organization, OrganizationKind

from .models import (
    DUTY_FUNCTIONS,
    Acknowledgement,
    AgendaItem,
    AgendaItemOrganization,
    FollowUpAccess,
    Invitation,
    ItemFunction,
    ItemStatus,
    Meeting,
)


def fiscal_year(at: dt.datetime | dt.date) -> int:
    """年度: April to March."""
    day = timezone.localtime(at).date() if isinstance(at, dt.datetime) else at
    return day.year if day.month >= 4 else day.year - 1


def visible_meetings(staff: Staff) -> QuerySet[Meeting]:
    return scoped(staff, Meeting.objects.select_related("body", "area"))


def get_meeting_for(staff: Staff, meeting_id: object) -> Meeting:
    return get_for(visible_meetings(staff), meeting_id)


def acknowledged_at(staff: Staff, meeting: Meeting) -> dt.datetime | None:
    """When `staff` acknowledged 守秘義務 for `meeting` (per meeting or for the body's term), or None."""
    rows = Acknowledgement.objects.filter(staff=staff, body_id=meeting.body_id)
    if meeting.body.acknowledgement == AckMode.PER_TERM:
        rows = rows.filter(Q(meeting=meeting) | Q(fiscal_year=fiscal_year(meeting.starts_at)))
    else:
        rows = rows.filter(meeting=meeting)
    first = rows.order_by("acknowledged_at").first()
    return first.acknowledged_at if first else None


def is_invited(staff: Staff, meeting: Meeting) -> bool:
    """Invited to the sitting at all: their organization (for the meeting or for an item) or by name."""
    return (
        Invitation.objects.filter(meeting=meeting)
        .filter(Q(staff=staff) | Q(organization_id=staff.organization_id, staff__isnull=True))
        .exists()
        or meeting.items.exclude(status=ItemStatus.WITHDRAWN)
        .filter(organizations=staff.organization_id)
        .exists()
    )


def consent_covers(case_id: int, organization_id: int, at: dt.datetime | None = None) -> bool:
    """An active consent on the case names the organization and the meeting kind 重層的支援会議."""
    return any(
        MeetingKind.CONSENTED_CONFERENCE in c.meeting_kinds
        for c in active_consents(at).filter(case_id=case_id, organizations=organization_id)
    )


def _selected(staff: Staff, organization_id: int, item: AgendaItem) -> bool:
    return (
        item.organizations.filter(pk=organization_id).exists()
        or Invitation.objects.filter(item=item, staff=staff).exists()
    )


def can_see_item(staff: Staff, item: AgendaItem, at: dt.datetime | None = None) -> bool:
    cw = casework(staff)
    if cw is None or item.municipality_id != cw.municipality_id or item.status == ItemStatus.WITHDRAWN:
        return False
    at = at or timezone.now()
    if item.case.coordinator_id == staff.pk or item.proposed_by_id == staff.pk:
        return True
    if not _selected(staff, cw.organization_id, item):
        return False
    if item.legal_function == ItemFunction.CONSENTED_CONFERENCE:
        return consent_covers(item.case_id, cw.organization_id, at)
    if item.legal_function in DUTY_FUNCTIONS:
        acked = acknowledged_at(staff, item.meeting)
        return acked is not None and acked <= at and at <= item.meeting.follow_up_until()
    return item.organizations.filter(pk=cw.organization_id, kind=OrganizationKind.DEPARTMENT).exists()


def visible_items(staff: Staff, at: dt.datetime | None = None) -> QuerySet[AgendaItem]:
    """The agenda items `staff` may see at `at` (the gate is per item; see the module docstring).

    `can_see_item` for every candidate, with the facts it asks about read once for all of them (the
    organization's items, invitations by name, the consents, the 守秘義務 acknowledgements): a constant
    number of queries however many items ten years of meetings hold, and no join-and-DISTINCT over the
    city's agenda (docs/performance.md, designated-city scale). `test_it_meetings_policy_to_the_letter`
    checks that both answer the same at every edge."""
    cw = casework(staff)
    if cw is None:
        return AgendaItem.objects.none()
    at = at or timezone.now()
    base = AgendaItem.objects.filter(municipality_id=cw.municipality_id).exclude(status=ItemStatus.WITHDRAWN)
    of_organization = AgendaItemOrganization.objects.filter(organization_id=cw.organization_id)
    named = Invitation.objects.filter(staff=staff, item__isnull=False)
    candidates = list(
        base.filter(
            Q(proposed_by=staff)
            | Q(case__coordinator=staff)
            | Q(pk__in=of_organization.values("agendaitem_id"))
            | Q(pk__in=named.values("item_id"))
        )
        .select_related("case", "meeting__body")
        # Only what the gate reads: a city's organization can have thousands of candidate items.
        .only(
            "case__coordinator_id",
            "proposed_by_id",
            "legal_function",
            "meeting__starts_at",
            "meeting__ends_at",
            "meeting__body__acknowledgement",
            "meeting__body__follow_up_days",
        )
        .order_by()
    )
    by_organization = set(of_organization.values_list("agendaitem_id", flat=True))
    by_name = set(named.values_list("item_id", flat=True))
    selected = [
        item
        for item in candidates
        if item.case.coordinator_id != staff.pk
        and item.proposed_by_id != staff.pk
        and (item.pk in by_organization or item.pk in by_name)
    ]
    consented = {i.case_id for i in selected if i.legal_function == ItemFunction.CONSENTED_CONFERENCE}
    covered = (
        {
            c.case_id
            for c in active_consents(at).filter(case_id__in=consented, organizations=cw.organization_id)
            if MeetingKind.CONSENTED_CONFERENCE in c.meeting_kinds
        }
        if consented
        else set()
    )
    acknowledgements = (
        list(
            Acknowledgement.objects.filter(staff=staff).values_list(
                "body_id", "meeting_id", "fiscal_year", "acknowledged_at"
            )
        )
        if any(i.legal_function in DUTY_FUNCTIONS for i in selected)
        else []
    )
    department = OrganizationKind.DEPARTMENT == (
        Organization.objects.filter(pk=cw.organization_id).values_list("kind", flat=True).first()
    )

    def acknowledged(meeting: Meeting) -> dt.datetime | None:
        per_term = meeting.body.acknowledgement == AckMode.PER_TERM
        year = fiscal_year(meeting.starts_at) if per_term else None
        times = [
            when
            for body_id, meeting_id, term, when in acknowledgements
            if body_id == meeting.body_id and (meeting_id == meeting.pk or (per_term and term == year))
        ]
        return min(times) if times else None

    def sees(item: AgendaItem) -> bool:
        if item.case.coordinator_id == staff.pk or item.proposed_by_id == staff.pk:
            return True
        if item.pk not in by_organization and item.pk not in by_name:
            return False
        if item.legal_function == ItemFunction.CONSENTED_CONFERENCE:
            return item.case_id in covered
        if item.legal_function in DUTY_FUNCTIONS:
            acked = acknowledged(item.meeting)
            return acked is not None and acked <= at and at <= item.meeting.follow_up_until()
        return department and item.pk in by_organization

    ids = [item.pk for item in candidates if sees(item)]
    return base.filter(pk__in=ids).select_related("case", "meeting__body", "meeting__area")


def get_item_for(staff: Staff, item_id: object) -> AgendaItem:
    return get_for(visible_items(staff), item_id)


def follow_up_cases(staff: Staff, at: dt.datetime) -> Q | None:
    """Registered for cases' "case" kind: the cases discussed under 支援会議 (or the 地域協議会) that a
    member who acknowledged the duty may read during the body's follow-up window."""
    if casework(staff) is None:
        return None
    return Q(
        pk__in=FollowUpAccess.objects.filter(
            staff=staff, valid_from__lte=at, valid_until__gte=at, duty_acknowledged_at__lte=at
        ).values("case_id")
    )
