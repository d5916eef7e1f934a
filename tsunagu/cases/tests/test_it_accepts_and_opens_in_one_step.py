"""受理 and opening the case are one decision (issue 8 A1): accepting a request opens the household's case
or joins the one already open, in one transaction; the requesting organization always joins the team;
opening by 世帯番号 goes through a pending request; only intake writes requests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import login_client, make_staff
from tsunagu.accounts.models import Role
from tsunagu.cases import actions
from tsunagu.cases.models import Case, CaseTeamMember, CaseTransition, TeamRole
from tsunagu.intake import actions as intake_actions
from tsunagu.intake.models import EscalationRequest, EscalationStatus
from tsunagu.intake.tests.helpers import make_city, record

from .pages import url

pytestmark = pytest.mark.django_db


def requested(city, *, note="新しい世帯の相談", worker=None):
    c = record(city, worker or city.window_worker, "consented", note=note)
    req, _ = intake_actions.request_escalation(
        actor=worker or city.window_worker, household=c.household, reason="3分野の課題", consultation=c
    )
    return c, req


def on_team(case, org) -> bool:
    return CaseTeamMember.objects.filter(case=case, organization=org, removed_at__isnull=True).exists()


def test_opening_by_household_number_goes_through_the_pending_request(client):
    city = make_city()
    c, req = requested(city)
    login_client(client, city.coordinator)
    response = client.get(url("cases:open") + f"?household={c.household_id}")
    assert response.status_code == 302
    assert response["Location"] == url("cases:open_from_request", req.pk)
    form = {"persons": [c.person_id], "title": "", "coordinator": city.coordinator.pk}
    client.post(url("cases:open_from_request", req.pk), form)
    case = Case.objects.get(household=c.household)
    req.refresh_from_db()
    assert case.escalation_request == req and req.status == EscalationStatus.ACCEPTED
    assert on_team(case, city.window_org)


def test_a_request_for_a_household_with_an_open_case_joins_that_case(client):
    city = make_city()
    c = record(city, city.window_worker, "consented")
    # Opened by number without a request: no request is recorded, the window is not on the team.
    case = actions.open_case(actor=city.coordinator, household=c.household, persons=[c.person])
    assert case.escalation_request is None and not on_team(case, city.window_org)
    req, _ = intake_actions.request_escalation(actor=city.window_worker, household=c.household, reason="悪化")
    login_client(client, city.coordinator)
    page = client.get(url("cases:open_from_request", req.pk)).content.decode()
    assert case.label in page and "このケースで対応する" in page
    response = client.post(url("cases:open_from_request", req.pk), {"persons": [c.person_id]})
    assert response["Location"] == url("cases:detail", case.pk)
    assert Case.objects.filter(household=c.household).count() == 1
    case.refresh_from_db()
    req.refresh_from_db()
    assert case.escalation_request == req and req.status == EscalationStatus.ACCEPTED
    assert on_team(case, city.window_org)
    assert CaseTransition.objects.filter(case=case, note__contains="つなぎ依頼").exists()
    # The 受理 tab leads to the case.
    accepted = client.get(url("intake:escalations") + "?status=accepted").content.decode()
    assert url("cases:open_from_request", req.pk) in accepted
    assert client.get(url("cases:open_from_request", req.pk))["Location"] == url("cases:detail", case.pk)


def test_a_second_request_joins_a_case_that_carries_the_first():
    city = make_city()
    c, first = requested(city)
    case, opened = actions.take_escalation(actor=city.coordinator, request=first, persons=[c.person])
    assert opened and case.escalation_request == first
    other_org_worker = make_staff(city.muni, Role.AGENCY_WORKER, city.agency_org)
    second, created = intake_actions.request_escalation(
        actor=other_org_worker, household=c.household, reason="包括からも"
    )
    assert created
    joined, opened = actions.take_escalation(actor=city.coordinator, request=second)
    assert joined == case and not opened
    second.refresh_from_db()
    assert second.status == EscalationStatus.ACCEPTED and "進行中のケース" in second.handling_note
    assert on_team(case, city.agency_org) and on_team(case, city.window_org)
    case.refresh_from_db()
    assert case.escalation_request == first


def test_accepting_and_opening_cannot_diverge_when_the_request_was_declined_meanwhile():
    city = make_city()
    c, req = requested(city)
    stale = EscalationRequest.objects.get(pk=req.pk)  # the coordinator's screen, read while pending
    intake_actions.decline_escalation(actor=city.coordinator, request=req, version=req.version, note="見守り")
    with pytest.raises(actions.CaseError, match="見送った"):
        actions.take_escalation(actor=city.coordinator, request=stale, persons=[c.person])
    assert not Case.objects.filter(household=c.household).exists()
    req.refresh_from_db()
    assert req.status == EscalationStatus.DECLINED


def test_a_failed_open_leaves_the_request_pending():
    city = make_city()
    _c, req = requested(city)
    with pytest.raises(actions.CaseError):
        actions.take_escalation(actor=city.coordinator, request=req, coordinator=city.window_worker)
    req.refresh_from_db()
    assert req.status == EscalationStatus.PENDING and not Case.objects.exists()


def test_only_a_coordinator_accepts_and_the_window_team_role_is_information():
    city = make_city()
    _c, req = requested(city)
    with pytest.raises(intake_actions.IntakeError):
        intake_actions.accept_escalation(actor=city.window_worker, request=req)
    case, _ = actions.take_escalation(actor=city.coordinator, request=req)
    member = CaseTeamMember.objects.get(case=case, organization=city.window_org)
    assert member.role == TeamRole.INFORMATION


def test_a_declined_request_leads_back_to_the_list_not_to_an_open_form(client):
    city = make_city()
    _c, req = requested(city)
    intake_actions.decline_escalation(actor=city.coordinator, request=req, version=req.version, note="見守り")
    login_client(client, city.coordinator)
    response = client.get(url("cases:open_from_request", req.pk))
    assert response.status_code == 302 and "status=declined" in response["Location"]


def test_cases_never_write_escalation_requests_themselves():
    """Only intake's actions write its table: cases call `intake.actions.accept_escalation`."""
    cases_dir = Path(actions.__file__).parent
    for source in cases_dir.glob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert "EscalationRequest.objects" not in text, source.name
