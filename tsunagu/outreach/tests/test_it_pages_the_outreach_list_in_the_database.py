"""The outreach list is ordered, filtered, counted and paged by the database: the due date computed in SQL
is the rule of `lapse.due_on`, and a page loads only its own engagements."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import login_client
from tsunagu.outreach import lapse, policy, views

from .helpers import contact, make_world, open_engagement

pytestmark = pytest.mark.django_db


def varied(world):  # type: ignore[no-untyped-def]
    """Engagements whose due date comes from the start, the last contact, a missed or a later plan."""
    made = [
        open_engagement(world, started_ago=90),  # never contacted: start + 30, 60 days over
        open_engagement(world, started_ago=5),  # on time
    ]
    e = open_engagement(world, started_ago=60)
    contact(world, e, ago=40)
    contact(world, e, ago=31)  # the newest contact counts: 1 day over
    made.append(e)
    e = open_engagement(world, started_ago=20)
    contact(world, e, ago=10, plan_in=-3)  # a missed plan: 3 days over
    made.append(e)
    e = open_engagement(world, started_ago=50)
    contact(world, e, ago=45, plan_in=90)  # a later plan does not extend the interval: 15 days over
    made.append(e)
    e = open_engagement(world, started_ago=20)
    contact(world, e, ago=2, plan_in=0)  # planned for today: on time
    made.append(e)
    return made


def test_the_due_date_in_sql_is_the_rule_in_python():
    world = make_world()
    varied(world)
    interval = world.muni.outreach_lapse_days
    today = timezone.localdate()
    rows = list(
        lapse.with_due(policy.visible_engagements(world.a.coordinator), interval).order_by("due_key", "pk")
    )
    states = lapse.page_states(rows, interval, today)
    due_keys = [getattr(r, "due_key") for r in rows]  # noqa: B009 (annotated by with_due)
    assert due_keys == [s.due_on for s in states]
    # The same order as the rule applied in Python to every engagement.
    everything = lapse.states(
        lapse.with_last_contact(policy.visible_engagements(world.a.coordinator)), interval
    )
    assert [s.engagement.pk for s in states] == [s.engagement.pk for s in everything]
    assert [s.overdue_days for s in states] == [60, 15, 3, 1, 0, 0]
    assert lapse.lapsed_count(policy.visible_engagements(world.a.coordinator), interval) == 4


def test_the_list_pages_in_the_database_most_overdue_first(monkeypatch):
    world = make_world()
    varied(world)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client = login_client(Client(), world.a.coordinator)
    first = client.get(reverse("outreach:list"), {"view": "lapsed"})
    assert [s.overdue_days for s in first.context["page"].object_list] == [60, 15]
    second = client.get(reverse("outreach:list"), {"view": "lapsed", "page": "2"})
    assert [s.overdue_days for s in second.context["page"].object_list] == [3, 1]
    assert second.context["page"].paginator.count == 4
    assert dict((k, n) for k, _label, n in first.context["tabs"])["lapsed"] == 4
    # The audit row names the engagements of the page shown, not every lapsed one.
    from tsunagu.access.models import AuditEvent

    event = AuditEvent.objects.order_by("-pk").first()
    assert event is not None
    shown = {pk for kind, pk in event.objects_json if kind == policy.ENGAGEMENT}
    assert shown == {s.engagement.pk for s in second.context["page"].object_list}
