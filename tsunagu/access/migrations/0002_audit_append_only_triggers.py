"""Make the audit table append-only inside the database itself (defence in depth under verify_audit).

PostgreSQL: a row trigger refuses UPDATE and DELETE for every role (TRUNCATE is refused by privileges:
see docs/security.md for the INSERT-only grant of the application role).
SQLite: triggers refuse UPDATE always and DELETE unless `tsunagu_audit_unlocked()` — a function that
only Tsunagu's own connections define (tsunagu.access.guard) and that returns 1 only while the test
suite flushes its database. Any other SQLite client lacks the function, so its DELETE fails too.
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION tsunagu_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'access_auditevent is append-only: % refused', TG_OP;
END;
$$;
CREATE TRIGGER access_auditevent_append_only
    BEFORE UPDATE OR DELETE ON access_auditevent
    FOR EACH ROW EXECUTE FUNCTION tsunagu_audit_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS access_auditevent_append_only ON access_auditevent;
DROP FUNCTION IF EXISTS tsunagu_audit_append_only();
"""
SQLITE_UP = [
    """CREATE TRIGGER access_auditevent_no_update BEFORE UPDATE ON access_auditevent
       BEGIN SELECT RAISE(ABORT, 'access_auditevent is append-only: UPDATE refused'); END;""",
    """CREATE TRIGGER access_auditevent_no_delete BEFORE DELETE ON access_auditevent
       WHEN NOT tsunagu_audit_unlocked()
       BEGIN SELECT RAISE(ABORT, 'access_auditevent is append-only: DELETE refused'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS access_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS access_auditevent_no_delete;",
]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_UP:
            schema_editor.execute(sql)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_DOWN:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("access", "0001_audit_log_and_break_glass")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
