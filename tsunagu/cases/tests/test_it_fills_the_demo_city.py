"""`setup_demo` makes a living city (issue 8 A16): 多機関協働 cases in every state, written through the
cases app's actions, overdue monitoring and closed cases, and every demo login lands on a page with work.
Running it again changes nothing."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.factories import login_client
from tsunagu.access.models import AuditEvent
from tsunagu.accounts.models import Staff
from tsunagu.cases.demo import DEMO_MARK
from tsunagu.cases.due import due_for
from tsunagu.cases.models import (
    Assessment,
    Case,
    CaseStatus,
    CaseTeamMember,
    CaseTransition,
    Consent,
    Monitoring,
    PlanGoal,
    SupportPlan,
)
from tsunagu.intake.models import EscalationRequest, EscalationStatus
from tsunagu.municipalities.models import Municipality

pytestmark = pytest.mark.django_db

CITY = "132047"  # 三鷹市, the default demo city


def setup_demo() -> str:
    out = io.StringIO()
    call_command("setup_demo", "--city", CITY, "--households", "150", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = [
        Case,
        CaseTransition,
        CaseTeamMember,
        Consent,
        Assessment,
        SupportPlan,
        PlanGoal,
        Monitoring,
        EscalationRequest,
        AuditEvent,
    ]
    return {m.__name__: m._default_manager.count() for m in models}


def test_cases_in_every_state_through_the_actions_once():
    first = setup_demo()
    assert "架空の多機関協働ケース" in first
    muni = Municipality.objects.get(code=CITY)
    cases = Case.objects.filter(municipality=muni)
    assert set(cases.values_list("status", flat=True)) == set(CaseStatus.values)
    assert all(c.title.endswith(DEMO_MARK) for c in cases)
    coordinator = Staff.objects.get(username="mitaka-coordinator")
    assert set(cases.values_list("coordinator", flat=True)) == {coordinator.pk}
    # The actions wrote the history and the audit rows: every case starts with its opening transition
    # and was created in the audit log, and escalated cases took their request (受理) in the same step.
    created = {tuple(o) for e in AuditEvent.objects.filter(action="create") for o in e.objects_json}
    for case in cases:
        assert case.transitions.order_by("pk").values_list("to_status", flat=True)[0] == CaseStatus.INTAKE
        assert ("case", case.pk) in created
    taken = cases.exclude(escalation_request=None)
    assert taken.exists()
    assert {c.escalation_request.status for c in taken if c.escalation_request} == {EscalationStatus.ACCEPTED}
    assert EscalationRequest.objects.filter(municipality=muni, status=EscalationStatus.PENDING).exists()
    # Closed cases keep the plan in force at closure, with the evaluation; a revised plan has 第2版 with
    # per-goal attainment; monitoring is recorded; consent names the organizations on the team.
    closed = cases.filter(status=CaseStatus.CLOSED)
    assert closed.count() >= 2
    assert all(c.closure_plan_id and c.goal_attainment and c.closed_at for c in closed)
    assert SupportPlan.objects.filter(case__in=cases, version_no=2).exists()
    assert PlanGoal.objects.filter(plan__case__in=cases).exclude(attainment="").exists()
    assert Monitoring.objects.filter(case__in=cases).exists()
    assert Consent.objects.filter(case__in=cases).exists()
    # Dates are relative to today: cases were opened over the past year, the history reads in order.
    today = timezone.localdate()
    opened = sorted(timezone.localdate(c.opened_at) for c in cases)
    assert opened[0] <= today - dt.timedelta(days=300) and opened[-1] < today
    for case in cases:
        ats = list(case.transitions.order_by("pk").values_list("at", flat=True))
        assert ats == sorted(ats), case

    # Overdue monitoring, an overdue plan action and an expiring consent wait for the coordinator; the
    # agency has its own part due.
    mine = due_for(coordinator, today).coordinator
    assert any(i.kind == "monitoring" and i.overdue for i in mine)
    assert any(i.kind == "monitoring" and not i.overdue for i in mine)
    assert any(i.kind == "action_due" and i.overdue for i in mine)
    assert any(i.kind == "consent_expiry" for i in mine)
    agency = Staff.objects.get(username="mitaka-agency")
    assert due_for(agency, today).organization

    # Running it again changes nothing.
    before = counts()
    again = setup_demo()
    assert counts() == before
    assert "既にあります" in again


def visible(html: bytes) -> str:
    return re.sub(r"<[^>]+>", " ", html.decode())


LANDS_ON = {
    # 束ね役: the dashboard lists the overdue monitoring of the cases they hold.
    "mitaka-coordinator": [r"期限切れ", r"ケース \d{4}-\d{4}"],
    # 関係機関: the cases its organization is on, by consent.
    "mitaka-agency": [r"ケース \d{4}-\d{4}"],
    # 監査: the audit log of what the actions wrote.
    "mitaka-auditor": [r"ケース\s*\d{4}-\d{4}"],
    # 窓口: the intake form.
    "mitaka-window": [r"相談受付"],
}


def test_each_demo_login_lands_on_work(client):
    setup_demo()
    for username, shows in LANDS_ON.items():
        login_client(client, Staff.objects.get(username=username))
        response = client.get("/", follow=True)
        assert response.status_code == 200
        text = visible(response.content)
        for pattern in shows:
            assert re.search(pattern, text), (username, pattern, response.redirect_chain)
        client.logout()
    # 管理職: the city's workload, counts only.
    login_client(client, Staff.objects.get(username="mitaka-manager"))
    response = client.get("/", follow=True)
    w = response.context["w"]
    assert w.cases.total >= 10
    assert w.monitoring.overdue >= 1
    assert w.escalations.waiting >= 1
    client.logout()
    # つなぎ overdue on both sides: sent by the window, waiting at the agency.
    for username, name in (
        ("mitaka-window", "intake:referrals_sent"),
        ("mitaka-agency", "intake:referrals_received"),
    ):
        login_client(client, Staff.objects.get(username=username))
        text = visible(client.get(reverse(name)).content)
        assert re.search(r"期限切れ \d+日", text), name
        client.logout()
