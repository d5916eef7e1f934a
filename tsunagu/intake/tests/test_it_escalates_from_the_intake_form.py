"""Choosing 対応「多機関協働へ」 on the intake form makes the escalation request in the same save
(issue 8 A3); the advice never leads away from the unsaved form; the concern box says it scrolls."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import login_client
from tsunagu.access.models import AuditEvent
from tsunagu.intake import actions
from tsunagu.intake.models import Consultation, EscalationRequest, EscalationStatus

from .helpers import make_city, record
from .test_it_records_consultations import form_data

pytestmark = pytest.mark.django_db
URL = reverse("intake:new")


def test_multi_agency_on_the_form_makes_the_request_with_the_consultation(client):
    city = make_city()
    login_client(client, city.window_worker)
    data = form_data(city, actions=["listening", "multi_agency"], escalation_reason="介護と困窮が重なる")
    response = client.post(URL, data, follow=True)
    assert "多機関協働へのつなぎを依頼しました" in response.content.decode()
    consultation = Consultation.objects.get()
    req = EscalationRequest.objects.get()
    assert (req.household, req.consultation, req.person) == (
        consultation.household,
        consultation,
        consultation.person,
    )
    assert req.status == EscalationStatus.PENDING and req.reason == "介護と困窮が重なる"
    assert req.organization == city.window_org and req.requested_by == city.window_worker
    created = AuditEvent.objects.filter(action="create")
    assert any(("escalation_request", req.pk) in e.objects_list for e in created)
    # A double submit of the same form makes neither a second consultation nor a second request.
    client.post(URL, data)
    assert (Consultation.objects.count(), EscalationRequest.objects.count()) == (1, 1)


def test_without_a_reason_the_request_names_the_concerns(client):
    city = make_city()
    login_client(client, city.window_worker)
    client.post(URL, form_data(city, actions=["multi_agency"]))
    assert (
        EscalationRequest.objects.get().reason
        == "相談受付で対応「多機関協働へ」を選択（課題: 介護・生活困窮）"
    )


def test_a_household_with_a_pending_request_keeps_one(client):
    city = make_city()
    c = record(city, city.window_worker, "consented")
    first, _ = actions.request_escalation(actor=city.window_worker, household=c.household, reason="先の依頼")
    login_client(client, city.colleague)
    response = client.post(
        URL, form_data(city, person_choice=str(c.person_id), actions=["multi_agency"]), follow=True
    )
    assert "すでに受付待ちのつなぎ依頼があります" in response.content.decode()
    assert list(EscalationRequest.objects.all()) == [first]


def test_without_multi_agency_no_request_is_made(client):
    city = make_city()
    login_client(client, city.window_worker)
    client.post(URL, form_data(city, actions=["listening"], escalation_reason="書いたが選ばなかった"))
    assert Consultation.objects.count() == 1 and not EscalationRequest.objects.exists()


def test_the_advice_keeps_the_unsaved_form(client):
    city = make_city()
    c = record(city, city.window_worker, "consented", concerns=("care", "poverty", "futoko"))
    login_client(client, city.colleague)
    body = client.get(reverse("intake:advice"), {"person_choice": c.person_id}).content.decode()
    assert 'data-choose-action="multi_agency"' in body
    household_link = reverse("people:household", args=[c.household_id])
    # The only link away opens another tab; this one keeps what has been typed.
    assert f'href="{household_link}" target="_blank" rel="noopener"' in body
    assert f'href="{household_link}#escalate"' not in body


def test_the_concern_box_says_it_scrolls(client):
    city = make_city()
    login_client(client, city.window_worker)
    body = client.get(URL).content.decode()
    assert f"課題は全 {len(city.concerns)} 件です。" in body
    assert 'id="concern-more"' in body and "枠の中をスクロールすると続きが表示されます" in body
