"""Who may see which meeting and agenda item (`tsunagu/meetings/policy.py`), to the letter (issue 9 B4,
mutation testing). Items are written straight into the tables (not through the actions, which refuse
some of these states), so that the policy alone is tested: whoever the item's rule does not let in sees
nothing of it — not in the list, not by id, not as a count — and the edges of each window are exact."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.http import Http404
from django.utils import timezone

from tests.factories import make_area, make_organization, make_staff
from tsunagu.accounts.models import Role
from tsunagu.cases.models import Case
from tsunagu.cases.tests.helpers import consent_input, make_world, meeting_access
from tsunagu.directory.models import Acknowledgement as AckMode
from tsunagu.meetings.models import (
    Acknowledgement,
    AgendaItem,
    AgendaItemOrganization,
    Invitation,
    ItemStatus,
    Meeting,
)
from tsunagu.meetings.policy import (
    acknowledged_at,
    can_see_item,
    consent_covers,
    fiscal_year,
    follow_up_cases,
    get_item_for,
    get_meeting_for,
    is_invited,
    visible_items,
    visible_meetings,
)

from .helpers import make_body, sitting

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
CONFIDENTIAL = "confidential_conference"
CONSENTED = "consented_conference"
INTERNAL = "coordination"


def test_fiscal_year_runs_from_april_in_japan():
    assert fiscal_year(dt.date(2026, 4, 1)) == 2026
    assert fiscal_year(dt.date(2026, 3, 31)) == 2025
    assert fiscal_year(dt.date(2026, 12, 31)) == 2026
    assert fiscal_year(dt.date(2027, 1, 1)) == 2026
    # A moment is judged by its Japanese date: 1 April 01:00 JST is still 31 March in UTC.
    assert fiscal_year(dt.datetime(2026, 3, 31, 16, 0, tzinfo=dt.UTC)) == 2026
    assert fiscal_year(dt.datetime(2026, 4, 1, 1, 0, tzinfo=ZoneInfo("Asia/Tokyo"))) == 2026
    assert fiscal_year(dt.datetime(2026, 3, 31, 14, 0, tzinfo=dt.UTC)) == 2025


pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = make_world()
    muni = world.city.muni
    body = make_body(world, "shien", CONFIDENTIAL, [CONFIDENTIAL, CONSENTED, INTERNAL], follow_up_days=10)
    meeting = sitting(body)  # began an hour ago, two hours long
    dept = make_organization(muni, name="福祉政策課", kind="department")
    return SimpleNamespace(
        world=world,
        muni=muni,
        body=body,
        meeting=meeting,
        dept=dept,
        coord=world.coordinator,
        member=make_staff(muni, Role.AGENCY_WORKER, world.orgs["unnamed"], mfa=False),
        colleague=make_staff(muni, Role.AGENCY_WORKER, world.orgs["unnamed"], mfa=False),
        officer=make_staff(muni, Role.WINDOW_WORKER, dept, mfa=False),
        outsider=make_staff(muni, Role.AGENCY_WORKER, world.orgs["off"], mfa=False),
    )


def item(w, function: str, orgs=(), *, meeting=None, case=None, proposed_by=None, status="placed"):
    meeting = meeting or w.meeting
    row = AgendaItem.objects.create(
        municipality=w.muni,
        meeting=meeting,
        case=case or w.world.case,
        purpose="sharing",
        minutes=15,
        legal_function=function,
        status=status,
        proposed_by=proposed_by or w.coord,
    )
    for org in orgs:
        AgendaItemOrganization.objects.create(municipality=w.muni, agendaitem=row, organization=org)
    return row


def ack(w, staff, *, meeting=None, fiscal_year=None, at=None, body=None):
    return Acknowledgement.objects.create(
        municipality=w.muni,
        body=body or w.body,
        staff=staff,
        meeting=meeting,
        fiscal_year=fiscal_year,
        acknowledged_at=at or timezone.now(),
    )


def invite(w, **fields):
    return Invitation.objects.create(municipality=w.muni, invited_by=w.coord, **fields)


def seen(staff, row, at=None) -> bool:
    """can_see_item, visible_items and get_item_for must agree."""
    one = can_see_item(staff, row, at)
    listed = row in visible_items(staff, at)
    assert one is listed, (one, listed)
    if at is None:
        try:
            got = get_item_for(staff, row.pk) == row
        except Http404:
            got = False
        assert got is listed
    return listed


# ---- the calendar -----------------------------------------------------------------------------------


def test_every_active_staff_member_of_the_city_sees_the_calendar_and_no_other_city(
    w, django_assert_num_queries
):
    other_body = make_body(w.world, "b-shien", CONFIDENTIAL, [CONFIDENTIAL])
    other_body.municipality = w.world.other.muni
    other_body.save()
    theirs = sitting(other_body)
    manager = make_staff(w.muni, Role.MANAGER, w.dept, mfa=False)
    assert list(visible_meetings(manager)) == [w.meeting]
    assert get_meeting_for(manager, str(w.meeting.pk)) == w.meeting
    with pytest.raises(Http404):
        get_meeting_for(manager, theirs.pk)
    assert list(visible_meetings(w.world.other.coordinator)) == [theirs]
    # The body and the area come with the meetings: one query for the whole calendar.
    east = make_area(w.muni, "東地区")
    Meeting.objects.filter(pk=w.meeting.pk).update(area=east)
    with django_assert_num_queries(1):
        assert [(m.body.name, m.area) for m in visible_meetings(manager)] == [(w.body.name, east)]
    manager.is_active = False
    assert list(visible_meetings(manager)) == []


# ---- 守秘義務 acknowledgements ------------------------------------------------------------------------


def test_a_per_meeting_acknowledgement_counts_for_that_meeting_and_that_staff_member_only(w):
    later = sitting(w.body, starts=3 * DAY)
    fy = fiscal_year(w.meeting.starts_at)
    ack(w, w.member, meeting=later)
    ack(w, w.member, fiscal_year=fy)  # a term acknowledgement does not count for a per-meeting body
    ack(w, w.colleague, meeting=w.meeting)
    assert acknowledged_at(w.member, w.meeting) is None
    at = timezone.now() - HOUR
    ack(w, w.member, meeting=w.meeting, at=at)
    assert acknowledged_at(w.member, w.meeting) == at


def test_a_per_term_acknowledgement_covers_the_bodys_fiscal_year_and_the_earliest_counts(w):
    w.body.acknowledgement = AckMode.PER_TERM
    w.body.save()
    other_body = make_body(w.world, "kyogikai", "loneliness_council", ["loneliness_council"])
    fy = fiscal_year(w.meeting.starts_at)
    ack(w, w.member, fiscal_year=fy - 1)
    ack(w, w.member, fiscal_year=fy, body=other_body)
    ack(w, w.colleague, fiscal_year=fy)
    assert acknowledged_at(w.member, w.meeting) is None
    now = timezone.now()
    ack(w, w.member, meeting=w.meeting, at=now - HOUR)
    assert acknowledged_at(w.member, w.meeting) == now - HOUR
    ack(w, w.member, fiscal_year=fy, at=now - 2 * HOUR)  # written later, acknowledged earlier
    assert acknowledged_at(w.member, w.meeting) == now - 2 * HOUR


# ---- invitations ------------------------------------------------------------------------------------


def test_is_invited_by_name_by_organization_or_through_an_item_of_this_meeting_only(w):
    other_meeting = sitting(w.body, starts=3 * DAY)
    invite(w, meeting=other_meeting, staff=w.member)
    invite(w, meeting=w.meeting, organization=w.world.orgs["unnamed"], staff=w.colleague)
    item(w, CONFIDENTIAL, [w.world.orgs["unnamed"]], status=ItemStatus.WITHDRAWN)
    item(w, CONFIDENTIAL, [w.world.orgs["unnamed"]], meeting=other_meeting)
    assert is_invited(w.member, w.meeting) is False
    assert is_invited(w.colleague, w.meeting) is True
    invite(w, meeting=w.meeting, organization=w.world.orgs["unnamed"])
    assert is_invited(w.member, w.meeting) is True
    assert is_invited(w.outsider, w.meeting) is False
    item(w, CONFIDENTIAL, [w.world.orgs["off"]])
    assert is_invited(w.outsider, w.meeting) is True
    assert is_invited(w.officer, w.meeting) is False


# ---- consent for 重層的支援会議 --------------------------------------------------------------------------


def test_consent_covers_needs_the_meeting_kind_the_organization_this_case_and_the_moment(w):
    world = w.world
    team, off = world.orgs["team"].pk, world.orgs["off"].pk
    # The active consent names team and off, but not the meeting kind.
    assert consent_covers(world.case.pk, team) is False
    from tsunagu.cases import actions as case_actions

    case_actions.record_consent(
        actor=w.coord,
        case=world.case,
        data=consent_input(world.p1, [world.orgs["team"]], meeting_kinds=[CONSENTED]),
    )
    assert consent_covers(world.case.pk, team) is True
    assert consent_covers(world.case.pk, team, timezone.now()) is True
    assert consent_covers(world.case.pk, team, timezone.now() - 2 * DAY) is False
    assert consent_covers(world.case.pk, off) is False
    assert consent_covers(world.other_case.pk, team) is False


# ---- the item gate ----------------------------------------------------------------------------------


def test_the_coordinator_and_the_proposer_see_the_item_without_being_selected(w):
    proposer = make_staff(w.muni, Role.WINDOW_WORKER, w.world.city.window_org, mfa=False)
    row = item(w, CONFIDENTIAL, proposed_by=proposer)
    assert seen(w.coord, row)
    assert seen(proposer, row)
    assert not seen(w.member, row)
    withdrawn = item(w, CONFIDENTIAL, [w.world.orgs["unnamed"]], status=ItemStatus.WITHDRAWN)
    ack(w, w.member, meeting=w.meeting)
    for staff in (w.coord, w.member):
        assert not seen(staff, withdrawn)


def test_a_duty_item_opens_from_the_acknowledgement_to_the_end_of_the_follow_up_window(w):
    row = item(w, CONFIDENTIAL, [w.world.orgs["unnamed"]])
    assert not seen(w.member, row)  # selected, not yet acknowledged
    t = timezone.now() - 10 * dt.timedelta(minutes=1)
    ack(w, w.member, meeting=w.meeting, at=t)
    assert seen(w.member, row)
    end = w.meeting.follow_up_until()
    assert end == w.meeting.ends_at + 10 * DAY
    assert seen(w.member, row, t)
    assert not seen(w.member, row, t - dt.timedelta(microseconds=1))
    assert seen(w.member, row, end)
    assert not seen(w.member, row, end + dt.timedelta(microseconds=1))
    # The colleague of the selected organization acknowledged nothing.
    assert not seen(w.colleague, row)
    assert visible_items(w.colleague).count() == 0


def test_a_person_invited_for_the_item_by_name_is_selected_an_organization_invited_to_the_sitting_is_not(w):
    row = item(w, CONFIDENTIAL, [w.world.orgs["unnamed"]])
    ack(w, w.outsider, meeting=w.meeting)
    invite(w, meeting=w.meeting, organization=w.world.orgs["off"])
    assert not seen(w.outsider, row)
    invite(w, meeting=w.meeting, item=row, staff=w.colleague)
    ack(w, w.colleague, meeting=w.meeting)
    assert not seen(w.outsider, row)
    # Invited by name for another item of the same sitting: still not selected for this one.
    other_case = Case.objects.create(
        municipality=w.muni,
        number=99,
        household=w.world.case.household,
        coordinator=w.coord,
        opened_by=w.coord,
    )
    invite(w, meeting=w.meeting, item=item(w, CONFIDENTIAL, [], case=other_case), staff=w.outsider)
    assert not seen(w.outsider, row)
    invite(w, meeting=w.meeting, item=row, staff=w.outsider)
    assert seen(w.outsider, row)


def test_a_consented_conference_item_needs_a_consent_for_the_kind_at_that_moment(w):
    world = w.world
    row = item(w, CONSENTED, [world.orgs["team"]])
    team = make_staff(w.muni, Role.AGENCY_WORKER, world.orgs["team"], mfa=False)
    assert not seen(team, row)
    from tsunagu.cases import actions as case_actions

    case_actions.record_consent(
        actor=w.coord,
        case=world.case,
        data=consent_input(world.p1, [world.orgs["team"]], meeting_kinds=[CONSENTED]),
    )
    assert seen(team, row)
    assert not seen(team, row, timezone.now() - 2 * DAY)
    # Acknowledging 守秘義務 is no substitute for consent.
    other = item(w, CONSENTED, [world.orgs["unnamed"]], case=second_case(w))
    ack(w, w.member, meeting=w.meeting)
    assert not seen(w.member, other)


def second_case(w) -> Case:
    from tsunagu.cases import actions as case_actions
    from tsunagu.intake.tests.helpers import record

    c = record(w.world.city, w.world.city.window_worker, "not_consented", note="別世帯")
    return case_actions.open_case(actor=w.coord, household=c.household, persons=[c.person])


def test_an_internal_item_is_for_the_citys_own_departments_only(w):
    team = w.world.orgs["team"]  # 地域包括支援センター: selected, but not a department of the city
    row = item(w, INTERNAL, [w.dept, team])
    assert seen(w.officer, row)
    assert not seen(make_staff(w.muni, Role.AGENCY_WORKER, team, mfa=False), row)
    assert not seen(w.outsider, row)


def test_nobody_outside_casework_or_the_city_sees_an_item(w):
    row = item(w, INTERNAL, [w.dept])
    for role in (Role.MANAGER, Role.AUDITOR, Role.ADMINISTRATOR):
        assert not seen(make_staff(w.muni, role, w.dept, mfa=False), row)
    other = w.world.other
    stranger = make_staff(other.muni, Role.WINDOW_WORKER, other.window_org, mfa=False)
    # Rows naming the other city's staff on this item open nothing.
    invite(w, meeting=w.meeting, item=row, staff=stranger)
    assert not seen(stranger, row)
    assert not seen(other.coordinator, row)


# ---- the follow-up window that cases reads (registered for the record kind "case") -------------------


def test_follow_up_cases_is_the_staff_members_own_window_with_the_duty_acknowledged():
    world = make_world()
    muni = world.city.muni
    member = make_staff(muni, Role.AGENCY_WORKER, world.orgs["unnamed"], mfa=False)
    colleague = make_staff(muni, Role.AGENCY_WORKER, world.orgs["unnamed"], mfa=False)
    access = meeting_access(world.case, member, start=-HOUR, end=DAY)
    meeting_access(world.case, colleague, start=-HOUR, end=DAY, acknowledged=HOUR)

    def cases(staff, at):
        q = follow_up_cases(staff, at)
        return None if q is None else set(Case.objects.filter(q))

    now = timezone.now()
    assert cases(member, now) == {world.case}
    assert cases(member, access.valid_from) == {world.case}
    assert cases(member, access.valid_until) == {world.case}
    assert cases(member, access.valid_from - dt.timedelta(microseconds=1)) == set()
    assert cases(member, access.valid_until + dt.timedelta(microseconds=1)) == set()
    # A window acknowledged in advance still opens only at its start.
    later = make_staff(muni, Role.AGENCY_WORKER, world.orgs["unnamed"], mfa=False)
    ahead = meeting_access(world.case, later, start=HOUR, end=DAY, acknowledged=-HOUR)
    assert cases(later, now) == set()
    assert cases(later, ahead.valid_from - dt.timedelta(microseconds=1)) == set()
    assert cases(later, ahead.valid_from) == {world.case}
    # The colleague's window opens only when their duty is acknowledged, an hour from now.
    assert cases(colleague, now) == set()
    assert cases(colleague, now + 2 * HOUR) == {world.case}
    manager = make_staff(muni, Role.MANAGER, world.orgs["unnamed"], mfa=False)
    meeting_access(world.case, manager, start=-HOUR, end=DAY)
    assert cases(manager, now) is None


def test_the_item_list_brings_the_case_and_the_sitting_with_its_items(w, django_assert_num_queries):
    """The gate reads each candidate's case and sitting, and the pages each listed item's case, sitting,
    body and area: fetched with the items, not one query per item."""
    east = make_area(w.muni, "東地区")
    Meeting.objects.filter(pk=w.meeting.pk).update(area=east)
    second_case = Case.objects.create(
        municipality=w.muni,
        number=98,
        household=w.world.case.household,
        coordinator=w.coord,
        opened_by=w.coord,
    )
    rows = [item(w, CONFIDENTIAL, [w.world.orgs["unnamed"]]), item(w, CONFIDENTIAL, [], case=second_case)]
    ack(w, w.member, meeting=w.meeting)
    # The 束ね役 of both cases: the candidates, the organization's and the named items, the
    # acknowledgements and the list — a constant number, nothing per item.
    with django_assert_num_queries(5):
        listed = list(visible_items(w.coord))
    assert set(listed) == set(rows)
    with django_assert_num_queries(0):
        assert sorted((i.case.number, i.meeting.body.name, str(i.meeting.area)) for i in listed) == [
            (n, w.body.name, str(east)) for n in sorted((w.world.case.number, 98))
        ]
    # A selected member who acknowledged the duty: the same facts plus the consents, read once for all.
    with django_assert_num_queries(6):
        assert list(visible_items(w.member)) == [rows[0]]
