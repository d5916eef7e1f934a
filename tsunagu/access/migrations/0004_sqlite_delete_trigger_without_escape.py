"""SQLite: the audit table's DELETE trigger refuses every DELETE, with no escape a client could satisfy.

Migration 0002 let DELETE through when `tsunagu_audit_unlocked()` returned 1. Any SQLite client can define
a function of that name (sqlite3.Connection.create_function), so the guard stopped nobody who meant it.
The trigger now has no condition at all. A client with write access to the database file can still drop
the trigger (SQLite has no privileges): then only the HMAC chain, the signed chain head and the external
checkpoints find the change (docs/security.md, audit log). The test suite empties its database by dropping
and re-creating the triggers around its flush (tsunagu.access.guard.flush_allowed).
PostgreSQL is unchanged (its trigger never had an escape).
"""

from django.db import migrations

DELETE_TRIGGER = (
    "CREATE TRIGGER access_auditevent_no_delete BEFORE DELETE ON access_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'access_auditevent is append-only: DELETE refused'); END;"
)
OLD_DELETE_TRIGGER = (
    "CREATE TRIGGER access_auditevent_no_delete BEFORE DELETE ON access_auditevent "
    "WHEN NOT tsunagu_audit_unlocked() "
    "BEGIN SELECT RAISE(ABORT, 'access_auditevent is append-only: DELETE refused'); END;"
)


def _replace(schema_editor, sql: str) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS access_auditevent_no_delete;")
    schema_editor.execute(sql)


def forwards(apps, schema_editor):
    _replace(schema_editor, DELETE_TRIGGER)


def backwards(apps, schema_editor):
    _replace(schema_editor, OLD_DELETE_TRIGGER)


class Migration(migrations.Migration):
    dependencies = [("access", "0003_create_audit_chain_head")]

    operations = [migrations.RunPython(forwards, backwards)]
