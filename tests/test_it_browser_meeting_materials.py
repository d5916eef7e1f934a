"""Meeting materials and invitations in Chromium: the coordinator asks an agency for its part and invites a
doctor for one item, records the doctor's signed 守秘義務; the agency acknowledges and fills its part; the
coordinator sees it submitted, downloads the packet (the agency's part in its summary sheet, named to the
coordinator), the copies page lists the doctor, and the follow-up list shows a decision.
Screenshots are kept under test-artifacts/."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pypdf
import pytest
from django.utils import timezone

from tests.browser import login
from tests.conftest import screenshot
from tsunagu.meetings import actions
from tsunagu.meetings.tests.materials_world import coming_sitting, due_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple"


def test_materials_are_prepared_and_a_guest_is_invited_for_one_item(page, live_server):
    c = coming_sitting()
    w = c.s.world
    base = live_server.url
    login(page, base, w.coordinator.username, PASSWORD)
    page.goto(f"{base}/meetings/{c.meeting.pk}/")
    page.click("#materials-link")
    page.check(f"input[name='req{c.item.pk}-organizations'][value='{w.orgs['unnamed'].pk}']")
    page.fill(f"#id_req{c.item.pk}-due_on", due_in(2).isoformat())
    page.click(f"#item-{c.item.pk} button[type=submit]")
    page.wait_for_load_state()
    assert "未提出 1件" in page.content()

    page.goto(f"{base}/meetings/items/{c.item.pk}/invitations/")
    page.fill("#id_guest_post", "主治医")
    page.fill("#id_guest_name", "田中 一郎")
    page.click("#item-invite-submit")
    page.wait_for_load_state()
    assert "主治医 田中 一郎" in page.content()
    screenshot(page, "meetings-item-invitations")
    page.click("#guests-link")
    page.check("input[name='signed']")
    page.click(".guest-ack-submit")
    page.wait_for_load_state()
    assert "署名済み" in page.content()
    screenshot(page, "meetings-guest-acknowledgements")

    page.context.clear_cookies()
    actions.acknowledge_duty(actor=c.s.unnamed, meeting=c.meeting)
    login(page, base, c.s.unnamed.username, PASSWORD)
    page.goto(f"{base}/meetings/todo/")
    screenshot(page, "meetings-todo-agency")
    page.click(f"text=ケース {w.case.label}")
    page.fill("#id_situation", "週1回訪問している。体調は安定。")
    page.fill("#id_done", "家計相談につないだ。")
    page.fill("#id_question", "就労支援の担当を決めたい。")
    screenshot(page, "meetings-part-form")
    page.click("#part-submit")
    page.wait_for_load_state()
    assert "提出済み" in page.content()

    page.context.clear_cookies()
    login(page, base, w.coordinator.username, PASSWORD)
    page.goto(f"{base}/meetings/{c.meeting.pk}/materials/")
    assert "家計相談につないだ" in page.content()
    screenshot(page, "meetings-materials")
    with page.expect_download() as download:
        page.click("#packet-pdf")
    assert download.value.suggested_filename == f"packet-{c.meeting.pk}.pdf"
    pdf = pypdf.PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in pdf.pages))
    name = (w.coordinator.display_name or w.coordinator.username).replace(" ", "")
    for expected in (f"配付先:{name}様", f"ケース{w.case.label}", "ジェノグラム", "家計相談につないだ。"):
        assert expected in text
    page.click("#packet-copies")
    assert "田中 一郎" in page.content()
    screenshot(page, "meetings-packet-copies")

    from tsunagu.meetings.decisions import decide
    from tsunagu.meetings.tests.helpers import make_body, sitting

    body = make_body(w, "tanto", "internal", ["coordination"], name="担当者会議")
    item = actions.place_item(
        actor=w.coordinator,
        meeting=sitting(body),
        case=w.case,
        purpose="roles",
        minutes=15,
        function="coordination",
        organizations=[w.orgs["unnamed"]],
    )
    decide(
        actor=w.coordinator,
        item=item,
        kind="note",
        note="社協が家庭訪問して生活状況を確認する",
        responsible=w.orgs["unnamed"],
        follow_up_on=timezone.localdate() + dt.timedelta(days=2),
    )
    page.goto(f"{base}/meetings/todo/")
    assert "社協が家庭訪問して生活状況を確認する" in page.content()
    screenshot(page, "meetings-todo-coordinator")
