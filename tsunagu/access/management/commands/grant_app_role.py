"""`manage.py grant_app_role ROLE`: PostgreSQL — the web server's role may only INSERT into the audit log.

Run as the owner of the tables (the role that runs `migrate`), after creating the application's login role.
With TSUNAGU_DATABASE_APP_ROLE set, `migrate` does this by itself after every run.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.access.dbroles import RoleError, grant_app_role


class Command(BaseCommand):
    help = (
        "PostgreSQL: アプリケーションのロールに全表の読み書きを許し、監査ログ（access_auditevent）には"
        "追加（INSERT）だけを許します。migrate を実行する所有者のロールで実行してください。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="Web サーバーが接続に使うロール（例: tsunagu_app）")
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            privileges = grant_app_role(options["role"], options["database"])
        except RoleError as exc:
            raise CommandError(str(exc)) from exc
        if not privileges.insert_only:
            raise CommandError(
                f"ロール {options['role']} の監査ログへの権限が想定と違います: {privileges}"
                "（ロールが表の所有者か、所有者の権限を継承していないか確かめてください）"
            )
        self.stdout.write(
            f"OK: ロール {options['role']} は監査ログに追加だけができます（UPDATE・DELETE・TRUNCATE はできません）。"
        )
