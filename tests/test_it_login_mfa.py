"""Login: password then TOTP; MFA cannot be skipped; enrolment, recovery codes, forced password change."""

from __future__ import annotations

import base64
import re
import time

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice

from tsunagu.access.models import AuditAction, AuditEvent
from tsunagu.access.permissions import iter_url_patterns
from tsunagu.accounts.forms import GENERIC_LOGIN_ERROR

from .factories import make_staff, totp_code

PASSWORD = "correct-horse-battery-staple"
pytestmark = pytest.mark.django_db


def _password_step(client, user, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": user.username, "password": password})


def _sample_url(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?\w+>", "1", route)


def test_password_alone_reaches_no_page_but_the_mfa_step(client):
    user = make_staff(password=PASSWORD)
    response = _password_step(client, user)
    assert response.status_code == 302
    checked = 0
    for route, view_name, _pattern in iter_url_patterns():
        if view_name.split(":")[0] in {"accounts"} and view_name in {
            "accounts:login",
            "accounts:logout",
            "accounts:mfa_verify",
            "accounts:mfa_setup",
        }:
            continue
        if view_name in {"root", "admin_login_redirect"}:
            continue
        response = client.get(_sample_url(route))
        assert response.status_code in (302, 403), route
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("accounts:mfa_verify")), route
        checked += 1
    assert checked > 10
    # POSTs are stopped too.
    response = client.post(reverse("accounts:staff_reset_mfa", args=[user.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:mfa_verify"))


def test_wrong_code_is_refused_and_right_code_opens_the_app(client):
    user = make_staff(password=PASSWORD)
    _password_step(client, user)
    response = client.post(reverse("accounts:mfa_verify"), {"code": "000000"})
    assert response.status_code == 200
    assert "確認コードが正しくありません" in response.content.decode()
    assert client.get(reverse("directory:home")).status_code == 302
    response = client.post(reverse("accounts:mfa_verify"), {"code": totp_code(user), "next": "/directory/"})
    assert response.status_code == 302 and response["Location"] == "/directory/"
    assert client.get(reverse("directory:home")).status_code == 200
    assert AuditEvent.objects.filter(actor=user, action=AuditAction.LOGIN).count() == 1
    assert AuditEvent.objects.filter(actor=user, action=AuditAction.MFA_FAILED).count() == 1


def test_a_used_code_cannot_be_replayed(client, django_user_model):
    user = make_staff(password=PASSWORD)
    code = totp_code(user)
    _password_step(client, user)
    assert client.post(reverse("accounts:mfa_verify"), {"code": code}).status_code == 302
    client.logout()
    _password_step(client, user)
    response = client.post(reverse("accounts:mfa_verify"), {"code": code})
    assert response.status_code == 200  # refused: same time step as the last accepted code


def test_session_key_rotates_at_login_and_at_mfa(client):
    user = make_staff(password=PASSWORD)
    client.get(reverse("accounts:login"))
    client.session.save()
    before = client.session.session_key
    _password_step(client, user)
    after_password = client.session.session_key
    client.post(reverse("accounts:mfa_verify"), {"code": totp_code(user)})
    after_mfa = client.session.session_key
    assert len({before, after_password, after_mfa}) == 3


def test_unknown_user_and_wrong_password_get_the_same_answer(client):
    user = make_staff(password=PASSWORD)
    wrong = client.post(
        reverse("accounts:login"), {"username": user.username, "password": "not-the-password!"}
    )
    unknown = client.post(
        reverse("accounts:login"), {"username": "nobody-here", "password": "not-the-password!"}
    )
    assert wrong.status_code == unknown.status_code == 200
    for response in (wrong, unknown):
        assert GENERIC_LOGIN_ERROR in response.content.decode()

    def strip(r):  # csrf tokens and the echoed username differ
        return re.sub(r'"X-CSRFToken": "[^"]*"', "", re.sub(r'value="[^"]*"', "", r.content.decode()))

    assert strip(wrong) == strip(unknown)


def _secret_from_page(html: str) -> str:
    match = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html)
    assert match, "secret not shown"
    return match.group(1).replace(" ", "")


def _code_for_secret(secret: str, offset_steps: int = 0) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key)
    totp.time = time.time() + offset_steps * 30
    return f"{totp.token():06d}"


def test_first_login_enrols_totp_and_issues_recovery_codes(client):
    user = make_staff(password=PASSWORD, mfa=False)
    response = _password_step(client, user)
    response = client.get(response["Location"])
    assert response["Location"].startswith(reverse("accounts:mfa_setup"))
    page = client.get(reverse("accounts:mfa_setup"))
    html = page.content.decode()
    assert "<svg" in html and "多要素認証の登録" in html
    secret = _secret_from_page(html)
    assert client.get(reverse("directory:home")).status_code == 302  # still not in
    response = client.post(reverse("accounts:mfa_setup"), {"code": _code_for_secret(secret)})
    assert response["Location"] == reverse("accounts:recovery_codes")
    codes_page = client.get(reverse("accounts:recovery_codes")).content.decode()
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", codes_page)
    assert len(codes) == 10
    # Shown once only.
    assert codes[0] not in client.get(reverse("accounts:recovery_codes")).content.decode()
    assert client.get(reverse("directory:home")).status_code == 200
    assert AuditEvent.objects.filter(actor=user, action=AuditAction.MFA_ENROLLED).exists()

    # A recovery code works once instead of the authenticator.
    client.logout()
    _password_step(client, user)
    assert client.post(reverse("accounts:mfa_verify"), {"code": codes[0]}).status_code == 302
    client.logout()
    _password_step(client, user)
    assert client.post(reverse("accounts:mfa_verify"), {"code": codes[0]}).status_code == 200
    assert StaticDevice.objects.get(user=user).token_set.count() == 9


def test_initial_password_must_be_changed_before_anything_else(client):
    user = make_staff(password=PASSWORD, must_change_password=True)
    _password_step(client, user)
    client.post(reverse("accounts:mfa_verify"), {"code": totp_code(user)})
    response = client.get(reverse("directory:home"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_change")
    url = reverse("accounts:password_change")
    for weak in ("short-pass", "123456789012345", "password12345", "tsunagu-2026-mitaka"):
        response = client.post(url, {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak})
        assert response.status_code == 200, weak
        assert "errorlist" in response.content.decode(), weak
    good = "ひだまりの坂を上る朝 river 7"
    response = client.post(url, {"old_password": PASSWORD, "new_password1": good, "new_password2": good})
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password and user.password_changed_at is not None
    assert client.get(reverse("directory:home")).status_code == 200  # this session survives the change
