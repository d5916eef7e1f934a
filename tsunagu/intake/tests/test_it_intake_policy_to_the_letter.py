"""Who may read which consultation and escalation request (`tsunagu/intake/policy.py`), to the letter
(issue 9 B4, mutation testing): each way in (own organization, consent at intake, break-glass on the
household, a case consent for the moment asked about) opens exactly its records, and the number of hidden
consultations a household page shows counts that household's records only."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.http import Http404
from django.utils import timezone

from tests.factories import make_organization, make_staff
from tsunagu.access.models import BreakGlassGrant
from tsunagu.accounts.models import Role
from tsunagu.cases.tests.helpers import BREAK_GLASS_REASON, make_world
from tsunagu.intake.models import Consultation, EscalationRequest
from tsunagu.intake.policy import (
    get_consultation_for,
    get_escalation_request_for,
    hidden_consultation_count,
    may_see_escalation_request,
    visible_consultations,
    visible_escalation_requests,
)

from .helpers import record

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@pytest.fixture
def w():
    """make_world's city A (p1's and p2's unshared consultations by the window, a case whose active
    consent shares p1 with the `team` organization), plus a consented consultation of another household
    and one of another city."""
    world = make_world()
    city = world.city
    shared = record(city, city.window_worker, "consented", note="共有に同意した相談")
    theirs = record(world.other, world.other.window_worker, "consented", note="B市の相談")
    return SimpleNamespace(
        world=world,
        city=city,
        household=world.household,
        c1=world.consultation_p1,
        c2=world.consultation_p2,
        shared=shared,
        theirs=theirs,
        window=city.window_worker,
        team=make_staff(city.muni, Role.AGENCY_WORKER, world.orgs["team"], mfa=False),
        stranger=make_staff(city.muni, Role.AGENCY_WORKER, world.orgs["unnamed"], mfa=False),
    )


def test_each_way_in_opens_exactly_its_records(w):
    # The recording organization reads all it recorded, and consented records.
    assert set(visible_consultations(w.window)) == {w.c1, w.c2, w.shared}
    # A case consent shares p1 with the team's organization; consented records are everyone's.
    assert set(visible_consultations(w.team)) == {w.c1, w.shared}
    # An organization with neither reads the consented records only.
    assert set(visible_consultations(w.stranger)) == {w.shared}
    # Another city's organization reads that city's consented records, never this city's.
    assert set(visible_consultations(w.world.other.agency_worker)) == {w.theirs}


@pytest.mark.parametrize("role", [Role.MANAGER, Role.AUDITOR, Role.ADMINISTRATOR])
def test_roles_outside_casework_read_no_consultation_and_no_count(w, role):
    staff = make_staff(w.city.muni, role, w.city.window_org, mfa=False)
    assert list(visible_consultations(staff)) == []
    assert hidden_consultation_count(staff, w.household) == 0
    with pytest.raises(Http404):
        get_consultation_for(staff, w.shared.pk)


def test_the_moment_asked_about_is_the_one_judged_for_case_consents(w):
    # The case consent was given today: two days ago it shared nothing.
    assert set(visible_consultations(w.team, timezone.now() - 2 * DAY)) == {w.shared}
    assert set(visible_consultations(w.team, timezone.now())) == {w.c1, w.shared}


def test_break_glass_on_the_household_opens_its_records_and_only_a_household_grant_does(w):
    for obj_type in ("case", "person"):
        BreakGlassGrant.objects.create(
            municipality=w.city.muni,
            staff=w.stranger,
            obj_type=obj_type,
            obj_id=w.household.pk,  # the household's number under another kind opens nothing
            reason=BREAK_GLASS_REASON,
            expires_at=timezone.now() + HOUR,
        )
    assert set(visible_consultations(w.stranger)) == {w.shared}
    assert hidden_consultation_count(w.stranger, w.household) == 2
    BreakGlassGrant.objects.create(
        municipality=w.city.muni,
        staff=w.stranger,
        obj_type="household",
        obj_id=w.household.pk,
        reason=BREAK_GLASS_REASON,
        expires_at=timezone.now() + HOUR,
    )
    assert set(visible_consultations(w.stranger)) == {w.c1, w.c2, w.shared}
    assert get_consultation_for(w.stranger, w.c2.pk) == w.c2
    assert hidden_consultation_count(w.stranger, w.household) == 0


def test_get_consultation_for_is_404_for_the_hidden_the_other_citys_and_the_missing(w):
    assert get_consultation_for(w.team, str(w.c1.pk)) == w.c1
    for hidden in (w.c2.pk, w.theirs.pk, 10**9, "x"):
        with pytest.raises(Http404):
            get_consultation_for(w.team, hidden)


def test_the_hidden_count_is_of_that_households_records_only(w):
    # p1's and p2's household: the window sees both, the team one of two, a stranger none.
    assert hidden_consultation_count(w.window, w.household) == 0
    assert hidden_consultation_count(w.team, w.household) == 1
    assert hidden_consultation_count(w.stranger, w.household) == 2
    # Records of the household by another organization are hidden from the window in turn.
    Consultation.objects.filter(pk=w.c2.pk).update(organization=w.world.orgs["unnamed"])
    assert hidden_consultation_count(w.window, w.household) == 1
    assert hidden_consultation_count(w.stranger, w.household) == 1
    # The consented household counts nothing hidden; another city's household counts nothing at all.
    assert hidden_consultation_count(w.stranger, w.shared.household) == 0
    assert hidden_consultation_count(w.stranger, w.theirs.household) == 0
    Consultation.objects.filter(pk=w.theirs.pk).update(sharing_consent="not_consented")
    assert hidden_consultation_count(w.stranger, w.theirs.household) == 0
    assert hidden_consultation_count(w.world.other.coordinator, w.theirs.household) == 1
    # A (corrupted) consultation filed under the other city on this household is not counted here.
    assert hidden_consultation_count(w.stranger, w.household) == 1
    Consultation.objects.filter(pk=w.c1.pk).update(municipality=w.world.other.muni)
    assert hidden_consultation_count(w.stranger, w.household) == 0


def request(w, org, *, city=None, household=None, by=None) -> EscalationRequest:
    city = city or w.city
    return EscalationRequest.objects.create(
        municipality=city.muni,
        household=household or w.household,
        organization=org,
        requested_by=by or w.window,
        reason="3分野以上の課題",
    )


def test_coordinators_see_every_request_of_their_city_others_their_organizations(
    w, django_assert_num_queries
):
    mine = request(w, w.city.window_org)
    agencys = request(w, w.world.orgs["team"], household=w.shared.household, by=w.team)
    other = w.world.other
    theirs = request(w, other.window_org, city=other, household=w.theirs.household, by=other.window_worker)
    coord = w.city.coordinator
    assert set(visible_escalation_requests(coord)) == {mine, agencys}
    assert set(visible_escalation_requests(w.window)) == {mine}
    assert set(visible_escalation_requests(w.team)) == {agencys}
    assert list(visible_escalation_requests(w.stranger)) == []
    assert set(visible_escalation_requests(w.world.other.coordinator)) == {theirs}
    manager = make_staff(w.city.muni, Role.MANAGER, w.city.window_org, mfa=False)
    assert list(visible_escalation_requests(manager)) == []
    assert get_escalation_request_for(coord, agencys.pk) == agencys
    assert get_escalation_request_for(w.window, str(mine.pk)) == mine
    for who, hidden in ((w.window, agencys), (coord, theirs), (manager, mine)):
        with pytest.raises(Http404):
            get_escalation_request_for(who, hidden.pk)
    # A coordinator seated in another organization still sees the whole city's requests.
    other_coord = make_staff(w.city.muni, Role.COORDINATOR, make_organization(w.city.muni), mfa=False)
    assert set(visible_escalation_requests(other_coord)) == {mine, agencys}
    # may_see_escalation_request answers the same for a request already read, without a query.
    everyone = (coord, w.window, w.team, w.stranger, manager, other_coord, w.world.other.coordinator)
    for staff in everyone:
        listed = set(visible_escalation_requests(staff))
        for req in (mine, agencys, theirs):
            with django_assert_num_queries(0):
                answer = may_see_escalation_request(staff, req)
            assert answer is (req in listed), (staff.role, req.pk)
