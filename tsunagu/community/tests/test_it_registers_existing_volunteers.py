"""Registering a resident already in people as a volunteer: found through people's search (POST, audited),
picked by id through people's policy, registered once per program by the action (audited), and per persona:
anonymous → login, another city → 404, not permitted → 403, outside the program's organization → 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import login_client, make_person
from tsunagu.access.models import AuditEvent
from tsunagu.community.models import Volunteer

from .helpers import make_world

pytestmark = pytest.mark.django_db


def _url(world) -> str:  # type: ignore[no-untyped-def]
    return reverse("community:register_existing_volunteer", args=[world.program.pk])


def test_an_existing_resident_is_found_picked_and_registered_once(client):
    world = make_world()
    resident = make_person(
        world.city.muni, family_name="佐藤", given_name="花子", family_kana="サトウ", given_kana="ハナコ"
    )
    login_client(client, world.city.agency_worker)
    url = _url(world)
    assert "登録済みの住民から選ぶ" in client.get(reverse("community:points")).content.decode()
    assert client.get(url).status_code == 200

    before = AuditEvent.objects.count()
    found = client.post(url, {"q": "さとう"})
    assert found.status_code == 200 and [h.person.pk for h in found.context["hits"]] == [resident.pk]
    event = AuditEvent.objects.latest("pk")
    assert AuditEvent.objects.count() == before + 1 and ["person", resident.pk] in event.objects_json

    registered = client.post(url, {"person": resident.pk, "registered_on": "2025-05-01"})
    volunteer = Volunteer.objects.get()
    assert registered.status_code == 302
    assert registered["Location"] == reverse("community:volunteer", args=[volunteer.pk])
    assert (volunteer.person_id, volunteer.program_id) == (resident.pk, world.program.pk)
    assert str(volunteer.registered_on) == "2025-05-01"
    created = AuditEvent.objects.filter(action="create").latest("pk")
    assert ["community_volunteer", volunteer.pk] in created.objects_json
    assert ["person", resident.pk] in created.objects_json
    # The same person again: the existing registration, not a second one.
    again = client.post(url, {"person": resident.pk, "registered_on": "2025-06-01"})
    assert again["Location"] == registered["Location"] and Volunteer.objects.count() == 1


def test_bad_picks_change_nothing(client):
    world = make_world()
    other = make_world(code="012025", name="別市")
    stranger = make_person(other.city.muni, family_name="他市", given_name="太郎")
    resident = make_person(world.city.muni, family_name="佐藤", given_name="花子")
    login_client(client, world.city.agency_worker)
    url = _url(world)
    assert client.post(url, {"person": stranger.pk, "registered_on": "2025-05-01"}).status_code == 404
    for person, day, message in [
        ("²", "2025-05-01", "本人を一覧から選んでください"),
        ("9" * 40, "2025-05-01", "本人を一覧から選んでください"),
        (resident.pk, "2999-01-01", "登録日"),
        (resident.pk, "令和99年99月99日", "登録日"),
    ]:
        response = client.post(url, {"person": person, "registered_on": day})
        assert response.status_code == 400 and message in response.content.decode()
    assert "氏名かフリガナを入力してください" in client.post(url, {"q": ""}).content.decode()
    assert client.post(url, {"q": "さ\x00とう"}).status_code == 400  # refused with a message, not a 500
    assert not Volunteer.objects.exists()


def test_every_persona(client):
    world = make_world()
    c = world.city
    url = _url(world)
    assert client.get(url).status_code == 302  # anonymous → login
    other = make_world(code="012025", name="別市")
    login_client(client, other.city.coordinator)
    assert client.get(url).status_code == 404
    login_client(client, c.auditor)
    assert client.get(url).status_code == 403
    login_client(client, c.window_worker)  # casework, but not the program's organization
    assert client.get(url).status_code == 404
    login_client(client, c.coordinator)  # 束ね役 keep every program's ledger
    assert client.get(url).status_code == 200
    login_client(client, c.agency_worker)
    assert client.get(url).status_code == 200
