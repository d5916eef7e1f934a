import datetime as dt
import uuid
from unittest import mock

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.factories import login_client
from tsunagu.access.models import AuditEvent
from tsunagu.intake import actions
from tsunagu.intake.models import Consultation
from tsunagu.people.actions import PersonInput

from .helpers import make_city

pytestmark = pytest.mark.django_db


def record(city, staff, consent, concerns=("care",), person=None, minutes_ago=0, note="相談メモ"):
    data = actions.ConsultationInput(
        window=city.window, received_at=timezone.now() - dt.timedelta(minutes=minutes_ago), channel="visit",
        consulter_kind="self", business_line="1ni", sharing_consent=consent, submission_token=uuid.uuid4(),
        person=person,
        new_person=None if person else PersonInput(family_name="佐藤", given_name="一郎", family_kana="サトウ",
                                                          given_kana="イチロウ", birth_date=dt.date(1948, 1, 2)),
        concerns=[city.concerns[c] for c in concerns], note=note, actions=["listening"],
    )  # fmt: skip
    consultation, _ = actions.record_consultation(actor=staff, data=data)
    return consultation


def test_it_shows_the_timeline_newest_first_to_the_recording_organization(client):
    city = make_city()
    first = record(city, city.window_worker, "not_consented", minutes_ago=60, note="最初の相談")
    second = record(city, city.colleague, "not_consented", person=first.person, note="二回目の相談")
    login_client(client, city.window_worker)
    response = client.get(reverse("intake:household", args=[first.household_id]))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index("二回目の相談") < body.index("最初の相談")
    assert second.household_id == first.household_id


def test_it_hides_unconsented_records_from_other_organizations(client):
    city = make_city()
    secret = record(city, city.window_worker, "not_consented", note="同意のない相談")
    shared = record(city, city.window_worker, "consented", person=secret.person, note="共有に同意した相談")
    login_client(client, city.agency_worker)
    response = client.get(reverse("intake:household", args=[secret.household_id]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "共有に同意した相談" in body
    assert "同意のない相談" not in body
    assert "ほかに 1 件の記録があります" in body
    event = AuditEvent.objects.latest("seq")
    assert ["consultation", shared.pk] in event.objects_json
    assert ["consultation", secret.pk] not in event.objects_json


def test_it_returns_404_to_other_cities_and_for_missing_households(client):
    city = make_city()
    other = make_city(code="012025", name="別の市")
    c = record(city, city.window_worker, "consented")
    login_client(client, other.window_worker)
    assert client.get(reverse("intake:household", args=[c.household_id])).status_code == 404
    assert client.get(reverse("intake:household", args=[999999])).status_code == 404


@pytest.mark.parametrize("who", ["auditor", "manager"])
def test_it_refuses_roles_without_casework(client, who):
    city = make_city()
    c = record(city, city.window_worker, "consented")
    login_client(client, getattr(city, who))
    assert client.get(reverse("intake:household", args=[c.household_id])).status_code == 403


def test_it_shows_no_data_when_the_audit_record_cannot_be_written(client):
    city = make_city()
    c = record(city, city.window_worker, "consented", note="見えてはいけない内容")
    login_client(client, city.window_worker)
    client.raise_request_exception = False
    with mock.patch("tsunagu.access.audit.AuditEvent.save", side_effect=RuntimeError("disk full")):
        response = client.get(reverse("intake:household", args=[c.household_id]))
    assert response.status_code == 500
    assert "見えてはいけない内容" not in response.content.decode()


def test_it_refuses_a_stale_edit_instead_of_overwriting():
    city = make_city()
    c = record(city, city.window_worker, "consented")
    opened = c.version
    actions.update_consultation(
        actor=city.window_worker, consultation=c, version=opened, changes={"note": "A"}
    )
    with pytest.raises(actions.StaleEdit):
        actions.update_consultation(
            actor=city.colleague, consultation=c, version=opened, changes={"note": "B"}
        )
    c.refresh_from_db()
    assert c.note == "A"
    assert Consultation.objects.get(pk=c.pk).version == opened + 1


def test_break_glass_opens_every_record_of_the_household_for_its_duration(client):
    from tsunagu.access.actions import request_break_glass

    city = make_city()
    secret = record(city, city.window_worker, "not_consented", note="同意のない相談")
    login_client(client, city.agency_worker)
    url = reverse("intake:household", args=[secret.household_id])
    assert "同意のない相談" not in client.get(url).content.decode()
    request_break_glass(
        actor=city.agency_worker, obj_type="household", obj_id=secret.household_id,
        reason="本人が救急搬送され、服薬状況を至急確認する必要があるため",
    )  # fmt: skip
    assert "同意のない相談" in client.get(url).content.decode()
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        login_client(client, city.agency_worker)
        assert "同意のない相談" not in client.get(url).content.decode()


def test_it_records_and_shows_family_relationships_of_household_members(client):
    from tsunagu.people.models import HouseholdMember, PersonRelationship

    city = make_city()
    c = record(city, city.window_worker, "consented")
    son = record(city, city.window_worker, "consented").person
    HouseholdMember.objects.filter(person=son).update(household=c.household, relationship="child")
    login_client(client, city.window_worker)
    url = reverse("intake:add_relationship", args=[c.household_id])
    response = client.post(
        url, {"person_a": c.person.pk, "kind": "parent_of", "person_b": son.pk, "living_together": "on"}
    )
    assert response.status_code == 302
    rel = PersonRelationship.objects.get()
    assert (rel.person_a, rel.person_b, rel.kind, rel.living_together) == (c.person, son, "parent_of", True)
    body = client.get(reverse("intake:household", args=[c.household_id])).content.decode()
    assert "家族関係" in body and "の<strong>親</strong>" in body
    # The same person twice is refused with a Japanese message and nothing is written.
    client.post(url, {"person_a": son.pk, "kind": "sibling_of", "person_b": son.pk})
    assert PersonRelationship.objects.count() == 1


def test_it_refuses_relationships_with_persons_outside_the_household(client):
    from tsunagu.people.models import PersonRelationship

    city = make_city()
    c = record(city, city.window_worker, "consented")
    stranger = record(city, city.window_worker, "consented").person
    login_client(client, city.window_worker)
    url = reverse("intake:add_relationship", args=[c.household_id])
    client.post(url, {"person_a": c.person.pk, "kind": "spouse_of", "person_b": stranger.pk})
    assert not PersonRelationship.objects.exists()
