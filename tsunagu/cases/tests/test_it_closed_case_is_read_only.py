"""A closed (終結) case is read-only: every write is refused in the action layer with a Japanese message,
the screens say so and offer no edit buttons, 再開 with a reason is the way back, and the papers print
the plan that was in force at closure."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import login_client
from tsunagu.access.models import AuditEvent
from tsunagu.cases import actions
from tsunagu.cases.current import plan_in_force, plans_in_force
from tsunagu.cases.models import (
    Assessment,
    Case,
    CaseStatus,
    CaseTransition,
    Consent,
    Monitoring,
    PlanStatus,
    SupportPlan,
    TeamRole,
)
from tsunagu.cases.pdf_views import evaluation_data, plan_data
from tsunagu.directory.models import LegalFunction, MeetingBody

from .helpers import consent_input, make_world, plan_input
from .pages import team_worker, url

pytestmark = pytest.mark.django_db


def close(w, reason: str = "就労が安定した") -> Case:
    case = Case.objects.get(pk=w.case.pk)
    actions.close_case(
        actor=w.coordinator,
        case=case,
        version=case.version,
        reason=reason,
        goal_attainment="partly",
        handover_to=None,
        main_agency_after_closure=w.orgs["team"],
    )
    return Case.objects.get(pk=w.case.pk)


def test_every_write_to_a_closed_case_is_refused_by_the_actions():
    w = make_world()
    plan = w.plan
    action = plan.actions.get()
    case = close(w)
    coord = w.coordinator
    today = timezone.localdate()
    body = MeetingBody.objects.create(
        municipality=case.municipality,
        name="重層的支援会議",
        kind="consented_conference",
        legal_functions=[LegalFunction.CONSENTED_CONFERENCE],
    )
    writes = {
        "assessment": lambda: actions.save_assessment(
            actor=coord,
            case=case,
            based_on=w.assessment.version_no,
            person_wish="",
            summary="後から",
            areas={},
            change_reason="追記",
        ),
        "plan": lambda: actions.save_plan(
            actor=coord, case=case, data=plan_input("後からの目標"), plan=plan, edit_version=plan.edit_version
        ),
        "agree": lambda: actions.mark_plan_agreed(
            actor=coord, plan=plan, edit_version=plan.edit_version, meeting_note="会議"
        ),
        "agree_in_meeting": lambda: actions.agree_plan_in_meeting(
            actor=coord, plan=plan, edit_version=plan.edit_version, body=body, held_on=today
        ),
        "action_status": lambda: actions.set_action_status(actor=coord, action=action, status="done"),
        "monitoring": lambda: actions.record_monitoring(
            actor=coord, case=case, held_on=today, summary="後からの経過", next_on=None
        ),
        "consent": lambda: actions.record_consent(
            actor=coord, case=case, data=consent_input(w.p1, [w.orgs["team"]])
        ),
        "team": lambda: actions.set_team_member(
            actor=coord, case=case, organization=w.orgs["off"], role=TeamRole.COOPERATING
        ),
        "transition": lambda: actions.transition(actor=coord, case=case, version=case.version, to="support"),
    }
    counts = (
        Assessment.objects.count(),
        SupportPlan.objects.count(),
        Monitoring.objects.count(),
        Consent.objects.count(),
        case.team.count(),
    )
    for name, write in writes.items():
        with pytest.raises(actions.CaseClosed) as exc:
            write()
        assert "終結" in str(exc.value) and "再開" in str(exc.value), name
    assert counts == (
        Assessment.objects.count(),
        SupportPlan.objects.count(),
        Monitoring.objects.count(),
        Consent.objects.count(),
        case.team.count(),
    )
    plan.refresh_from_db()
    action.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT and action.status != "done"


def test_a_stale_case_object_cannot_write_after_another_request_closed_it():
    """The check reads the database, not the object the view loaded before the case was closed."""
    w = make_world()
    stale = Case.objects.get(pk=w.case.pk)  # loaded while open
    close(w)
    with pytest.raises(actions.CaseClosed):
        actions.save_assessment(
            actor=w.coordinator,
            case=stale,
            based_on=w.assessment.version_no,
            person_wish="",
            summary="",
            areas={},
            change_reason="遅れて保存",
        )


def test_withdrawing_consent_stays_possible_after_closure():
    """撤回 stops sharing: the person's right does not end with the case."""
    w = make_world()
    close(w)
    consent = actions.withdraw_consent(actor=w.coordinator, consent=w.consents["active"], note="本人の申し出")
    assert consent.withdrawn_at is not None


def test_closed_case_screens_show_the_reason_and_no_edit_buttons(client):
    w = make_world()
    case = close(w)
    login_client(client, w.coordinator)
    body = client.get(url("cases:detail", case.pk)).content.decode()
    assert "記録は読み取り専用" in body and "終結を取り消して再開する" in body
    for edit_url in ("cases:assessment", "cases:plan", "cases:monitoring", "cases:consent_new"):
        assert f'href="{url(edit_url, case.pk)}"' not in body, edit_url
        response = client.get(url(edit_url, case.pk), follow=True)
        page = response.content.decode()
        assert response.redirect_chain, edit_url
        assert "終結しているため、記録を変更できません" in page, edit_url
    # A POST that goes around the screen is refused by the action and changes nothing.
    before = Assessment.objects.filter(case=case).count()
    response = client.post(
        url("cases:assessment", case.pk),
        {"based_on": w.assessment.version_no, "summary": "後から", "change_reason": "追記"},
        follow=True,
    )
    assert "終結しているため" in response.content.decode()
    assert Assessment.objects.filter(case=case).count() == before
    # A team member sees that the case is closed but no reopen form (that is the coordinator's).
    login_client(client, team_worker(w))
    body = client.get(url("cases:detail", case.pk)).content.decode()
    assert "記録は読み取り専用" in body and "終結を取り消して再開する" not in body


def test_reopen_needs_a_reason_returns_to_the_state_before_closure_and_is_audited(client):
    w = make_world()
    case = Case.objects.get(pk=w.case.pk)
    actions.transition(actor=w.coordinator, case=case, version=case.version, to="assessment")
    case = close(w)
    login_client(client, w.coordinator)
    response = client.post(url("cases:resume", case.pk), {"version": case.version, "note": " "}, follow=True)
    assert "再開する理由を入力してください" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED
    client.post(url("cases:resume", case.pk), {"version": case.version, "note": "再び家賃の滞納"})
    case.refresh_from_db()
    assert case.status == CaseStatus.ASSESSMENT and case.closed_at is None and case.closure_plan_id is None
    t = CaseTransition.objects.filter(case=case).latest("pk")
    assert (t.from_status, t.to_status, t.by) == ("closed", "assessment", w.coordinator)
    assert "再び家賃の滞納" in t.note
    event = AuditEvent.objects.filter(action="update", detail__reopened=True).latest("seq")
    assert event.detail["status"] == ["closed", "assessment"]
    # Writable again.
    actions.record_monitoring(
        actor=w.coordinator, case=case, held_on=timezone.localdate(), summary="再開後", next_on=None
    )
    # A stale second submit changes nothing.
    response = client.post(
        url("cases:resume", case.pk), {"version": case.version - 1, "note": "二重"}, follow=True
    )
    assert "別の職員が更新しました" in response.content.decode()


def test_reopen_is_refused_while_the_household_has_another_open_case():
    w = make_world()
    case = close(w)
    actions.open_case(actor=w.coordinator, household=case.household, title="新しいケース")
    with pytest.raises(actions.CaseError, match="進行中の別のケース"):
        actions.reopen_case(actor=w.coordinator, case=case, version=case.version, reason="再燃")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED


def test_reopen_is_for_coordinators_only(client):
    w = make_world()
    case = close(w)
    login_client(client, team_worker(w))
    assert (
        client.post(url("cases:resume", case.pk), {"version": case.version, "note": "理由"}).status_code
        == 403
    )
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED


def test_papers_print_the_plan_in_force_at_closure_not_a_later_draft():
    w = make_world()
    agreed = actions.mark_plan_agreed(
        actor=w.coordinator, plan=w.plan, edit_version=w.plan.edit_version, meeting_note="会議"
    )
    case = close(w)
    assert case.closure_plan_id == agreed.pk and case.closed_at is not None
    closed_at = case.closed_at
    # A draft that appeared after closure (possible before closed cases were read-only): never printed.
    later = SupportPlan.objects.create(
        municipality=case.municipality,
        case=case,
        version_no=agreed.version_no + 1,
        overall_goal="終結後の下書き",
        created_by=w.coordinator,
        created_at=closed_at + dt.timedelta(days=1),
    )
    SupportPlan.objects.filter(pk=agreed.pk).update(status=PlanStatus.SUPERSEDED)
    assert plan_in_force(case) == agreed
    assert plans_in_force(Case.objects.filter(pk=case.pk)) == {case.pk: agreed}
    now = timezone.now()
    for data in (plan_data(case, w.coordinator, now), evaluation_data(case, w.coordinator, now)):
        assert data["plan_id"] == agreed.pk
        assert data["plan"]["overall_goal"] != "終結後の下書き"
    # Reopened, the newest version is the plan in force again.
    actions.reopen_case(actor=w.coordinator, case=case, version=case.version, reason="再燃")
    assert plan_in_force(case) == later


def test_cases_closed_before_the_closure_plan_was_recorded_print_the_newest_version_created_by_then():
    w = make_world()
    case = close(w)
    assert case.closed_at is not None
    closed_at = case.closed_at
    Case.objects.filter(pk=case.pk).update(closure_plan=None)
    case.refresh_from_db()
    SupportPlan.objects.create(
        municipality=case.municipality,
        case=case,
        version_no=w.plan.version_no + 1,
        overall_goal="後から",
        created_by=w.coordinator,
        created_at=closed_at + dt.timedelta(hours=1),
    )
    assert plan_in_force(case) == w.plan
    assert plans_in_force([case]) == {case.pk: w.plan}
