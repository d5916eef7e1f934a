"""協議済 through a 重層的支援会議 (with its consent gate) and handing a case to another 束ね役."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import login_client, make_staff
from tsunagu.accounts.models import Role
from tsunagu.cases import actions
from tsunagu.cases.models import Case, PlanStatus, SupportPlan
from tsunagu.cases.policy import visible_cases
from tsunagu.directory.models import MeetingBody

from .helpers import consent_input, make_world

pytestmark = pytest.mark.django_db


def body(w, key="jusou", functions=("consented_conference", "case_review")):
    return MeetingBody.objects.create(
        municipality=w.city.muni,
        key=key,
        name=f"会議 {key}",
        kind="other",
        frequency="monthly",
        legal_functions=list(functions),
        confidentiality_duty=True,
    )


def agree(client, w, b, day=None):
    day = day or timezone.localdate().isoformat()
    plan = SupportPlan.objects.get(pk=w.plan.pk)
    return client.post(
        reverse("cases:plan_agree", args=[w.case.pk]),
        {"edit_version": plan.edit_version, "body": b.pk, "held_on": day},
        follow=True,
    )


def test_a_plan_cannot_be_agreed_in_a_jusou_meeting_without_consent_for_that_meeting(client):
    w = make_world()  # its active consent names no meeting kind
    b = body(w)
    login_client(client, w.coordinator)
    body_html = agree(client, w, b).content.decode()
    assert "本人の同意" in body_html and "支援会議（守秘義務）で検討してください" in body_html
    assert SupportPlan.objects.get(pk=w.plan.pk).status == PlanStatus.DRAFT


def test_a_plan_is_agreed_when_consent_covers_the_meeting(client):
    w = make_world()
    actions.record_consent(
        actor=w.coordinator,
        case=w.case,
        data=consent_input(w.p1, [w.orgs["team"]], meeting_kinds=["consented_conference"]),
    )
    b = body(w)
    login_client(client, w.coordinator)
    response = agree(client, w, b)
    assert "支援プランを協議済にしました。" in response.content.decode()
    plan = SupportPlan.objects.get(pk=w.plan.pk)
    assert plan.status == PlanStatus.AGREED
    assert plan.agreed_note == "会議 jusou" and plan.agreed_on == timezone.localdate()


def test_only_a_body_with_the_jusou_function_may_agree_a_plan(client):
    w = make_world()
    actions.record_consent(
        actor=w.coordinator,
        case=w.case,
        data=consent_input(w.p1, [w.orgs["team"]], meeting_kinds=["consented_conference"]),
    )
    b = body(w, key="shienkaigi", functions=("confidential_conference",))
    login_client(client, w.coordinator)
    agree(client, w, b)
    assert SupportPlan.objects.get(pk=w.plan.pk).status == PlanStatus.DRAFT
    with pytest.raises(actions.CaseError, match="重層的支援会議の機能"):
        actions.agree_plan_in_meeting(
            actor=w.coordinator,
            plan=w.plan,
            edit_version=w.plan.edit_version,
            body=b,
            held_on=timezone.localdate(),
        )


def test_agency_workers_may_not_agree_plans_or_hand_cases_over(client):
    w = make_world()
    b = body(w)
    login_client(client, make_staff(w.city.muni, Role.AGENCY_WORKER, w.orgs["team"]))
    assert agree(client, w, b).status_code == 403
    response = client.post(reverse("cases:reassign", args=[w.case.pk]), {"version": w.case.version})
    assert response.status_code == 403


def test_a_case_is_handed_to_another_coordinator_with_its_reason(client):
    w = make_world()
    successor = make_staff(w.city.muni, Role.COORDINATOR, w.city.coordinator.organization)
    login_client(client, w.coordinator)
    url = reverse("cases:reassign", args=[w.case.pk])
    response = client.post(
        url, {"version": w.case.version, "coordinator": successor.pk, "note": "人事異動"}, follow=True
    )
    assert "引き継ぎました" in response.content.decode()
    case = Case.objects.get(pk=w.case.pk)
    assert case.coordinator == successor
    assert "人事異動" in case.transitions.latest("pk").note
    assert case in visible_cases(successor)
    assert case not in visible_cases(w.coordinator)  # the former coordinator's access ends with the hand-over


def test_a_hand_over_needs_a_reason_a_current_version_and_a_coordinator(client):
    w = make_world()
    successor = make_staff(w.city.muni, Role.COORDINATOR, w.city.coordinator.organization)
    worker = make_staff(w.city.muni, Role.WINDOW_WORKER, w.city.window_org)
    login_client(client, w.coordinator)
    url = reverse("cases:reassign", args=[w.case.pk])
    client.post(url, {"version": w.case.version, "coordinator": successor.pk, "note": ""})
    client.post(url, {"version": w.case.version - 1, "coordinator": successor.pk, "note": "異動"})
    client.post(url, {"version": w.case.version, "coordinator": worker.pk, "note": "異動"})
    assert Case.objects.get(pk=w.case.pk).coordinator == w.coordinator
    with pytest.raises(actions.CaseError, match="在籍している束ね役"):
        actions.reassign_coordinator(
            actor=w.coordinator, case=w.case, version=w.case.version, coordinator=worker, note="x"
        )


def test_a_meeting_held_before_the_consent_was_given_cannot_agree_the_plan(client):
    w = make_world()
    actions.record_consent(
        actor=w.coordinator,
        case=w.case,
        data=consent_input(w.p1, [w.orgs["team"]], meeting_kinds=["consented_conference"]),
    )
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    login_client(client, w.coordinator)
    agree(client, w, body(w), day=yesterday.isoformat())
    assert SupportPlan.objects.get(pk=w.plan.pk).status == PlanStatus.DRAFT
