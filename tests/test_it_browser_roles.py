"""Every role logs in, lands on its own work, and the main pages show no console error (A6, A7, A12).

Console errors include CSP refusals (htmx's injected indicator style used to be one on every page) and
failed loads (a missing favicon). Screenshots of each landing page, the manager's overview and the error
pages are kept under test-artifacts/ for a person to look at.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from tests.browser import login
from tests.conftest import screenshot
from tests.factories import make_staff
from tsunagu.accounts import errors
from tsunagu.accounts.models import Role
from tsunagu.cases.models import Case
from tsunagu.insights.tests.helpers import make_workload_city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple"

LANDING = {
    Role.WINDOW_WORKER: ("/intake/new/", "相談受付"),
    Role.COORDINATOR: ("/cases/dashboard/", "期限・予定"),
    Role.AGENCY_WORKER: ("/cases/", "ケース"),
    Role.AUDITOR: ("/access/audit/", "監査"),
    Role.MANAGER: ("/insights/overview/", "業務の状況"),
    Role.ADMINISTRATOR: ("/accounts/staff/", "職員"),
}


class ConsoleWatch:
    """Collects console errors, uncaught page errors and failed requests of one page."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        page.on(
            "console", lambda msg: self.errors.append(f"console: {msg.text}") if msg.type == "error" else None
        )
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("requestfailed", self._failed)
        page.on(
            "response",
            lambda r: self.errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
        )

    def _failed(self, request: Any) -> None:
        # A load cut short by the next navigation (net::ERR_ABORTED) is not a failure of the page.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.errors.append(f"requestfailed: {request.url} {request.failure}")

    def visit(self, page: Any, url: str) -> None:
        page.goto(url)
        page.wait_for_load_state("networkidle")


def _pages(role: str, case: Case) -> list[str]:
    common = ["/", "/directory/", "/directory/structure/", "/accounts/security/"]
    per_role = {
        Role.WINDOW_WORKER: ["/intake/new/", "/intake/escalations/", "/people/candidates/"],
        Role.COORDINATOR: [
            "/cases/dashboard/",
            "/cases/",
            f"/cases/{case.pk}/",
            f"/intake/households/{case.household_id}/",
            "/insights/overview/",
            "/intake/escalations/",
        ],
        Role.AGENCY_WORKER: ["/cases/", "/cases/dashboard/"],
        Role.AUDITOR: ["/access/audit/", "/access/audit/alerts/", "/access/break-glass/review/"],
        Role.MANAGER: ["/insights/overview/", "/insights/overview/?fy=2024"],
        Role.ADMINISTRATOR: ["/accounts/staff/"],
    }
    return common + per_role[role]


def test_each_role_lands_on_its_work_and_no_page_logs_a_console_error(live_server, page):
    wc = make_workload_city()
    city = wc.city
    admin = make_staff(city.muni, Role.ADMINISTRATOR, city.window_org, display_name="管理 太郎")
    users = {
        Role.WINDOW_WORKER: city.window_worker,
        Role.COORDINATOR: city.coordinator,
        Role.AGENCY_WORKER: city.agency_worker,
        Role.AUDITOR: city.auditor,
        Role.MANAGER: city.manager,
        Role.ADMINISTRATOR: admin,
    }
    case = Case.objects.filter(municipality=city.muni, team__organization=city.agency_org).first()
    assert case is not None
    watch = ConsoleWatch(page)
    # The login and MFA pages themselves.
    watch.visit(page, f"{live_server.url}/accounts/login/")
    for role, user in users.items():
        login(page, live_server.url, user.username, PASSWORD)
        page.wait_for_load_state("networkidle")
        path, heading = LANDING[role]
        assert page.url == f"{live_server.url}{path}", (role, page.url)
        assert heading in page.locator("h1").first.inner_text(), (role, heading)
        screenshot(page, f"landing-{role}")
        for url in _pages(role, case):
            watch.visit(page, f"{live_server.url}{url}")
        if role == Role.WINDOW_WORKER:
            # htmx requests too: the person search answers as the worker types.
            page.goto(f"{live_server.url}/intake/new/")
            page.locator("input[type=search]").first.fill("テスト")
            page.wait_for_load_state("networkidle")
        if role == Role.MANAGER:
            page.goto(f"{live_server.url}/insights/overview/")
            screenshot(page, "insights-overview")
        page.goto(f"{live_server.url}/")
        with page.expect_navigation():
            page.click("text=ログアウト")
    assert watch.errors == []


def test_the_favicon_is_served_and_error_pages_look_right(live_server, page):
    watch = ConsoleWatch(page)
    watch.visit(page, f"{live_server.url}/accounts/login/")
    assert watch.errors == []
    assert page.locator("link[rel=icon]").get_attribute("href") == "/static/tsunagu/favicon.svg"
    for url in ("/favicon.ico", "/static/tsunagu/favicon.svg"):
        response = page.request.get(f"{live_server.url}{url}")
        assert response.status == 200 and response.headers["content-type"].startswith("image/"), url
    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "ページが見つかりません"
    screenshot(page, "error-404")
    # The 500 and CSRF pages, rendered by their handlers, shown on our origin so the stylesheet loads.
    request = RequestFactory().get("/")
    for name, response_ in (
        ("error-500", errors.server_error(request)),
        ("error-csrf", errors.csrf_failure(RequestFactory().post("/"))),
    ):
        page.goto(f"{live_server.url}/accounts/login/")
        page.set_content(response_.content.decode())
        page.wait_for_load_state("networkidle")
        assert page.locator("link[rel=stylesheet]").count() == 1
        screenshot(page, name)
