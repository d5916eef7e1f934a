"""`manage.py verify_audit`: walk the audit hash chain and report the first altered, inserted or deleted row.

Also checks the signed chain head, the checkpoints outside the database (TSUNAGU_AUDIT_CHECKPOINT_FILE, or
the copies named with --checkpoints) and the append-only triggers. `--checkpoint` appends a new signed
checkpoint of the head after a successful verification: run `verify_audit --checkpoint` daily.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tsunagu.access import checkpoints
from tsunagu.access.audit import verify_chain


class Command(BaseCommand):
    help = (
        "監査ログのハッシュチェーン・末尾情報の署名・外部のチェックポイント・追記専用トリガーを検証し、"
        "最初に改ざん・挿入・削除された行を報告します。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint",
            action="store_true",
            help="検証に成功したら、末尾のチェックポイント（通番とハッシュ、署名付き）を外部のファイルに追記する（毎日実行）",
        )
        parser.add_argument(
            "--checkpoints",
            action="append",
            metavar="FILE",
            help="設定のファイルの代わりに照合するチェックポイントの写し（syslog から取り出したものなど。複数可）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        files = [Path(p) for p in options["checkpoints"]] if options["checkpoints"] else None
        result = verify_chain(checkpoint_files=files)
        if not result.ok:
            where = f"通番 {result.first_bad_seq}: " if result.first_bad_seq is not None else ""
            raise CommandError(
                f"監査ログの改ざんを検出しました: {where}{result.problem}（それより前の {result.checked} 行は正常）"
            )
        self.stdout.write(
            f"OK: 監査ログ {result.checked} 行を検証しました。末尾 通番={result.head_seq} hash={result.head_hash}"
        )
        latest = result.latest_checkpoint
        if latest is None:
            self.stdout.write("チェックポイント: まだありません（--checkpoint で作成します）")
        else:
            self.stdout.write(
                f"チェックポイント {result.checkpoints} 件と一致しました。最新: 通番 {latest.seq}（{latest.at}）"
            )
            age = timezone.now() - dt.datetime.fromisoformat(latest.at)
            if age > dt.timedelta(days=1) and not options["checkpoint"]:
                self.stdout.write(
                    "注意: 最新のチェックポイントが1日より古いです（毎日 --checkpoint を実行してください）"
                )
        if options["checkpoint"]:
            if checkpoints.configured_path() is None:
                raise CommandError(
                    "TSUNAGU_AUDIT_CHECKPOINT_FILE が空です: チェックポイントを書く先がありません"
                )
            try:
                written = checkpoints.write_checkpoint(result.head_seq, result.head_hash)
            except OSError as exc:
                raise CommandError(f"チェックポイントを書けませんでした: {exc}") from exc
            self.stdout.write(f"チェックポイントを追記しました: 通番 {written.seq}（{written.at}）")
