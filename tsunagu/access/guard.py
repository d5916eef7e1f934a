"""The test suite's way past the audit table's append-only triggers on SQLite (migration 0004).

The SQLite triggers refuse every UPDATE and DELETE of `access_auditevent`, with no condition a client could
satisfy. The test suite still has to empty its database between transactional tests (Django's flush sends
`DELETE FROM` for every table). `flush_allowed()` makes exactly that flush drop the table's triggers, delete,
and create them again from their own stored SQL — all inside the flush's one transaction, so a failed flush
leaves the triggers in place. No production code path calls it; PostgreSQL flushes with TRUNCATE, which
its row trigger does not see (the application role may not TRUNCATE: docs/security.md).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

AUDIT_TABLE = "access_auditevent"


def audit_triggers(connection: Any) -> list[tuple[str, str]]:
    """(name, CREATE statement) of every trigger on the audit table (SQLite)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s ORDER BY name",
            [AUDIT_TABLE],
        )
        return [(str(name), str(sql)) for name, sql in cur.fetchall()]


def _around_triggers(connection: Any, sql_list: Sequence[str]) -> list[str]:
    if not any(AUDIT_TABLE in sql for sql in sql_list):
        return list(sql_list)
    triggers = audit_triggers(connection)
    return [
        *(f'DROP TRIGGER "{name}";' for name, _ in triggers),
        *sql_list,
        *(sql + ";" for _, sql in triggers),
    ]


@contextmanager
def flush_allowed() -> Iterator[None]:
    """Tests only: let Django's flush empty the audit table on SQLite (see the module docstring)."""
    from django.db import connections

    if not any(conn.vendor == "sqlite" for conn in connections.all()):
        yield
        return
    from django.db.backends.sqlite3.base import DatabaseWrapper

    ops: Any = DatabaseWrapper.ops_class
    original = ops.execute_sql_flush

    def execute_sql_flush(self: Any, sql_list: Sequence[str]) -> None:
        original(self, _around_triggers(self.connection, sql_list))

    ops.execute_sql_flush = execute_sql_flush
    try:
        yield
    finally:
        ops.execute_sql_flush = original
