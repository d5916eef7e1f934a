"""`manage.py restore FILE`: verify a backup and put it back (`--check` verifies only).

Everything is decrypted and verified before the database is touched; after a restore the row count of
every table is compared with the backup's header, and `verify_audit` walks the audit chain.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from tsunagu.core.backup import (
    BackupError,
    compare_counts,
    decrypt_file,
    engine_of,
    load_key,
    pg_counts,
    pg_is_empty,
    pg_load,
    private_dir,
    sqlite_load,
    sqlite_tables,
)


class Command(BaseCommand):
    help = "暗号化バックアップを検証し、データベースに復元します（--check は検証だけ）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="manage.py backup が作ったファイル")
        parser.add_argument(
            "--check", action="store_true", help="復号と完全性の検証だけを行い、何も変更しない"
        )
        parser.add_argument(
            "--to",
            dest="target",
            help="復元先のデータベース URL（既定: 設定中のデータベース）。例 postgres://…/scratch, sqlite:///path",
        )
        parser.add_argument(
            "--yes",
            action="store_true",
            help="復元先の既存のデータを置き換えてよい（設定中のデータベースでは必須）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            key = load_key()
            with private_dir() as tmp:
                plain = tmp / "payload"
                try:
                    with path.open("rb") as src, plain.open("wb") as out:
                        header = decrypt_file(src, out, key)
                except OSError as exc:
                    raise BackupError(f"{path} を読めません（{exc.strerror}）") from None
                rows = sum(header.tables.values())
                summary = f"{header.engine}、{header.created_at} 作成、{len(header.tables)} 表・{rows:,} 行"
                if options["check"]:
                    self.stdout.write(
                        f"OK: {path} の暗号と完全性を確認しました（{summary}）。何も変更していません。"
                    )
                    return
                found = self.restore(plain, header.engine, options["target"], yes=options["yes"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        problems = compare_counts(header.tables, found)
        if problems:
            raise CommandError("復元後の行数がバックアップと合いません:\n  " + "\n  ".join(problems))
        self.stdout.write(
            f"復元しました: {path}（{summary}）。すべての表の行数がバックアップと一致しました。"
        )
        if options["target"] is None and "verify_audit" in get_commands():
            call_command("verify_audit", stdout=self.stdout, stderr=self.stderr)
        elif options["target"] is not None:
            self.stdout.write(
                "監査ログは復元先で確かめてください: TSUNAGU_DATABASE_URL=<復元先> manage.py verify_audit"
            )

    def restore(self, plain: Path, engine: str, target_url: str | None, *, yes: bool) -> dict[str, int]:
        settings_dict: dict[str, Any] = (
            dict(connection.settings_dict) if target_url is None else dict(dj_database_url.parse(target_url))
        )
        if engine_of(settings_dict) != engine:
            raise BackupError(
                f"このバックアップは {engine} のものです。復元先は {engine_of(settings_dict)} です（同じ種類にしか戻せません）"
            )
        if target_url is None and not yes:
            raise BackupError(
                "設定中のデータベースを置き換えます。サーバーを止め、よければ --yes を付けて実行してください"
            )
        if engine == "sqlite":
            return self.restore_sqlite(plain, target_url, settings_dict, yes=yes)
        if not yes and not pg_is_empty(settings_dict):
            raise BackupError(
                f"復元先 {settings_dict['NAME']} は空ではありません。置き換えるなら --yes を付けてください"
            )
        pg_load(plain, settings_dict, clean=yes)
        return pg_counts(settings_dict)

    def restore_sqlite(
        self, plain: Path, target_url: str | None, settings_dict: dict[str, Any], *, yes: bool
    ) -> dict[str, int]:
        import sqlite3

        if target_url is None:
            if connection.in_atomic_block:
                raise BackupError("トランザクションの中では復元できません")
            connection.ensure_connection()
            sqlite_load(plain, connection.connection)
            return sqlite_tables(connection.connection)
        name = str(settings_dict["NAME"])
        if os.path.exists(name) and os.path.getsize(name) and not yes:
            raise BackupError(f"復元先 {name} は空ではありません。置き換えるなら --yes を付けてください")
        with sqlite3.connect(name) as target:
            sqlite_load(plain, target)
            return sqlite_tables(target)
