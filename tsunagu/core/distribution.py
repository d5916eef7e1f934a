"""How Tsunagu's tables map onto a distributed PostgreSQL (Citus), distributed by `municipality_id`.

Nothing here runs at request time. It is the one place that says which table is what, so that
- a test (tests/test_it_is_ready_to_distribute_by_municipality.py) holds every model to the rules below,
  and a new app's table is classified the day it is added;
- `manage.py citus_ddl` prints the statements that turn a migrated database into a Citus one
  (docs/scaling.md), and the part of them that plain PostgreSQL understands is applied in the test.

Three kinds of table:
- **distributed** (sharded by `municipality_id`, all co-located): every model with a `municipality`
  foreign key that is not listed below — persons, consultations, cases, the audit log …. Rules: the
  column is NOT NULL; every unique constraint includes it; a foreign key to another distributed table can
  be declared on (municipality_id, column) → (municipality_id, id), so rows of one city only ever point at
  rows of the same city (checked on data by the test); the primary key becomes (municipality_id, id).
- **reference** (copied to every node): national vocabularies and each city's small configuration,
  read by almost every query and written rarely. A reference table never points at a distributed one.
- **local** (coordinator only): installation-wide tables of the login machinery, never joined with
  municipal data.

Django's auto-created many-to-many tables follow their ends: a link touching a distributed table is
municipal data and must carry `municipality_id` too.

This module imports no app: models are found through the app registry, by label.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from django.apps import apps
from django.apps.registry import Apps
from django.db import models

DISTRIBUTION_COLUMN = "municipality_id"
TENANT_MODEL = "municipalities.Municipality"

Kind = Literal["distributed", "reference", "local"]

_DIRECTORY = "each city's structure from its profile: hundreds of rows per city, joined by most screens"
_AUTH = "Django's login vocabulary, installation-wide"

# Tables copied to every node. Reason first, so that adding one means saying why.
REFERENCE_TABLES: dict[str, str] = {
    TENANT_MODEL: "the tenants themselves; every shard joins its own row",
    "municipalities.Area": "areas of each city (地区・圏域): small, joined by households and directory rows",
    "municipalities.ConcernType": "the national concern taxonomy and each city's additions: a vocabulary",
    "directory.Organization": _DIRECTORY,
    "directory.Program": _DIRECTORY,
    "directory.Window": _DIRECTORY,
    "directory.CoordinatorPost": _DIRECTORY,
    "directory.MeetingBody": _DIRECTORY,
    "directory.EscalationRule": _DIRECTORY,
    "directory.HelpLine": _DIRECTORY,
    "directory.CommunityGroup": _DIRECTORY,
    "directory.PointsProgram": _DIRECTORY,
    "accounts.Staff": "logins are installation-wide (a username is unique across cities); a few thousand "
    "rows, referenced as author by almost every municipal row",
    "auth.Group": _AUTH,
    "auth.Permission": _AUTH,
    "contenttypes.ContentType": "Django's table of models, the same on every node",
}

# Tables that stay on the coordinator (installation-wide, written on every login, never joined with
# municipal data). They may point at reference tables.
LOCAL_TABLES: dict[str, str] = {
    "sessions.Session": "sessions are read and written by the web tier on every request",
    "axes.AccessAttempt": "login lockout counters (django-axes), per login ID",
    "axes.AccessAttemptExpiration": "login lockout counters (django-axes)",
    "axes.AccessFailureLog": "login failure log (django-axes)",
    "axes.AccessLog": "login log (django-axes)",
    "otp_totp.TOTPDevice": "second factors of staff logins, updated at every login",
    "otp_static.StaticDevice": "recovery codes of staff logins",
    "otp_static.StaticToken": "recovery codes of staff logins",
    "admin.LogEntry": "Django admin's own history of installation administrators' edits",
}

Rule = Literal[
    "unclassified",
    "no_municipality",
    "municipality_nullable",
    "unique_without_municipality",
    "reference_points_at_distributed",
    "distributed_points_at_local",
]

# Problems we know of, each with the work that removes it. The test fails when one is fixed, so that
# the entry is removed and the rule holds from then on.
KNOWN_GAPS: dict[tuple[str, Rule], str] = {
    # Decided (issue 10 item 4, docs/security.md): every city has its own chain; events of no city (a
    # failed login with an unknown ID, an installation superuser's acts) form the system chain, whose rows
    # and head have no municipality. In Citus those rows cannot live in the distributed table: before
    # create_distributed_table they move to a local table of the same shape (not done: Citus not run).
    ("access.AuditEvent", "municipality_nullable"): "system chain: events of no city (failed login with "
    "an unknown ID, installation superuser) have no municipality",
    ("access.AuditChainHead", "municipality_nullable"): "the system chain's head (id 0) has no municipality",
    ("intake.Consultation_concerns", "no_municipality"): "implicit many-to-many table; needs an explicit "
    "through model with municipality (intake models)",
    ("cases.Case_persons", "no_municipality"): "implicit many-to-many table; needs an explicit through "
    "model with municipality (cases models)",
    ("cases.Consent_persons", "no_municipality"): "implicit many-to-many table; needs an explicit through "
    "model with municipality (cases models)",
    ("cases.Consent_organizations", "no_municipality"): "implicit many-to-many table; needs an explicit "
    "through model with municipality (cases models)",
}


@dataclass(frozen=True)
class Table:
    label: str
    db_table: str
    kind: Kind | None  # None: not classified (a problem)
    model: type[models.Model]


@dataclass(frozen=True)
class Problem:
    label: str
    rule: Rule
    message: str

    @property
    def key(self) -> tuple[str, Rule]:
        return (self.label, self.rule)


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key between two distributed tables, to be declared with the distribution column."""

    table: str
    column: str
    target_table: str
    target_column: str


def _municipality_field(model: type[models.Model]) -> models.Field | None:
    for field in model._meta.concrete_fields:
        related = field.related_model
        if field.column == DISTRIBUTION_COLUMN and isinstance(related, type):
            if related._meta.label == TENANT_MODEL:
                return field
    return None


def _relations(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if f.is_relation and f.related_model is not None]


def _kind(model: type[models.Model]) -> Kind | None:
    label = model._meta.label
    if label in REFERENCE_TABLES:
        return "reference"
    if label in LOCAL_TABLES:
        return "local"
    if model._meta.auto_created:
        # A many-to-many table follows its ends: municipal data if either end is.
        ends = [_kind(f.related_model) for f in _relations(model)]  # type: ignore[arg-type]
        if "distributed" in ends:
            return "distributed"
        if ends and all(k == "reference" for k in ends):
            return "reference"
        return "local" if all(k in ("reference", "local") for k in ends) else None
    if _municipality_field(model) is not None:
        return "distributed"
    return None


def tables(registry: Apps | None = None) -> list[Table]:
    """Every table Django manages (auto-created many-to-many tables included), classified."""
    out = []
    for model in (registry or apps).get_models(include_auto_created=True):
        if not model._meta.managed or model._meta.proxy:
            continue
        out.append(Table(model._meta.label, model._meta.db_table, _kind(model), model))
    return sorted(out, key=lambda t: t.db_table)


def _unique_groups(model: type[models.Model]) -> list[tuple[str, tuple[str, ...]]]:
    """(description, field names) of every uniqueness rule of the model, the primary key excepted."""
    meta = model._meta
    groups: list[tuple[str, tuple[str, ...]]] = []
    for field in meta.concrete_fields:
        if field.unique and not field.primary_key:
            groups.append((f"{field.name} (unique)", (field.name,)))
    for constraint in meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            groups.append((constraint.name or "unique", tuple(constraint.fields)))
    for together in meta.unique_together:
        groups.append(("unique_together", tuple(together)))
    return groups


def problems(registry: Apps | None = None) -> list[Problem]:
    """Every way the schema breaks the rules in the module docstring (known gaps included)."""
    found: list[Problem] = []
    by_label = {t.label: t for t in tables(registry)}
    for table in by_label.values():
        model = table.model
        if table.kind is None:
            found.append(
                Problem(
                    table.label, "unclassified", "no municipality column and not listed as reference/local"
                )
            )
            continue
        if table.kind == "distributed":
            field = _municipality_field(model)
            if field is None:
                found.append(
                    Problem(table.label, "no_municipality", "municipal data without municipality_id")
                )
            else:
                if field.null:
                    found.append(
                        Problem(table.label, "municipality_nullable", "the distribution column may be NULL")
                    )
                for name, fields in _unique_groups(model):
                    if field.name not in fields:
                        found.append(
                            Problem(
                                table.label,
                                "unique_without_municipality",
                                f"{name} on {', '.join(fields)} does not include municipality",
                            )
                        )
        for rel in _relations(model):
            target = by_label.get(rel.related_model._meta.label)  # type: ignore[union-attr]
            if target is None or target.kind is None:
                continue
            if table.kind == "reference" and target.kind == "distributed":
                found.append(
                    Problem(
                        table.label,
                        "reference_points_at_distributed",
                        f"{rel.name} → {target.label}: a reference table cannot refer to a distributed one",
                    )
                )
            if table.kind == "distributed" and target.kind == "local":
                found.append(
                    Problem(
                        table.label,
                        "distributed_points_at_local",
                        f"{rel.name} → {target.label}: a distributed table cannot refer to a local one",
                    )
                )
    return found


def unexpected_problems() -> list[Problem]:
    return [p for p in problems() if p.key not in KNOWN_GAPS]


def distributed_foreign_keys() -> list[ForeignKey]:
    """Foreign keys from a distributed table to a distributed table (both sides carry municipality_id)."""
    ready = {t.label: t for t in _distributable(tables())}
    out = []
    for table in ready.values():
        for rel in _relations(table.model):
            target = ready.get(rel.related_model._meta.label)  # type: ignore[union-attr]
            if target is None:
                continue
            target_field = rel.target_field  # type: ignore[attr-defined]
            out.append(ForeignKey(table.db_table, rel.column, target.db_table, target_field.column))
    return sorted(out, key=lambda fk: (fk.table, fk.column))


def _distributable(all_tables: Iterable[Table]) -> list[Table]:
    """Distributed tables that keep every rule; a table with a problem stays on the coordinator for now."""
    broken = {p.label for p in problems()}
    return [t for t in all_tables if t.kind == "distributed" and t.label not in broken]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _constraints(cursor, table: str) -> dict:  # type: ignore[no-untyped-def]
    from django.db import connection

    return connection.introspection.get_constraints(cursor, table)


def composite_key_ddl(cursor) -> list[str]:  # type: ignore[no-untyped-def]
    """Statements plain PostgreSQL runs: primary keys and foreign keys that include municipality_id.

    1. drop the single-column foreign keys between distributed tables (they need `id` unique alone);
    2. make (municipality_id, id) the primary key of every distributed table;
    3. declare each of those foreign keys on (municipality_id, column) → (municipality_id, id).
    Reads the current constraint names from the database `cursor` is connected to.
    """
    all_tables = tables()
    distributed = _distributable(all_tables)
    fks = distributed_foreign_keys()
    targets = {t.db_table for t in distributed}
    drop_fks: list[str] = []
    # Every foreign key that points at a distributed table's `id` alone: between distributed tables it
    # is declared again below with municipality_id; from a table that is not distributable yet (a known
    # gap) it cannot exist in Citus at all and is dropped until the gap is closed.
    for table in all_tables:
        for name, info in sorted(_constraints(cursor, table.db_table).items()):
            fk_target = info["foreign_key"]
            if fk_target and fk_target[0] in targets and info["columns"] != [DISTRIBUTION_COLUMN]:
                drop_fks.append(f"ALTER TABLE {_q(table.db_table)} DROP CONSTRAINT {_q(name)}")
    primary_keys: list[str] = []
    for table in distributed:
        pk = table.model._meta.pk
        assert pk is not None
        for name, info in _constraints(cursor, table.db_table).items():
            if info["primary_key"]:
                primary_keys.append(
                    f"ALTER TABLE {_q(table.db_table)} DROP CONSTRAINT {_q(name)}, "
                    f"ADD PRIMARY KEY ({DISTRIBUTION_COLUMN}, {_q(pk.column)})"
                )
    add_fks = [
        f"ALTER TABLE {_q(fk.table)} ADD CONSTRAINT {_q(_fk_name(fk))} "
        f"FOREIGN KEY ({DISTRIBUTION_COLUMN}, {_q(fk.column)}) "
        f"REFERENCES {_q(fk.target_table)} ({DISTRIBUTION_COLUMN}, {_q(fk.target_column)}) "
        "DEFERRABLE INITIALLY DEFERRED"
        for fk in fks
    ]
    return drop_fks + primary_keys + add_fks


def _fk_name(fk: ForeignKey) -> str:
    import hashlib

    digest = hashlib.sha256(f"{fk.table}.{fk.column}".encode()).hexdigest()[:8]
    return f"{fk.table[:40]}_{fk.column[:10]}_muni_fk_{digest}"


def _referenced_first(all_tables: list[Table]) -> list[Table]:
    """Reference tables ordered so that a table comes after the tables it points at."""
    pending = {t.label: t for t in all_tables if t.kind == "reference"}
    ordered: list[Table] = []
    while pending:
        ready = [
            t
            for t in pending.values()
            if all(
                rel.related_model._meta.label not in pending or rel.related_model is t.model  # type: ignore[union-attr]
                for rel in _relations(t.model)
            )
        ]
        if not ready:  # a cycle: Citus accepts the rest in one create_reference_table call each anyway
            ready = list(pending.values())
        for t in sorted(ready, key=lambda t: t.db_table):
            ordered.append(t)
            del pending[t.label]
    return ordered


def citus_ddl(cursor) -> list[str]:  # type: ignore[no-untyped-def]
    """The whole conversion, in order: composite keys, then Citus's own functions (Citus only).

    Foreign keys between distributed tables are added after the tables are distributed, as Citus asks.
    """
    all_tables = tables()
    keys = composite_key_ddl(cursor)
    n_fk = len(distributed_foreign_keys())
    before, add_fks = keys[: len(keys) - n_fk], keys[len(keys) - n_fk :]
    reference = [f"SELECT create_reference_table('{t.db_table}')" for t in _referenced_first(all_tables)]
    distributed = _distributable(all_tables)
    anchor = "people_household" if any(t.db_table == "people_household" for t in distributed) else None
    dist: list[str] = []
    for table in sorted(distributed, key=lambda t: (t.db_table != anchor, t.db_table)):
        colocate = "" if table.db_table == anchor or anchor is None else f", colocate_with => '{anchor}'"
        dist.append(f"SELECT create_distributed_table('{table.db_table}', '{DISTRIBUTION_COLUMN}'{colocate})")
    local = [
        f"SELECT citus_add_local_table_to_metadata('{t.db_table}')"
        for t in all_tables
        if t.kind == "local" and _relations(t.model)
    ]
    return before + reference + local + dist + add_fks
