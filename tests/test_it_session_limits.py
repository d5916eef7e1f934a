"""Idle and absolute session limits (time travel), and sessions ending on disable or role change."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from tsunagu.accounts import actions
from tsunagu.accounts.models import Role

from .factories import make_personas, make_staff, totp_code

PASSWORD = "correct-horse-battery-staple"
pytestmark = pytest.mark.django_db


def _full_login(client, user):
    client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    response = client.post(reverse("accounts:mfa_verify"), {"code": totp_code(user)})
    assert response.status_code == 302
    assert client.get(reverse("directory:home")).status_code == 200


def _is_logged_out(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_idle_timeout_is_15_minutes(client):
    user = make_staff(password=PASSWORD)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _full_login(client, user)
        traveller.shift(dt.timedelta(minutes=14))
        assert client.get(reverse("directory:home")).status_code == 200  # activity resets the idle clock
        traveller.shift(dt.timedelta(minutes=14))
        assert client.get(reverse("directory:home")).status_code == 200
        traveller.shift(dt.timedelta(minutes=16))
        assert _is_logged_out(client.get(reverse("directory:home")))
        assert _is_logged_out(client.get(reverse("directory:home")))  # and it stays ended


def test_absolute_timeout_is_12_hours_even_with_activity(client):
    user = make_staff(password=PASSWORD)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _full_login(client, user)
        for _ in range(71):  # 71 × 10 min = 11 h 50 min
            traveller.shift(dt.timedelta(minutes=10))
            assert client.get(reverse("directory:home")).status_code == 200
        traveller.shift(dt.timedelta(minutes=11))
        assert _is_logged_out(client.get(reverse("directory:home")))


@override_settings(SESSION_IDLE_TIMEOUT=5 * 60)
def test_the_idle_limit_follows_the_installation_setting(client):
    user = make_staff(password=PASSWORD)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _full_login(client, user)
        traveller.shift(dt.timedelta(minutes=6))
        assert _is_logged_out(client.get(reverse("directory:home")))


def test_session_cookie_never_outlives_the_absolute_limit(settings):
    assert settings.SESSION_COOKIE_AGE <= settings.SESSION_ABSOLUTE_TIMEOUT
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


@pytest.mark.parametrize("change", ["disable", "role", "organization", "mfa_reset"])
def test_every_session_ends_when_the_account_is_disabled_or_changed(change):
    p = make_personas()
    user = p.window_worker
    first, second = Client(), Client()
    for c in (first, second):
        c.force_login(user)
        assert c.get(reverse("directory:home")).status_code == 200
    if change == "disable":
        actions.set_staff_active(actor=p.administrator, staff=user, active=False)
    elif change == "role":
        actions.assign(
            actor=p.administrator,
            staff=user,
            organization=user.organization,
            role=Role.COORDINATOR,
            version=1,
        )
    elif change == "organization":
        actions.assign(actor=p.administrator, staff=user, organization=p.agency_a, role=user.role, version=1)
    else:
        actions.reset_mfa(actor=p.administrator, staff=user)
    for c in (first, second):
        assert _is_logged_out(c.get(reverse("directory:home")))
