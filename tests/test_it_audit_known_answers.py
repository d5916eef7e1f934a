"""Known answers for the audit log: the exact bytes a row is hashed over and the exact HMAC under a fixed
key, the same on a server whose clock is set to Japan time; and the database guard check run against a
real SQLite schema whichever database the suite runs on.

The writer and the verifier share `_canonical`, so a change to it (key order, escaping, separators, the
time zone or precision of the timestamp) passes every chain test — and makes every row written before the
change fail to verify. Only a fixed answer catches that (docs/security.md J)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tsunagu.access import audit
from tsunagu.access.models import AuditEvent

KEY = "known-answer-key"
CANONICAL = (
    '[7,"2026-12-02T00:00:05.000000+00:00",13,21,"a-window","window_worker",5,"A市 福祉相談課","export",'
    '"export",[["household",7],["person",11]]," household:7 person:11 ","会議資料",'
    '{"fields":["name","kana"],"full":true,"rows":3},"cases:detail",'
    '"abababababababababababababababababababababababababababababababab"]'
).encode()
NEEDS_DB_OWNER = True  # disables the PostgreSQL trigger for a moment (conftest.py)
HASH = "758cc0398a20fe8f9577e171d325216b294e71d0715a8dad995097f8484f39aa"


def _event() -> AuditEvent:
    return AuditEvent(
        seq=7,
        at=datetime(2026, 12, 2, 9, 0, 5, 0, tzinfo=ZoneInfo("Asia/Tokyo")),
        municipality_id=13,
        actor_id=21,
        actor_username="a-window",
        actor_role="window_worker",
        organization_id_snapshot=5,
        organization_name="A市 福祉相談課",
        action="export",
        channel="export",
        objects_json=[["household", 7], ["person", 11]],
        object_index=" household:7 person:11 ",
        reason="会議資料",
        detail={"rows": 3, "fields": ["name", "kana"], "full": True},
        view_name="cases:detail",
        prev_hash="ab" * 32,
    )


def test_a_row_is_hashed_over_exactly_these_bytes(settings):
    settings.AUDIT_HMAC_KEY = KEY
    event = _event()
    assert audit._canonical(event) == CANONICAL
    assert audit.compute_hash(event) == HASH


@contextlib.contextmanager
def _server_time_zone(name: str) -> Iterator[None]:
    before = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def test_the_hash_does_not_depend_on_the_servers_time_zone(settings):
    """A server in Japan often runs with TZ=Asia/Tokyo: rows are hashed in UTC all the same."""
    settings.AUDIT_HMAC_KEY = KEY
    with _server_time_zone("Asia/Tokyo"):
        assert time.localtime(0).tm_hour == 9
        assert audit._canonical(_event()) == CANONICAL
        assert audit.compute_hash(_event()) == HASH


# --- the append-only guard check, SQLite branch --------------------------------------------------------

_SQLITE_TRIGGERS = {
    "access_auditevent_no_update": "BEFORE UPDATE ON access_auditevent BEGIN SELECT RAISE(ABORT, 'no'); END",
    "access_auditevent_no_delete": "BEFORE DELETE ON access_auditevent BEGIN SELECT RAISE(ABORT, 'no'); END",
}
MISSING = (None, "監査ログの追記専用トリガーがありません（または無効です）: 行を書き換えられる状態です")


class _Connection:
    """Just what `_trigger_problem` uses of Django's connection, over a real SQLite database."""

    def __init__(self, vendor: str, db: sqlite3.Connection) -> None:
        self.vendor = vendor
        self.db = db

    def cursor(self) -> contextlib.closing[sqlite3.Cursor]:
        return contextlib.closing(self.db.cursor())


def _sqlite_schema(*triggers: str) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE access_auditevent (id INTEGER PRIMARY KEY)")
    db.execute("CREATE TABLE access_auditobject (id INTEGER PRIMARY KEY)")
    for name in triggers:
        db.execute(f"CREATE TRIGGER {name} {_SQLITE_TRIGGERS[name]}")
    return db


def test_the_sqlite_guard_check_wants_both_triggers_on_the_audit_table(monkeypatch):
    both = _sqlite_schema(*_SQLITE_TRIGGERS)
    monkeypatch.setattr(audit, "connection", _Connection("sqlite", both))
    assert audit._trigger_problem() is None
    for name in _SQLITE_TRIGGERS:
        one = _sqlite_schema(*(n for n in _SQLITE_TRIGGERS if n != name))
        monkeypatch.setattr(audit, "connection", _Connection("sqlite", one))
        assert audit._trigger_problem() == MISSING
    # A trigger of the same name on another table guards nothing.
    elsewhere = _sqlite_schema("access_auditevent_no_update")
    elsewhere.execute(
        "CREATE TRIGGER access_auditevent_no_delete BEFORE DELETE ON access_auditobject "
        "BEGIN SELECT RAISE(ABORT, 'no'); END"
    )
    monkeypatch.setattr(audit, "connection", _Connection("sqlite", elsewhere))
    assert audit._trigger_problem() == MISSING


def test_a_database_without_a_guard_check_reports_no_problem(monkeypatch):
    """Only SQLite and PostgreSQL are supported; another vendor's guard is not looked for."""
    monkeypatch.setattr(audit, "connection", _Connection("other", _sqlite_schema()))
    assert audit._trigger_problem() is None


@pytest.mark.django_db
def test_a_disabled_or_dropped_postgresql_trigger_is_reported():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's trigger (the SQLite branch is tested above)")
    assert audit._trigger_problem() is None
    with connection.cursor() as cur:
        cur.execute("ALTER TABLE access_auditevent DISABLE TRIGGER access_auditevent_append_only")
    assert audit._trigger_problem() == MISSING
    with connection.cursor() as cur:
        cur.execute("ALTER TABLE access_auditevent ENABLE TRIGGER access_auditevent_append_only")
    assert audit._trigger_problem() is None
