"""Assessment versions, the plan form (draft edit, revision of an agreed plan, stale edits), action status
and monitoring: bad input and stale or repeated submits change nothing."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from tests.factories import login_client
from tsunagu.cases import actions
from tsunagu.cases.models import Assessment, Monitoring, PlanAction, PlanStatus, SupportPlan

from .helpers import SECRET, make_world
from .pages import off_team_worker, team_worker, unconsented_worker, url

pytestmark = pytest.mark.django_db


def test_assessment_form_is_prefilled_and_saves_a_new_version(client):
    w = make_world()
    login_client(client, team_worker(w))
    page = client.get(url("cases:assessment", w.case.pk)).content.decode()
    assert f"思い {SECRET}" in page and f"通院 {SECRET}" in page
    data = {
        "based_on": 1,
        "person_wish": "家で暮らしたい",
        "summary": "見立て",
        "health-situation": "通院中",
        "economy-risks": "滞納",
        "change_reason": "退院後の状況",
    }
    assert client.post(url("cases:assessment", w.case.pk), data).status_code == 302
    latest = w.case.assessments.latest("version_no")
    assert latest.version_no == 2 and latest.created_by == team_worker(w)
    assert {a.area for a in latest.areas.all()} == {"health", "economy"}
    # The same form again is stale: refused, nothing saved.
    response = client.post(url("cases:assessment", w.case.pk), data)
    assert response.status_code == 200 and "別の職員が更新しました" in response.content.decode()
    assert Assessment.objects.filter(case=w.case).count() == 2


def test_assessment_revision_needs_a_reason(client):
    w = make_world()
    login_client(client, w.coordinator)
    response = client.post(url("cases:assessment", w.case.pk), {"based_on": 1, "person_wish": "x"})
    assert "理由を入力してください" in response.content.decode()
    assert Assessment.objects.filter(case=w.case).count() == 1
    response = client.post(url("cases:assessment", w.case.pk), {"based_on": "abc"})
    assert response.status_code == 200
    assert Assessment.objects.filter(case=w.case).count() == 1


def plan_post(w, plan, **extra):
    data = {
        "plan_id": plan.pk if plan else "",
        "edit_version": plan.edit_version if plan else "",
        "overall_goal": "安心して暮らす",
        "monitoring_on": "2030-06-01",
        "change_reason": "",
        "goals-TOTAL_FORMS": "3",
        "goals-INITIAL_FORMS": "0",
        "goals-0-text": "通院を続ける",
        "goals-0-life_area": "health",
        "goals-0-review_on": "",
        "goals-1-text": "",
        "goals-2-text": "家計を立て直す",
        "goals-2-life_area": "economy",
        "actions-TOTAL_FORMS": "3",
        "actions-INITIAL_FORMS": "0",
        "actions-0-goal_no": "1",
        "actions-0-description": "通院同行",
        "actions-0-organization": w.orgs["team"].pk,
        "actions-0-role": "lead",
        "actions-0-person_in_charge": "田中",
        "actions-0-due_on": "R12.5.1",
        "actions-0-review_on": "",
        "actions-0-status": "planned",
        "actions-1-goal_no": "3",
        "actions-1-description": "家計相談",
        "actions-1-organization": w.orgs["off"].pk,
        "actions-1-role": "cooperating",
        "actions-1-status": "in_progress",
        "actions-2-goal_no": "",
        "actions-2-description": "",
        "actions-2-organization": "",
        "actions-2-role": "cooperating",
        "actions-2-status": "planned",
    }
    data.update(extra)
    return data


def test_plan_draft_is_edited_in_place_and_a_stale_edit_is_refused(client):
    w = make_world()
    login_client(client, w.coordinator)
    page = client.get(url("cases:plan", w.case.pk)).content.decode()
    assert f"目標 {SECRET}" in page and "行を増やす" in page
    plan = w.plan
    stale = plan_post(w, plan, overall_goal="上書き")  # a second screen opened at the same time
    assert client.post(url("cases:plan", w.case.pk), plan_post(w, plan)).status_code == 302
    plan.refresh_from_db()
    assert plan.version_no == 1 and plan.edit_version == 2 and plan.monitoring_on == dt.date(2030, 6, 1)
    goals = list(plan.goals.all())
    assert [g.text for g in goals] == ["通院を続ける", "家計を立て直す"]
    acts = {a.description: a for a in plan.actions.all()}
    assert acts["家計相談"].goal == goals[1]  # row 3 → the second non-empty goal
    assert acts["通院同行"].due_on == dt.date(2030, 5, 1) and acts["通院同行"].person_in_charge == "田中"
    # The same form again (edit_version 1): stale, nothing overwritten.
    response = client.post(url("cases:plan", w.case.pk), stale)
    assert "別の職員が更新しました" in response.content.decode()
    plan.refresh_from_db()
    assert plan.overall_goal == "安心して暮らす"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"actions-0-goal_no": "2"}, "空の目標（目標2）"),
        ({"actions-0-organization": ""}, "担当機関を選んでください"),
        ({"actions-0-description": ""}, "支援内容を入力してください"),
        ({"actions-0-due_on": "明日"}, ""),
        (
            {"goals-0-text": "", "goals-2-text": "", "actions-0-goal_no": "", "actions-1-goal_no": ""},
            "目標を1つ以上",
        ),
        ({"actions-0-organization": "999999"}, ""),
    ],
)
def test_bad_plan_input_changes_nothing(client, changes, message):
    w = make_world()
    login_client(client, w.coordinator)
    before = (w.plan.edit_version, PlanAction.objects.count())
    response = client.post(url("cases:plan", w.case.pk), plan_post(w, w.plan, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    w.plan.refresh_from_db()
    assert (w.plan.edit_version, PlanAction.objects.count()) == before


def test_more_rows_keeps_the_input_and_saves_nothing(client):
    w = make_world()
    login_client(client, w.coordinator)
    response = client.post(url("cases:plan", w.case.pk), plan_post(w, w.plan, more_rows="1"))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="goals-TOTAL_FORMS" value="6"' in body and 'name="actions-5-description"' in body
    assert "通院同行" in body
    w.plan.refresh_from_db()
    assert w.plan.edit_version == 1


def test_an_agreed_plan_is_revised_as_a_new_version_with_a_reason(client):
    w = make_world()
    plan = actions.mark_plan_agreed(
        actor=w.coordinator, plan=w.plan, edit_version=w.plan.edit_version, meeting_note="重層的支援会議"
    )
    login_client(client, w.coordinator)
    detail = client.get(url("cases:detail", w.case.pk)).content.decode()
    assert "協議済" in detail and "プランを改訂する" in detail
    response = client.post(url("cases:plan", w.case.pk), plan_post(w, plan))
    assert "改訂する理由を入力してください" in response.content.decode()
    assert SupportPlan.objects.filter(case=w.case).count() == 1
    first = plan_post(w, plan, change_reason="家計の課題が判明")
    assert client.post(url("cases:plan", w.case.pk), first).status_code == 302
    plans = list(SupportPlan.objects.filter(case=w.case).order_by("version_no"))
    assert [(p.version_no, p.status) for p in plans] == [(1, PlanStatus.SUPERSEDED), (2, PlanStatus.DRAFT)]
    assert plans[1].change_reason == "家計の課題が判明"
    # A double submit of the revision is stale: no third version.
    client.post(url("cases:plan", w.case.pk), first)
    assert SupportPlan.objects.filter(case=w.case).count() == 2


def test_creating_the_first_plan_twice_creates_one(client):
    w = make_world()
    from tsunagu.intake.tests.helpers import record

    c = record(w.city, w.city.window_worker, "consented")
    case = actions.open_case(actor=w.coordinator, household=c.household, persons=[c.person])
    login_client(client, w.coordinator)
    assert "支援プランを作る" in client.get(url("cases:plan", case.pk)).content.decode()
    assert client.post(url("cases:plan", case.pk), plan_post(w, None)).status_code == 302
    response = client.post(url("cases:plan", case.pk), plan_post(w, None))
    assert response.status_code == 200
    assert SupportPlan.objects.filter(case=case).count() == 1


def test_team_members_cannot_write_the_plan(client):
    w = make_world()
    login_client(client, team_worker(w))
    assert client.post(url("cases:plan", w.case.pk), plan_post(w, w.plan)).status_code == 403
    w.plan.refresh_from_db()
    assert w.plan.edit_version == 1


def test_the_responsible_organization_updates_its_action_status(client):
    w = make_world()
    action = w.plan.actions.get()
    target = url("cases:action_status", w.case.pk, action.pk)
    login_client(client, team_worker(w))  # the action's organization
    assert client.post(target, {"status": "in_progress"}).status_code == 302
    action.refresh_from_db()
    assert action.status == "in_progress"
    client.post(target, {"status": "nonsense"})
    action.refresh_from_db()
    assert action.status == "in_progress"
    # Other organizations, other cities, and roles without casework: refused, nothing changes.
    for staff, status in (
        (unconsented_worker(w), 404),
        (off_team_worker(w), 404),
        (w.other.coordinator, 404),
        (w.city.auditor, 403),
    ):
        login_client(client, staff)
        assert client.post(target, {"status": "done"}).status_code == status
    client.logout()
    assert client.post(target, {"status": "done"}).status_code == 302
    action.refresh_from_db()
    assert action.status == "in_progress"
    # An action of another case under this case's URL: 404.
    login_client(client, w.coordinator)
    assert (
        client.post(url("cases:action_status", w.other_case.pk, action.pk), {"status": "done"}).status_code
        == 404
    )


def test_a_team_member_of_another_organization_cannot_update_the_action(client):
    w = make_world()
    actions.set_team_member(actor=w.coordinator, case=w.case, organization=w.orgs["off"], role="cooperating")
    action = w.plan.actions.get()
    login_client(client, off_team_worker(w))  # now on the team and consented, but not responsible
    assert (
        client.post(url("cases:action_status", w.case.pk, action.pk), {"status": "done"}).status_code == 403
    )


def test_monitoring_is_recorded_once_and_moves_the_next_date(client):
    w = make_world()
    login_client(client, team_worker(w))
    today = timezone.localdate()
    data = {
        "held_on": today.isoformat(),
        "summary": "通院が安定",
        "next_on": (today + dt.timedelta(days=60)).isoformat(),
        "submission_token": str(uuid.uuid4()),
    }
    assert client.post(url("cases:monitoring", w.case.pk), data).status_code == 302
    assert client.post(url("cases:monitoring", w.case.pk), data).status_code == 302  # double submit
    assert Monitoring.objects.filter(case=w.case, summary="通院が安定").count() == 1
    w.plan.refresh_from_db()
    assert w.plan.monitoring_on == today + dt.timedelta(days=60)
    data["submission_token"] = str(uuid.uuid4())  # a new form from here on
    bad = dict(data, next_on=(today - dt.timedelta(days=1)).isoformat(), summary="別の記録")
    response = client.post(url("cases:monitoring", w.case.pk), bad)
    assert "次回モニタリング日は実施日より後" in response.content.decode()
    response = client.post(url("cases:monitoring", w.case.pk), dict(data, summary=""))
    assert "経過と評価を入力してください" in response.content.decode()
    assert Monitoring.objects.filter(case=w.case).count() == 2
