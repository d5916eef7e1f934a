"""Browser helpers shared by every Playwright test. All browser tests log in through `login`, so that
the login flow (MFA later) changes in one place."""

from __future__ import annotations

from typing import Any


def login(page: Any, live_server_url: str, username: str, password: str) -> None:
    """Open the login page, fill the form and wait until the first page after login has loaded."""
    page.goto(f"{live_server_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    if "/accounts/login/" in page.url:
        raise AssertionError(f"login failed for {username!r}: still on {page.url}")
