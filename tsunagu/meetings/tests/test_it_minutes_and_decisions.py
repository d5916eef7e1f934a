"""Part 6 of issue 11: the review of last time's actions kept apart, and decisions that move the case
through cases' own actions (plan 協議済, next monitoring date with the body's default, closure)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tsunagu.cases.models import CaseStatus, PlanStatus
from tsunagu.meetings import actions
from tsunagu.meetings.actions import MeetingError
from tsunagu.meetings.decisions import actions_to_review, decide, record_review
from tsunagu.meetings.models import Decision

from .helpers import consent_for_conference, make_body, sitting, staffed

pytestmark = pytest.mark.django_db


def _consented_item(s, purpose="plan", **body_extra):
    w = s.world
    body = make_body(
        w,
        "jusou",
        "consented_conference",
        ["consented_conference"],
        member_selection="per_case",
        name="こまきつながる会議",
        **body_extra,
    )
    consent_for_conference(w, [w.orgs["team"]])
    m = sitting(body)
    return actions.place_item(
        actor=w.coordinator,
        meeting=m,
        case=w.case,
        purpose=purpose,
        minutes=20,
        function="consented_conference",
        organizations=[w.orgs["team"]],
    )


def test_reviews_keep_done_changed_and_not_acted_apart():
    s = staffed()
    item = _consented_item(s)
    (action,) = actions_to_review(item)
    with pytest.raises(MeetingError, match="理由"):
        record_review(actor=s.world.coordinator, item=item, action=action, outcome="not_acted")
    review = record_review(
        actor=s.world.coordinator, item=item, action=action, outcome="not_acted", note="訪問できず"
    )
    assert review.get_outcome_display() == "機関が実施していない"
    with pytest.raises(MeetingError, match="すでに"):
        record_review(actor=s.world.coordinator, item=item, action=action, outcome="done")


def test_the_next_monitoring_date_is_set_by_the_decision_with_the_bodys_default():
    s = staffed()
    item = _consented_item(s, monitoring_interval_days=45)
    decide(actor=s.world.coordinator, item=item, kind="monitoring", note="3か月後に再評価")
    held = timezone.localtime(item.meeting.starts_at).date()
    plan = s.world.case.plans.exclude(status=PlanStatus.SUPERSEDED).order_by("-version_no")[0]
    assert plan.monitoring_on == held + dt.timedelta(days=45)
    assert Decision.objects.get().next_monitoring_on == held + dt.timedelta(days=45)
    chosen = held + dt.timedelta(days=20)
    decide(
        actor=s.world.coordinator, item=item, kind="monitoring", note="早めに確認", next_monitoring_on=chosen
    )
    plan.refresh_from_db()
    assert plan.monitoring_on == chosen


def test_plan_agreed_only_under_the_consented_function():
    s = staffed()
    item = _consented_item(s)
    decide(actor=s.world.coordinator, item=item, kind="plan_agreed", note="プランを承認")
    plan = s.world.case.plans.order_by("-version_no")[0]
    assert plan.status == PlanStatus.AGREED and "こまきつながる会議" in plan.agreed_note
    w = s.world
    body = make_body(
        w, "shien", "confidential_conference", ["confidential_conference"], member_selection="per_case"
    )
    other = actions.place_item(
        actor=w.coordinator,
        meeting=sitting(body),
        case=w.case,
        purpose="plan",
        minutes=10,
        function="confidential_conference",
        organizations=[w.orgs["unnamed"]],
    )
    with pytest.raises(MeetingError, match="重層的支援会議（本人同意）として検討した議題"):
        decide(actor=w.coordinator, item=other, kind="plan_agreed", note="承認")


def test_closure_is_decided_on_a_closure_item_through_cases_close_case():
    s = staffed()
    w = s.world
    item = _consented_item(s, purpose="sharing")
    with pytest.raises(MeetingError, match="終結評価"):
        decide(
            actor=w.coordinator,
            item=item,
            kind="close",
            note="目標達成",
            goal_attainment="achieved",
            main_agency_after_closure=w.orgs["team"],
        )
    closing = _closure_item(s)
    with pytest.raises(MeetingError, match="主担当機関"):
        decide(actor=w.coordinator, item=closing, kind="close", note="目標達成", goal_attainment="achieved")
    assert not Decision.objects.exists()
    decide(
        actor=w.coordinator,
        item=closing,
        kind="close",
        note="目標達成",
        goal_attainment="achieved",
        main_agency_after_closure=w.orgs["team"],
    )
    w.case.refresh_from_db()
    assert w.case.status == CaseStatus.CLOSED and "目標達成" in w.case.closure_reason


def _closure_item(s):
    w = s.world
    body = make_body(
        w, "jusou2", "consented_conference", ["consented_conference"], member_selection="per_case"
    )
    return actions.place_item(
        actor=w.coordinator,
        meeting=sitting(body),
        case=w.case,
        purpose="closure",
        minutes=10,
        function="consented_conference",
        organizations=[w.orgs["team"]],
    )


def test_minutes_wait_for_the_meeting_to_begin():
    s = staffed()
    w = s.world
    body = make_body(
        w, "shien", "confidential_conference", ["confidential_conference"], member_selection="per_case"
    )
    item = actions.place_item(
        actor=w.coordinator,
        meeting=sitting(body, starts=dt.timedelta(days=2)),
        case=w.case,
        purpose="roles",
        minutes=10,
        function="confidential_conference",
        organizations=[w.orgs["unnamed"]],
    )
    with pytest.raises(MeetingError, match="始まる前"):
        decide(actor=w.coordinator, item=item, kind="note", note="メモ")
    with pytest.raises(MeetingError, match="始まる前"):
        actions.mark_discussed(actor=w.coordinator, item=item, version=item.version)


def test_the_decision_forms_next_monitoring_date_does_not_suggest_a_birth_date():
    from tsunagu.core.dates import parse_japanese_date
    from tsunagu.directory.models import MeetingBody, Organization
    from tsunagu.meetings.forms import DecisionForm

    form = DecisionForm(bodies=MeetingBody.objects.none(), organizations=Organization.objects.none())
    placeholder = form.fields["next_monitoring_on"].widget.attrs["placeholder"]
    example = parse_japanese_date(placeholder.split("、")[1])
    assert "S33.4.7" not in placeholder and example is not None and example > timezone.localdate()
