"""After `setup_demo`, each demo login lands on a page with work on it (issue 8 A16): screenshots of
every role's landing page in the demo city are kept under test-artifacts/ (demo-landing-*.png)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tests.browser import login
from tests.conftest import screenshot
from tsunagu.intake.management.commands.setup_demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = DEMO_PASSWORD
# login → (landing path, text the page shows only when there is work on it)
LANDINGS = {
    "mitaka-window": ("/intake/new/", "相談受付"),
    "mitaka-coordinator": ("/cases/dashboard/", "期限切れ"),
    "mitaka-agency": ("/cases/", "ケース 20"),
    "mitaka-manager": ("/insights/overview/", "継続中のケース"),
    "mitaka-auditor": ("/access/audit/", "ケース"),
    "mitaka-admin": ("/accounts/staff/", "mitaka-coordinator"),
}


def test_each_demo_login_lands_on_work(live_server, page):
    call_command("setup_demo", "--city", "132047", "--households", "150", stdout=io.StringIO())
    for username, (path, shows) in LANDINGS.items():
        login(page, live_server.url, username, PASSWORD)
        page.wait_for_load_state("networkidle")
        assert page.url == f"{live_server.url}{path}", (username, page.url)
        assert shows in page.locator("main").inner_text(), (username, shows)
        screenshot(page, f"demo-landing-{username}")
        with page.expect_navigation():
            page.click("text=ログアウト")
    # The coordinator's meetings: a year of sittings, the next one with its agenda.
    login(page, live_server.url, "mitaka-coordinator", PASSWORD)
    page.goto(f"{live_server.url}/meetings/")
    page.wait_for_load_state("networkidle")
    screenshot(page, "demo-meetings")
