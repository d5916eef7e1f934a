"""Database-side guard of the audit table on SQLite (see migration 0002_audit_append_only_triggers).

Every SQLite connection Tsunagu opens gets `tsunagu_audit_unlocked()`, which returns 0 — so the trigger
refuses DELETE. Only `flush_allowed()` (used by the test suite while it empties its database between
transactional tests) makes it return 1. No production code path calls it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_state = threading.local()
_global_unlock = False


def _unlocked() -> int:
    return 1 if _global_unlock else 0


def register_sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("tsunagu_audit_unlocked", 0, _unlocked)


@contextmanager
def flush_allowed() -> Iterator[None]:
    """Allow the test suite's flush to empty the audit table (SQLite only; PostgreSQL uses TRUNCATE)."""
    global _global_unlock
    _global_unlock = True
    try:
        yield
    finally:
        _global_unlock = False
