"""Each role lands on its own work after login and at `/` (A6); a safe `next` wins, an unsafe one is ignored."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_personas, totp_code
from tsunagu.access import permissions
from tsunagu.accounts.landing import landing_url

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"

EXPECTED = {
    "window_worker": "/intake/new/",
    "coordinator": "/cases/dashboard/",
    "agency_worker": "/cases/",
    "auditor": "/access/audit/",
    "manager": "/insights/overview/",
    "administrator": "/accounts/staff/",
}


@pytest.fixture
def p():
    return make_personas()


def _login(client, user, next_url: str = "") -> str:
    """Password and TOTP through the real forms; returns where the browser ends up (before following)."""
    login_url = reverse("accounts:login") + (f"?next={next_url}" if next_url else "")
    data = {"username": user.username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    response = client.post(login_url, data, follow=True)
    assert response.status_code == 200
    mfa_url = response.redirect_chain[-1][0]
    assert mfa_url.startswith("/accounts/mfa/"), mfa_url
    response = client.post(mfa_url, {"code": totp_code(user)})
    assert response.status_code == 302
    location = response["Location"]
    if location == "/":
        location = client.get("/")["Location"]
    return location


def test_each_role_lands_on_its_own_work_after_login(client, p):
    by_role = {u.role: u for u in p.all_a()}
    for role, url in EXPECTED.items():
        assert _login(client, by_role[role]) == url, role
        page = client.get(url)
        assert page.status_code == 200, (role, url)
        client.post(reverse("accounts:logout"))


def test_the_root_url_sends_a_logged_in_user_to_their_work(client, p):
    assert client.get("/")["Location"] == "/accounts/login/"
    for user in p.all_a():
        client.force_login(user)
        response = client.get("/")
        assert response.status_code == 302 and response["Location"] == EXPECTED[user.role], user.role
        client.logout()


def test_a_safe_next_wins_and_an_unsafe_one_is_ignored(client, p):
    assert _login(client, p.coordinator, "/directory/structure/") == "/directory/structure/"
    client.post(reverse("accounts:logout"))
    for unsafe in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        assert _login(client, p.coordinator, unsafe) == "/cases/dashboard/", unsafe
        client.post(reverse("accounts:logout"))


def test_a_landing_page_the_role_may_not_open_falls_back_to_the_directory(p, monkeypatch):
    monkeypatch.setitem(permissions.PERMISSIONS, "insights.overview", frozenset({"auditor"}))
    assert landing_url(p.manager) == "/directory/"
    monkeypatch.setitem(permissions.PERMISSIONS, "staff.manage", frozenset())
    assert landing_url(p.administrator) == "/directory/"
