"""In a browser: the person search says how many match and shows more with さらに表示; the auditor finds a
resident by name and reads their trail in 和暦 with Japanese role names; a coordinator asks for emergency
access by finding the person. Screenshots are kept under test-artifacts/ for a person to look at."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser import login
from tests.conftest import screenshot
from tests.factories import make_household, make_person, make_personas
from tsunagu.access import audit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple"


def test_lists_say_how_many_and_the_auditor_reads_people(live_server, page):
    p = make_personas()
    hanako = make_person(
        p.city_a, "山田", "花子", family_kana="ヤマダ", given_kana="ハナコ", birth_date=dt.date(1948, 3, 3)
    )
    household = make_household(p.city_a, (hanako, "head"))
    for i in range(30):
        make_person(
            p.city_a,
            "山田",
            f"太郎{i:02d}",
            given_kana=f"タロウ{i:02d}",
            birth_date=dt.date(1960, 1, i % 28 + 1),
        )
    audit.record(
        actor=p.window_worker, action="view", objects=[("household", household.pk)], reason="相談の確認"
    )
    audit.record(actor=p.coordinator, action="update", objects=[("person", hanako.pk)], reason="連絡先の更新")

    # A window worker types a common surname: the count, and さらに表示 brings the rest.
    login(page, live_server.url, p.window_worker.username, PASSWORD)
    page.goto(f"{live_server.url}/intake/new/")
    page.locator("#person-q").fill("やまだ")
    page.wait_for_selector("text=31人が当てはまります（20人を表示）")
    assert page.locator("#person-results input[name=person_choice]").count() == 21  # + 新しい人
    screenshot(page, "person-search-count")
    page.click("text=さらに表示（31人まで）")
    page.wait_for_selector("text=31人が当てはまります（31人を表示）")
    assert page.locator("#person-results input[name=person_choice]").count() == 32
    screenshot(page, "person-search-more")
    page.goto(f"{live_server.url}/")
    with page.expect_navigation():
        page.click("text=ログアウト")

    # The auditor finds the resident by name and reads their trail.
    login(page, live_server.url, p.auditor.username, PASSWORD)
    page.goto(f"{live_server.url}/access/audit/")
    page.fill("#id_q", "やまだ はなこ")
    with page.expect_navigation():
        page.click("form[aria-label=本人の検索] button")
    assert page.locator(".audit-people").inner_text().count("花子") == 1
    screenshot(page, "audit-person-search")
    with page.expect_navigation():
        page.click("text=この人の記録を見る")
    table = page.locator("table.audit").inner_text()
    assert f"世帯「山田」No.{household.pk}" in table and f"本人「山田\u3000花子」No.{hanako.pk}" in table
    assert "相談員（窓口）" in table and "束ね役（多機関協働）" in table and "令和" in table
    screenshot(page, "audit-log-trail")
    page.goto(f"{live_server.url}/")
    with page.expect_navigation():
        page.click("text=ログアウト")

    # A coordinator asks for emergency access by finding the person, not by typing an id.
    login(page, live_server.url, p.coordinator.username, PASSWORD)
    page.goto(f"{live_server.url}/access/break-glass/")
    page.fill("#id_q", "山田 花子")
    with page.expect_navigation():
        page.click("form[aria-label=本人の検索] button")
    page.check(f"input[value='household:{household.pk}']")
    page.fill("#id_reason", "本人と連絡がとれず、安否確認のため緊急に世帯状況を確認する必要がある")
    screenshot(page, "break-glass-by-name")
    with page.expect_navigation():
        page.click("text=理由を記録して開く")
    assert f"世帯「山田」No.{household.pk}" in page.locator("table").last.inner_text()
