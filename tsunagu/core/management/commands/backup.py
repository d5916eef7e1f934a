"""`manage.py backup [--output FILE | --dir DIR]`: an encrypted, integrity-checked copy of the database.

See tsunagu/core/backup.py for the format and docs/operations.md for the routine (key, schedule, drill).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from tsunagu.core.backup import (
    BackupError,
    Header,
    encrypt_file,
    engine_of,
    generate_key,
    load_key,
    pg_dump,
    private_dir,
    sha256_of,
    sqlite_dump,
)


class Command(BaseCommand):
    help = "データベース全体を暗号化してバックアップします（鍵は環境変数 TSUNAGU_BACKUP_KEY）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", help="書き出すファイル（既定: --dir の下に日時入りの名前で）")
        parser.add_argument(
            "--dir",
            default=str(Path(settings.BASE_DIR) / "var" / "backups"),
            help="書き出す場所（既定 var/backups）",
        )
        parser.add_argument(
            "--generate-key", action="store_true", help="新しい鍵を表示するだけ（何も書き出さない）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["generate_key"]:
            self.stdout.write(generate_key())
            return
        try:
            key = load_key()
            engine = engine_of(connection.settings_dict)
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            out = Path(options["output"] or Path(options["dir"]) / f"tsunagu-{engine}-{stamp}.tsgbk")
            out.parent.mkdir(parents=True, exist_ok=True)
            with private_dir() as tmp:
                plain = tmp / "payload"
                if engine == "sqlite":
                    connection.ensure_connection()
                    tables = sqlite_dump(connection.connection, plain)
                else:
                    tables = pg_dump(connection.settings_dict, plain)
                header = Header(
                    engine=engine,
                    payload_sha256=sha256_of(plain),
                    payload_bytes=plain.stat().st_size,
                    tables=tables,
                    database=str(connection.settings_dict["NAME"]).rsplit("/", 1)[-1],
                )
                partial = out.with_name(out.name + ".part")
                fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "wb") as f:
                    encrypt_file(plain, f, header, key)
                    f.flush()
                    os.fsync(f.fileno())
                partial.replace(out)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(tables.values())
        self.stdout.write(
            f"バックアップを作成しました: {out}（{out.stat().st_size:,} バイト、{len(tables)} 表・{rows:,} 行、"
            f"{engine}、鍵の識別子 {header.key_id}）"
        )
