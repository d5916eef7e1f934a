"""Opening a case (from an escalation request or directly), transitions, suspend/resume, team, closure."""

from __future__ import annotations

import pytest

from tests.factories import login_client
from tsunagu.cases.models import Case, CaseStatus, CaseTeamMember, CaseTransition
from tsunagu.intake import actions as intake_actions
from tsunagu.intake.models import EscalationStatus
from tsunagu.intake.tests.helpers import record

from .helpers import make_world
from .pages import team_worker, url

pytestmark = pytest.mark.django_db


def escalated(w):
    c = record(w.city, w.city.window_worker, "consented", note="新しい世帯の相談")
    req, _ = intake_actions.request_escalation(
        actor=w.city.window_worker, household=c.household, reason="3分野の課題", consultation=c
    )
    return c, req


def test_coordinator_opens_a_case_from_an_escalation_request_once(client):
    w = make_world()
    c, req = escalated(w)
    login_client(client, w.coordinator)
    assert (
        client.get(url("intake:escalations")).content.decode().count(url("cases:open_from_request", req.pk))
        == 1
    )
    page = client.get(url("cases:open_from_request", req.pk))
    assert page.status_code == 200 and c.person.full_name in page.content.decode()
    form = {"persons": [c.person_id], "title": "見守り", "coordinator": w.coordinator.pk}
    response = client.post(url("cases:open_from_request", req.pk), form)
    case = Case.objects.get(escalation_request=req)
    assert response.status_code == 302 and response["Location"] == url("cases:detail", case.pk)
    req.refresh_from_db()
    assert req.status == EscalationStatus.ACCEPTED
    assert list(case.persons.all()) == [c.person]
    assert CaseTeamMember.objects.filter(
        case=case, organization=w.city.window_org, role="information"
    ).exists()
    # A second submit opens nothing new: it lands on the case already opened.
    again = client.post(url("cases:open_from_request", req.pk), form)
    assert again["Location"] == url("cases:detail", case.pk)
    assert Case.objects.filter(household=c.household).count() == 1


def test_opening_is_refused_to_non_coordinators_and_other_cities(client):
    w = make_world()
    _c, req = escalated(w)
    login_client(client, w.city.window_worker)
    assert client.get(url("cases:open_from_request", req.pk)).status_code == 403
    assert client.get(url("cases:open")).status_code == 403
    login_client(client, w.other.coordinator)
    assert client.get(url("cases:open_from_request", req.pk)).status_code == 404
    assert client.get(url("cases:open") + f"?household={w.household.pk}").status_code == 404
    login_client(client, w.city.auditor)
    assert client.get(url("cases:open")).status_code == 403
    client.logout()
    assert client.get(url("cases:open")).status_code == 302


def test_coordinator_opens_a_case_directly_and_a_second_open_case_is_refused(client):
    w = make_world()
    c = record(w.city, w.city.window_worker, "consented")
    login_client(client, w.coordinator)
    lookup = client.get(url("cases:open") + f"?household={c.household_id}")
    assert lookup.status_code == 200
    target = url("cases:open") + f"?household={c.household_id}"
    form = {"persons": [c.person_id], "coordinator": w.coordinator.pk}
    assert client.post(target, form).status_code == 302
    response = client.post(target, form)
    assert response.status_code == 200
    assert "進行中のケースがあります" in response.content.decode()
    assert Case.objects.filter(household=c.household).count() == 1
    # A person from another household is refused and nothing is opened.
    other = record(w.city, w.city.window_worker, "consented")
    response = client.post(
        url("cases:open") + f"?household={other.household_id}",
        {"persons": [c.person_id], "coordinator": w.coordinator.pk},
    )
    assert response.status_code == 200
    assert not Case.objects.filter(household=other.household).exists()


def test_transition_buttons_move_the_case_and_a_stale_version_changes_nothing(client):
    w = make_world()
    login_client(client, w.coordinator)
    detail = client.get(url("cases:detail", w.case.pk)).content.decode()
    assert 'value="assessment"' in detail and "「アセスメント」へ" in detail
    v = w.case.version
    client.post(url("cases:transition", w.case.pk), {"version": v, "to": "assessment"})
    w.case.refresh_from_db()
    assert w.case.status == CaseStatus.ASSESSMENT
    t = CaseTransition.objects.filter(case=w.case).latest("pk")
    assert t.by == w.coordinator and t.to_status == "assessment"
    # The same (now stale) form again: refused with a Japanese message.
    response = client.post(url("cases:transition", w.case.pk), {"version": v, "to": "planning"}, follow=True)
    assert "別の職員が更新しました" in response.content.decode()
    w.case.refresh_from_db()
    assert w.case.status == CaseStatus.ASSESSMENT
    # Not allowed from here: refused.
    response = client.post(
        url("cases:transition", w.case.pk), {"version": w.case.version, "to": "evaluation"}, follow=True
    )
    assert "進められません" in response.content.decode()
    # Garbage: refused.
    client.post(url("cases:transition", w.case.pk), {"version": "x", "to": "zzz"})
    w.case.refresh_from_db()
    assert w.case.status == CaseStatus.ASSESSMENT


def test_suspend_needs_a_reason_and_resume_returns_to_the_state_before(client):
    w = make_world()
    login_client(client, w.coordinator)
    response = client.post(
        url("cases:transition", w.case.pk), {"version": w.case.version, "to": "suspended"}, follow=True
    )
    assert "中断の理由を入力してください" in response.content.decode()
    w.case.refresh_from_db()
    assert w.case.status == CaseStatus.INTAKE
    client.post(
        url("cases:transition", w.case.pk),
        {"version": w.case.version, "to": "suspended", "note": "入院のため"},
    )
    w.case.refresh_from_db()
    assert w.case.status == CaseStatus.SUSPENDED
    assert "再開する" in client.get(url("cases:detail", w.case.pk)).content.decode()
    client.post(url("cases:resume", w.case.pk), {"version": w.case.version, "note": "退院"})
    w.case.refresh_from_db()
    assert w.case.status == CaseStatus.INTAKE
    # A second resume (double submit) changes nothing.
    response = client.post(url("cases:resume", w.case.pk), {"version": w.case.version - 1}, follow=True)
    assert response.status_code == 200
    w.case.refresh_from_db()
    assert w.case.status == CaseStatus.INTAKE


def test_team_members_cannot_change_status_or_team(client):
    w = make_world()
    login_client(client, team_worker(w))
    assert (
        client.post(
            url("cases:transition", w.case.pk), {"version": w.case.version, "to": "assessment"}
        ).status_code
        == 403
    )
    assert client.post(url("cases:resume", w.case.pk), {"version": w.case.version}).status_code == 403
    assert (
        client.post(
            url("cases:team", w.case.pk), {"organization": w.orgs["off"].pk, "role": "lead", "op": "set"}
        ).status_code
        == 403
    )
    login_client(client, w.other.coordinator)
    assert (
        client.post(
            url("cases:team", w.case.pk), {"organization": w.orgs["off"].pk, "role": "lead", "op": "set"}
        ).status_code
        == 404
    )
    w.case.refresh_from_db()
    assert w.case.status == CaseStatus.INTAKE
    assert not CaseTeamMember.objects.filter(case=w.case, organization=w.orgs["off"]).exists()


def test_team_add_change_remove(client):
    w = make_world()
    login_client(client, w.coordinator)
    off = w.orgs["off"]
    client.post(url("cases:team", w.case.pk), {"organization": off.pk, "role": "cooperating", "op": "set"})
    client.post(
        url("cases:team", w.case.pk), {"organization": off.pk, "role": "cooperating", "op": "set"}
    )  # double submit
    assert CaseTeamMember.objects.filter(case=w.case, organization=off, removed_at__isnull=True).count() == 1
    client.post(url("cases:team", w.case.pk), {"organization": off.pk, "role": "lead", "op": "set"})
    assert CaseTeamMember.objects.get(case=w.case, organization=off, removed_at__isnull=True).role == "lead"
    client.post(url("cases:team", w.case.pk), {"organization": off.pk, "role": "lead", "op": "remove"})
    assert not CaseTeamMember.objects.filter(case=w.case, organization=off, removed_at__isnull=True).exists()
    # An organization of another city, or a bad role: nothing changes.
    before = CaseTeamMember.objects.count()
    client.post(
        url("cases:team", w.case.pk), {"organization": w.other.agency_org.pk, "role": "lead", "op": "set"}
    )
    client.post(url("cases:team", w.case.pk), {"organization": off.pk, "role": "boss", "op": "set"})
    assert CaseTeamMember.objects.count() == before


def test_closure_evaluation_closes_the_case_with_the_main_agency_carried_forward(client):
    w = make_world()
    login_client(client, w.coordinator)
    # Bad input: nothing changes.
    response = client.post(
        url("cases:close", w.case.pk),
        {"version": w.case.version, "reason": "", "goal_attainment": "achieved"},
    )
    assert response.status_code == 200 and "終結の理由を入力してください" in response.content.decode()
    w.case.refresh_from_db()
    assert w.case.status == CaseStatus.INTAKE
    form = {
        "version": w.case.version,
        "goal_attainment": "partly",
        "reason": "就労が安定した",
        "main_agency_after_closure": w.orgs["team"].pk,
        "handover_to": w.orgs["unnamed"].pk,
        "handover_note": "見守り",
    }
    assert client.post(url("cases:close", w.case.pk), form).status_code == 302
    w.case.refresh_from_db()
    assert w.case.status == CaseStatus.CLOSED
    assert w.case.main_agency_after_closure == w.orgs["team"]
    assert w.case.handover_to == w.orgs["unnamed"]
    body = client.get(url("cases:detail", w.case.pk)).content.decode()
    assert "一部達成" in body and "就労が安定した" in body
    # Double submit: stays closed, no second closing transition.
    client.post(url("cases:close", w.case.pk), form)
    assert CaseTransition.objects.filter(case=w.case, to_status="closed").count() == 1
