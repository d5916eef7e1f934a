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
from tsunagu.directory.models import MeetingKind, OrganizationKind

from .models import (
    DUTY_FUNCTIONS,
    Acknowledgement,
    AgendaItem,
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
    """The agenda items `staff` may see at `at` (the gate is per item; see the module docstring)."""
    cw = casework(staff)
    if cw is None:
        return AgendaItem.objects.none()
    at = at or timezone.now()
    base = AgendaItem.objects.filter(municipality_id=cw.municipality_id).exclude(status=ItemStatus.WITHDRAWN)
    candidates = (
        base.filter(
            Q(proposed_by=staff)
            | Q(case__coordinator=staff)
            | Q(organizations=cw.organization_id)
            | Q(invitations__staff=staff)
        )
        .select_related("case", "meeting__body")
        .distinct()
    )
    ids = [item.pk for item in candidates if can_see_item(staff, item, at)]
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
