"""The dashboard stays small: it shows the soonest due items only, counts every item by SQL aggregates,
and its audit row names the cases it showed — not every case that has something due."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import login_client
from tsunagu.cases import actions, due
from tsunagu.cases.current import plans_in_force, plans_in_force_query
from tsunagu.cases.models import Case, PlanAction, PlanStatus, SupportPlan
from tsunagu.intake.tests.helpers import record

from .helpers import make_world, plan_input
from .pages import last_event, team_worker, url

pytestmark = pytest.mark.django_db


def coordinator_with_many_due(w, n: int):
    """`n` more cases of the world's coordinator, case k with its monitoring k+1 days overdue (the first
    case's plan: monitoring in 3 days, its action 1 day overdue)."""
    today = timezone.localdate()
    SupportPlan.objects.filter(pk=w.plan.pk).update(monitoring_on=today + dt.timedelta(days=3))
    PlanAction.objects.filter(plan=w.plan).update(due_on=today - dt.timedelta(days=1))
    cases = []
    for k in range(n):
        household = record(w.city, w.city.window_worker, "not_consented").household
        case = actions.open_case(actor=w.coordinator, household=household, title=f"追加{k}")
        plan = actions.save_plan(actor=w.coordinator, case=case, data=plan_input(f"目標{k}", w.orgs["team"]))
        SupportPlan.objects.filter(pk=plan.pk).update(monitoring_on=today - dt.timedelta(days=k + 1))
        PlanAction.objects.filter(plan=plan).update(due_on=None, review_on=None)
        cases.append(case)
    return today, cases


def test_dashboard_shows_the_soonest_items_counts_the_rest_and_audits_what_it_showed(client, monkeypatch):
    w = make_world()
    _today, extra = coordinator_with_many_due(w, 4)
    monkeypatch.setattr(due, "DASHBOARD_LIMIT", 2)
    login_client(client, w.coordinator)
    body = client.get(url("cases:dashboard")).content.decode()
    # The two most overdue: the extra cases whose monitoring is 4 and 3 days overdue.
    shown, hidden = [extra[3], extra[2]], [extra[1], extra[0], w.case]
    for case in shown:
        assert url("cases:detail", case.pk) in body
    for case in hidden:
        assert url("cases:detail", case.pk) not in body
    # 4 overdue monitorings + the first case's monitoring (in 3 days) + its overdue action = 6 in all.
    assert "全6件（うち期限切れ5件）" in body and "期限の早い2件を表示しています" in body
    assert "モニタリング予定日 5件（期限切れ4件）" in body and "支援の期限 1件（期限切れ1件）" in body
    event = last_event()
    assert event.action == "list" and event.detail == {"kind": "case_dashboard"}
    assert sorted(pk for kind, pk in event.objects_json if kind == "case") == sorted(c.pk for c in shown)


def test_due_lists_without_a_limit_hold_everything_and_with_one_the_soonest():
    w = make_world()
    today, extra = coordinator_with_many_due(w, 3)
    everything = due.due_for(w.coordinator, today).coordinator
    assert isinstance(everything, due.DueList)
    assert len(everything) == 5 and everything.not_shown == 0
    lists = due.due_for(w.coordinator, today, limit=1)
    bounded = lists.coordinator
    assert isinstance(bounded, due.DueList)
    assert [(i.case, i.kind) for i in bounded] == [(extra[2], "monitoring")]
    assert bounded.total == 5 and bounded.overdue == 4 and bounded.not_shown == 4
    assert lists.case_ids() == [extra[2].pk]


def test_the_count_of_queries_does_not_grow_with_the_due_items(client):
    w = make_world()
    coordinator_with_many_due(w, 1)
    login_client(client, w.coordinator)
    client.get(url("cases:dashboard"))
    with CaptureQueriesContext(connection) as few:
        client.get(url("cases:dashboard"))
    coordinator_with_many_due(w, 4)
    with CaptureQueriesContext(connection) as more:
        client.get(url("cases:dashboard"))
    assert len(more.captured_queries) == len(few.captured_queries)


def test_the_organizations_list_counts_only_its_own_actions_and_consents(client):
    w = make_world()
    today = timezone.localdate()
    PlanAction.objects.filter(plan=w.plan).update(due_on=today - dt.timedelta(days=1))
    lists = due.due_for(team_worker(w), today, limit=10)
    assert lists.coordinator == []
    assert isinstance(lists.organization, due.DueList)
    assert {(c.kind, c.total) for c in lists.organization.counts} == {("action_due", 1)}
    # An organization off the team hears of nothing, not even a count.
    off = due.due_for(w.other.coordinator, today, limit=10)
    assert all(i.case.municipality_id == w.other.muni.pk for i in off.coordinator + off.organization)


def test_the_plan_in_force_in_sql_is_the_plan_in_force():
    w = make_world()
    case = w.case
    # Versions 2 (superseded) and 3 (a draft) after the world's version 1: the draft is in force.
    SupportPlan.objects.filter(pk=w.plan.pk).update(status=PlanStatus.SUPERSEDED)
    base = {"municipality": case.municipality, "case": case, "created_by": w.coordinator}
    SupportPlan.objects.create(version_no=2, status=PlanStatus.SUPERSEDED, **base)
    draft = SupportPlan.objects.create(version_no=3, status=PlanStatus.DRAFT, **base)
    open_ids = Case.objects.exclude(status="closed").values("pk")
    in_sql = {p.case_id: p.pk for p in plans_in_force_query(open_ids)}
    in_python = {pk: p.pk for pk, p in plans_in_force(Case.objects.exclude(status="closed")).items()}
    assert in_sql == in_python and in_sql[case.pk] == draft.pk
