"""The packet of a sitting: one's own copy and numbered copies for chosen recipients, each with only the
items that recipient may see, the summary sheet (genogram, ecomap, parts, plan, questions), the 回収
notice for a 支援会議 item, one audit row per copy; every persona."""

from __future__ import annotations

import io
import re

import pypdf
import pytest
from django.urls import reverse

from tests.factories import login_client
from tsunagu.access.models import AuditEvent
from tsunagu.meetings import actions, materials
from tsunagu.meetings.packet_pdf import packet_recipients

from .materials_world import coming_sitting, due_in

pytestmark = pytest.mark.django_db


def _pages(pdf: bytes) -> list[str]:
    return [re.sub(r"\s+", "", p.extract_text()) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def _prepared():
    c = coming_sitting()
    w = c.s.world
    part = materials.request_parts(
        actor=w.coordinator, item=c.item, organizations=[w.orgs["unnamed"], w.orgs["team"]], due_on=due_in(2)
    )[0]
    actions.acknowledge_duty(actor=c.s.unnamed, meeting=c.meeting)
    materials.submit_part(
        actor=c.s.unnamed,
        part=part,
        version=part.version,
        situation="週1回訪問している",
        done="家計相談につないだ",
        question="就労支援の担当を決めたい",
    )
    return c


def test_ones_own_copy_holds_the_summary_sheet_named_to_the_reader(client):
    c = _prepared()
    w = c.s.world
    login_client(client, w.coordinator)
    r = client.get(reverse("meetings:packet_pdf", args=[c.meeting.pk]))
    assert r["Content-Type"] == "application/pdf" and r["Cache-Control"] == "no-store"
    pages = _pages(r.content)
    text = "".join(pages)
    name = (w.coordinator.display_name or w.coordinator.username).replace(" ", "")
    assert all(f"配付先:{name}様" in p and "No.1/1" in p and "【回収】" in p for p in pages)
    for expected in (
        "会議資料スクラムネット",
        f"ケース{w.case.label}",
        "ジェノグラム",
        "エコマップ",
        w.p1.family_name,
        "領域ごとの課題",
        "現在の支援プラン",
        "週1回訪問している",
        "家計相談につないだ",
        "就労支援の担当を決めたい",
        "就労に向けた役割分担を決めたい",
        "未提出",
        "廃棄",
    ):
        assert expected in text, expected
    event = AuditEvent.objects.filter(actor_id=w.coordinator.pk, action="print").latest("seq")
    assert ["agenda_item", c.item.pk] in event.objects_json and ["person", w.p1.pk] in event.objects_json
    assert event.detail["copy_no"] == 1 and "第106条の6" in event.reason


def test_a_member_not_selected_prints_a_copy_without_the_item(client):
    c = _prepared()
    actions.acknowledge_duty(actor=c.s.withdrawn, meeting=c.meeting)
    login_client(client, c.s.withdrawn)
    text = "".join(_pages(client.get(reverse("meetings:packet_pdf", args=[c.meeting.pk])).content))
    assert c.s.world.case.label not in text and "週1回訪問" not in text
    assert "閲覧できる議題はありません" in text and "【回収】" not in text


def test_copies_go_only_to_those_who_may_see_each_with_its_number_and_audit_row(client):
    c = _prepared()
    w = c.s.world
    signed = actions.invite(
        actor=w.coordinator, meeting=c.meeting, item=c.item, guest_post="主治医", guest_name="田中 医師"
    )
    actions.record_guest_acknowledgement(actor=w.coordinator, invitation=signed)
    unsigned = actions.invite(
        actor=w.coordinator, meeting=c.meeting, item=c.item, guest_post="民生委員", guest_name="鈴木"
    )
    actions.acknowledge_duty(actor=c.s.withdrawn, meeting=c.meeting)  # invited, acknowledged, not selected
    keys = {r.key for r in packet_recipients(c.meeting, [c.item], c.meeting.starts_at)}
    # c.s.team's organization is selected but has not acknowledged: no copy for it either.
    assert keys == {f"s{w.coordinator.pk}", f"s{c.s.unnamed.pk}", f"g{signed.pk}"}
    assert f"g{unsigned.pk}" not in keys
    login_client(client, w.coordinator)
    page = client.get(reverse("meetings:packet_copies", args=[c.meeting.pk])).content.decode()
    assert "田中 医師" in page and f'value="g{signed.pk}"' in page
    assert f'value="g{unsigned.pk}"' not in page and f'value="s{c.s.withdrawn.pk}"' not in page
    before = AuditEvent.objects.filter(action="print").count()
    r = client.post(
        reverse("meetings:packet_copies", args=[c.meeting.pk]),
        {"recipients": [f"s{c.s.unnamed.pk}", f"g{signed.pk}"]},
    )
    assert r["Content-Type"] == "application/pdf"
    pages = _pages(r.content)
    unnamed = (c.s.unnamed.display_name or c.s.unnamed.username).replace(" ", "")
    assert any(f"配付先:{unnamed}様" in p and "No.1/2" in p for p in pages)
    assert any("配付先:田中医師様" in p and "No.2/2" in p for p in pages)
    assert all("【回収】" in p for p in pages)
    rows = list(AuditEvent.objects.filter(action="print").order_by("seq"))[before:]
    assert [(e.detail["copy_no"], e.detail["recipient_invitation"]) for e in rows] == [
        (1, None),
        (2, signed.pk),
    ]
    # Nobody chosen: refused in Japanese, nothing printed.
    r = client.post(reverse("meetings:packet_copies", args=[c.meeting.pk]), {"recipients": ["s999999"]})
    assert r.status_code == 200 and "配付先を選び直してください" in r.content.decode()


def test_each_persona_on_the_packet_screens(client):
    c = _prepared()
    w = c.s.world
    own = reverse("meetings:packet_pdf", args=[c.meeting.pk])
    copies = reverse("meetings:packet_copies", args=[c.meeting.pk])
    for url in (own, copies):
        r = client.get(url)
        assert r.status_code == 302 and "login" in r["Location"]
    login_client(client, w.other.coordinator)
    assert client.get(own).status_code == 404 and client.get(copies).status_code == 404
    login_client(client, c.s.unnamed)  # an agency worker: its own copy, not the secretariat's printing
    assert client.get(copies).status_code == 403
    assert f"ケース{w.case.label}" in "".join(_pages(client.get(own).content))
