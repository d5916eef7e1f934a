"""`python manage.py load_profile FILE [FILE ...]`: validate and load municipality profiles."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.directory.profiles import ProfileError, load_profile


class Command(BaseCommand):
    help = "自治体プロファイル（TOML）を検証して読み込みます。誤りがあれば何も変更しません。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", help="profiles/*.toml")

    def handle(self, *args: Any, **options: Any) -> None:
        failed = False
        for name in options["files"]:
            try:
                report = load_profile(name)
            except ProfileError as exc:
                self.stderr.write(exc.render())
                failed = True
                continue
            self.stdout.write(report.summary() if report.changed else f"{report.municipality}: 変更なし")
        if failed:
            raise CommandError("読み込めなかったプロファイルがあります（上の誤りを直してください）")
