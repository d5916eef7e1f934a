"""`manage.py verify_audit`: walk the audit hash chain and report the first altered, inserted or deleted row."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tsunagu.access.audit import verify_chain


class Command(BaseCommand):
    help = "監査ログのハッシュチェーンを検証し、最初に改ざん・挿入・削除された行を報告します。"

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_chain()
        if result.ok:
            self.stdout.write(
                f"OK: 監査ログ {result.checked} 行を検証しました。末尾 通番={result.head_seq} hash={result.head_hash}"
            )
            return
        raise CommandError(
            f"監査ログの改ざんを検出しました: 通番 {result.first_bad_seq}: {result.problem}"
            f"（それより前の {result.checked} 行は正常）"
        )
