"""Screens for per-item invitations and for an invited individual's signed 守秘義務: the item's 束ね役
invites for one case only; the secretariat records the signed form; every persona."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import login_client, make_staff
from tsunagu.accounts.models import Role
from tsunagu.meetings import actions
from tsunagu.meetings.models import Invitation
from tsunagu.meetings.packet_pdf import packet_recipients

from .materials_world import coming_sitting

pytestmark = pytest.mark.django_db


def test_the_coordinator_invites_a_doctor_and_a_staff_member_for_one_item(client):
    c = coming_sitting()
    w = c.s.world
    login_client(client, w.coordinator)
    url = reverse("meetings:item_invitations", args=[c.item.pk])
    assert "この議題だけの招待はありません" in client.get(url).content.decode()
    r = client.post(url, {"guest_post": "主治医", "guest_name": "田中"})
    assert r.status_code == 302
    r = client.post(url, {"staff": c.s.off.pk})
    assert r.status_code == 302
    invs = list(Invitation.objects.filter(item=c.item).order_by("pk"))
    assert [(i.guest_post, i.staff_id) for i in invs] == [("主治医", None), ("", c.s.off.pk)]
    page = client.get(url).content.decode()
    assert "主治医 田中" in page and "未確認" in page
    # Both or neither: refused in Japanese, nothing added.
    for data in (
        {"staff": c.s.team.pk, "guest_post": "民生委員"},
        {},
        {"staff": "３"},
        {"guest_post": "x\x00"},
    ):
        r = client.post(url, data)
        assert r.status_code == 200, data
    assert Invitation.objects.filter(item=c.item).count() == 2


def test_the_secretariat_records_a_guests_signed_acknowledgement_and_the_guest_gets_a_copy(client):
    c = coming_sitting()
    w = c.s.world
    inv = actions.invite(
        actor=w.coordinator, meeting=c.meeting, item=c.item, guest_post="主治医", guest_name="田中"
    )
    login_client(client, w.coordinator)
    page = client.get(reverse("meetings:guests", args=[c.meeting.pk])).content.decode()
    assert "主治医 田中" in page and f"ケース {w.case.label} のみ" in page
    ack = reverse("meetings:guest_acknowledgement", args=[inv.pk])
    r = client.post(ack, {}, follow=True)
    assert "チェックしてください" in r.content.decode()
    inv.refresh_from_db()
    assert inv.guest_duty_acknowledged_at is None
    assert f"g{inv.pk}" not in {r.key for r in packet_recipients(c.meeting, [c.item], c.meeting.starts_at)}
    client.post(ack, {"signed": "on"})
    inv.refresh_from_db()
    assert inv.guest_duty_acknowledged_at is not None
    assert "署名済み" in client.get(reverse("meetings:guests", args=[c.meeting.pk])).content.decode()
    assert f"g{inv.pk}" in {r.key for r in packet_recipients(c.meeting, [c.item], c.meeting.starts_at)}


def test_each_persona_on_the_invitation_screens(client):
    c = coming_sitting()
    w = c.s.world
    inv = actions.invite(actor=w.coordinator, meeting=c.meeting, item=c.item, guest_post="主治医")
    urls = {
        "item": reverse("meetings:item_invitations", args=[c.item.pk]),
        "guests": reverse("meetings:guests", args=[c.meeting.pk]),
        "ack": reverse("meetings:guest_acknowledgement", args=[inv.pk]),
    }
    for url in urls.values():
        assert "login" in client.get(url)["Location"]
    login_client(client, w.other.coordinator)  # another city
    assert client.get(urls["item"]).status_code == 404 and client.get(urls["guests"]).status_code == 404
    assert client.post(urls["ack"], {"signed": "on"}).status_code == 404
    login_client(client, c.s.unnamed)  # an agency worker: not the secretariat
    assert client.get(urls["item"]).status_code == 403 and client.get(urls["guests"]).status_code == 403
    # A coordinator of the same city who holds another case: the item does not exist for them, nor
    # the invitation for it; the sitting's guest list leaves it out.
    other = make_staff(w.city.muni, Role.COORDINATOR, w.coordinator.organization)
    login_client(client, other)
    assert client.get(urls["item"]).status_code == 404
    assert "招待した個人はいません" in client.get(urls["guests"]).content.decode()
    assert client.post(urls["ack"], {"signed": "on"}).status_code == 404
    inv.refresh_from_db()
    assert inv.guest_duty_acknowledged_at is None
