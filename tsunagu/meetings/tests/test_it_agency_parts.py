"""Agencies' parts of an item's materials: asked for by the item's 束ね役 with a due date, filled by the
agency itself once it may see the item (守秘義務 first for a 支援会議), overdue ones marked; every screen
for every persona."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import login_client
from tsunagu.access.models import AuditEvent
from tsunagu.meetings import actions, materials
from tsunagu.meetings.actions import MeetingError
from tsunagu.meetings.material_models import AgencyPart

from .materials_world import coming_sitting, due_in

pytestmark = pytest.mark.django_db


def _asked():
    c = coming_sitting()
    w = c.s.world
    part = materials.request_parts(
        actor=w.coordinator, item=c.item, organizations=[w.orgs["unnamed"]], due_on=due_in(2)
    )[0]
    return c, part


def test_the_coordinator_asks_the_items_agencies_for_their_parts_on_the_materials_page(client):
    c = coming_sitting()
    w = c.s.world
    login_client(client, w.coordinator)
    url = reverse("meetings:materials", args=[c.meeting.pk])
    page = client.get(url).content.decode()
    assert "機関に記入を依頼する" in page and "社会福祉協議会" in page
    prefix = f"req{c.item.pk}"
    r = client.post(
        reverse("meetings:request_parts", args=[c.item.pk]),
        {
            f"{prefix}-organizations": [w.orgs["unnamed"].pk, w.orgs["team"].pk],
            f"{prefix}-due_on": due_in(3).isoformat(),
        },
    )
    assert r.status_code == 302
    assert sorted(
        AgencyPart.objects.filter(item=c.item).values_list("organization__name", flat=True)
    ) == sorted([w.orgs["unnamed"].name, w.orgs["team"].name])
    page = client.get(url).content.decode()
    assert "未提出 2件" in page


@pytest.mark.parametrize(
    ("due", "message"),
    [
        (lambda c: due_in(30).isoformat(), "提出期限は会議の日までにしてください"),
        (lambda c: due_in(-1).isoformat(), "過ぎた日は選べません"),
        (lambda c: "2026-13-40", "日付"),
        (lambda c: "R８.１２.１\x00", "日付"),
    ],
)
def test_a_bad_due_date_is_refused_in_japanese_and_asks_nobody(client, due, message):
    c = coming_sitting()
    w = c.s.world
    login_client(client, w.coordinator)
    prefix = f"req{c.item.pk}"
    r = client.post(
        reverse("meetings:request_parts", args=[c.item.pk]),
        {f"{prefix}-organizations": [w.orgs["unnamed"].pk], f"{prefix}-due_on": due(c)},
        follow=True,
    )
    assert r.status_code == 200 and message in r.content.decode()
    assert not AgencyPart.objects.exists()


def test_only_the_items_own_organizations_can_be_asked():
    c = coming_sitting()
    w = c.s.world
    with pytest.raises(MeetingError, match="構成機関にだけ"):
        materials.request_parts(
            actor=w.coordinator, item=c.item, organizations=[w.orgs["off"]], due_on=due_in(1)
        )
    with pytest.raises(MeetingError, match="束ね役だけ"):
        materials.request_parts(actor=c.s.team, item=c.item, organizations=[w.orgs["team"]], due_on=due_in(1))
    assert not AgencyPart.objects.exists()


def test_the_agency_fills_its_part_only_after_acknowledging_the_duty(client):
    c, part = _asked()
    login_client(client, c.s.unnamed)
    url = reverse("meetings:fill_part", args=[part.pk])
    assert client.get(url).status_code == 404  # 支援会議: nothing before 守秘義務
    actions.acknowledge_duty(actor=c.s.unnamed, meeting=c.meeting)
    page = client.get(url).content.decode()
    assert "就労に向けた役割分担を決めたい" in page and "社会福祉協議会" in page
    r = client.post(
        url,
        {
            "situation": "週1回訪問、体調は安定",
            "done": "家計相談につないだ",
            "question": "",
            "version": part.version,
        },
    )
    assert r.status_code == 302
    part.refresh_from_db()
    assert part.submitted_by == c.s.unnamed and part.situation == "週1回訪問、体調は安定"
    event = AuditEvent.objects.filter(actor_id=c.s.unnamed.pk, action="update").latest("seq")
    assert ["agency_part", part.pk] in event.objects_json and "第106条の6" in event.reason
    page = client.get(reverse("meetings:materials", args=[c.meeting.pk])).content.decode()
    assert "提出済み" in page and "家計相談につないだ" in page


def test_an_empty_a_nul_or_a_stale_part_changes_nothing(client):
    c, part = _asked()
    actions.acknowledge_duty(actor=c.s.unnamed, meeting=c.meeting)
    login_client(client, c.s.unnamed)
    url = reverse("meetings:fill_part", args=[part.pk])
    for data, message in (
        ({"situation": " ", "done": "", "question": "", "version": part.version}, "いずれかの欄を記入"),
        ({"situation": "a\x00b", "done": "", "question": "", "version": part.version}, "文字を入力"),
        ({"situation": "x", "done": "", "question": "", "version": "²"}, "画面を開き直して"),
        ({"situation": "x", "done": "", "question": "", "version": part.version + 5}, "別の職員が更新"),
    ):
        r = client.post(url, data)
        assert r.status_code == 200, data
        assert message in r.content.decode(), data
    part.refresh_from_db()
    assert part.submitted_at is None and part.situation == ""


def test_each_persona_sees_only_what_it_may(client):
    c, part = _asked()
    w = c.s.world
    actions.acknowledge_duty(actor=c.s.withdrawn, meeting=c.meeting)
    urls = [
        reverse("meetings:materials", args=[c.meeting.pk]),
        reverse("meetings:fill_part", args=[part.pk]),
        reverse("meetings:todo"),
    ]
    # Anonymous: to the login page.
    for url in urls:
        r = client.get(url)
        assert r.status_code == 302 and "login" in r["Location"]
    # Another city: the sitting and the part do not exist.
    login_client(client, w.other.coordinator)
    assert client.get(urls[0]).status_code == 404 and client.get(urls[1]).status_code == 404
    assert w.case.label not in client.get(urls[2]).content.decode()
    # Invited and acknowledged, but not selected for this case: nothing of the item.
    login_client(client, c.s.withdrawn)
    page = client.get(urls[0]).content.decode()
    assert w.case.label not in page and "表示できる議題はありません" in page
    assert client.get(urls[1]).status_code == 404
    # Selected, but another organization's part: 404; its own list shows nothing owed until it may see.
    login_client(client, c.s.team)
    assert client.get(urls[1]).status_code == 404
    r = client.post(reverse("meetings:request_parts", args=[c.item.pk]), {})
    assert r.status_code == 403
    # The agency itself, after 守秘義務: its part is listed as owed and fillable.
    actions.acknowledge_duty(actor=c.s.unnamed, meeting=c.meeting)
    login_client(client, c.s.unnamed)
    assert f"ケース {w.case.label}" in client.get(urls[2]).content.decode()
    assert client.get(urls[1]).status_code == 200


def test_a_part_past_its_due_date_is_shown_overdue_to_the_coordinator_and_the_agency(client):
    c, part = _asked()
    AgencyPart.objects.filter(pk=part.pk).update(due_on=due_in(-2))
    login_client(client, c.s.world.coordinator)
    assert (
        "期限を過ぎて未提出"
        in client.get(reverse("meetings:materials", args=[c.meeting.pk])).content.decode()
    )
    actions.acknowledge_duty(actor=c.s.unnamed, meeting=c.meeting)
    login_client(client, c.s.unnamed)
    assert "期限を過ぎています" in client.get(reverse("meetings:todo")).content.decode()
