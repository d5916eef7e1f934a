"""Who may read and work which outreach engagement (`tsunagu/outreach/policy.py`), to the letter (issue 9
B4, mutation testing): each way in (running organization, assignment, 束ね役, break-glass, a registered
rule) opens exactly its engagements and only for what it allows (work or read), never another city's —
not even through a row that names this city's staff on another city's engagement."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from tests.factories import make_person, make_staff
from tsunagu.access import registry
from tsunagu.access.models import BreakGlassGrant
from tsunagu.accounts.models import Role
from tsunagu.outreach.models import Contact, EngagementWorker
from tsunagu.outreach.policy import (
    ENGAGEMENT,
    get_engagement_for,
    get_engagement_to_work,
    may_work,
    own_engagements,
    visible_contacts,
    visible_engagements,
    workable_engagements,
)

from .helpers import contact, make_world, open_engagement

pytestmark = pytest.mark.django_db

REASON = "本人と連絡がとれず、安否確認のため緊急に記録を確認する必要がある"


@pytest.fixture
def w():
    world = make_world()
    run = open_engagement(world, description="実施機関だけの人")
    assigned = open_engagement(world, description="他機関の職員も担当", workers=[world.off_team])
    contact(world, run, ago=3)
    contact(world, assigned, ago=2)
    theirs = open_engagement(world, actor=world.worker_b, description="B市の人")
    contact(world, theirs, ago=1, actor=world.worker_b)
    world.run, world.assigned, world.theirs = run, assigned, theirs  # type: ignore[attr-defined]
    return world


def test_each_way_in_opens_exactly_its_engagements(w):
    a = w.a
    # The running organization works and reads both of its engagements; the assigned worker of another
    # organization only the one assigned; the city's 束ね役 all of the city; the window, nothing.
    assert set(workable_engagements(a.agency_worker)) == {w.run, w.assigned}
    assert set(visible_engagements(a.agency_worker)) == {w.run, w.assigned}
    assert set(workable_engagements(w.off_team)) == {w.assigned}
    assert set(visible_engagements(w.off_team)) == {w.assigned}
    assert set(workable_engagements(a.coordinator)) == {w.run, w.assigned}
    assert set(visible_engagements(a.coordinator)) == {w.run, w.assigned}
    assert list(workable_engagements(a.window_worker)) == []
    assert list(visible_engagements(a.window_worker)) == []
    # City B's own worker reads and works B's engagement, never A's.
    assert set(visible_engagements(w.worker_b)) == {w.theirs}
    assert set(workable_engagements(w.worker_b)) == {w.theirs}
    # A coordinator seated in another organization still sees the whole city, and only it.
    other_coord = make_staff(w.muni, Role.COORDINATOR, w.other_org, mfa=False)
    assert set(visible_engagements(other_coord)) == {w.run, w.assigned}


@pytest.mark.parametrize("role", ["manager", "auditor", "administrator"])
def test_roles_outside_casework_read_and_work_nothing(w, role):
    staff = getattr(w.a, role)
    assert list(workable_engagements(staff)) == []
    assert list(visible_engagements(staff)) == []
    assert list(own_engagements(staff)) == []
    assert list(visible_contacts(staff)) == []
    assert may_work(staff, w.run) is False
    with pytest.raises(Http404):
        get_engagement_for(staff, w.run.pk)


def test_own_engagements_are_the_assigned_ones_not_the_organizations(w):
    assert set(own_engagements(w.off_team)) == {w.assigned}
    assert list(own_engagements(w.a.agency_worker)) == []
    assert list(own_engagements(w.a.coordinator)) == []
    EngagementWorker.objects.create(municipality=w.muni, engagement=w.run, staff=w.a.agency_worker)
    assert set(own_engagements(w.a.agency_worker)) == {w.run}
    # A (corrupted) row naming city A's worker on city B's engagement gives nothing of B.
    EngagementWorker.objects.create(
        municipality=w.worker_b.municipality, engagement=w.theirs, staff=w.off_team
    )
    assert set(own_engagements(w.off_team)) == {w.assigned}
    assert set(visible_engagements(w.off_team)) == {w.assigned}
    assert set(workable_engagements(w.off_team)) == {w.assigned}


def _grant(w, staff, obj_type, obj_id, *, expires_in=dt.timedelta(hours=1)):
    return BreakGlassGrant.objects.create(
        municipality=w.muni,
        staff=staff,
        obj_type=obj_type,
        obj_id=obj_id,
        reason=REASON,
        expires_at=timezone.now() + expires_in,
    )


def test_break_glass_opens_one_engagement_for_reading_never_for_work(w):
    window = w.a.window_worker
    # Grants of another kind under the engagement's number, or an expired one, open nothing.
    _grant(w, window, "case", w.run.pk)
    _grant(w, window, "household", w.run.pk)
    _grant(w, window, ENGAGEMENT, w.assigned.pk, expires_in=-dt.timedelta(minutes=1))
    assert list(visible_engagements(window)) == []
    _grant(w, window, ENGAGEMENT, w.run.pk)
    assert set(visible_engagements(window)) == {w.run}
    assert get_engagement_for(window, str(w.run.pk)) == w.run
    assert set(visible_contacts(window)) == set(Contact.objects.filter(engagement=w.run))
    assert list(workable_engagements(window)) == []
    assert may_work(window, w.run) is False
    with pytest.raises(Http404):
        get_engagement_to_work(window, w.run.pk)


def test_a_registered_rule_widens_reading_with_the_staff_and_moment_asked_about(w, monkeypatch):
    monkeypatch.setattr(registry, "_RULES", {k: dict(v) for k, v in registry._RULES.items()})
    calls = []

    def rule(staff, at):
        calls.append((staff, at))
        return Q(pk=w.assigned.pk) if staff == w.a.window_worker else None

    registry.register_visibility(ENGAGEMENT, "test.one_engagement", rule)
    moment = timezone.now() - dt.timedelta(days=3)
    assert set(visible_engagements(w.a.window_worker, moment)) == {w.assigned}
    assert calls == [(w.a.window_worker, moment)]
    # The rule widens reading only, and only inside the city.
    assert list(workable_engagements(w.a.window_worker)) == []
    assert set(visible_engagements(w.off_team)) == {w.assigned}
    before = timezone.now()
    visible_engagements(w.off_team)
    assert calls[-1][0] == w.off_team and calls[-1][1] >= before


def test_getting_one_is_404_for_the_hidden_the_other_citys_and_the_missing(w):
    assert get_engagement_for(w.off_team, w.assigned.pk) == w.assigned
    assert get_engagement_to_work(w.off_team, str(w.assigned.pk)) == w.assigned
    for hidden in (w.run.pk, w.theirs.pk, 10**9, "x"):
        with pytest.raises(Http404):
            get_engagement_for(w.off_team, hidden)
        with pytest.raises(Http404):
            get_engagement_to_work(w.off_team, hidden)


def test_may_work_is_the_work_rule_for_that_engagement(w):
    assert may_work(w.off_team, w.assigned) is True
    assert may_work(w.off_team, w.run) is False
    assert may_work(w.a.coordinator, w.run) is True
    assert may_work(w.a.coordinator, w.theirs) is False
    assert may_work(w.a.agency_worker, w.assigned) is True


def test_contacts_are_those_of_engagements_one_reads_in_ones_own_city(w):
    run_contacts = set(Contact.objects.filter(engagement=w.run))
    assigned_contacts = set(Contact.objects.filter(engagement=w.assigned))
    assert len(run_contacts) == len(assigned_contacts) == 1
    assert set(visible_contacts(w.a.agency_worker)) == run_contacts | assigned_contacts
    assert set(visible_contacts(w.off_team)) == assigned_contacts
    assert set(visible_contacts(w.a.coordinator)) == run_contacts | assigned_contacts
    assert list(visible_contacts(w.a.window_worker)) == []
    assert set(visible_contacts(w.worker_b)) == set(Contact.objects.filter(engagement=w.theirs))
    # A (corrupted) contact row filed under city B on city A's engagement is not shown in A.
    Contact.objects.filter(engagement=w.assigned).update(municipality=w.worker_b.municipality)
    assert set(visible_contacts(w.off_team)) == set()
    assert set(visible_contacts(w.a.agency_worker)) == run_contacts


def test_an_inactive_or_organizationless_account_reads_nothing(w):
    make_person(w.muni)  # unrelated data changes nothing
    w.a.agency_worker.is_active = False
    assert list(visible_engagements(w.a.agency_worker)) == []
    assert list(own_engagements(w.a.agency_worker)) == []
    w.off_team.organization = None
    assert list(visible_engagements(w.off_team)) == []
    assert list(workable_engagements(w.off_team)) == []
