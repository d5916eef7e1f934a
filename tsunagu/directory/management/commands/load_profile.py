"""`python manage.py load_profile FILE [FILE ...]`: validate and load municipality profiles."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.directory.profiles import ProfileError, load_profile


class Command(BaseCommand):
    help = "自治体プロファイル（TOML）を検証して読み込みます。誤りがあれば何も変更しません。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", help="profiles/*.toml")
        parser.add_argument(
            "--rename",
            action="store_true",
            help="団体コードが同じで名称の違う自治体を、このファイルの名称に変更してよい（合併・市制施行など）",
        )
        parser.add_argument(
            "--confirm",
            action="store_true",
            help="職員が所属している機関をファイルから消して無効にしてよい（確かめたうえで）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        failed = False
        for name in options["files"]:
            try:
                report = load_profile(name, rename=options["rename"], confirm=options["confirm"])
            except ProfileError as exc:
                self.stderr.write(exc.render())
                failed = True
                continue
            self.stdout.write(report.summary() if report.changed else f"{report.municipality}: 変更なし")
        if failed:
            raise CommandError("読み込めなかったプロファイルがあります（上の誤りを直してください）")
