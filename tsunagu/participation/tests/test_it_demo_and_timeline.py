"""The demo step writes matches at every stage once (and the receiving side sees its consented ones); the
household timeline shows stage changes only to staff who may read the record."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import make_person
from tsunagu.accounts.models import Role
from tsunagu.core.demo import DemoWorld
from tsunagu.participation.demo import demo_step
from tsunagu.participation.models import Match, Stage, SupportRecord
from tsunagu.participation.policy import received_matches
from tsunagu.people.timeline import timeline_page

from .helpers import make_resource, make_world, move, open_record, propose, resident

pytestmark = pytest.mark.django_db


def test_demo_step_writes_every_stage_once():
    world = make_world()
    for i in range(8):
        make_person(world.muni, family_name=f"架空{i}", synthetic=True, birth_date=dt.date(1970 + i, 5, 1))
    demo = DemoWorld(
        municipality=world.muni,
        staff={Role.WINDOW_WORKER: world.a.window_worker, Role.AGENCY_WORKER: world.a.agency_worker},
        seed=1,
    )
    line = demo_step(demo)
    assert "架空の参加支援 6 件" in line
    stages = set(Match.objects.filter(municipality=world.muni).values_list("stage", flat=True))
    assert stages == set(Stage.values)
    assert received_matches(world.a.agency_worker).exists()
    assert all(
        m.days_to_first_participation() is not None
        for m in Match.objects.filter(first_participation_on__isnull=False)
    )
    assert "既にあります" in demo_step(demo)
    assert SupportRecord.objects.filter(municipality=world.muni).count() == 6


def test_household_timeline_shows_stages_to_the_supporting_side_only():
    world = make_world()
    person = resident(world)
    record = open_record(world, person)
    match = propose(world, record, make_resource(world, "cafe", name="居場所カフェ"), ago=5)
    move(world, match, Stage.VISIT, ago=2)
    household = record.household
    assert household is not None
    mine = timeline_page(world.a.window_worker, household)
    shown = [e for e in mine.entries if e.source == "participation.stage"]
    assert [e.obj.to_stage for e in shown] == ["visit", "proposed"]
    assert ("person", person.pk) in mine.audit_objects()
    assert not [
        e for e in timeline_page(world.off_team, household).entries if e.source == "participation.stage"
    ]
    assert not [
        e
        for e in timeline_page(world.a.agency_worker, household).entries
        if e.source == "participation.stage"
    ]


def test_household_page_links_each_member_to_their_participation_support(client):
    from django.urls import reverse

    from tests.factories import login_client

    world = make_world()
    person = resident(world, "佐藤")
    household = person.memberships.get().household
    url = reverse("people:household", args=[household.pk])
    html = login_client(client, world.a.window_worker).get(url).content.decode()
    assert f"/participation/new/?person={person.pk}" in html and "佐藤　一郎さんの参加支援を始める" in html
    record = open_record(world, person)
    html = login_client(client, world.a.window_worker).get(url).content.decode()
    assert f"/participation/{record.pk}/" in html
    # Another organization's worker neither opens the record nor is offered a second one.
    html = login_client(client, world.off_team).get(url).content.decode()
    assert f"/participation/{record.pk}/" not in html and "佐藤　一郎さんの参加支援を始める" not in html
