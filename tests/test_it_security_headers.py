"""Headers on every route, and `manage.py check --deploy` clean with production settings."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tsunagu.access.permissions import iter_url_patterns

from .factories import make_personas

ROOT = Path(__file__).resolve().parent.parent


def _sample_url(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?\w+>", "1", route)


def _assert_headers(response, url):
    csp = response.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp, url
    assert response.get("Cache-Control") == "no-store", url
    assert response.get("X-Frame-Options") == "DENY", url
    assert response.get("X-Content-Type-Options") == "nosniff", url
    assert response.get("Referrer-Policy") == "same-origin", url


@pytest.mark.django_db
def test_every_route_sends_csp_and_no_store_to_every_role(client):
    p = make_personas()
    routes = [
        _sample_url(route)
        for route, view_name, _ in iter_url_patterns()
        if not view_name.startswith("admin:")
    ]
    for user in [p.window_worker, p.auditor, p.administrator, p.agency_worker]:
        client.force_login(user)
        for url in routes:
            _assert_headers(client.get(url), url)
        client.logout()
    for url in routes:  # anonymous too (the login page)
        _assert_headers(client.get(url), url)


@pytest.mark.django_db
def test_admin_pages_get_the_headers_too(client):
    p = make_personas()
    client.force_login(p.administrator)
    _assert_headers(client.get("/admin/"), "/admin/")


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "TSUNAGU_PRODUCTION": "1",
        "TSUNAGU_DEBUG": "0",
        "TSUNAGU_SECRET_KEY": "x7Kp2-" + "Qw9zR4tY8uI0oP3aS6dF1gH5jK7lZ2xC9vB4nM8qW0eR3tY6uI1oP",
        "TSUNAGU_AUDIT_KEY": "audit-key-" + "9f8e7d6c5b4a3210fedcba9876543210",
        "TSUNAGU_ALLOWED_HOSTS": "tsunagu.example.lg.jp",
        "TSUNAGU_VAR_DIR": str(tmp_path),
    }
    env.pop("TSUNAGU_DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser fixture for Playwright, not production
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_set_secure_cookies_and_hsts(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_HTTPONLY,"
        " s.SESSION_COOKIE_NAME)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tsunagu.settings",
        "TSUNAGU_PRODUCTION": "1",
        "TSUNAGU_SECRET_KEY": "y" * 60,
        "TSUNAGU_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", "import django; django.setup();" + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["True", "True", "31536000", "True", "__Host-tsunagu-session"], (
        result.stderr
    )
