"""Demo accounts and MFA: `setup_demo` calls `prepare_demo_user(user)` for each demo login it creates.

Demo users get a confirmed TOTP device whose secret is printed, so a person can add it to any
authenticator app (or run `python manage.py demo_totp LOGIN_ID` to see the current code). The device is
kept across runs of `make demo`, so an authenticator entry made once keeps working.
"""

from __future__ import annotations

import base64

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Staff

DEMO_DEVICE_NAME = "demo"


def demo_secret(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def prepare_demo_user(user: Staff) -> str:
    """Make a demo login usable: a confirmed TOTP device (kept if it exists) and no forced password
    change. Returns one line to print. Refuses in production."""
    if getattr(settings, "PRODUCTION", False):
        raise RuntimeError("demo accounts are not prepared in production")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEMO_DEVICE_NAME, confirmed=True)
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    return (
        f"{user.username}: 認証アプリの秘密鍵 {demo_secret(device)}"
        f"（または python manage.py demo_totp {user.username} で現在の確認コードを表示）"
    )
