"""Counts under 第4号 in a period (figures.business_line_counts), and the demo city's outreach."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tsunagu.accounts.models import Role
from tsunagu.core.demo import DemoWorld
from tsunagu.outreach import actions, lapse
from tsunagu.outreach.demo import SCENARIOS, demo_step
from tsunagu.outreach.figures import business_line_counts
from tsunagu.outreach.models import Contact, Engagement, Outcome

from .helpers import contact, make_world, open_engagement, resident

pytestmark = pytest.mark.django_db


def test_counts_per_period_and_outcome():
    world = make_world()
    today = timezone.localdate()
    old = open_engagement(world, started_ago=100)
    contact(world, old, ago=95)
    contact(world, old, ago=20)
    recent = open_engagement(world, started_ago=10)
    person, _household = resident(world)
    actions.identify_person(
        actor=world.a.agency_worker, engagement=recent, version=recent.version, person=person
    )
    contact(world, recent, ago=5)
    actions.close_engagement(
        actor=world.a.agency_worker,
        engagement=old,
        version=old.version,
        data=actions.CloseInput(outcome=Outcome.ENDED, closed_on=today - dt.timedelta(days=3), note="転居"),
    )
    last_month = business_line_counts(world.muni, today - dt.timedelta(days=30), today)
    assert last_month.business_line == "4"
    assert (last_month.engagements_started, last_month.engagements_active, last_month.engagements_closed) == (
        1,
        2,
        1,
    )
    assert last_month.closed_by_outcome == {
        "connected": 0,
        "participation": 0,
        "collaboration": 0,
        "ended": 1,
    }
    assert (last_month.contacts, last_month.persons_contacted, last_month.identified) == (2, 1, 1)
    earlier = business_line_counts(world.muni, today - dt.timedelta(days=100), today - dt.timedelta(days=90))
    assert (earlier.engagements_started, earlier.engagements_active, earlier.contacts) == (1, 1, 1)
    assert (earlier.engagements_closed, earlier.identified, earlier.persons_contacted) == (0, 0, 0)
    # Another city's outreach is not counted, nor rows of another business line.
    other = make_world()
    assert business_line_counts(other.muni, today - dt.timedelta(days=365), today).contacts == 0
    Contact.objects.filter(engagement=recent).update(business_line="2")
    assert business_line_counts(world.muni, today - dt.timedelta(days=30), today).contacts == 1
    with pytest.raises(ValueError):
        business_line_counts(world.muni, today, today - dt.timedelta(days=1))


def test_the_demo_city_gets_lapsed_identified_and_every_outcome_once():
    world = make_world()
    _person, _household = resident(world)
    for name in ("田中", "佐藤", "高橋", "伊藤", "渡辺", "山本"):
        resident(world, name)
    demo = DemoWorld(
        municipality=world.muni,
        staff={
            Role.AGENCY_WORKER: world.a.agency_worker,
            Role.WINDOW_WORKER: world.a.window_worker,
            Role.COORDINATOR: world.a.coordinator,
        },
        seed=7,
    )
    assert "9件" in demo_step(demo)
    assert Engagement.objects.count() == len(SCENARIOS)
    assert set(Engagement.objects.exclude(outcome="").values_list("outcome", flat=True)) == set(
        Outcome.values
    )
    assert Engagement.objects.filter(person__isnull=False).count() >= 5
    active = Engagement.objects.filter(status="active")
    assert lapse.lapsed_count(active, world.muni.outreach_lapse_days) == 3
    assert lapse.lapsed_count(active, world.muni.outreach_lapse_days) < active.count()
    assert "既にあります" in demo_step(demo)
    assert Engagement.objects.count() == len(SCENARIOS)
