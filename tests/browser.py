"""Browser helpers shared by every Playwright test. All browser tests log in through `login`, so that
the login flow (MFA later) changes in one place."""

from __future__ import annotations

import re
from typing import Any


def login(page: Any, live_server_url: str, username: str, password: str) -> None:
    """Open the login page, fill the form, complete the TOTP step (test users made by
    tests.factories.make_staff have a device with a known key) and wait for the first page after login."""
    from tests.factories import totp_code

    page.goto(f"{live_server_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    if "/accounts/login/" in page.url:
        raise AssertionError(f"login failed for {username!r}: still on {page.url}")
    if "/accounts/mfa/setup/" in page.url:
        raise AssertionError(f"{username!r} has no TOTP device: create it with make_staff(..., mfa=True)")
    if "/accounts/mfa/" in page.url:
        page.fill("#id_code", totp_code(username))
        with page.expect_navigation():
            page.click("#mfa-submit")
        if "/accounts/mfa/" in page.url:
            raise AssertionError(f"MFA failed for {username!r}: still on {page.url}")


def nav_link(page: Any, label: str) -> Any:
    """The main-menu link `label`, made visible: when it sits in a closed group (a `<details>` of the
    menu), the group's summary is clicked first, as a user would. The group is found by a locator
    relative to it (`a`): a `has=` locator is matched inside the group, so one starting from
    `.global-nav` would never match there."""
    exact = re.compile(f"^{re.escape(label)}$")
    link = page.locator(".global-nav a").filter(has_text=exact).first
    if not link.is_visible():
        page.locator(".global-nav details").filter(has=page.locator("a").filter(has_text=exact)).locator(
            "summary"
        ).click()
        link.wait_for(state="visible")
    return link
