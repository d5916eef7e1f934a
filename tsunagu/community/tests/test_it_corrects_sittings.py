"""Correcting a sitting after the fact (訂正): the recorded values prefilled, a stale form refused, nothing
changed refused, bad input changes nothing, the audit row keeps from → to and the reason, the figures
follow; per persona: anonymous → login, another city → 404, not permitted → 403, not the running
organization → 403, the running organization and 束ね役 → the form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import login_client
from tsunagu.access.models import AuditEvent
from tsunagu.community import actions, figures

from .helpers import make_world, sit

pytestmark = pytest.mark.django_db

D = dt.date(2025, 6, 1)


def _post(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "held_on": "2025-06-01",
        "residents": "12",
        "professionals": "2",
        "volunteers": "0",
        "others": "0",
        "topics": "茶話会",
        "reason": "参加者数の数え違い",
    }
    data.update(changes)
    return data


def test_a_correction_changes_the_counts_and_date_and_keeps_from_and_to(client):
    world = make_world()
    s = sit(world, on=D, residents=12, professionals=2, topics="茶話会")
    url = reverse("community:correct_sitting", args=[s.pk])
    login_client(client, world.city.agency_worker)
    assert "開催の記録を訂正する" in client.get(reverse("community:sitting", args=[s.pk])).content.decode()
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"].initial["residents"] == 12

    response = client.post(url, _post(version=0, residents="15", held_on="2025-06-08"))
    assert response.status_code == 302
    s.refresh_from_db()
    assert (s.residents, s.held_on, s.version, s.professionals) == (15, dt.date(2025, 6, 8), 1, 2)
    assert s.corrected_by_id == world.city.agency_worker.pk and s.corrected_at is not None
    event = AuditEvent.objects.filter(action="update").latest("pk")
    assert ["community_sitting", s.pk] in event.objects_json
    assert event.detail == {
        "corrected": ["held_on", "residents"],
        "version": 1,
        "held_on_from": "2025-06-01",
        "held_on_to": "2025-06-08",
        "residents_from": 12,
        "residents_to": 15,
    }
    assert s.correction_reason == "参加者数の数え違い"
    assert "参加者数の数え違い" in client.get(reverse("community:sitting", args=[s.pk])).content.decode()
    counts = figures.business_line_counts(world.city.muni, dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    assert {c.line: c.participants for c in counts}["3hardship"] == 17  # the figures read the corrected row

    # The form opened before the first correction is stale now.
    stale = client.post(url, _post(version=0, residents="20"))
    assert stale.status_code == 400 and "他の人が先に訂正しました" in stale.content.decode()
    same = client.post(url, _post(version=1, residents="15", held_on="2025-06-08"))
    assert same.status_code == 400 and "訂正する内容がありません" in same.content.decode()
    s.refresh_from_db()
    assert (s.residents, s.version) == (15, 1)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"residents": "²"}, ""),
        ({"residents": "9" * 40}, ""),
        ({"residents": "-1"}, ""),
        ({"held_on": "2999-01-01"}, ""),
        ({"held_on": "令和99年99月99日"}, ""),
        ({"reason": ""}, "訂正の理由を入力してください"),
        ({"version": "abc"}, ""),
    ],
)
def test_bad_input_changes_nothing(client, changes, message):
    world = make_world()
    s = sit(world, on=D, residents=12, professionals=2, topics="茶話会")
    login_client(client, world.city.agency_worker)
    data = _post(version=0, residents="30")
    data.update(changes)
    response = client.post(reverse("community:correct_sitting", args=[s.pk]), data)
    assert response.status_code == 400 and message in response.content.decode()
    s.refresh_from_db()
    assert (s.residents, s.held_on, s.version) == (12, D, 0)


def test_the_action_refuses_staff_outside_the_running_organization():
    world = make_world()
    s = sit(world, on=D, residents=12)
    data = actions.SittingInput(held_on=D, submission_token=s.submission_token, residents=1)
    with pytest.raises(actions.CommunityError, match="運営機関の職員と束ね役"):
        actions.correct_sitting(actor=world.city.window_worker, sitting=s, version=0, data=data, reason="x")
    other = make_world(code="012025", name="別市")
    with pytest.raises(actions.CommunityError):
        actions.correct_sitting(actor=other.city.coordinator, sitting=s, version=0, data=data, reason="x")
    s.refresh_from_db()
    assert (s.residents, s.version) == (12, 0)


def test_every_persona(client):
    world = make_world()
    c = world.city
    s = sit(world, on=D, residents=12)
    url = reverse("community:correct_sitting", args=[s.pk])
    assert client.get(url).status_code == 302  # anonymous → login
    other = make_world(code="012025", name="別市")
    login_client(client, other.city.coordinator)
    assert client.get(url).status_code == 404
    login_client(client, c.auditor)
    assert client.get(url).status_code == 403
    login_client(client, c.window_worker)  # casework, but not the running organization
    assert client.get(url).status_code == 403
    assert client.post(url, _post(version=0, residents="1")).status_code == 403
    login_client(client, c.coordinator)
    assert client.get(url).status_code == 200
    login_client(client, c.agency_worker)
    assert client.get(url).status_code == 200
    s.refresh_from_db()
    assert s.version == 0
