"""A staff member logs in, opens the directory, filters it, opens a detail and the structure page."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import login, nav_link
from tests.conftest import screenshot
from tests.factories import make_staff
from tsunagu.directory.models import Organization
from tsunagu.directory.profiles import load_profile

MITAKA = Path(__file__).resolve().parent.parent / "profiles" / "mitaka.toml"
PASSWORD = "correct-horse-battery-staple"


@pytest.mark.browser
def test_staff_browses_directory_and_structure(page, live_server, transactional_db):
    muni = load_profile(MITAKA).municipality
    org = Organization.objects.get(municipality=muni, key="chiiki-fukushi")
    staff = make_staff(muni, organization=org, username="mitaka-worker", password=PASSWORD)

    login(page, live_server.url, staff.username, PASSWORD)
    page.goto(f"{live_server.url}/directory/")
    assert page.locator("h1").inner_text() == "三鷹市の支援機関・窓口"
    assert page.locator('.global-nav a[aria-current="page"]').text_content() == "支援機関・窓口"
    assert page.locator("#results tbody tr").count() == 9
    screenshot(page, "directory-1-windows")

    # Choosing a 分野 updates the results through htmx, without a page load, and the URL follows.
    page.select_option("#id_domain", "hardship")
    page.wait_for_url("**domain=hardship**")
    page.wait_for_function("document.querySelectorAll('#results tbody tr').length === 2")
    rows = page.locator("#results tbody tr td:first-child").all_inner_texts()
    assert rows == [
        "三鷹市生活・就労支援窓口",
        "地域福祉コーディネーターの相談サロン（市内7か所のコミュニティ・センター）",
    ]
    screenshot(page, "directory-2-filtered")

    # Free text with no match shows the Japanese empty message.
    page.fill("#id_q", "該当しない名前")
    page.wait_for_selector("text=条件に合う相談窓口はありません。")
    screenshot(page, "directory-3-empty")

    # The same filters work as a plain GET (no JavaScript needed), here on the 事業 tab.
    page.goto(f"{live_server.url}/directory/?tab=programs&line=1i")
    assert "第1号イ（地域包括支援センターの運営）" in page.locator("#results h3").first.inner_text()
    page.goto(f"{live_server.url}/directory/?tab=bodies")
    screenshot(page, "directory-4-bodies")

    page.click("text=重層的支援体制推進会議")
    page.wait_for_selector("h1:has-text('重層的支援体制推進会議')")
    assert page.locator(".callout-duty").is_visible()
    assert page.locator(".callout-consent").is_visible()
    screenshot(page, "directory-5-body-detail")

    page.goto(f"{live_server.url}/directory/?tab=organizations")
    page.click("#results >> text=高齢者支援課")
    page.wait_for_selector("h1:has-text('高齢者支援課')")
    assert page.locator("text=三鷹市地域包括支援センター").first.is_visible()
    screenshot(page, "directory-6-organization-detail")

    nav_link(page, "体制図").click()
    page.wait_for_selector("h1:has-text('三鷹市の重層的支援体制')")
    assert page.locator("table.matrix tbody tr").count() == 1
    assert page.locator("ol.ladder > li").count() == 2
    screenshot(page, "directory-7-structure")
    page.emulate_media(media="print")
    screenshot(page, "directory-8-structure-print")
