"""The lapse alert (途切れ): the city's interval from the profile, the planned date, and their boundaries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tsunagu.outreach import lapse, policy
from tsunagu.outreach.models import Engagement

from .helpers import contact, make_world, open_engagement

pytestmark = pytest.mark.django_db

D = dt.date(2026, 5, 1)


def test_due_is_the_interval_after_the_last_contact_or_the_start():
    assert lapse.due_on(
        last_contact_on=None, started_on=D, next_contact_on=None, interval_days=30
    ) == D + dt.timedelta(30)
    last = D + dt.timedelta(days=10)
    assert lapse.due_on(
        last_contact_on=last, started_on=D, next_contact_on=None, interval_days=30
    ) == last + dt.timedelta(30)


def test_an_earlier_plan_wins_a_later_plan_does_not_extend_the_interval():
    plan = D + dt.timedelta(days=5)
    assert lapse.due_on(last_contact_on=D, started_on=D, next_contact_on=plan, interval_days=30) == plan
    late = D + dt.timedelta(days=90)
    assert lapse.due_on(
        last_contact_on=D, started_on=D, next_contact_on=late, interval_days=30
    ) == D + dt.timedelta(30)


def _state(world, engagement, today=None):  # type: ignore[no-untyped-def]
    e = lapse.with_last_contact(Engagement.objects.filter(pk=engagement.pk)).get()
    last = getattr(e, "last_contact_on")  # noqa: B009 (annotated by with_last_contact)
    return lapse.state_of(e, last, world.muni.outreach_lapse_days, today or timezone.localdate())


def test_lapsed_only_from_the_day_after_the_interval():
    world = make_world()
    assert world.muni.outreach_lapse_days == 30  # the default
    on_time = open_engagement(world, started_ago=60)
    contact(world, on_time, ago=30)
    late = open_engagement(world, started_ago=60)
    contact(world, late, ago=31)
    assert not _state(world, on_time).lapsed
    state = _state(world, late)
    assert state.lapsed and state.overdue_days == 1


def test_no_contact_counts_from_the_start():
    world = make_world()
    fresh = open_engagement(world, started_ago=30)
    old = open_engagement(world, started_ago=45)
    assert not _state(world, fresh).lapsed
    assert _state(world, old).overdue_days == 15


def test_a_missed_plan_lapses_before_the_interval():
    world = make_world()
    e = open_engagement(world, started_ago=20)
    contact(world, e, ago=10, plan_in=-1)  # planned yesterday, not done
    state = _state(world, e)
    assert state.lapsed and state.by_plan and state.overdue_days == 1
    today_plan = open_engagement(world, started_ago=20)
    contact(world, today_plan, ago=10, plan_in=0)
    assert not _state(world, today_plan).lapsed


def test_the_citys_interval_decides():
    world = make_world()
    e = open_engagement(world, started_ago=40)
    contact(world, e, ago=20)
    assert not _state(world, e).lapsed
    world.muni.outreach_lapse_days = 14
    world.muni.save(update_fields=["outreach_lapse_days"])
    assert _state(world, e).overdue_days == 6


def test_closed_engagements_never_lapse_and_the_list_is_most_overdue_first():
    world = make_world()
    a = open_engagement(world, started_ago=100)  # 70 days over
    b = open_engagement(world, started_ago=50)  # 20 days over
    c = open_engagement(world, started_ago=5)  # on time
    from tsunagu.outreach import actions

    d = open_engagement(world, started_ago=200)
    actions.close_engagement(
        actor=world.a.agency_worker,
        engagement=d,
        version=d.version,
        data=actions.CloseInput(outcome="ended", closed_on=timezone.localdate(), note="転居"),
    )
    states = lapse.states(lapse.with_last_contact(policy.visible_engagements(world.a.coordinator)), 30)
    assert [s.engagement.pk for s in states] == [a.pk, b.pk, c.pk, d.pk]
    assert [s.lapsed for s in states] == [True, True, False, False]
    assert lapse.lapsed_count(policy.visible_engagements(world.a.coordinator), 30) == 2
