"""`manage.py demo_totp LOGIN_ID`: print the current TOTP code of a demo account (never in production)."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "デモ用: 職員の現在の確認コード（TOTP）を表示します。本番環境では使えません。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("本番環境（TSUNAGU_PRODUCTION=1）では使えません。")
        device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
        if device is None:
            raise CommandError(f"{username} には登録済みの認証アプリがありません。")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        remaining = device.step - int(totp.time - device.t0) % device.step
        self.stdout.write(f"{totp.token():0{device.digits}d}  （あと{remaining}秒有効）")
