"""`manage.py apply_retention [--municipality CODE] [--dry-run] [--today YYYY-MM-DD]`.

Deletes closed cases and closed consultations past the city's retention period, then the households and
persons nothing points at any more, anonymising those that must stay (tsunagu/cases/retention.py,
docs/operations.md). `--dry-run` runs the same and rolls it back: it prints the counts per kind and the ids
and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date

from tsunagu.cases import retention
from tsunagu.municipalities.models import Municipality


class Command(BaseCommand):
    help = "保存期間を過ぎた終結ケースと終了した相談を削除します（--dry-run で一覧のみ）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--municipality", help="団体コード（省略時はすべての自治体）")
        parser.add_argument("--dry-run", action="store_true", help="削除せず、削除する記録の件数とIDを表示")
        parser.add_argument("--today", help="基準日 YYYY-MM-DD（省略時は今日）")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        if options["today"]:
            try:
                parsed = parse_date(options["today"])
            except ValueError:
                parsed = None
            if parsed is None:
                raise CommandError(f"--today は YYYY-MM-DD の日付で指定してください: {options['today']}")
            today = parsed
        munis = Municipality.objects.order_by("code")
        if options["municipality"]:
            munis = munis.filter(code=options["municipality"])
            if not munis.exists():
                raise CommandError(f"団体コード {options['municipality']} の自治体はありません")
        for muni in munis:
            p = retention.apply(muni, today, dry_run=options["dry_run"])
            self.stdout.write("【試行・変更なし】" if options["dry_run"] else "【削除しました】")
            self.stdout.write("\n".join(p.describe()))
