"""The 連絡帳 in Chromium: an agency worker starts the case's thread from the household page and asks with a
PDF attached; the 束ね役 sees one unread, answers, corrects a post of their own and turns the question into
an agenda item; a 支援会議 member reads the item's thread only after acknowledging 守秘義務. Screenshots are
kept under test-artifacts/."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser import login
from tests.conftest import screenshot
from tsunagu.meetings.models import AgendaItem
from tsunagu.meetings.notebook_models import NotebookLink, NotebookPost, PostKind
from tsunagu.meetings.tests.helpers import make_body, sitting, staffed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_the_team_shares_between_meetings(page, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    s = staffed()
    w = s.world
    body = make_body(
        w,
        "scrum",
        "confidential_conference",
        ["confidential_conference"],
        member_selection="per_case",
        name="スクラムネット",
        members=[w.orgs["unnamed"]],
    )
    coming = sitting(body, starts=dt.timedelta(days=7))
    label = f"ケース {w.case.label}"

    # The agency worker on the team starts the thread from the household page and asks, with a PDF.
    login(page, live_server.url, s.team.username, PASSWORD)
    page.goto(f"{live_server.url}/people/households/{w.household.pk}/")
    page.click(f"text={label}の連絡帳を始める")
    page.select_option("#id_kind", "question")
    page.fill("#id_body", "ご家族から日中の通所の希望が出ています。\n次の会議で役割分担を相談できますか。")
    page.set_input_files(
        "#id_document", files=[{"name": "資料.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.click("#notebook-form button[type=submit]")
    page.wait_for_load_state()
    assert "投稿しました" in page.content() and "添付ファイル（PDF" in page.content()
    screenshot(page, "notebook-thread-question")
    # Empty body: a Japanese message, nothing saved.
    page.fill("#id_body", "")
    page.click("#notebook-form button[type=submit]")
    page.wait_for_load_state()
    assert "本文を入力してください" in page.content()
    screenshot(page, "notebook-thread-empty-body")
    assert NotebookPost.objects.count() == 1
    question = NotebookPost.objects.get()

    # The 束ね役 sees one unread post, answers it, and corrects a post of their own.
    page.context.clear_cookies()
    login(page, live_server.url, w.coordinator.username, PASSWORD)
    page.goto(f"{live_server.url}/meetings/notebook/")
    assert "未読 1件" in page.inner_text("#notebook-threads")
    screenshot(page, "notebook-inbox-unread")
    page.click(f"#notebook-threads a:has-text('{label}')")
    page.select_option("#id_kind", "answer")
    page.select_option("#id_refers_to", str(question.pk))
    page.fill("#id_body", "次回のスクラムネットの議題にします。")
    page.click("#notebook-form button[type=submit]")
    page.wait_for_load_state()
    page.fill("#id_body", "面談は10日です。")
    page.click("#notebook-form button[type=submit]")
    page.wait_for_load_state()
    wrong = NotebookPost.objects.get(body="面談は10日です。")
    page.select_option("#id_kind", "correction")
    page.select_option("#id_refers_to", str(wrong.pk))
    page.fill("#id_body", "面談は10日ではなく17日です。")
    page.click("#notebook-form button[type=submit]")
    page.wait_for_load_state()
    assert "この投稿には訂正があります" in page.content()
    assert f"既読: {w.coordinator}" in page.inner_text(f"#post-{question.pk}")
    screenshot(page, "notebook-thread-answer-and-correction")
    page.goto(f"{live_server.url}/meetings/notebook/")
    assert "未読 " not in page.inner_text("#notebook-threads tbody")

    # The question becomes an agenda item of the coming sitting.
    page.goto(f"{live_server.url}/meetings/notebook/posts/{question.pk}/agenda/")
    page.select_option("#id_meeting", str(coming.pk))
    page.select_option("#id_function", "confidential_conference")
    page.select_option("#id_purpose", "roles")
    page.fill("#id_minutes", "20")
    page.check(f"input[name=organizations][value='{w.orgs['unnamed'].pk}']")
    screenshot(page, "notebook-to-agenda")
    page.click("#to-agenda-form button[type=submit]")
    page.wait_for_load_state()
    item = AgendaItem.objects.get(meeting=coming)
    assert NotebookLink.objects.get(post=question).item == item
    assert "ご家族から日中の通所の希望" in page.content()
    page.click("text=この議題の連絡帳")
    page.fill("#id_body", "資料は会議の3日前までに記入をお願いします。")
    page.click("#notebook-form button[type=submit]")
    page.wait_for_load_state()
    screenshot(page, "notebook-item-thread-coordinator")

    # The selected member reads the item's thread only after acknowledging 守秘義務.
    page.context.clear_cookies()
    login(page, live_server.url, s.unnamed.username, PASSWORD)
    response = page.goto(f"{live_server.url}/meetings/notebook/items/{item.pk}/")
    assert response is not None and response.status == 404
    page.goto(f"{live_server.url}/meetings/{coming.pk}/acknowledge/")
    page.check("#id_agree")
    page.click("#ack-submit")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/meetings/notebook/")
    assert "未読 1件" in page.inner_text("#notebook-threads")
    page.click("#notebook-threads a:has-text('スクラムネット')")
    assert "資料は会議の3日前まで" in page.content() and "第106条の6" in page.content()
    screenshot(page, "notebook-item-thread-member")
    assert NotebookPost.objects.filter(kind=PostKind.CORRECTION).count() == 1
