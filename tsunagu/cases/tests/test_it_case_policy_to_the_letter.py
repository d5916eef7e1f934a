"""Who may read which case (`tsunagu/cases/policy.py`), to the letter (issue 9 B4, mutation testing).

The access matrix (test_it_access_matrix.py) walks every role × relationship; these tests pin what the
matrix leaves open: that each condition is tied to *this* case (a team seat or a consent on another case of
the city opens nothing), that the moment asked about (`at`) is the one judged, the exact reasons
`why_visible` gives, and that staff outside a case learn at most that an open case exists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from tests.factories import make_staff
from tsunagu.access.models import BreakGlassGrant
from tsunagu.accounts.models import Role
from tsunagu.cases import actions
from tsunagu.cases.models import Case, CaseStatus, CaseTeamMember, Consent, ConsentBasis, TeamRole
from tsunagu.cases.policy import (
    Reason,
    Why,
    active_consents,
    consented_consultations,
    consents_in_force_on,
    get_case_for,
    household_has_case,
    shared_person_ids,
    visible_cases,
    why_visible,
)
from tsunagu.intake.models import Consultation
from tsunagu.intake.tests.helpers import record

from .helpers import BREAK_GLASS_REASON, World, consent_input, make_world, meeting_access

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
FOLLOW_UP = Reason("meetings.follow_up", "支援会議の構成員（守秘義務・会議後の期間）")


def agency(world: World, key: str):
    return make_staff(world.city.muni, Role.AGENCY_WORKER, world.orgs[key], mfa=False)


def second_case(world: World) -> Case:
    """Another case of the same city: `off` sits on its team, and its active consent names `unnamed` —
    the two organizations that are each only half-way to world.case (named but off the team / on the team
    but unnamed). Neither half may be completed by the other case."""
    coord = world.coordinator
    c = record(world.city, world.city.window_worker, "not_consented", note="別世帯の相談")
    case = actions.open_case(actor=coord, household=c.household, persons=[c.person], title="別のケース")
    actions.set_team_member(actor=coord, case=case, organization=world.orgs["off"], role=TeamRole.COOPERATING)
    actions.record_consent(actor=coord, case=case, data=consent_input(c.person, [world.orgs["unnamed"]]))
    case.refresh_from_db()
    return case


def sees(staff, world: World, at: dt.datetime | None = None) -> bool:
    """Whether `staff` may open world.case at `at`, asked of every access function, which must agree."""
    listed = world.case in visible_cases(staff, at)
    reasons = why_visible(staff, world.case, at)
    assert listed is bool(reasons), (listed, reasons)
    if at is None:
        try:
            opened = get_case_for(staff, world.case.pk) == world.case
        except Http404:
            opened = False
        assert opened is listed
    return listed


def test_reasons_carry_their_name_for_the_audit_and_their_label_for_the_screen():
    assert Reason.of(Why.COORDINATOR) == Reason("COORDINATOR", "束ね役")
    assert Reason.of(Why.TEAM_WITH_CONSENT) == Reason("TEAM_WITH_CONSENT", "チーム（本人同意あり）")


def test_each_reason_is_given_exactly_and_in_order():
    world = make_world()
    coord, team = world.coordinator, agency(world, "team")
    own = coord.organization
    assert own is not None
    assert why_visible(coord, world.case) == [Reason.of(Why.COORDINATOR)]
    assert why_visible(team, world.case) == [Reason.of(Why.TEAM_WITH_CONSENT)]
    # Every reason at once: coordinator, on a consented team, break-glass and a 支援会議 window.
    actions.set_team_member(actor=coord, case=world.case, organization=own, role=TeamRole.COOPERATING)
    actions.record_consent(actor=coord, case=world.case, data=consent_input(world.p1, [own]))
    BreakGlassGrant.objects.create(
        municipality=world.city.muni,
        staff=coord,
        obj_type="case",
        obj_id=world.case.pk,
        reason=BREAK_GLASS_REASON,
        expires_at=timezone.now() + HOUR,
    )
    meeting_access(world.case, coord, start=-HOUR, end=DAY)
    assert why_visible(coord, world.case) == [
        Reason.of(Why.COORDINATOR),
        Reason.of(Why.TEAM_WITH_CONSENT),
        Reason.of(Why.BREAK_GLASS),
        FOLLOW_UP,
    ]


def test_a_team_seat_or_a_consent_on_another_case_of_the_city_does_not_complete_this_one():
    world = make_world()
    other = second_case(world)
    off, unnamed = agency(world, "off"), agency(world, "unnamed")
    for staff in (off, unnamed):
        assert not sees(staff, world)
        assert other not in visible_cases(staff)
        assert set(shared_person_ids(staff)) == set()
        assert not Consultation.objects.filter(consented_consultations(staff, timezone.now()))
    # The team's organization is still the only one besides the coordinator.
    assert sees(agency(world, "team"), world)
    assert set(shared_person_ids(agency(world, "team"))) == {world.p1.pk}


def test_a_row_that_seats_this_citys_organization_on_another_citys_case_shares_nothing():
    world = make_world()
    other, team_org = world.other, world.orgs["team"]
    CaseTeamMember.objects.create(
        municipality=other.muni,
        case=world.other_case,
        organization=team_org,
        role=TeamRole.COOPERATING,
        added_by=other.coordinator,
    )
    member = world.other_case.household.members.select_related("person").first()
    assert member is not None
    consent = Consent.objects.create(
        municipality=other.muni,
        case=world.other_case,
        given_by=member.person,
        basis=ConsentBasis.SELF,
        method="written",
        given_on=timezone.localdate(),
        recorded_by=other.coordinator,
    )
    consent.persons.add(member.person)
    consent.organizations.add(team_org)
    team = agency(world, "team")
    assert set(shared_person_ids(team)) == {world.p1.pk}
    assert world.other_case not in visible_cases(team)


def test_an_organization_removed_from_the_team_loses_the_case_and_the_shared_persons():
    world = make_world()
    team = agency(world, "team")
    actions.remove_team_member(actor=world.coordinator, case=world.case, organization=world.orgs["team"])
    assert not sees(team, world)
    assert list(shared_person_ids(team)) == []
    assert household_has_case(team, world.household) is True


def test_the_moment_asked_about_is_the_one_judged():
    world = make_world()
    team, coord = agency(world, "team"), world.coordinator
    now = timezone.now()
    # The consent was given today: two days ago the team had no consent in force.
    assert sees(team, world, now)
    assert not sees(team, world, now - 2 * DAY)
    assert sees(coord, world, now - 2 * DAY)
    assert set(shared_person_ids(team, now - 2 * DAY)) == set()
    assert not Consultation.objects.filter(consented_consultations(team, now - 2 * DAY))
    assert set(Consultation.objects.filter(consented_consultations(team, now))) == {world.consultation_p1}
    # A 支援会議 window that opens in an hour: closed now, open then, closed again after it.
    member = agency(world, "unnamed")
    meeting_access(world.case, member, start=HOUR, end=DAY)
    assert not sees(member, world)
    assert sees(member, world, now + 2 * HOUR)
    assert why_visible(member, world.case, now + 2 * HOUR) == [FOLLOW_UP]
    assert not sees(member, world, now + 2 * DAY)


def test_a_follow_up_window_on_another_case_gives_no_reason_for_this_one():
    world = make_world()
    other = second_case(world)
    member = agency(world, "unnamed")
    meeting_access(other, member, start=-HOUR, end=DAY)
    assert other in visible_cases(member)
    assert why_visible(member, other) == [FOLLOW_UP]
    assert not sees(member, world)


def test_break_glass_on_the_household_opens_its_consultations_but_not_the_case():
    world = make_world()
    staff = agency(world, "unnamed")
    for obj_type in ("household", "person"):
        BreakGlassGrant.objects.create(
            municipality=world.city.muni,
            staff=staff,
            obj_type=obj_type,
            obj_id=world.case.pk,  # the same number as the case: only the kind tells them apart
            reason=BREAK_GLASS_REASON,
            expires_at=timezone.now() + HOUR,
        )
    assert not sees(staff, world)
    BreakGlassGrant.objects.create(
        municipality=world.city.muni,
        staff=staff,
        obj_type="case",
        obj_id=world.case.pk,
        reason=BREAK_GLASS_REASON,
        expires_at=timezone.now() + HOUR,
    )
    assert sees(staff, world)
    assert why_visible(staff, world.case) == [Reason.of(Why.BREAK_GLASS)]


def test_another_citys_staff_gets_nothing_even_with_rows_that_name_this_case():
    world = make_world()
    outsider = world.other.coordinator
    # A grant in the outsider's own city on this case's number, and a 支援会議 window on this case.
    BreakGlassGrant.objects.create(
        municipality=world.other.muni,
        staff=outsider,
        obj_type="case",
        obj_id=world.case.pk,
        reason=BREAK_GLASS_REASON,
        expires_at=timezone.now() + HOUR,
    )
    meeting_access(world.case, outsider, start=-HOUR, end=DAY)
    assert not sees(outsider, world)
    assert household_has_case(outsider, world.household) is False
    # The outsider's own case stays theirs.
    assert why_visible(outsider, world.other_case) == [Reason.of(Why.COORDINATOR)]
    assert list(visible_cases(outsider)) == [world.other_case]


@pytest.mark.parametrize("role", [Role.MANAGER, Role.AUDITOR, Role.ADMINISTRATOR])
def test_roles_outside_casework_learn_nothing_not_even_that_a_case_exists(role):
    world = make_world()
    staff = make_staff(world.city.muni, role, world.orgs["team"], mfa=False)
    Case.objects.filter(pk=world.case.pk).update(coordinator=staff)
    world.case.refresh_from_db()
    assert not sees(staff, world)
    assert why_visible(staff, world.case) == []
    assert household_has_case(staff, world.household) is False
    assert list(shared_person_ids(staff)) == []
    # Still one column, usable as a subquery the way intake's rule uses it.
    assert list(Consultation.objects.filter(person_id__in=shared_person_ids(staff))) == []
    assert consented_consultations(staff, timezone.now()) is None


def test_household_has_case_is_about_an_open_case_of_that_household():
    world = make_world()
    unnamed = agency(world, "unnamed")
    assert household_has_case(unnamed, world.household) is True
    # Another household of the city (with a case of its own elsewhere) has none.
    lone = record(world.city, world.city.window_worker, "not_consented").household
    assert household_has_case(unnamed, lone) is False
    Case.objects.filter(pk=world.case.pk).update(status=CaseStatus.CLOSED)
    assert household_has_case(unnamed, world.household) is False
    assert household_has_case(world.other.coordinator, world.other_case.household) is True


def test_active_consents_and_consents_in_force_follow_the_day_and_the_withdrawal():
    world = make_world()
    c = world.consents
    now = timezone.now()
    today = timezone.localdate()
    assert set(active_consents()) == {c["active"]}
    assert set(active_consents(now)) == {c["active"]}
    # The withdrawn consent was in force before its withdrawal.
    withdrawn_at = c["withdrawn"].withdrawn_at
    assert withdrawn_at is not None
    assert set(active_consents(withdrawn_at - dt.timedelta(seconds=1))) == {c["active"], c["withdrawn"]}
    assert set(active_consents(now - 2 * DAY)) == {c["expired"]}
    assert set(consents_in_force_on(today)) == {c["active"], c["withdrawn"]}
    assert set(consents_in_force_on(today - 2 * DAY)) == {c["expired"]}


def test_consented_consultations_selects_the_shared_persons_records():
    world = make_world()
    q = consented_consultations(agency(world, "team"), timezone.now())
    assert isinstance(q, Q)
    assert set(Consultation.objects.filter(q)) == {world.consultation_p1}
