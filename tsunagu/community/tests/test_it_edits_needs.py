"""Editing a recorded need (気づき): the recorded values prefilled, the text, urgency and area changed with
who and when kept, a stale form refused, nothing changed refused, bad input changes nothing, the audit
row names the fields (the urgency from → to, never the text); per persona: anonymous → login, another
city → 404, not permitted → 403, not the running organization → 404 (the need is not theirs to see), the running organization and
束ね役 → the form."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import login_client, make_area
from tsunagu.access.models import AuditEvent
from tsunagu.community import actions

from .helpers import make_world, sit, surface

pytestmark = pytest.mark.django_db


def test_an_edit_changes_the_need_and_keeps_who_and_when(client):
    world = make_world()
    need = surface(world, sit(world), text="一人暮らしの方が最近来ない")
    west = make_area(world.city.muni, "西地区")
    url = reverse("community:edit_need", args=[need.pk])
    login_client(client, world.city.agency_worker)
    assert url in client.get(reverse("community:need", args=[need.pk])).content.decode()
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"].initial["text"] == "一人暮らしの方が最近来ない"
    viewed = AuditEvent.objects.latest("pk")
    assert viewed.action == "view" and ["community_need", need.pk] in viewed.objects_json

    data = {"text": "  一人暮らしの方が3週続けて来ない  ", "urgency": "urgent", "area": west.pk, "version": 0}
    response = client.post(url, data)
    assert response.status_code == 302
    need.refresh_from_db()
    assert (need.text, need.urgency, need.area_id, need.version) == (
        "一人暮らしの方が3週続けて来ない",
        "urgent",
        west.pk,
        1,
    )
    assert need.edited_by_id == world.city.agency_worker.pk and need.edited_at is not None
    event = AuditEvent.objects.filter(action="update").latest("pk")
    assert ["community_need", need.pk] in event.objects_json
    assert event.detail == {
        "changed": ["area", "text", "urgency"],
        "version": 1,
        "urgency_from": "soon",
        "urgency_to": "urgent",
        "area_from": world.area.pk,
        "area_to": west.pk,
    }
    assert "3週続けて" not in str(event.detail)  # free text stays out of the audit
    shown = client.get(reverse("community:need", args=[need.pk])).content.decode()
    assert "3週続けて来ない" in shown and "至急" in shown and "が直しました" in shown

    # The form opened before this edit is stale now; the same values again change nothing.
    stale = client.post(url, {**data, "text": "別の内容", "version": 0})
    assert stale.status_code == 400 and "他の人が先に直しました" in stale.content.decode()
    same = client.post(url, {**data, "version": 1})
    assert same.status_code == 400 and "直す内容がありません" in same.content.decode()
    need.refresh_from_db()
    assert (need.text, need.version) == ("一人暮らしの方が3週続けて来ない", 1)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"text": "   "}, "気づきの内容を入力してください"),
        ({"text": ""}, "気づきの内容を入力してください"),
        ({"text": "あ" * 4001}, ""),
        ({"urgency": "panic"}, ""),
        ({"area": "999999"}, ""),
        ({"area": "abc"}, ""),
        ({"version": "abc"}, ""),
        ({"version": "-1"}, ""),
        ({"version": ""}, ""),
    ],
)
def test_bad_input_changes_nothing(client, changes, message):
    world = make_world()
    need = surface(world, sit(world))
    login_client(client, world.city.agency_worker)
    data = {"text": "新しい内容", "urgency": "urgent", "area": "", "version": "0", **changes}
    response = client.post(reverse("community:edit_need", args=[need.pk]), data)
    assert response.status_code == 400 and message in response.content.decode()
    need.refresh_from_db()
    assert (need.text, need.urgency, need.version) == ("一人暮らしの方が最近来ない", "soon", 0)


def test_an_area_of_another_city_is_refused():
    world = make_world()
    other = make_world(code="012025", name="別市")
    need = surface(world, sit(world))
    with pytest.raises(actions.CommunityError):
        actions.edit_need(
            actor=world.city.coordinator, need=need, version=0, text="x", urgency="soon", area=other.area
        )
    need.refresh_from_db()
    assert need.version == 0


def test_the_action_refuses_staff_outside_the_running_organization():
    world = make_world()
    need = surface(world, sit(world))
    with pytest.raises(actions.CommunityError, match="運営機関の職員と束ね役"):
        actions.edit_need(
            actor=world.city.window_worker, need=need, version=0, text="x", urgency="soon", area=None
        )
    other = make_world(code="012025", name="別市")
    with pytest.raises(actions.CommunityError):
        actions.edit_need(
            actor=other.city.coordinator, need=need, version=0, text="x", urgency="soon", area=None
        )
    need.refresh_from_db()
    assert (need.text, need.version) == ("一人暮らしの方が最近来ない", 0)


def test_every_persona(client):
    world = make_world()
    c = world.city
    need = surface(world, sit(world))
    url = reverse("community:edit_need", args=[need.pk])
    post = {"text": "変更", "urgency": "soon", "area": "", "version": "0"}
    assert client.get(url).status_code == 302  # anonymous → login
    other = make_world(code="012025", name="別市")
    login_client(client, other.city.coordinator)
    assert client.get(url).status_code == 404
    login_client(client, c.auditor)
    assert client.get(url).status_code == 403
    login_client(client, c.window_worker)  # casework, but not the running organization: not even seen
    assert client.get(url).status_code == 404
    assert client.post(url, post).status_code == 404
    login_client(client, c.coordinator)
    assert client.get(url).status_code == 200
    login_client(client, c.agency_worker)
    assert client.get(url).status_code == 200
    need.refresh_from_db()
    assert need.version == 0
