"""Lockout after repeated failures: same answer for known and unknown IDs; lifted after the cool-off."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tsunagu.accounts.forms import GENERIC_LOGIN_ERROR

from .factories import make_staff, totp_code

PASSWORD = "correct-horse-battery-staple"
pytestmark = pytest.mark.django_db


def _login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_known_user_is_locked_after_the_limit_and_unlocked_after_the_cooloff(client):
    user = make_staff(password=PASSWORD)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(settings.LOGIN_FAILURE_LIMIT):
            assert GENERIC_LOGIN_ERROR in _login(client, user.username, "wrong-password-x").content.decode()
        locked = _login(client, user.username, PASSWORD)
        assert locked.status_code == 200
        assert GENERIC_LOGIN_ERROR in locked.content.decode()
        assert "_auth_user_id" not in client.session
        traveller.shift(dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES - 1))
        assert "_auth_user_id" not in client.session
        assert _login(client, user.username, PASSWORD).status_code == 200  # still locked
        traveller.shift(dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES + 1))
        response = _login(client, user.username, PASSWORD)
        assert response.status_code == 302


def test_unknown_user_gets_exactly_the_same_answers(client):
    user = make_staff(password=PASSWORD)
    answers_known, answers_unknown = [], []
    for _ in range(settings.LOGIN_FAILURE_LIMIT + 1):
        answers_known.append(_login(client, user.username, "wrong-password-x"))
        answers_unknown.append(_login(client, "no-such-login", "wrong-password-x"))
    for k, u in zip(answers_known, answers_unknown, strict=True):
        assert k.status_code == u.status_code == 200
        assert GENERIC_LOGIN_ERROR in k.content.decode() and GENERIC_LOGIN_ERROR in u.content.decode()


def test_wrong_totp_codes_count_towards_the_lockout(client):
    user = make_staff(password=PASSWORD)
    _login(client, user.username, PASSWORD)
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        response = client.post(reverse("accounts:mfa_verify"), {"code": "000000"})
        assert response.status_code == 200
    # Locked now: even the right code is refused and the half-logged-in session ends.
    response = client.post(reverse("accounts:mfa_verify"), {"code": totp_code(user)})
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session
    assert _login(client, user.username, PASSWORD).status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_complete_login_clears_the_failure_count(client):
    user = make_staff(password=PASSWORD)
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        _login(client, user.username, "wrong-password-x")
    _login(client, user.username, PASSWORD)
    client.post(reverse("accounts:mfa_verify"), {"code": totp_code(user)})
    client.logout()
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        _login(client, user.username, "wrong-password-x")
    assert _login(client, user.username, PASSWORD).status_code == 302
