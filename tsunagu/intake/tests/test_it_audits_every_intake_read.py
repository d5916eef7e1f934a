"""Every intake response that contains personal data writes an audit row naming the record (issue 9 A3):
the form re-rendered with a chosen person, and the escalation advice for a person's household."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import login_client
from tsunagu.access.models import AuditEvent

from .helpers import make_city, record
from .test_it_records_consultations import form_data

pytestmark = pytest.mark.django_db


def reads_of(staff, kind: str, pk: int) -> int:
    return sum(
        1 for e in AuditEvent.objects.filter(actor=staff, action="view") if (kind, pk) in e.objects_list
    )


@pytest.mark.parametrize(
    "change",
    [
        {"concerns": []},  # a missing field: the form comes back with the chosen person
        {"received_at": "0226-11-01T10:00"},  # an implausible date, same
        {"actions": ["referral"]},  # つなぎ without つなぎ先
    ],
)
def test_the_re_rendered_form_audits_the_chosen_person(client, change):
    city = make_city()
    person = record(city, city.window_worker, "not_consented").person
    login_client(client, city.colleague)
    before = reads_of(city.colleague, "person", person.pk)
    response = client.post(reverse("intake:new"), form_data(city, person_choice=str(person.pk), **change))
    body = response.content.decode()
    assert response.status_code == 200
    assert person.family_name in body and person.family_kana in body
    assert reads_of(city.colleague, "person", person.pk) == before + 1
    event = AuditEvent.objects.filter(actor=city.colleague).latest("seq")
    assert person.family_name not in str(event.detail)


def test_a_re_rendered_form_without_a_known_person_audits_no_person(client):
    city = make_city()
    login_client(client, city.colleague)
    response = client.post(reverse("intake:new"), form_data(city, person_choice="999999", concerns=[]))
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(actor=city.colleague, action="view").exists()


def test_the_escalation_advice_for_a_persons_household_is_audited(client):
    city = make_city()
    c = record(city, city.window_worker, "consented", concerns=("care", "poverty", "futoko"))
    login_client(client, city.colleague)
    response = client.get(
        reverse("intake:advice"), {"person_choice": c.person_id, "concerns": [city.concerns["care"].pk]}
    )
    assert "多機関協働へのつなぎを検討してください" in response.content.decode()
    assert reads_of(city.colleague, "household", c.household_id) == 1
