"""`manage.py verify_audit`: walk every audit hash chain (one per municipality, and the system chain) and
report the first altered, inserted or deleted row of each.

Also checks each chain's signed head, the checkpoints outside the database (TSUNAGU_AUDIT_CHECKPOINT_FILE,
or the copies named with --checkpoints), the object index and the append-only triggers. `--municipality N`
verifies one city's chain only. `--checkpoint` appends a new signed checkpoint of every verified head after
a successful verification: run `verify_audit --checkpoint` daily. A broken chain does not stop the others
from being verified (and checkpointed): each city's result stands on its own.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tsunagu.access import checkpoints
from tsunagu.access.audit import VerifyResult, verify_all


class Command(BaseCommand):
    help = (
        "監査ログのハッシュチェーン（自治体ごと・システム）・末尾情報の署名・外部のチェックポイント・"
        "対象索引・追記専用トリガーを検証し、チェーンごとに最初に改ざん・挿入・削除された行を報告します。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint",
            action="store_true",
            help="検証に成功したチェーンの末尾のチェックポイント（通番とハッシュ、署名付き）を外部のファイルに追記する（毎日実行）",
        )
        parser.add_argument(
            "--checkpoints",
            action="append",
            metavar="FILE",
            help="設定のファイルの代わりに照合するチェックポイントの写し（syslog から取り出したものなど。複数可）",
        )
        parser.add_argument(
            "--municipality", type=int, metavar="ID", help="この自治体（ID）のチェーンだけを検証する"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        files = [Path(p) for p in options["checkpoints"]] if options["checkpoints"] else None
        if options["checkpoint"] and checkpoints.configured_path() is None:
            raise CommandError("TSUNAGU_AUDIT_CHECKPOINT_FILE が空です: チェックポイントを書く先がありません")
        municipality = options["municipality"]
        if municipality is not None and municipality <= 0:
            raise CommandError("--municipality には自治体のID（1以上の整数）を指定してください")
        results = verify_all(checkpoint_files=files, municipality_id=municipality)
        if not results:
            self.stdout.write("監査ログはまだありません")
        failures = []
        for result in results:
            if result.ok:
                self._report_ok(result, options["checkpoint"])
            else:
                where = f"通番 {result.first_bad_seq}: " if result.first_bad_seq is not None else ""
                failures.append(
                    f"[{result.label}] 監査ログの改ざんを検出しました: {where}{result.problem}"
                    f"（それより前の {result.checked} 行は正常）"
                )
        if failures:
            raise CommandError("\n".join(failures))

    def _report_ok(self, result: VerifyResult, write: bool) -> None:
        self.stdout.write(
            f"OK [{result.label}]: 監査ログ {result.checked} 行を検証しました。"
            f"末尾 通番={result.head_seq} hash={result.head_hash}"
        )
        latest = result.latest_checkpoint
        if latest is None:
            self.stdout.write("  チェックポイント: まだありません（--checkpoint で作成します）")
        else:
            self.stdout.write(
                f"  チェックポイント {result.checkpoints} 件と一致しました。最新: 通番 {latest.seq}（{latest.at}）"
            )
            age = timezone.now() - dt.datetime.fromisoformat(latest.at)
            if age > dt.timedelta(days=1) and not write:
                self.stdout.write(
                    "  注意: 最新のチェックポイントが1日より古いです（毎日 --checkpoint を実行してください）"
                )
        if write:
            try:
                written = checkpoints.write_checkpoint(result.head_seq, result.head_hash, chain=result.chain)
            except OSError as exc:
                raise CommandError(f"チェックポイントを書けませんでした: {exc}") from exc
            self.stdout.write(f"  チェックポイントを追記しました: 通番 {written.seq}（{written.at}）")
