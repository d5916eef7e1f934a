import pytest
from django.urls import reverse

from tests.factories import login_client
from tsunagu.access.models import AuditEvent
from tsunagu.intake import actions
from tsunagu.intake.escalation import advise
from tsunagu.intake.models import EscalationRequest

from .helpers import make_city, record

pytestmark = pytest.mark.django_db


def test_it_advises_escalation_when_concerns_span_three_domains():
    city = make_city()
    c = record(city, city.window_worker, "consented", concerns=("care", "poverty"))
    assert advise(city.window_worker, c.household) == []
    record(city, city.window_worker, "consented", concerns=("futoko",), person=c.person)
    advice = advise(city.window_worker, c.household)
    assert [a.rule.key for a in advice] == ["three-domains"]
    assert "3 分野" in advice[0].message


def test_it_advises_while_concerns_are_being_entered(client):
    city = make_city()
    login_client(client, city.window_worker)
    ids = [city.concerns[c].pk for c in ("care", "poverty", "futoko")]
    response = client.get(reverse("intake:advice"), {"concerns": ids, "person_choice": "new"})
    assert "多機関協働へのつなぎを検討してください" in response.content.decode()
    response = client.get(reverse("intake:advice"), {"concerns": ids[:2], "person_choice": "new"})
    assert "多機関協働" not in response.content.decode()


def test_it_creates_one_request_however_often_staff_click(client):
    city = make_city()
    c = record(city, city.window_worker, "consented", concerns=("care", "poverty", "futoko"))
    login_client(client, city.window_worker)
    url = reverse("intake:request_escalation")
    data = {"household": c.household_id, "reason": "複合課題のため"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert EscalationRequest.objects.filter(household=c.household).count() == 1


def test_it_requires_a_reason(client):
    city = make_city()
    c = record(city, city.window_worker, "consented")
    login_client(client, city.window_worker)
    response = client.post(
        reverse("intake:request_escalation"), {"household": c.household_id, "reason": ""}, follow=True
    )
    assert "つなぐ理由を入力してください。" in response.content.decode()
    assert not EscalationRequest.objects.exists()


def test_coordinators_see_and_decline_requests_others_cannot(client):
    city = make_city()
    c = record(city, city.window_worker, "consented")
    req, _ = actions.request_escalation(actor=city.window_worker, household=c.household, reason="相談")
    login_client(client, city.agency_worker)
    assert c.person.full_name not in client.get(reverse("intake:escalations")).content.decode()
    decline = reverse("intake:decline_escalation", args=[req.pk])
    assert client.post(decline, {"version": req.version, "note": "今は見守り"}).status_code == 403
    client.logout()
    login_client(client, city.coordinator)
    page = client.get(reverse("intake:escalations")).content.decode()
    # The household is named by its head, never by its number alone.
    assert f"{c.person.full_name}さんの世帯" in page and f"世帯 {c.household_id}" not in page
    assert client.post(decline, {"version": req.version, "note": ""}).status_code == 302
    req.refresh_from_db()
    assert req.status == "pending"
    assert client.post(decline, {"version": req.version, "note": "今は見守り"}).status_code == 302
    req.refresh_from_db()
    assert (req.status, req.handled_by, req.handling_note) == ("declined", city.coordinator, "今は見守り")
    declined = client.get(reverse("intake:escalations"), {"status": "declined"}).content.decode()
    assert "今は見守り" in declined


def test_the_list_names_the_household_only_to_those_people_lets_find_persons(client):
    city = make_city()
    c = record(city, city.window_worker, "consented")
    actions.request_escalation(actor=city.window_worker, household=c.household, reason="相談")
    login_client(client, city.window_worker)
    page = client.get(reverse("intake:escalations")).content.decode()
    assert f"{c.person.full_name}さんの世帯" in page
    logged = AuditEvent.objects.filter(actor=city.window_worker, action="list").latest("pk")
    assert ("person", c.person_id) in logged.objects_list
    client.logout()
    login_client(client, city.auditor)
    assert client.get(reverse("intake:escalations")).status_code in (403, 404)


def test_accepting_alone_is_no_longer_possible_the_list_opens_the_case_instead(client):
    city = make_city()
    c = record(city, city.window_worker, "consented")
    req, _ = actions.request_escalation(actor=city.window_worker, household=c.household, reason="相談")
    login_client(client, city.coordinator)
    page = client.get(reverse("intake:escalations")).content.decode()
    assert 'value="accept"' not in page
    assert reverse("cases:open_from_request", args=[req.pk]) in page
    assert "受理してケースを開く" in page


def test_it_refuses_declining_a_request_twice_with_a_stale_version():
    city = make_city()
    c = record(city, city.window_worker, "consented")
    req, _ = actions.request_escalation(actor=city.window_worker, household=c.household, reason="相談")
    actions.decline_escalation(actor=city.coordinator, request=req, version=1, note="見守り")
    with pytest.raises(actions.StaleEdit):
        actions.decline_escalation(actor=city.coordinator, request=req, version=1, note="見守り")
    with pytest.raises(actions.IntakeError):
        actions.decline_escalation(actor=city.window_worker, request=req, version=2, note="見守り")


def test_other_cities_get_404_for_requests(client):
    city = make_city()
    other = make_city(code="012025", name="別の市")
    c = record(city, city.window_worker, "consented")
    req, _ = actions.request_escalation(actor=city.window_worker, household=c.household, reason="相談")
    login_client(client, other.coordinator)
    response = client.post(
        reverse("intake:decline_escalation", args=[req.pk]), {"version": 1, "note": "見守り"}
    )
    assert response.status_code == 404
