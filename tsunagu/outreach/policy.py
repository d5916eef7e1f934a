"""Who may read and work which outreach engagements (アウトリーチ, 第4号).

Only casework staff of the engagement's municipality (`access.scope.casework`) read anything. Inside it:
1. the staff of the organization running the engagement (実施機関);
2. the workers assigned to it (担当者), whatever their organization;
3. the city's coordinators (束ね役), who watch every engagement for lapses;
4. holders of an active break-glass grant on the engagement (read only);
5. rules upper apps register for the record kind "outreach_engagement" (`access.registry`; read only).
Anyone else — another window, another agency — learns nothing, not even how many there are: a missing
and a forbidden engagement both answer `Http404`. Recording contacts, identifying the person and closing
are for 1–3 (`workable_engagements`).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from tsunagu.access.registry import widen
from tsunagu.access.scope import Casework, break_glass_ids, casework, get_for
from tsunagu.accounts.models import Role, Staff

from .models import Contact, Engagement, EngagementWorker

ENGAGEMENT = "outreach_engagement"  # record kind and break-glass type (declared in OutreachConfig.ready)


def _work_rule(staff: Staff, cw: Casework) -> Q:
    if staff.role == Role.COORDINATOR:
        return Q(pk__isnull=False)  # every engagement of the city (the municipality is filtered outside)
    assigned = EngagementWorker.objects.filter(engagement=OuterRef("pk"), staff_id=staff.pk)
    return Q(organization_id=cw.organization_id) | Q(Exists(assigned))


def workable_engagements(staff: Staff) -> QuerySet[Engagement]:
    """Engagements `staff` may record contacts on, identify and close."""
    cw = casework(staff)
    if cw is None:
        return Engagement.objects.none()
    return Engagement.objects.filter(municipality_id=cw.municipality_id).filter(_work_rule(staff, cw))


def visible_engagements(staff: Staff, at: dt.datetime | None = None) -> QuerySet[Engagement]:
    """Engagements `staff` may read at `at` (default now)."""
    cw = casework(staff)
    if cw is None:
        return Engagement.objects.none()
    base = _work_rule(staff, cw) | Q(pk__in=break_glass_ids(staff, ENGAGEMENT))
    return Engagement.objects.filter(municipality_id=cw.municipality_id).filter(
        widen(ENGAGEMENT, staff, base=base, at=at or timezone.now())
    )


def own_engagements(staff: Staff) -> QuerySet[Engagement]:
    """The engagements `staff` is assigned to (「自分の担当」)."""
    cw = casework(staff)
    if cw is None:
        return Engagement.objects.none()
    return Engagement.objects.filter(municipality_id=cw.municipality_id, workers__staff_id=staff.pk)


def get_engagement_for(staff: Staff, engagement_id: object) -> Engagement:
    return get_for(visible_engagements(staff), engagement_id)


def get_engagement_to_work(staff: Staff, engagement_id: object) -> Engagement:
    return get_for(workable_engagements(staff), engagement_id)


def may_work(staff: Staff, engagement: Engagement) -> bool:
    return workable_engagements(staff).filter(pk=engagement.pk).exists()


def visible_contacts(staff: Staff) -> QuerySet[Contact]:
    """Contacts of the engagements `staff` may read."""
    cw = casework(staff)
    if cw is None:
        return Contact.objects.none()
    return Contact.objects.filter(
        municipality_id=cw.municipality_id, engagement__in=visible_engagements(staff)
    )
