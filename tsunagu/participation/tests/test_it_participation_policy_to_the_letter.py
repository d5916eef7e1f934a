"""Who may read which participation support record and match (`tsunagu/participation/policy.py`), to the
letter (issue 9 B4, mutation testing): on the supporting side each way in (organization, worker, 束ね役,
the case, a registered rule) opens exactly its records at the moment asked about; on the receiving side
only a consent naming the organization that runs the resource opens a match, and the limited view shows
the phone only where consented and the receiving organization's own reports only."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from tests.factories import make_household, make_organization, make_person, make_staff
from tsunagu.access import registry
from tsunagu.accounts.models import Role
from tsunagu.cases.models import Case, CaseTeamMember, Consent
from tsunagu.participation import actions
from tsunagu.participation.models import Match, ParticipationConsent, ReceiverReport, SupportRecord
from tsunagu.participation.policy import (
    RECORD,
    ReceiverView,
    active_participation_consents,
    contact_shared,
    get_match_for,
    get_received_match_for,
    get_record_for,
    received_matches,
    receiver_view,
    record_exists,
    visible_matches,
    visible_records,
)
from tsunagu.people.models import Relationship

from .helpers import make_resource, make_world, open_record, propose, resident

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _case(w, person, *, team_org=None, consent_orgs=(), given_on=None, persons=None) -> Case:
    a = w.a
    case = Case.objects.create(
        municipality=w.muni,
        number=Case.objects.filter(municipality=w.muni).count() + 1,
        household_id=person.memberships.get().household_id,
        coordinator=a.coordinator,
        opened_by=a.coordinator,
    )
    if team_org is not None:
        CaseTeamMember.objects.create(
            municipality=w.muni, case=case, organization=team_org, role="cooperating", added_by=a.coordinator
        )
    if consent_orgs:
        consent = Consent.objects.create(
            municipality=w.muni,
            case=case,
            given_by=person,
            basis="self",
            method="written",
            given_on=given_on or timezone.localdate(),
            recorded_by=a.coordinator,
        )
        consent.persons.set(persons if persons is not None else [person])
        consent.organizations.set(consent_orgs)
    return case


def _consent(w, record, org, *, share_contact=False, given_on=None) -> ParticipationConsent:
    return ParticipationConsent.objects.create(
        municipality=w.muni,
        record=record,
        organization=org,
        share_contact=share_contact,
        method="written",
        given_on=given_on or timezone.localdate(),
        recorded_by=w.a.window_worker,
    )


@pytest.fixture
def w():
    """City A: r1 (the window's own), r2 (worked by an agency worker of another organization), r3 (on a
    case shared today with a team organization); resources of the receiving organization and of another;
    city B's record."""
    world = make_world()
    a = world.a
    r1 = open_record(world, resident(world, "鈴木", phone="090-1111-2222"))
    r2 = open_record(world, resident(world, "佐藤"))
    r2.worker = world.off_team
    r2.save(update_fields=["worker"])
    r3 = open_record(world, resident(world, "田中"))
    team_org = make_organization(world.muni, name="障害者相談支援事業所")
    team_staff = make_staff(world.muni, Role.AGENCY_WORKER, team_org, mfa=False)
    r3.case = _case(world, r3.person, team_org=team_org, consent_orgs=[team_org])
    r3.save(update_fields=["case"])
    place = make_resource(world, "居場所")
    elsewhere = make_resource(world, "作業所", organization=world.other_org)
    muni_b = world.worker_b.municipality
    assert muni_b is not None
    person_b = make_person(muni_b, family_name="B市", given_name="花子")
    make_household(muni_b, (person_b, Relationship.HEAD))
    rb, _ = actions.open_record(actor=world.worker_b, person=person_b, data=actions.NeedsInput())
    return SimpleNamespace(
        world=world,
        a=a,
        muni=world.muni,
        r1=r1,
        r2=r2,
        r3=r3,
        rb=rb,
        team_org=team_org,
        team_staff=team_staff,
        colleague=make_staff(world.muni, Role.WINDOW_WORKER, a.window_worker.organization, mfa=False),
        place=place,
        elsewhere=elsewhere,
    )


def test_each_way_in_opens_exactly_its_records(w):
    a = w.a
    # The supporting organization (the window) and its colleague: every record it runs.
    assert set(visible_records(a.window_worker)) == {w.r1, w.r2, w.r3}
    assert set(visible_records(w.colleague)) == {w.r1, w.r2, w.r3}
    # The assigned worker of another organization: that record only.
    assert set(visible_records(w.world.off_team)) == {w.r2}
    # A case's team organization with a consent naming it: the record of that case only.
    assert set(visible_records(w.team_staff)) == {w.r3}
    # 束ね役: the whole city (whatever their organization), never another city's.
    assert set(visible_records(a.coordinator)) == {w.r1, w.r2, w.r3}
    other_coord = make_staff(w.muni, Role.COORDINATOR, make_organization(w.muni), mfa=False)
    assert set(visible_records(other_coord)) == {w.r1, w.r2, w.r3}
    # The receiving organization's staff read no supporting record.
    assert list(visible_records(a.agency_worker)) == []
    assert set(visible_records(w.world.worker_b)) == {w.rb}


def test_the_case_way_in_is_judged_at_the_moment_asked_about(w):
    # The case consent was given today: two days ago it shared nothing.
    assert list(visible_records(w.team_staff, timezone.now() - 2 * DAY)) == []
    assert set(visible_records(w.team_staff, timezone.now() + DAY)) == {w.r3}


@pytest.mark.parametrize("role", ["manager", "auditor", "administrator"])
def test_roles_outside_casework_read_nothing_not_even_receiving(w, role):
    staff = getattr(w.a, role)
    m = propose(w.world, w.r1, w.place)
    _consent(w, w.r1, w.world.receiving_org)
    assert list(visible_records(staff)) == []
    assert list(visible_matches(staff)) == []
    assert list(received_matches(staff)) == []
    for get, pk in ((get_record_for, w.r1.pk), (get_match_for, m.pk), (get_received_match_for, m.pk)):
        with pytest.raises(Http404):
            get(staff, pk)
    with pytest.raises(ValueError, match=r"^not a casework staff member$"):
        receiver_view(staff, m)


def test_a_registered_rule_widens_with_the_staff_and_moment_asked_about(w, monkeypatch):
    monkeypatch.setattr(registry, "_RULES", {k: dict(v) for k, v in registry._RULES.items()})
    calls = []

    def rule(staff, at):
        calls.append((staff, at))
        return Q(pk=w.r1.pk) if staff == w.a.agency_worker else None

    registry.register_visibility(RECORD, "test.one_record", rule)
    moment = timezone.now() - 3 * DAY
    assert set(visible_records(w.a.agency_worker, moment)) == {w.r1}
    assert calls == [(w.a.agency_worker, moment)]
    assert set(visible_records(w.world.off_team)) == {w.r2}


def test_getting_one_is_404_for_the_hidden_the_other_citys_and_the_missing(w):
    off = w.world.off_team
    assert get_record_for(off, str(w.r2.pk)) == w.r2
    for hidden in (w.r1.pk, w.rb.pk, 10**9, "x"):
        with pytest.raises(Http404):
            get_record_for(off, hidden)


def test_record_exists_for_the_person_with_a_record_only(w):
    assert record_exists(w.r1.person) is True
    assert record_exists(w.rb.person) is True
    assert record_exists(resident(w.world, "高橋")) is False
    # A (corrupted) record of city B naming city A's person tells A nothing.
    lone = resident(w.world, "伊藤")
    SupportRecord.objects.filter(pk=w.rb.pk).update(person=lone)
    assert record_exists(lone) is False


def test_matches_are_those_of_records_one_reads_in_ones_own_city(w):
    m1 = propose(w.world, w.r1, w.place)
    m2 = propose(w.world, w.r2, w.place)
    assert set(visible_matches(w.a.window_worker)) == {m1, m2}
    assert set(visible_matches(w.world.off_team)) == {m2}
    assert list(visible_matches(w.team_staff)) == []
    assert get_match_for(w.world.off_team, str(m2.pk)) == m2
    for hidden in (m1.pk, 10**9, "x"):
        with pytest.raises(Http404):
            get_match_for(w.world.off_team, hidden)
    # A (corrupted) match filed under city B on city A's record is not shown in A.
    Match.objects.filter(pk=m2.pk).update(municipality=w.world.worker_b.municipality)
    assert set(visible_matches(w.a.window_worker)) == {m1}


def test_only_a_consent_naming_the_resources_organization_opens_a_match_to_it(w):
    receiving = w.world.receiving_org
    agency = w.a.agency_worker
    m1 = propose(w.world, w.r1, w.place)
    m1_elsewhere = propose(w.world, w.r1, w.elsewhere)
    m2 = propose(w.world, w.r2, w.place)
    m3 = propose(w.world, w.r3, w.place)
    assert list(received_matches(agency)) == []
    # A participation consent naming another organization, or naming it on another record: nothing.
    _consent(w, w.r2, w.world.other_org)
    assert list(received_matches(agency)) == []
    # Naming the receiving organization: that record's match at its resource, not the one elsewhere.
    c1 = _consent(w, w.r1, receiving)
    assert set(received_matches(agency)) == {m1}
    assert list(received_matches(w.world.off_team)) == []
    # Another organization's consent on r2 opens nothing of r1 at that organization's resource.
    assert get_received_match_for(agency, str(m1.pk)) == m1
    for hidden in (m1_elsewhere.pk, m2.pk, 10**9, "x"):
        with pytest.raises(Http404):
            get_received_match_for(agency, hidden)
    # A case consent naming the receiving organization for r3's person opens r3's match …
    _case(w, w.r3.person, consent_orgs=[receiving])
    assert set(received_matches(agency)) == {m1, m3}
    # … a case consent naming it for r2's household but not for r2's person opens nothing of r2.
    _case(w, w.r2.person, consent_orgs=[receiving], persons=[resident(w.world, "高橋")])
    assert set(received_matches(agency)) == {m1, m3}
    # Both kinds are judged at the moment asked about (given today: nothing two days ago).
    assert list(received_matches(agency, timezone.now() - 2 * DAY)) == []
    assert set(received_matches(agency, timezone.now() + DAY)) == {m1, m3}
    # Withdrawn: gone at once.
    actions.withdraw_consent(actor=w.a.window_worker, consent=c1)
    assert set(received_matches(agency)) == {m3}
    # A (corrupted) match filed under city B is never received in A.
    Match.objects.filter(pk=m3.pk).update(municipality=w.world.worker_b.municipality)
    assert list(received_matches(agency)) == []


def test_active_participation_consents_are_given_unexpired_and_unwithdrawn(w):
    today = timezone.localdate()
    given = _consent(w, w.r1, w.world.receiving_org)
    _consent(w, w.r2, w.world.receiving_org, given_on=today + DAY)
    expired = _consent(w, w.r3, w.world.receiving_org, given_on=today - 10 * DAY)
    expired.expires_on = today - DAY
    expired.save(update_fields=["expires_on"])
    assert set(active_participation_consents()) == {given}
    assert set(active_participation_consents(timezone.now() - 2 * DAY)) == {expired}


def test_the_phone_is_shared_only_by_a_case_consent_or_a_consent_that_says_so(w):
    receiving = w.world.receiving_org
    m1 = propose(w.world, w.r1, w.place)
    m2 = propose(w.world, w.r2, w.place)
    _consent(w, w.r1, receiving)
    assert contact_shared(m1, receiving.pk) is False
    # share_contact on another record's consent, or for another organization: still not.
    _consent(w, w.r2, receiving, share_contact=True)
    _consent(w, w.r1, w.world.other_org, share_contact=True)
    assert contact_shared(m1, receiving.pk) is False
    assert contact_shared(m2, receiving.pk) is True
    # A case consent naming the organization for the person shares it; judged at the moment asked about.
    _case(w, w.r1.person, consent_orgs=[receiving])
    assert contact_shared(m1, receiving.pk) is True
    assert contact_shared(m1, receiving.pk, timezone.now() - 2 * DAY) is False
    assert contact_shared(m2, receiving.pk, timezone.now() - 2 * DAY) is False
    assert contact_shared(m1, w.team_org.pk) is False


def _report(w, match, org, on, by, observation):
    return ReceiverReport.objects.create(
        municipality=w.muni,
        match=match,
        on=on,
        attendance="came",
        observation=observation,
        organization=org,
        by=by,
        submission_token=uuid.uuid4(),
    )


def test_the_receiving_view_holds_exactly_what_the_receiver_may_know(w):
    receiving = w.world.receiving_org
    agency = w.a.agency_worker
    m1 = propose(w.world, w.r1, w.place)
    _consent(w, w.r1, receiving)
    today = timezone.localdate()
    # Entered out of order (the older visit last): newest date first, then newest entry first.
    first = _report(w, m1, receiving, today - DAY, agency, "二回目 (a)")
    second = _report(w, m1, receiving, today - DAY, agency, "二回目 (b)")
    older = _report(w, m1, receiving, today - 5 * DAY, agency, "初回")
    _report(w, m1, w.world.other_org, today, w.world.off_team, "他の機関の記録")
    # Its own report on another match (r2's, also consented) belongs to that match's view only.
    m2 = propose(w.world, w.r2, w.place)
    _consent(w, w.r2, receiving)
    _report(w, m2, receiving, today, agency, "別の方の記録")
    Match.objects.filter(pk=m1.pk).update(first_participation_on=today - 2 * DAY)
    m1 = received_matches(agency).get(pk=m1.pk)
    view = receiver_view(agency, m1)
    assert view == ReceiverView(
        match_id=m1.pk,
        version=m1.version,
        resource_name="居場所",
        person_name=w.r1.person.full_name,
        person_kana=w.r1.person.full_kana,
        phone="",
        contact_shared=False,
        stage=m1.stage,
        stage_label=m1.get_stage_display(),
        proposed_on=m1.proposed_on,
        first_participation_on=today - 2 * DAY,
        note_to_receiver="初回は同行します",
        reports=(second, first, older),
    )
    assert view.person_name == "鈴木\u3000一郎" and view.stage_label
    _consent(w, w.r1, receiving, share_contact=True)
    shared = receiver_view(agency, m1)
    assert shared.phone == "090-1111-2222" and shared.contact_shared is True
