"""Part 6 of issue 11: a role assignment (which organization does which action, by when) and a plan change
decided in a meeting go into the case's plan through cases' own action — a new version of an agreed plan
(協議済 where the decision approves it), the draft edited in place otherwise — with a link on the decision,
a stale form refused, a double submit making one change, and the responsible organization reminded."""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from functools import partial

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.factories import login_client, make_staff
from tsunagu.access.models import AuditEvent
from tsunagu.accounts.models import Role
from tsunagu.cases.models import PlanStatus, SupportPlan
from tsunagu.meetings import actions
from tsunagu.meetings.actions import MeetingError
from tsunagu.meetings.decision_plan import PlanChange, plan_to_change
from tsunagu.meetings.decisions import decide
from tsunagu.meetings.follow_ups import open_follow_ups
from tsunagu.meetings.models import Decision

from .helpers import consent_for_conference, make_body, sitting, staffed

pytestmark = pytest.mark.django_db


def _item(s, function="consented_conference", key="jusou"):
    w = s.world
    body = make_body(w, key, function, [function], member_selection="per_case", name="こまきつながる会議")
    if function == "consented_conference":
        consent_for_conference(w, [w.orgs["team"]])
    return actions.place_item(
        actor=w.coordinator,
        meeting=sitting(body),
        case=w.case,
        purpose="roles",
        minutes=20,
        function=function,
        organizations=[w.orgs["team"]],
    )


def _plan(item) -> SupportPlan:
    plan = plan_to_change(item)
    assert plan is not None
    return plan


def _held(item) -> dt.date:
    return timezone.localtime(item.meeting.starts_at).date()


def _change(item, **kw) -> PlanChange:
    plan = _plan(item)
    return PlanChange(plan_id=plan.pk, edit_version=plan.edit_version, **kw)


def _role(s, item, change, token=None, org=None, **kw):
    return decide(
        actor=s.world.coordinator,
        item=item,
        kind="role",
        note=kw.pop("note", "社協が見守り訪問を担う"),
        responsible=org or s.world.orgs["team"],
        follow_up_on=_held(item) + dt.timedelta(days=14),
        plan_change=change,
        submission_token=token or uuid.uuid4(),
        **kw,
    )


def _agreed(s, item):
    decide(actor=s.world.coordinator, item=item, kind="plan_agreed", note="プランを承認")
    plan = _plan(item)
    assert plan.status == PlanStatus.AGREED and plan.version_no == 1
    return plan


def test_a_role_assignment_on_an_agreed_plan_makes_a_new_agreed_version_with_the_organization():
    s = staffed()
    item = _item(s)
    old = _agreed(s, item)
    d = _role(s, item, _change(item, description="週1回の見守り訪問", approve=True))
    new = _plan(item)
    assert new.version_no == 2 and new.status == PlanStatus.AGREED and d.plan_id == new.pk
    assert "こまきつながる会議" in new.agreed_note and "の決定: 社協が見守り訪問を担う" in new.change_reason
    old.refresh_from_db()
    assert old.status == PlanStatus.SUPERSEDED and old.actions.count() == 1
    added = new.actions.get(description="週1回の見守り訪問")
    assert added.organization == s.world.orgs["team"]
    assert added.due_on == _held(item) + dt.timedelta(days=14)
    assert new.actions.count() == 2 and d.plan_agreed and d.action_description == "週1回の見守り訪問"
    event = AuditEvent.objects.filter(actor_id=s.world.coordinator.pk, action="create").latest("seq")
    assert ["support_plan", new.pk] in event.objects_json and ["decision", d.pk] in event.objects_json


def test_a_role_assignment_edits_a_draft_in_place_and_reassigns_an_existing_action():
    s = staffed()
    w = s.world
    item = _item(s, "confidential_conference", "shien")
    plan = _plan(item)
    assert plan.status == PlanStatus.DRAFT
    (action,) = plan.actions.all()
    _role(s, item, _change(item, action_id=action.pk), org=w.orgs["unnamed"], note="担当を変える")
    plan.refresh_from_db()
    assert (
        plan.version_no == 1
        and plan.edit_version == 2
        and SupportPlan.objects.filter(case=w.case).count() == 1
    )
    (moved,) = plan.actions.all()
    assert moved.description == action.description and moved.organization == w.orgs["unnamed"]
    # Under 支援会議 the decision may not mark the plan 協議済.
    with pytest.raises(MeetingError, match="重層的支援会議（本人同意）として検討した議題"):
        _role(s, item, _change(item, description="家計相談", approve=True))
    assert plan.actions.count() == 1


def test_a_plan_change_adds_a_goal_and_sets_the_next_monitoring_date():
    s = staffed()
    item = _item(s)
    _agreed(s, item)
    on = _held(item) + dt.timedelta(days=30)
    with pytest.raises(MeetingError, match="変更する内容"):
        decide(
            actor=s.world.coordinator,
            item=item,
            kind="plan_change",
            note="目標を見直す",
            plan_change=_change(item),
            submission_token=uuid.uuid4(),
        )
    with pytest.raises(MeetingError, match="担当機関を選び"):
        decide(
            actor=s.world.coordinator,
            item=item,
            kind="plan_change",
            note="期限だけ",
            follow_up_on=on,
            plan_change=_change(item, goal_text="x"),
            submission_token=uuid.uuid4(),
        )
    d = decide(
        actor=s.world.coordinator,
        item=item,
        kind="plan_change",
        note="就労の目標を加える",
        next_monitoring_on=on,
        plan_change=_change(item, goal_text="週3日の就労体験に通う"),
        submission_token=uuid.uuid4(),
    )
    plan = _plan(item)
    assert plan.version_no == 2 and plan.status == PlanStatus.DRAFT and plan.monitoring_on == on
    assert "週3日の就労体験に通う" in [g.text for g in plan.goals.all()] and plan.goals.count() == 2
    assert d.next_monitoring_on == on and not d.plan_agreed


def test_a_stale_form_is_refused_and_changes_nothing():
    s = staffed()
    item = _item(s)
    stale = _change(item, description="古い画面からの支援内容")
    _role(s, item, _change(item, description="先に決めた支援内容"))
    before = (_plan(item).edit_version, Decision.objects.count())
    with pytest.raises(MeetingError, match="画面を開き直して"):
        _role(s, item, stale)
    plan = _plan(item)
    assert (plan.edit_version, Decision.objects.count()) == before
    assert not plan.actions.filter(description="古い画面からの支援内容").exists()


def test_a_double_submit_makes_one_change():
    s = staffed()
    item = _item(s)
    _agreed(s, item)
    change, token = _change(item, description="同じ送信"), uuid.uuid4()
    first = _role(s, item, change, token=token)
    again = _role(s, item, change, token=token)
    assert first.pk == again.pk and Decision.objects.filter(kind="role").count() == 1
    assert SupportPlan.objects.filter(case=s.world.case).count() == 2
    assert _plan(item).actions.filter(description="同じ送信").count() == 1


def test_only_the_cases_coordinator_decides_into_the_plan_and_outsiders_see_nothing(client):
    s = staffed()
    w = s.world
    item = _item(s)
    other = make_staff(w.city.muni, Role.COORDINATOR, None)
    with pytest.raises(MeetingError, match="束ね役だけ"):
        decide(
            actor=other,
            item=item,
            kind="role",
            note="横から",
            responsible=w.orgs["team"],
            follow_up_on=_held(item) + dt.timedelta(days=7),
            plan_change=_change(item, description="横から"),
            submission_token=uuid.uuid4(),
        )
    plan = _plan(item)
    post = {
        "decision-kind": "role",
        "decision-note": "横から",
        "decision-action_description": "横から",
        "decision-responsible": w.orgs["team"].pk,
        "decision-follow_up_on": (_held(item) + dt.timedelta(days=7)).isoformat(),
        "decision-plan_id": plan.pk,
        "decision-plan_edit_version": plan.edit_version,
        "decision-submission_token": str(uuid.uuid4()),
    }
    for outsider in (other, s.off):  # not the coordinator; named by consent but not selected for the item
        login_client(client, outsider)
        r = client.post(reverse("meetings:decide", args=[item.pk]), post)
        assert r.status_code in (403, 404)
        assert client.get(reverse("meetings:item", args=[item.pk])).status_code in (403, 404)
    assert not Decision.objects.exists() and _plan(item).edit_version == plan.edit_version


def test_the_item_page_records_a_role_and_the_minutes_and_pdf_show_it(client):
    import pypdf

    s = staffed()
    w = s.world
    item = _item(s)
    plan = _plan(item)
    login_client(client, w.coordinator)
    page = client.get(reverse("meetings:item", args=[item.pk])).content.decode()
    found = re.search(r'name="decision-submission_token" value="([0-9a-f-]+)"', page)
    assert found is not None
    token = found.group(1)
    post = {
        "decision-kind": "role",
        "decision-note": "地域包括が受診同行を担う",
        "decision-action_description": "受診同行",
        "decision-responsible": w.orgs["unnamed"].pk,
        "decision-follow_up_on": (_held(item) + dt.timedelta(days=10)).isoformat(),
        "decision-plan_id": plan.pk,
        "decision-plan_edit_version": plan.edit_version,
        "decision-submission_token": token,
    }
    assert client.post(reverse("meetings:decide", args=[item.pk]), post).status_code == 302
    assert client.post(reverse("meetings:decide", args=[item.pk]), post).status_code == 302  # again
    assert Decision.objects.filter(kind="role").count() == 1
    page = client.get(reverse("meetings:item", args=[item.pk])).content.decode()
    assert "受診同行" in page and w.orgs["unnamed"].name in page
    minutes = client.get(reverse("meetings:minutes", args=[item.meeting_id])).content.decode()
    assert "支援内容: 受診同行" in minutes and "支援プラン第1版に反映" in minutes
    r = client.get(reverse("meetings:minutes_pdf", args=[item.meeting_id]))
    text = "".join(re.sub(r"\s+", "", p.extract_text()) for p in pypdf.PdfReader(io.BytesIO(r.content)).pages)
    assert "支援内容:受診同行" in text and "支援プラン第1版に反映" in text and w.orgs["unnamed"].name in text
    # A stale form posted later is refused with a message and changes nothing.
    post["decision-submission_token"] = str(uuid.uuid4())
    r = client.post(reverse("meetings:decide", args=[item.pk]), post, follow=True)
    assert "画面を開き直して" in r.content.decode()
    assert Decision.objects.filter(kind="role").count() == 1


def test_the_responsible_organization_is_reminded_of_its_role():
    s = staffed()
    item = _item(s)
    d = _role(s, item, _change(item, description="家計の相談につなぐ"))
    assert d in open_follow_ups(s.team) and d in open_follow_ups(s.world.coordinator)
    assert d not in open_follow_ups(s.unnamed)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (TSUNAGU_DATABASE_URL): SQLite serialises writers, so no race can occur",
)
def test_the_same_decision_sent_at_once_makes_one_change():
    from tsunagu.cases.tests.test_it_plan_concurrency import race

    s = staffed()
    item = _item(s)
    _agreed(s, item)
    change, token = _change(item, description="同時の送信"), uuid.uuid4()
    wins, losses = race([partial(_role, s, item, change, token=token) for _ in range(3)])
    assert not losses, losses
    assert len({d.pk for _i, d in wins}) == 1
    assert Decision.objects.filter(kind="role").count() == 1
    assert SupportPlan.objects.filter(case=s.world.case).count() == 2
    assert _plan(item).actions.filter(description="同時の送信").count() == 1


def test_a_plan_change_rewords_a_goal_and_a_role_serves_a_chosen_goal():
    s = staffed()
    item = _item(s)
    (goal,) = _plan(item).goals.all()
    decide(
        actor=s.world.coordinator,
        item=item,
        kind="plan_change",
        note="目標を本人の言葉に直す",
        plan_change=_change(item, goal_id=goal.pk, goal_text="自分のペースで外出できる"),
        submission_token=uuid.uuid4(),
    )
    plan = _plan(item)
    assert [g.text for g in plan.goals.all()] == ["自分のペースで外出できる"]
    (kept,) = plan.goals.all()
    _role(s, item, _change(item, description="外出の同行", goal_id=kept.pk))
    # (A draft is rewritten in place: its goal rows are new, the wording is what carries over.)
    assigned = _plan(item).actions.select_related("goal").get(description="外出の同行")
    assert assigned.goal is not None and assigned.goal.text == "自分のペースで外出できる"
    with pytest.raises(MeetingError, match="いまの支援プランの目標ではありません"):
        _role(s, item, _change(item, description="古い目標へ", goal_id=goal.pk))
