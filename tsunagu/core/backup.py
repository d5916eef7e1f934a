"""Encrypted, integrity-checked backups of the whole database (`manage.py backup` / `manage.py restore`).

- SQLite: a consistent copy through SQLite's online backup API (the server may keep running).
- PostgreSQL: `pg_dump --format=custom` inside an exported REPEATABLE READ snapshot, so the row counts
  written into the header are those of the dump; restored with `pg_restore`. The client tools come with
  the PostgreSQL client package of the server machine (same major version as the server or newer).

The file is encrypted at rest with AES-256-GCM under the key in TSUNAGU_BACKUP_KEY, in chunks of 1 MiB
(streamed: a large database is never held in memory). Layout:

    MAGIC (16 bytes) | header length (4 bytes, big endian) | header (JSON, UTF-8)
    then records: length (4 bytes) | AES-GCM(chunk), nonce = header nonce prefix (8) + counter (4)

Every record authenticates the header, its own position and whether it is the last one (AAD), so a
changed header, a reordered, altered, added or missing record, or a wrong key is detected; the payload's
SHA-256 and size in the header are checked again after decryption. The plaintext exists only in a
private temporary directory (mode 0700) while a backup is made or restored.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import shutil
import sqlite3
import struct
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"TSUNAGU-BACKUP\x00\x01"
FORMAT = 1
CHUNK = 1 << 20
KEY_ENV = "TSUNAGU_BACKUP_KEY"
MAX_HEADER = 1 << 20
_LEN = struct.Struct(">I")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is Japanese and says what to do."""


# ---------------------------------------------------------------------------------------------
# Key


def generate_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def load_key(env: dict[str, str] | None = None) -> bytes:
    raw = (os.environ if env is None else env).get(KEY_ENV, "").strip()
    if not raw:
        raise BackupError(
            f"環境変数 {KEY_ENV} が設定されていません。`manage.py backup --generate-key` で鍵を作り、"
            "バックアップとは別の安全な場所にも保管してください（鍵がなければ復元できません）。"
        )
    try:
        key = base64.urlsafe_b64decode(raw.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        key = b""
    if len(key) != 32:
        raise BackupError(
            f"{KEY_ENV} が正しくありません（32バイトの鍵を base64 で。--generate-key で作れます）"
        )
    return key


def key_id(key: bytes) -> str:
    """A fingerprint that tells which key a file needs without revealing anything about the key."""
    return hmac.new(key, b"tsunagu-backup-key-id", hashlib.sha256).hexdigest()[:16]


# ---------------------------------------------------------------------------------------------
# The encrypted container


@dataclass
class Header:
    engine: str
    payload_sha256: str
    payload_bytes: int
    tables: dict[str, int]
    created_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    key_id: str = ""
    nonce_prefix: str = ""
    database: str = ""
    format: int = FORMAT
    chunk_size: int = CHUNK

    def to_bytes(self) -> bytes:
        return json.dumps(self.__dict__, ensure_ascii=False, sort_keys=True).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> Header:
        try:
            values = json.loads(data.decode("utf-8"))
            return cls(**values)
        except (ValueError, TypeError) as exc:
            raise BackupError(f"バックアップの見出しが読めません（{exc}）: 壊れたファイルです") from None


def _aad(header: bytes, counter: int, final: bool) -> bytes:
    return header + struct.pack(">I?", counter, final)


def encrypt_file(plain: Path, out: BinaryIO, header: Header, key: bytes) -> None:
    header.key_id = key_id(key)
    header.nonce_prefix = secrets.token_bytes(8).hex()
    head = header.to_bytes()
    prefix = bytes.fromhex(header.nonce_prefix)
    aes = AESGCM(key)
    out.write(MAGIC + _LEN.pack(len(head)) + head)
    with plain.open("rb") as src:
        counter = 0
        chunk = src.read(CHUNK)
        while True:
            following = src.read(CHUNK) if chunk else b""
            final = not following
            sealed = aes.encrypt(prefix + struct.pack(">I", counter), chunk, _aad(head, counter, final))
            out.write(_LEN.pack(len(sealed)) + sealed)
            if final:
                return
            chunk, counter = following, counter + 1


def read_header(src: BinaryIO) -> tuple[Header, bytes]:
    if src.read(len(MAGIC)) != MAGIC:
        raise BackupError("Tsunagu のバックアップファイルではありません（先頭の識別子が違います）")
    raw_len = src.read(4)
    if len(raw_len) != 4 or not 0 < (n := _LEN.unpack(raw_len)[0]) <= MAX_HEADER:
        raise BackupError("バックアップの見出しが壊れています")
    head = src.read(n)
    if len(head) != n:
        raise BackupError("バックアップの見出しが途中で切れています")
    header = Header.from_bytes(head)
    if header.format != FORMAT:
        raise BackupError(f"この版では読めない形式です（format {header.format}）")
    return header, head


def decrypt_file(src: BinaryIO, plain: BinaryIO, key: bytes) -> Header:
    """Decrypt and verify everything; raises BackupError on any damage (nothing of it may be used then)."""
    header, head = read_header(src)
    if not hmac.compare_digest(header.key_id, key_id(key)):
        raise BackupError(
            f"鍵が違います: このバックアップは別の {KEY_ENV} で暗号化されています（鍵の識別子 {header.key_id}）"
        )
    aes = AESGCM(key)
    prefix = bytes.fromhex(header.nonce_prefix)
    digest, size, counter = hashlib.sha256(), 0, 0
    limit = header.chunk_size + 16
    while True:
        raw_len = src.read(4)
        if len(raw_len) != 4:
            raise BackupError("バックアップが途中で切れています（最後のまとまりがありません）")
        n = _LEN.unpack(raw_len)[0]
        if n > limit:
            raise BackupError(f"バックアップの {counter + 1} 番目のまとまりが壊れています（長さが不正）")
        sealed = src.read(n)
        if len(sealed) != n:
            raise BackupError(f"バックアップが途中で切れています（{counter + 1} 番目のまとまり）")
        nonce = prefix + struct.pack(">I", counter)
        for final in (False, True):
            try:
                chunk = aes.decrypt(nonce, sealed, _aad(head, counter, final))
                break
            except InvalidTag:
                continue
        else:
            raise BackupError(
                f"バックアップの {counter + 1} 番目のまとまりが改ざん・破損しています（認証に失敗）"
            )
        digest.update(chunk)
        size += len(chunk)
        plain.write(chunk)
        if final:
            break
        counter += 1
    if src.read(1):
        raise BackupError("バックアップの末尾に余分なデータがあります")
    if size != header.payload_bytes or digest.hexdigest() != header.payload_sha256:
        raise BackupError("復号した内容のハッシュが見出しと合いません: 壊れたファイルです")
    return header


@contextmanager
def private_dir() -> Iterator[Path]:
    """A temporary directory only this user can read, removed afterwards (plaintext lives only here)."""
    path = Path(tempfile.mkdtemp(prefix="tsunagu-backup-"))
    try:
        path.chmod(0o700)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# Database drivers


def engine_of(settings_dict: dict[str, Any]) -> str:
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"このデータベース（{engine}）のバックアップには対応していません")


def sqlite_tables(conn: sqlite3.Connection) -> dict[str, int]:
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}  # noqa: S608


def sqlite_dump(source: sqlite3.Connection, target: Path) -> dict[str, int]:
    """Copy the live database through the online backup API; counts are taken from the copy."""
    with sqlite3.connect(target) as copy:
        source.backup(copy)
        problem = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if problem != "ok":
            raise BackupError(f"SQLite の整合性検査に失敗しました: {problem}")
        return sqlite_tables(copy)


def sqlite_load(copy_path: Path, target: sqlite3.Connection) -> None:
    with sqlite3.connect(copy_path) as copy:
        problem = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if problem != "ok":
            raise BackupError(f"復元するデータベースの整合性検査に失敗しました: {problem}")
        copy.backup(target)


def pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} が見つかりません。PostgreSQL のクライアント（Debian/Ubuntu では postgresql-client、"
            "サーバーと同じ版かそれより新しいもの）を入れてください。"
        )
    return found


def pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """libpq environment for the client tools: the password never appears on a command line."""
    env = {**os.environ, "PGDATABASE": str(settings_dict["NAME"])}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    return env


def pg_connect(settings_dict: dict[str, Any]) -> Any:
    import psycopg

    params = {
        "dbname": settings_dict["NAME"],
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
    }
    return psycopg.connect(**{k: v for k, v in params.items() if v is not None})


def pg_tables(cur: Any) -> dict[str, int]:
    cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    names = [r[0] for r in cur.fetchall()]
    counts = {}
    for n in names:
        cur.execute(f'SELECT count(*) FROM "{n}"')  # noqa: S608 - names come from the catalogue
        counts[n] = cur.fetchone()[0]
    return counts


def pg_dump(settings_dict: dict[str, Any], target: Path) -> dict[str, int]:
    """pg_dump inside an exported snapshot: the counts and the dump see exactly the same rows."""
    import psycopg

    tool = pg_tool("pg_dump")
    with pg_connect(settings_dict) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.cursor() as cur:
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            counts = pg_tables(cur)
            result = subprocess.run(  # noqa: S603 - fixed argv
                [tool, "--format=custom", f"--snapshot={snapshot}", "--no-password", f"--file={target}"],
                env=pg_env(settings_dict),
                capture_output=True,
                text=True,
                check=False,
            )
        conn.rollback()
    if result.returncode != 0:
        raise BackupError(f"pg_dump が失敗しました: {result.stderr.strip()}")
    return counts


def pg_is_empty(settings_dict: dict[str, Any]) -> bool:
    with pg_connect(settings_dict) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
        return cur.fetchone()[0] == 0


def pg_load(dump: Path, settings_dict: dict[str, Any], *, clean: bool) -> None:
    tool = pg_tool("pg_restore")
    argv = [tool, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", "--no-password"]
    if clean:
        argv += ["--clean", "--if-exists"]
    argv += ["--dbname", str(settings_dict["NAME"]), str(dump)]
    result = subprocess.run(argv, env=pg_env(settings_dict), capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"pg_restore が失敗しました（何も変更していません）: {result.stderr.strip()}")


def pg_counts(settings_dict: dict[str, Any]) -> dict[str, int]:
    with pg_connect(settings_dict) as conn, conn.cursor() as cur:
        return pg_tables(cur)


def compare_counts(expected: dict[str, int], found: dict[str, int]) -> list[str]:
    """Tables whose row count differs from the backup's header (missing tables included)."""
    return [
        f"{table}: バックアップ {n} 行 → 復元後 {found.get(table, '（表がない）')} 行"
        for table, n in sorted(expected.items())
        if found.get(table) != n
    ]
