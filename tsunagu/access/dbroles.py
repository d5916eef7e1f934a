"""PostgreSQL: the application's database role may only INSERT into the audit table.

Migrations run as the owner of the tables; the web server connects as another role (`tsunagu_app`). This
module grants that role what the application needs — read and write every table of the schema — and takes
back what it must never do to the audit log: UPDATE, DELETE and TRUNCATE of `access_auditevent` (the row
trigger refuses UPDATE/DELETE even for the owner; TRUNCATE bypasses row triggers, so the privilege matters),
DELETE/TRUNCATE of the chain heads (updated on every append; their values are signed with the audit key), and
UPDATE/DELETE/TRUNCATE of the object index `access_auditobject` (written with each row; verify_audit checks it).

Run by `manage.py grant_app_role ROLE`, and after every `migrate` when TSUNAGU_DATABASE_APP_ROLE names the
role (new tables need their grants). SQLite has no roles: there only the triggers, the HMAC chain and the
checkpoints protect the log (docs/security.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections

AUDIT_TABLE = "access_auditevent"
HEAD_TABLE = "access_auditchainhead"
OBJECT_INDEX_TABLE = "access_auditobject"
_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class RoleError(RuntimeError):
    """The role cannot be set up (not PostgreSQL, bad name, missing role)."""


@dataclass(frozen=True)
class AuditPrivileges:
    insert: bool
    select: bool
    update: bool
    delete: bool
    truncate: bool
    head_update: bool
    head_delete: bool

    @property
    def insert_only(self) -> bool:
        return (
            self.insert
            and self.select
            and self.head_update
            and not (self.update or self.delete or self.truncate or self.head_delete)
        )


def grant_app_role(role: str, using: str = "default") -> AuditPrivileges:
    """Grant `role` the application's privileges, INSERT-only on the audit table. Idempotent."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise RoleError(
            "データベースの役割（ロール）は PostgreSQL だけのものです（SQLite には権限がありません）"
        )
    if not _ROLE.match(role):
        raise RoleError(f"ロール名 {role!r} は使えません（英小文字・数字・_ で 63 文字まで）")
    q = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cur.fetchone() is None:
            raise RoleError(
                f"ロール {role} がありません。先に作成してください: CREATE ROLE {role} LOGIN PASSWORD '…';"
            )
        cur.execute("SELECT current_database(), current_schema()")
        database, schema = cur.fetchone()
        r, s = q(role), q(schema)
        for sql in (
            f"GRANT CONNECT ON DATABASE {q(database)} TO {r}",
            f"GRANT USAGE ON SCHEMA {s} TO {r}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
            f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {q(AUDIT_TABLE)} FROM {r}",
            f"REVOKE DELETE, TRUNCATE, REFERENCES, TRIGGER ON {q(HEAD_TABLE)} FROM {r}",
            f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {q(OBJECT_INDEX_TABLE)} FROM {r}",
        ):
            cur.execute(sql)
    return audit_privileges(role, using)


def audit_privileges(role: str, using: str = "default") -> AuditPrivileges:
    connection = connections[using]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT has_table_privilege(%(r)s, %(a)s, 'INSERT'), has_table_privilege(%(r)s, %(a)s, 'SELECT'),"
            " has_table_privilege(%(r)s, %(a)s, 'UPDATE'), has_table_privilege(%(r)s, %(a)s, 'DELETE'),"
            " has_table_privilege(%(r)s, %(a)s, 'TRUNCATE'), has_table_privilege(%(r)s, %(h)s, 'UPDATE'),"
            " has_table_privilege(%(r)s, %(h)s, 'DELETE')",
            {"r": role, "a": AUDIT_TABLE, "h": HEAD_TABLE},
        )
        row = cur.fetchone()
    return AuditPrivileges(*(bool(v) for v in row))


def grant_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """post_migrate: keep the configured application role's grants up to date (new tables)."""
    role = getattr(settings, "DATABASE_APP_ROLE", "")
    if role and connections[using].vendor == "postgresql":
        grant_app_role(role, using)
