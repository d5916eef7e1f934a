"""`python manage.py citus_ddl`: print the SQL that turns this migrated database into a Citus one.

Read-only: it only prints. Run the output in one transaction on a Citus coordinator whose database
holds a migrated Tsunagu schema (docs/scaling.md). `--keys-only` prints the part plain PostgreSQL runs
(primary and foreign keys that include municipality_id), which the test suite applies.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from tsunagu.core import distribution


class Command(BaseCommand):
    help = "Citus（municipality_id で分散）へ移すための SQL を表示します（実行はしません）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--keys-only",
            action="store_true",
            help="素の PostgreSQL でも実行できる主キー・外部キーの変更だけ",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "PostgreSQL のデータベースに接続して実行してください（Citus は PostgreSQL の拡張です）。"
            )
        gaps = distribution.unexpected_problems()
        if gaps:
            lines = "\n".join(f"  {p.label}: {p.message}" for p in gaps)
            raise CommandError(f"分散の規則に合わない表があります:\n{lines}")
        with connection.cursor() as cursor:
            statements = (
                distribution.composite_key_ddl(cursor)
                if options["keys_only"]
                else distribution.citus_ddl(cursor)
            )
        self.stdout.write("BEGIN;")
        for sql in statements:
            self.stdout.write(sql + ";")
        self.stdout.write("COMMIT;")
        for problem in distribution.problems():
            self.stdout.write(f"-- not distributed yet: {problem.label}: {problem.message}")
