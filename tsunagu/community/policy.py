"""Who may read and record what in the community pillar (地域づくり・第3号).

- Groups and sittings (date, place, participant counts, topics) carry no personal data: every staff
  member of the city reads them. Recording a sitting or a need: staff of the group's running organization
  (運営・事務局) and 束ね役.
- A need (気づき) may mention a person: staff of the running organization and 束ね役 read it. Once it
  became a consultation, the consultation's own policy (intake) governs it: whoever may read the
  consultation reads the need, nobody else.
- A volunteer's points ledger names a resident: staff of the program's organization and 束ね役.
Missing and forbidden are the same 404.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tsunagu.access.scope import casework, get_for, scoped
from tsunagu.accounts.models import Role, Staff
from tsunagu.directory.models import CommunityGroup, PointsProgram
from tsunagu.intake.policy import visible_consultations, visible_consultations_of_household
from tsunagu.people.models import Household

from .models import PointEntry, Sitting, SurfacedNeed, Volunteer


def visible_groups(staff: Staff) -> QuerySet[CommunityGroup]:
    return scoped(staff, CommunityGroup.objects.filter(active=True).select_related("organization"))


def get_group_for(staff: Staff, group_id: object) -> CommunityGroup:
    return get_for(visible_groups(staff), group_id)


def visible_sittings(staff: Staff) -> QuerySet[Sitting]:
    return scoped(staff, Sitting.objects.select_related("group", "area"))


def get_sitting_for(staff: Staff, sitting_id: object) -> Sitting:
    return get_for(visible_sittings(staff), sitting_id)


def _runs(staff: Staff, organization_id: int | None) -> bool:
    cw = casework(staff)
    if cw is None:
        return False
    return staff.role == Role.COORDINATOR or (
        organization_id is not None and organization_id == cw.organization_id
    )


def may_record(staff: Staff, group: CommunityGroup) -> bool:
    """Record sittings and needs of `group`: its running organization's staff and 束ね役."""
    return group.municipality_id == staff.municipality_id and _runs(staff, group.organization_id)


def visible_needs(staff: Staff) -> QuerySet[SurfacedNeed]:
    """Unlinked needs of groups the staff member's organization runs (束ね役: all); linked needs exactly
    when the consultation they became is visible."""
    cw = casework(staff)
    if cw is None:
        return SurfacedNeed.objects.none()
    unlinked = Q(consultation__isnull=True)
    if staff.role != Role.COORDINATOR:
        unlinked &= Q(sitting__group__organization_id=cw.organization_id)
    linked = Q(consultation__in=visible_consultations(staff).values("pk"))
    return SurfacedNeed.objects.filter(municipality_id=cw.municipality_id).filter(unlinked | linked)


def visible_needs_of_household(staff: Staff, household: Household) -> QuerySet[SurfacedNeed]:
    """`visible_needs(staff)` of the needs that became a consultation of `household` (the household
    timeline). The same rows, but the consultations are narrowed to the household before the visibility
    test: the OR of `visible_needs` made PostgreSQL build the city's whole set of visible consultations
    (12 s of a 12.4 s household page at 3,000,000 consultations); this is an index lookup."""
    cw = casework(staff)
    if cw is None:
        return SurfacedNeed.objects.none()
    mine = visible_consultations_of_household(staff, household).values("pk")
    return SurfacedNeed.objects.filter(municipality_id=cw.municipality_id, consultation__in=mine)


def get_need_for(staff: Staff, need_id: object) -> SurfacedNeed:
    return get_for(visible_needs(staff).select_related("sitting__group", "area", "consultation"), need_id)


def visible_programs(staff: Staff) -> QuerySet[PointsProgram]:
    return scoped(staff, PointsProgram.objects.filter(active=True).select_related("organization"))


def may_keep_ledger(staff: Staff, program: PointsProgram) -> bool:
    return program.municipality_id == staff.municipality_id and _runs(staff, program.organization_id)


def visible_volunteers(staff: Staff) -> QuerySet[Volunteer]:
    cw = casework(staff)
    if cw is None:
        return Volunteer.objects.none()
    qs = Volunteer.objects.filter(municipality_id=cw.municipality_id, program__active=True)
    if staff.role != Role.COORDINATOR:
        qs = qs.filter(program__organization_id=cw.organization_id)
    return qs.select_related("program", "person")


def get_volunteer_for(staff: Staff, volunteer_id: object) -> Volunteer:
    return get_for(visible_volunteers(staff), volunteer_id)


def get_entry_for(staff: Staff, entry_id: object) -> PointEntry:
    return get_for(
        PointEntry.objects.filter(volunteer__in=visible_volunteers(staff)).select_related("volunteer"),
        entry_id,
    )
