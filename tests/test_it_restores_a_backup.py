"""The restore drill: back up, damage, restore — every row is back and the audit chain verifies.

Runs on the suite's database: SQLite is restored in place through the online backup API; PostgreSQL is
dumped with pg_dump and restored with pg_restore into a scratch database of our own (wt_profiles_drill_*),
then verify_audit runs against it in a separate process, as an operator would.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.factories import make_household, make_person, make_staff
from tsunagu.access.audit import record, verify_all
from tsunagu.core.backup import (
    CHUNK,
    KEY_ENV,
    MAGIC,
    Header,
    decrypt_file,
    encrypt_file,
    generate_key,
    load_key,
    pg_connect,
    sha256_of,
)
from tsunagu.directory.profiles import load_profile
from tsunagu.people.models import Household, Person, Relationship

REPO = Path(__file__).resolve().parent.parent
drill = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def backup_key(monkeypatch):
    monkeypatch.setenv(KEY_ENV, generate_key())


def some_city() -> None:
    """A profile, people, households and audited reads of them: every kind of row a backup must keep."""
    muni = load_profile(REPO / "profiles" / "komaki.toml").municipality
    staff = make_staff(municipality=muni)
    for i in range(12):
        head = make_person(muni, family_name=f"試験{i}", given_name="花子")
        household = make_household(muni, (head, Relationship.HEAD))
        record(actor=staff, action="view", objects=[("household", household.pk), ("person", head.pk)])


def rows_of(cursor: Any, tables: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    found = {}
    for table in tables:
        cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')  # noqa: S608 - names from the catalogue
        found[table] = [tuple(r) for r in cursor.fetchall()]
    return found


def every_row() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, read the way the restored copy is read (Django's cursor keeps JSON as text)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            return rows_of(cur, sorted(connection.introspection.table_names(cur)))
    with pg_connect(connection.settings_dict) as conn, conn.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        return rows_of(cur, sorted(r[0] for r in cur.fetchall()))


def damage() -> None:
    """What a bad day looks like: addresses overwritten, household members deleted, a table gone."""
    Person.objects.filter(family_name__startswith="試験").update(address="上書きされた住所")
    Household.objects.filter(pk__in=Household.objects.order_by("pk").values("pk")[:3]).update(address="")
    with connection.cursor() as cur:
        cur.execute('DELETE FROM "people_householdmember"')
        cur.execute('DELETE FROM "directory_program_areas"')
        cur.execute('DROP TABLE "directory_program_operators"')


def backup(tmp_path: Path) -> Path:
    out = tmp_path / "drill.tsgbk"
    call_command("backup", "--output", str(out), stdout=io.StringIO())
    return out


@drill
def test_backup_damage_restore_every_row_is_back_and_the_audit_chain_verifies(tmp_path):
    some_city()
    before = every_row()
    assert len(before["access_auditevent"]) == 12 and before["directory_program_operators"] is not None
    path = backup(tmp_path)
    assert path.read_bytes().startswith(MAGIC)
    assert "試験" not in path.read_bytes().decode("latin-1")  # encrypted at rest
    damage()

    if connection.vendor == "sqlite":
        out = io.StringIO()
        call_command("restore", str(path), "--yes", stdout=out)
        assert "すべての表の行数がバックアップと一致しました" in out.getvalue()
        assert "]: 監査ログ 12 行を検証しました" in out.getvalue()
        assert every_row() == before
        assert all(r.ok for r in verify_all())
        return

    # Named after the suite's own database (wt_profiles → wt_profiles_drill_<pid>), never another's.
    base = re.sub(r"^test_|_gw\d+$", "", str(connection.settings_dict["NAME"]))
    scratch = f"{base}_drill_{os.getpid()}"
    admin = {**connection.settings_dict, "NAME": "postgres"}
    with pg_connect(admin) as conn:
        conn.autocommit = True
        conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        conn.execute(f'CREATE DATABASE "{scratch}"')
    try:
        settings = connection.settings_dict
        url = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{scratch}"
        out = io.StringIO()
        call_command("restore", str(path), "--to", url, stdout=out)
        assert "すべての表の行数がバックアップと一致しました" in out.getvalue()
        with pg_connect({**settings, "NAME": scratch}) as conn, conn.cursor() as cur:
            assert rows_of(cur, sorted(before)) == before
        env = {**os.environ, "TSUNAGU_DATABASE_URL": url}
        result = subprocess.run(
            [sys.executable, "manage.py", "verify_audit"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "]: 監査ログ 12 行を検証しました" in result.stdout
        # A second restore into the now non-empty scratch database needs --yes.
        with pytest.raises(CommandError, match="空ではありません"):
            call_command("restore", str(path), "--to", url, stdout=io.StringIO())
        # And the damaged database itself comes back in place (pg_restore --clean), the dropped table too.
        out = io.StringIO()
        call_command("restore", str(path), "--yes", stdout=out)
        assert "]: 監査ログ 12 行を検証しました" in out.getvalue()
        assert every_row() == before
    finally:
        with pg_connect(admin) as conn:
            conn.autocommit = True
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def flip(path: Path, at: int) -> Path:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    bad = path.with_name("bad.tsgbk")
    bad.write_bytes(bytes(data))
    return bad


@pytest.mark.parametrize(
    ("how", "gist"),
    [
        ("flip_in_payload", "改ざん・破損しています"),
        ("flip_in_header", "改ざん・破損しています"),
        ("truncate", "途中で切れています"),
        ("append", "末尾に余分なデータ"),
        ("wrong_key", "鍵が違います"),
        ("not_a_backup", "バックアップファイルではありません"),
    ],
)
@pytest.mark.django_db
def test_a_damaged_backup_or_a_wrong_key_is_refused_and_nothing_changes(tmp_path, monkeypatch, how, gist):
    """Everything is decrypted and verified before the database is touched (a small payload suffices)."""
    load_profile(REPO / "profiles" / "tono.toml")
    path = tiny_backup(tmp_path)
    size = path.stat().st_size
    if how == "flip_in_payload":
        bad = flip(path, size - 40)
    elif how == "flip_in_header":
        # A digit of the creation time: the header still parses, but every record authenticates it.
        at = path.read_bytes().index(b'"created_at": "') + len(b'"created_at": "') + 3
        bad = flip(path, at)
    elif how == "truncate":
        bad = path.with_name("bad.tsgbk")
        bad.write_bytes(path.read_bytes()[: size - 10])
    elif how == "append":
        bad = path.with_name("bad.tsgbk")
        bad.write_bytes(path.read_bytes() + b"\x00")
    elif how == "wrong_key":
        bad = path
        monkeypatch.setenv(KEY_ENV, generate_key())
    else:
        bad = path.with_name("bad.tsgbk")
        bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    before = every_row()
    for extra in (["--check"], ["--yes"]):
        with pytest.raises(CommandError, match=gist):
            call_command("restore", str(bad), *extra, stdout=io.StringIO())
    assert every_row() == before


def tiny_backup(tmp_path: Path) -> Path:
    plain = tmp_path / "payload"
    plain.write_bytes(os.urandom(3 * 1024 * 1024 + 17))  # four records
    engine = "sqlite" if connection.vendor == "sqlite" else "postgresql"
    header = Header(
        engine=engine, payload_sha256=sha256_of(plain), payload_bytes=plain.stat().st_size, tables={}
    )
    path = tmp_path / "tiny.tsgbk"
    with path.open("wb") as f:
        encrypt_file(plain, f, header, load_key())
    return path


@pytest.mark.django_db
def test_backup_without_a_key_says_how_to_make_one(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV)
    with pytest.raises(CommandError, match="--generate-key"):
        call_command("backup", "--output", str(tmp_path / "x.tsgbk"), stdout=io.StringIO())
    assert not (tmp_path / "x.tsgbk").exists()
    monkeypatch.setenv(KEY_ENV, "not-a-key")
    with pytest.raises(CommandError, match="正しくありません"):
        call_command("backup", "--output", str(tmp_path / "x.tsgbk"), stdout=io.StringIO())


@drill
def test_restoring_over_the_live_database_needs_yes(tmp_path):
    some_city()
    path = backup(tmp_path)
    before = every_row()
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(path), stdout=io.StringIO())
    assert every_row() == before
    out = io.StringIO()
    call_command("restore", str(path), "--check", stdout=out)
    assert "何も変更していません" in out.getvalue()


@drill
def test_the_file_is_private_and_large_payloads_stream_in_chunks(tmp_path):
    """Mode 0600, and a payload over one chunk round-trips through several authenticated records."""
    some_city()
    path = backup(tmp_path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    plain = tmp_path / "plain"
    plain.write_bytes(os.urandom(CHUNK * 2 + 123))
    header = Header(
        engine="sqlite", payload_sha256=sha256_of(plain), payload_bytes=plain.stat().st_size, tables={}
    )
    key = load_key()
    with (tmp_path / "big.tsgbk").open("wb") as f:
        encrypt_file(plain, f, header, key)
    with (tmp_path / "big.tsgbk").open("rb") as src, (tmp_path / "back").open("wb") as out:
        decrypt_file(src, out, key)
    assert (tmp_path / "back").read_bytes() == plain.read_bytes()


def test_missing_postgresql_client_tools_are_named_with_how_to_install_them(monkeypatch):
    from tsunagu.core import backup as backup_module

    monkeypatch.setattr(backup_module.shutil, "which", lambda name: None)
    with pytest.raises(backup_module.BackupError, match=r"pg_dump が見つかりません.*postgresql-client"):
        backup_module.pg_tool("pg_dump")
