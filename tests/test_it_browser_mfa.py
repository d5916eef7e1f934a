"""Browser: a new staff member enrols TOTP, keeps recovery codes, logs out and in again with a code;
an auditor opens the audit screens. Screenshots are kept under test-artifacts/."""

from __future__ import annotations

import base64
import time

import pytest
from django_otp.oath import TOTP

from tests.browser import login
from tests.conftest import screenshot

from .factories import make_household, make_person, make_personas, make_staff

PASSWORD = "correct-horse-battery-staple"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _code(secret: str, steps_ahead: int = 0) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key)
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"


def test_new_staff_enrols_totp_and_logs_in_with_it(live_server, page):
    p = make_personas()
    user = make_staff(p.city_a, "window_worker", p.org_a, username="a-new", password=PASSWORD, mfa=False)
    page.goto(f"{live_server.url}/accounts/login/")
    screenshot(page, "security-login")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    assert "/accounts/mfa/setup/" in page.url
    assert page.locator(".mfa-qr svg").count() == 1
    screenshot(page, "security-mfa-setup")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.fill("#id_code", _code(secret))
    with page.expect_navigation():
        page.click("#mfa-submit")
    assert "/accounts/mfa/recovery-codes/" in page.url
    assert page.locator("#recovery-codes li").count() == 10
    screenshot(page, "security-recovery-codes")
    with page.expect_navigation():
        page.click("text=控えました")
    assert "/intake/new/" in page.url  # a window worker lands on 相談受付

    # Log out, then in again: password, then a code from the authenticator.
    with page.expect_navigation():
        page.click("header button:has-text('ログアウト')")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    assert "/accounts/mfa/" in page.url
    screenshot(page, "security-mfa-verify")
    page.fill("#id_code", "123456" if _code(secret, 1) != "123456" else "654321")
    with page.expect_navigation():
        page.click("#mfa-submit")
    assert page.locator("[role=alert]").count() == 1  # wrong code refused
    page.fill("#id_code", _code(secret, 1))  # the next step: the first one was used at enrolment
    with page.expect_navigation():
        page.click("#mfa-submit")
    assert "/intake/new/" in page.url

    page.goto(f"{live_server.url}/accounts/security/")
    screenshot(page, "security-settings")
    page.goto(f"{live_server.url}/access/break-glass/")
    screenshot(page, "security-break-glass")


def test_auditor_screens(live_server, page):
    from tsunagu.access import actions, audit

    p = make_personas()
    person = make_person(p.city_a)
    household = make_household(p.city_a, (person, "head"))
    for _ in range(3):
        audit.record(
            actor=p.window_worker, action="view", objects=[("household", household.pk), ("person", person.pk)]
        )
    actions.request_break_glass(
        actor=p.agency_worker,
        obj_type="household",
        obj_id=household.pk,
        reason="夜間に本人と連絡がとれず、安否確認のため世帯の状況を確認する",
    )
    login(page, live_server.url, p.auditor.username, PASSWORD)
    page.goto(f"{live_server.url}/access/audit/")
    assert page.locator("table.audit tbody tr").count() >= 4
    screenshot(page, "security-audit-log")
    page.goto(f"{live_server.url}/access/audit/alerts/")
    screenshot(page, "security-alerts")
    page.goto(f"{live_server.url}/access/break-glass/review/")
    assert "安否確認" in page.content()
    screenshot(page, "security-break-glass-review")


def test_administrator_staff_screen(live_server, page):
    p = make_personas()
    login(page, live_server.url, p.administrator.username, PASSWORD)
    page.goto(f"{live_server.url}/accounts/staff/")
    screenshot(page, "security-staff-list")
    assert page.locator("text=a-window").count() >= 1
