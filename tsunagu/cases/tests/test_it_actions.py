"""The rules of every case action: what each allows, what it refuses (in Japanese, changing nothing),
and the audit event each writes naming the case."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from django.utils import timezone

from tests.factories import make_organization, make_person, make_staff
from tsunagu.access.models import AuditEvent
from tsunagu.accounts.models import Role, Staff
from tsunagu.cases import actions
from tsunagu.cases.actions import CaseError, StaleEdit
from tsunagu.cases.models import (
    Assessment,
    Case,
    CaseStatus,
    CaseTeamMember,
    CaseTransition,
    Consent,
    Monitoring,
    PlanAction,
    PlanGoal,
    PlanStatus,
    SupportPlan,
    TeamRole,
)
from tsunagu.cases.policy import visible_cases
from tsunagu.intake import actions as intake_actions
from tsunagu.intake.models import EscalationStatus
from tsunagu.intake.tests.helpers import City, make_city, record
from tsunagu.people.models import Household, Person

from .helpers import add_member, consent_input, plan_input

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@dataclass
class W:
    city: City
    household: Household
    p1: Person
    p2: Person
    outsider: Person
    case: Case

    @property
    def coord(self) -> Staff:
        return self.city.coordinator


@pytest.fixture
def w() -> W:
    city = make_city()
    c = record(city, city.window_worker, "not_consented")
    p2 = make_person(city.muni, family_name="佐藤", given_name="花子")
    add_member(c.household, p2)
    outsider = make_person(city.muni, family_name="鈴木", given_name="一郎")
    case = actions.open_case(actor=city.coordinator, household=c.household, persons=[c.person])
    return W(city=city, household=c.household, p1=c.person, p2=p2, outsider=outsider, case=case)


def snapshot(case: Case) -> tuple[object, ...]:
    """Everything an action could change: a refused action must leave it equal."""
    fresh = Case.objects.get(pk=case.pk)
    return (
        fresh.version,
        fresh.status,
        fresh.suspended_from,
        fresh.closed_at,
        fresh.main_agency_after_closure_id,
        Case.objects.count(),
        CaseTransition.objects.count(),
        CaseTeamMember.objects.count(),
        sorted(Consent.objects.values_list("pk", "withdrawn_at")),
        Assessment.objects.count(),
        sorted(SupportPlan.objects.values_list("pk", "status", "edit_version", "overall_goal")),
        PlanGoal.objects.count(),
        PlanAction.objects.count(),
        Monitoring.objects.count(),
        AuditEvent.objects.count(),
    )


def refused(case: Case, call, message: str, error: type[Exception] = CaseError) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(case)
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)
    assert snapshot(case) == before


def case_events(case: Case) -> int:
    return AuditEvent.objects.filter(object_index__contains=f" case:{case.pk} ").count()


def go(w: W, *steps: str) -> Case:
    for to in steps:
        w.case = actions.transition(actor=w.coord, case=w.case, version=w.case.version, to=to)
    return w.case


# ---- lifecycle --------------------------------------------------------------------------------------


def test_the_lifecycle_runs_forward_and_back_from_evaluation_to_planning(w):
    go(w, "assessment", "planning", "support", "evaluation", "planning", "support")
    path = [(t.from_status, t.to_status) for t in CaseTransition.objects.filter(case=w.case)]
    assert path[0] == ("", "intake") and path[-1] == ("planning", "support") and len(path) == 7
    assert Case.objects.get(pk=w.case.pk).version == 7


def test_skipping_a_step_is_refused(w):
    refused(
        w.case,
        lambda: actions.transition(actor=w.coord, case=w.case, version=w.case.version, to="support"),
        "「受付」から「支援中」へは進められません。",
    )


def test_closing_through_a_transition_is_refused(w):
    refused(
        w.case,
        lambda: actions.transition(actor=w.coord, case=w.case, version=w.case.version, to="closed"),
        "終結は「終結の評価」から行ってください。",
    )


def test_an_unknown_status_is_refused_in_japanese(w):
    refused(
        w.case,
        lambda: actions.transition(actor=w.coord, case=w.case, version=w.case.version, to="archived"),
        "進められません",
    )


def test_suspending_needs_a_reason_and_resuming_returns_to_the_previous_state(w):
    go(w, "assessment", "planning")
    refused(
        w.case,
        lambda: actions.transition(
            actor=w.coord, case=w.case, version=w.case.version, to="suspended", note=" "
        ),
        "中断の理由を入力してください。",
    )
    case = actions.transition(actor=w.coord, case=w.case, version=w.case.version, to="suspended", note="入院")
    assert (case.status, case.suspended_from) == ("suspended", "planning")
    refused(
        case,
        lambda: actions.transition(actor=w.coord, case=case, version=case.version, to="support"),
        "「中断」から「支援中」へは進められません。",
    )
    case = actions.resume_case(actor=w.coord, case=case, version=case.version)
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.status, fresh.suspended_from) == ("planning", "")
    refused(
        fresh,
        lambda: actions.resume_case(actor=w.coord, case=fresh, version=fresh.version),
        "中断中のケースだけ再開できます。",
    )


def test_a_stale_version_is_refused(w):
    stale = Case.objects.get(pk=w.case.pk)
    go(w, "assessment")
    refused(
        stale,
        lambda: actions.transition(
            actor=w.coord, case=stale, version=stale.version, to="suspended", note="x"
        ),
        "別の職員が更新しました",
        StaleEdit,
    )


# ---- opening ------------------------------------------------------------------------------------------


def test_a_household_has_one_open_case_at_a_time(w):
    refused(
        w.case,
        lambda: actions.open_case(actor=w.coord, household=w.household),
        "この世帯には進行中のケースがあります。",
    )
    close(w)
    again = actions.open_case(actor=w.coord, household=w.household, persons=[w.p2])
    assert again.number == w.case.number + 1 and again.status == "intake"


def test_the_persons_must_belong_to_the_household(w):
    close(w)
    refused(
        w.case,
        lambda: actions.open_case(actor=w.coord, household=w.household, persons=[w.p1, w.outsider]),
        "主な対象者は、この世帯の世帯員から選んでください。",
    )


def test_the_coordinator_must_be_a_coordinator_of_the_same_city(w):
    close(w)
    refused(
        w.case,
        lambda: actions.open_case(actor=w.coord, household=w.household, coordinator=w.city.window_worker),
        "束ね役には、束ね役の職員を選んでください。",
    )
    other = make_city("012025", "別の市")
    refused(
        w.case,
        lambda: actions.open_case(actor=w.coord, household=w.household, coordinator=other.coordinator),
        "別の自治体の記録は扱えません。",
    )
    refused(
        w.case,
        lambda: actions.open_case(actor=other.coordinator, household=w.household),
        "別の自治体の記録は扱えません。",
    )


def test_opening_from_an_escalation_request_accepts_it_and_brings_the_referrer_onto_the_team():
    city = make_city()
    c = record(city, city.window_worker, "consented")
    req, _ = intake_actions.request_escalation(
        actor=city.window_worker, household=c.household, reason="複合課題"
    )
    case = actions.open_case(actor=city.coordinator, household=c.household, escalation_request=req)
    req.refresh_from_db()
    assert req.status == EscalationStatus.ACCEPTED and req.handled_by == city.coordinator
    member = CaseTeamMember.objects.get(case=case)
    assert (member.organization, member.role) == (city.window_org, TeamRole.INFORMATION)
    close_case = actions.close_case(
        actor=city.coordinator,
        case=case,
        version=case.version,
        reason="解決",
        goal_attainment="achieved",
        handover_to=None,
        main_agency_after_closure=city.agency_org,
    )
    refused(
        close_case,
        lambda: actions.open_case(actor=city.coordinator, household=c.household, escalation_request=req),
        "このつなぎ依頼からは、すでにケースが開かれています。",
    )


def test_a_declined_or_foreign_escalation_request_opens_nothing():
    city = make_city()
    c = record(city, city.window_worker, "consented")
    other = record(city, city.window_worker, "consented")
    req, _ = intake_actions.request_escalation(
        actor=city.window_worker, household=c.household, reason="複合課題"
    )
    before = Case.objects.count()
    with pytest.raises(CaseError, match="つなぎ依頼の世帯と一致しません。"):
        actions.open_case(actor=city.coordinator, household=other.household, escalation_request=req)
    intake_actions.decline_escalation(actor=city.coordinator, request=req, version=req.version, note="見守り")
    req.refresh_from_db()
    with pytest.raises(CaseError, match="見送ったつなぎ依頼からはケースを開けません。"):
        actions.open_case(actor=city.coordinator, household=c.household, escalation_request=req)
    assert Case.objects.count() == before


# ---- team ---------------------------------------------------------------------------------------------


def test_team_members_are_added_changed_and_removed(w):
    org = w.city.agency_org
    m = actions.set_team_member(actor=w.coord, case=w.case, organization=org, role=TeamRole.COOPERATING)
    assert (
        actions.set_team_member(actor=w.coord, case=w.case, organization=org, role=TeamRole.LEAD).pk == m.pk
    )
    assert CaseTeamMember.objects.get(pk=m.pk).role == TeamRole.LEAD
    refused(
        w.case,
        lambda: actions.set_team_member(actor=w.coord, case=w.case, organization=org, role="boss"),
        "役割を選んでください。",
    )
    other = make_city("012025", "別の市")
    refused(
        w.case,
        lambda: actions.set_team_member(
            actor=w.coord, case=w.case, organization=other.agency_org, role="lead"
        ),
        "別の自治体の記録は扱えません。",
    )
    actions.remove_team_member(actor=w.coord, case=w.case, organization=org)
    assert CaseTeamMember.objects.get(pk=m.pk).removed_at is not None
    again = actions.set_team_member(actor=w.coord, case=w.case, organization=org, role=TeamRole.INFORMATION)
    assert again.pk != m.pk


# ---- consent ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"given_on": "tomorrow"}, "同意日に未来の日付は入力できません。"),
        ({"expires_on": "yesterday"}, "有効期限は同意日より後の日付にしてください。"),
        ({"organizations": []}, "共有してよい機関を1つ以上選んでください。"),
        ({"persons": []}, "同意の対象となる人を、世帯員から1人以上選んでください。"),
        ({"persons": "outsider"}, "同意の対象となる人を、世帯員から1人以上選んでください。"),
        ({"given_by": "outsider"}, "代理人などの続柄を補足に書いてください。"),
        ({"meeting_kinds": ["party"]}, "会議の種類が正しくありません。"),
        ({"method": "telepathy"}, "同意の方法を選んでください。"),
    ],
)
def test_bad_consent_is_refused(w, change, message):
    data = consent_input(w.p1, [w.city.agency_org])
    today = TODAY()
    values = {
        "tomorrow": today + dt.timedelta(days=1),
        "yesterday": today - dt.timedelta(days=1),
        "outsider": w.outsider,
    }
    for key, value in change.items():
        if key == "persons" and value == "outsider":
            value = [w.p1, w.outsider]
        elif isinstance(value, str) and value in values:
            value = values[value]
        setattr(data, key, value)
    refused(w.case, lambda: actions.record_consent(actor=w.coord, case=w.case, data=data), message)


def test_a_proxy_may_consent_when_the_relationship_is_noted(w):
    data = consent_input(w.outsider, [w.city.agency_org], persons=[w.p1])
    data.given_by_note = "成年後見人"
    data.basis = "guardian"
    consent = actions.record_consent(actor=w.coord, case=w.case, data=data)
    assert consent.given_by_note == "成年後見人" and list(consent.persons.all()) == [w.p1]


def test_withdrawal_takes_effect_in_the_same_second(w):
    org = w.city.agency_org
    actions.set_team_member(actor=w.coord, case=w.case, organization=org, role=TeamRole.LEAD)
    consent = actions.record_consent(actor=w.coord, case=w.case, data=consent_input(w.p1, [org]))
    refused(
        w.case,
        lambda: actions.withdraw_consent(actor=w.coord, consent=consent, note=" "),
        "撤回の経緯を記録してください。",
    )
    with time_machine.travel(timezone.now(), tick=False):
        assert w.case in visible_cases(w.city.agency_worker)
        actions.withdraw_consent(actor=w.coord, consent=consent, note="本人の申し出")
        assert w.case not in visible_cases(w.city.agency_worker)
    refused(
        w.case,
        lambda: actions.withdraw_consent(actor=w.coord, consent=consent, note="再度"),
        "この同意はすでに撤回されています。",
    )


# ---- assessment ---------------------------------------------------------------------------------------


def test_assessment_versions_need_a_reason_and_the_version_read(w):
    a1 = actions.save_assessment(
        actor=w.coord,
        case=w.case,
        based_on=0,
        person_wish="家で暮らしたい",
        summary="見立て",
        areas={"health": {"situation": "通院", "risks": ""}, "economy": {"situation": ""}},
    )
    assert a1.version_no == 1 and [a.area for a in a1.areas.all()] == ["health"]
    refused(
        w.case,
        lambda: actions.save_assessment(
            actor=w.coord, case=w.case, based_on=1, person_wish="", summary="", areas={}
        ),
        "アセスメントを改訂する理由を入力してください。",
    )
    refused(
        w.case,
        lambda: actions.save_assessment(
            actor=w.coord, case=w.case, based_on=0, person_wish="", summary="", areas={}, change_reason="x"
        ),
        "別の職員が更新しました",
        StaleEdit,
    )
    refused(
        w.case,
        lambda: actions.save_assessment(
            actor=w.coord,
            case=w.case,
            based_on=1,
            person_wish="",
            summary="",
            areas={"mood": {}},
            change_reason="再評価",
        ),
        "生活領域が正しくありません。",
    )
    a2 = actions.save_assessment(
        actor=w.coord,
        case=w.case,
        based_on=1,
        person_wish="",
        summary="改訂",
        areas={},
        change_reason="再評価",
    )
    assert (a2.version_no, a2.change_reason) == (2, "再評価")


# ---- plan ---------------------------------------------------------------------------------------------


def test_a_draft_is_edited_in_place_and_an_agreed_plan_is_revised_with_a_reason(w):
    org = w.city.agency_org
    plan = actions.save_plan(actor=w.coord, case=w.case, data=plan_input("最初", org))
    refused(
        w.case,
        lambda: actions.save_plan(actor=w.coord, case=w.case, data=plan_input("二つ目", org)),
        "別の職員が更新しました",
        StaleEdit,
    )
    edited = actions.save_plan(
        actor=w.coord, case=w.case, data=plan_input("直した", org), plan=plan, edit_version=plan.edit_version
    )
    assert (edited.pk, edited.version_no, edited.edit_version) == (plan.pk, 1, 2)
    assert [g.text for g in PlanGoal.objects.filter(plan=plan)] == ["直した"]
    assert [a.description for a in PlanAction.objects.filter(plan=plan)] == ["直したの支援"]
    refused(
        w.case,
        lambda: actions.save_plan(
            actor=w.coord, case=w.case, data=plan_input("古い版から", org), plan=plan, edit_version=1
        ),
        "別の職員が更新しました",
        StaleEdit,
    )
    agreed = actions.mark_plan_agreed(
        actor=w.coord, plan=edited, edit_version=2, meeting_note="重層的支援会議"
    )
    assert agreed.status == PlanStatus.AGREED
    refused(
        w.case,
        lambda: actions.mark_plan_agreed(actor=w.coord, plan=agreed, edit_version=2, meeting_note="再"),
        "別の職員が更新しました",
        StaleEdit,
    )
    refused(
        w.case,
        lambda: actions.save_plan(
            actor=w.coord,
            case=w.case,
            data=plan_input("改訂", org),
            plan=agreed,
            edit_version=agreed.edit_version,
        ),
        "協議済のプランを改訂する理由を入力してください。",
    )
    v2 = actions.save_plan(
        actor=w.coord,
        case=w.case,
        data=plan_input("改訂", org, reason="就労開始"),
        plan=agreed,
        edit_version=agreed.edit_version,
    )
    assert (v2.version_no, v2.status, v2.change_reason) == (2, PlanStatus.DRAFT, "就労開始")
    assert SupportPlan.objects.get(pk=plan.pk).status == PlanStatus.SUPERSEDED
    assert [g.text for g in PlanGoal.objects.filter(plan=plan)] == ["直した"]  # the old version is kept


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (actions.PlanInput(overall_goal="x", goals=[], actions=[]), "目標を1つ以上入力してください。"),
        (
            actions.PlanInput(overall_goal="x", goals=[actions.GoalInput(text="  ")], actions=[]),
            "目標を1つ以上入力してください。",
        ),
    ],
)
def test_a_plan_needs_a_goal(w, data, message):
    refused(w.case, lambda: actions.save_plan(actor=w.coord, case=w.case, data=data), message)


def test_bad_plan_actions_are_refused(w):
    org = w.city.agency_org
    goal = [actions.GoalInput(text="目標")]
    cases = [
        (actions.ActionInput(description=" ", organization=org), "支援内容が空の行があります。"),
        (
            actions.ActionInput(description="見守り", organization=org, goal_index=3),
            "支援内容の目標の指定が正しくありません。",
        ),
        (
            actions.ActionInput(description="見守り", organization=org, status="maybe"),
            "支援内容の状況または役割が正しくありません。",
        ),
        (
            actions.ActionInput(description="見守り", organization=make_city("012025", "別の市").agency_org),
            "別の自治体の記録は扱えません。",
        ),
    ]
    for action, message in cases:
        data = actions.PlanInput(overall_goal="x", goals=goal, actions=[action])
        refused(w.case, lambda data=data: actions.save_plan(actor=w.coord, case=w.case, data=data), message)


# ---- monitoring and closure ---------------------------------------------------------------------------


def test_monitoring_needs_a_plan_a_summary_and_sensible_dates(w):
    today = TODAY()

    def monitor(held_on=today, summary="順調", next_on=None):  # type: ignore[no-untyped-def]
        return actions.record_monitoring(
            actor=w.coord, case=w.case, held_on=held_on, summary=summary, next_on=next_on
        )

    refused(w.case, monitor, "支援プランがないため、モニタリングを記録できません。")
    plan = actions.save_plan(actor=w.coord, case=w.case, data=plan_input("目標", w.city.agency_org))
    refused(w.case, lambda: monitor(summary=" "), "経過と評価を入力してください。")
    refused(
        w.case, lambda: monitor(held_on=today + dt.timedelta(days=1)), "実施日に未来の日付は入力できません。"
    )
    refused(w.case, lambda: monitor(next_on=today), "次回モニタリング日は実施日より後にしてください。")
    m = monitor(next_on=today + dt.timedelta(days=30))
    assert m.plan == plan
    assert SupportPlan.objects.get(pk=plan.pk).monitoring_on == today + dt.timedelta(days=30)


def close(w: W, **kw: object) -> Case:
    args: dict[str, object] = {
        "reason": "課題が解決した",
        "goal_attainment": "achieved",
        "handover_to": None,
        "main_agency_after_closure": w.city.agency_org,
    }
    args.update(kw)
    w.case = actions.close_case(actor=w.coord, case=w.case, version=w.case.version, **args)  # type: ignore[arg-type]
    return w.case


def test_closure_requires_a_reason_an_evaluation_and_the_main_agency(w):
    for kw, message in [
        ({"main_agency_after_closure": None}, "終結後に世帯を見守る主担当機関を選んでください。"),
        ({"reason": " "}, "終結の理由を入力してください。"),
        ({"goal_attainment": "great"}, "目標の達成状況を選んでください。"),
        (
            {"main_agency_after_closure": make_city("012025", "別の市").agency_org},
            "別の自治体の記録は扱えません。",
        ),
    ]:
        refused(w.case, lambda kw=kw: close(w, **kw), message)
    case = close(w, handover_note="包括へ引継ぎ")
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.status == CaseStatus.CLOSED and fresh.closed_at is not None
    assert fresh.main_agency_after_closure == w.city.agency_org and fresh.handover_note == "包括へ引継ぎ"
    assert CaseTransition.objects.filter(case=case).last().to_status == "closed"  # type: ignore[union-attr]
    refused(fresh, lambda: close(w), "このケースはすでに終結しています。")


# ---- audit --------------------------------------------------------------------------------------------


def test_every_action_writes_an_audit_event_naming_the_case(w):
    org = w.city.agency_org
    coord = w.coord
    steps = [
        lambda: go(w, "assessment"),
        lambda: actions.transition(
            actor=coord, case=w.case, version=w.case.version, to="suspended", note="入院"
        ),
        lambda: actions.resume_case(actor=coord, case=w.case, version=Case.objects.get(pk=w.case.pk).version),
        lambda: actions.set_team_member(actor=coord, case=w.case, organization=org, role=TeamRole.LEAD),
        lambda: actions.remove_team_member(actor=coord, case=w.case, organization=org),
        lambda: actions.record_consent(actor=coord, case=w.case, data=consent_input(w.p1, [org])),
        lambda: actions.withdraw_consent(actor=coord, consent=Consent.objects.get(case=w.case), note="撤回"),
        lambda: actions.save_assessment(
            actor=coord, case=w.case, based_on=0, person_wish="", summary="見立て", areas={}
        ),
        lambda: actions.save_plan(actor=coord, case=w.case, data=plan_input("目標", org)),
        lambda: actions.set_action_status(
            actor=coord, action=PlanAction.objects.get(plan__case=w.case), status="in_progress"
        ),
        lambda: actions.mark_plan_agreed(
            actor=coord, plan=SupportPlan.objects.get(case=w.case), edit_version=1, meeting_note="会議"
        ),
        lambda: actions.record_monitoring(
            actor=coord, case=w.case, held_on=TODAY(), summary="順調", next_on=None
        ),
    ]
    for i, step in enumerate(steps):
        before = case_events(w.case)
        step()
        w.case = Case.objects.get(pk=w.case.pk)
        assert case_events(w.case) == before + 1, f"step {i} wrote no audit event naming the case"
    before = case_events(w.case)
    close(w)
    assert case_events(w.case) == before + 1
    first = AuditEvent.objects.filter(object_index__contains=f" case:{w.case.pk} ").order_by("seq").first()
    assert first is not None and first.action == "create" and first.actor == w.coord


def test_an_audit_event_records_the_actor_and_no_names(w):
    staff = make_staff(w.city.muni, Role.COORDINATOR, make_organization(w.city.muni))
    actions.set_team_member(actor=staff, case=w.case, organization=w.city.agency_org, role=TeamRole.LEAD)
    event = AuditEvent.objects.latest("seq")
    assert event.actor == staff and ("case", w.case.pk) in event.objects_list
    assert w.p1.family_name not in str(event.detail)


def test_actions_refuse_a_case_of_another_city_even_when_called_directly(w):
    outsider = make_staff(role=Role.COORDINATOR)  # a coordinator of another (new) municipality
    refused(
        w.case,
        lambda: actions.transition(actor=outsider, case=w.case, version=w.case.version, to="assessment"),
        "別の自治体の記録は扱えません",
    )
    refused(
        w.case,
        lambda: actions.record_monitoring(
            actor=outsider, case=w.case, held_on=timezone.localdate(), summary="x", next_on=None
        ),
        "別の自治体の記録は扱えません",
    )
