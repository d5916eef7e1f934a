"""The plumbing of `manage.py generate_history`: a registry of generator steps and a bulk table writer.

`generate_history` writes years of a large city's records (synthetic, deterministic by seed) for
benchmarks and analytics. It is a list of **steps**, each a function `(ctx: HistoryContext) -> None`
registered with `@history_step("name", after=(...))`. The built-in steps (staff, persons and
households, consultations, cases, meetings and the 連絡帳, outreach, participation, community, the audit
log) live in `tsunagu/synthetic/history.py`; an app may also add a module `<app>/history.py` with
its own steps, and the command imports it (as Django imports `admin.py`). A step reads what earlier
steps made from `ctx.shared` (documented keys in tsunagu/synthetic/README.md), writes through
`ctx.writer`, and hands the audit events of its writes to `ctx.audit`; the final audit step chains
every event of every step in time order.

Speed: rows are written as PostgreSQL `COPY … FROM STDIN` text (psycopg 3 `cursor.copy`) with ids
reserved from the table's sequence up front, and the large tables' secondary indexes and foreign keys
are dropped for the load and rebuilt after it in the same transaction (one sort instead of millions of
index inserts). Rows are tuples of strings already in the database's text form (`ctx.fmt`), so the hot
loop is one `"\\t".join`. On SQLite (tests, the embedded demo) the same rows go through `executemany`.

This module imports no app.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

StepFunc = Callable[["HistoryContext"], None]


class HistoryError(Exception):
    """A step cannot generate for this city (the message is for the person running the command)."""


@dataclass(frozen=True)
class Step:
    name: str
    func: StepFunc
    after: tuple[str, ...] = ()
    final: bool = False  # runs after every other step (the audit chain)
    doc: str = ""


_STEPS: dict[str, Step] = {}


def history_step(
    name: str, *, after: Sequence[str] = (), final: bool = False
) -> Callable[[StepFunc], StepFunc]:
    """Register a generator step. `after`: steps whose `ctx.shared` results this one reads."""

    def register(func: StepFunc) -> StepFunc:
        if name in _STEPS and _STEPS[name].func is not func:
            raise ValueError(f"history step {name!r} is registered twice")
        _STEPS[name] = Step(name, func, tuple(after), final, (func.__doc__ or "").strip().split("\n")[0])
        return func

    return register


def registered_steps() -> list[Step]:
    """Every registered step in an order where each comes after the steps it names; final steps last."""
    pending = dict(_STEPS)
    for step in pending.values():
        unknown = [a for a in step.after if a not in _STEPS]
        if unknown:
            raise ValueError(f"history step {step.name!r} runs after unknown steps {unknown}")
    ordered: list[Step] = []
    done: set[str] = set()
    for final in (False, True):
        while True:
            ready = sorted(
                (s for s in pending.values() if s.final == final and all(a in done for a in s.after)),
                key=lambda s: s.name,
            )
            if not ready:
                break
            step = ready[0]
            ordered.append(step)
            done.add(step.name)
            del pending[step.name]
    if pending:
        raise ValueError(f"history steps with circular or final-to-final order: {sorted(pending)}")
    return ordered


# ------------------------------------------------------------------------------------------ text forms


class Formats:
    """Values in the text form the database reads (COPY text on PostgreSQL, bound strings on SQLite).

    Timestamps are integer seconds since the epoch (UTC); dates are `datetime.date`.
    """

    NULL = "\\N"

    def __init__(self, vendor: str):
        self.vendor = vendor
        self.true, self.false = ("t", "f") if vendor == "postgresql" else ("1", "0")
        self._suffix = "+00" if vendor == "postgresql" else ""
        self._days: dict[int, str] = {}
        self._tod = [f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}" for s in range(86400)]

    def boolean(self, value: bool) -> str:
        return self.true if value else self.false

    def ts(self, seconds: int) -> str:
        day, second = divmod(seconds, 86400)
        text = self._days.get(day)
        if text is None:
            text = self._days[day] = (dt.date(1970, 1, 1) + dt.timedelta(days=day)).isoformat()
        return f"{text} {self._tod[second]}{self._suffix}"

    def date(self, value: dt.date | None) -> str:
        return self.NULL if value is None else value.isoformat()

    def json(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))

    @staticmethod
    def objects_json(objects: Iterable[tuple[str, int]]) -> str:
        """[["kind", id], …] as JSON, for kinds that are plain identifiers (audit object lists)."""
        return "[" + ", ".join(f'["{kind}", {pk}]' for kind, pk in objects) + "]"

    @staticmethod
    def text(value: str) -> str:
        """Free text for COPY: no tab, newline or backslash may reach the stream unescaped."""
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return value


def epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


# ---------------------------------------------------------------------------------------------- writer


class TableWriter:
    """Writes pre-rendered rows into tables of the connected database, fast, inside the caller's transaction."""

    COPY_CHUNK = 5000

    def __init__(self, connection: BaseDatabaseWrapper, fmt: Formats):
        self.connection = connection
        self.fmt = fmt
        self.rows: dict[str, int] = {}
        self.seconds: dict[str, float] = {}

    @property
    def postgresql(self) -> bool:
        return self.connection.vendor == "postgresql"

    def _q(self, name: str) -> str:
        return self.connection.ops.quote_name(name)

    def reserve_ids(self, table: str, n: int) -> int:
        """The first of `n` consecutive primary keys no other row has or will get; the rows are written
        with these ids explicitly. PostgreSQL: the table is locked against other writers until commit."""
        with self.connection.cursor() as cursor:
            if self.postgresql:
                cursor.execute(f"LOCK TABLE {self._q(table)} IN EXCLUSIVE MODE")
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                seq = cursor.fetchone()[0]
                cursor.execute("SELECT COALESCE(MAX(id), 0) FROM " + self._q(table))  # noqa: S608 - quoted name
                top = cursor.fetchone()[0]
                # The name PostgreSQL itself returned for the table's sequence.
                cursor.execute("SELECT last_value, is_called FROM " + seq)  # noqa: S608
                last, called = cursor.fetchone()
                first = max(top, last if called else last - 1) + 1
                if n:
                    cursor.execute("SELECT setval(%s, %s, true)", [seq, first + n - 1])
                return int(first)
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM " + self._q(table))  # noqa: S608 - quoted name
            return int(cursor.fetchone()[0]) + 1

    def release_ids(self, table: str, last_used: int) -> None:
        """Give back the end of a reservation that was not used (PostgreSQL; SQLite needs nothing)."""
        if self.postgresql:
            with self.connection.cursor() as cursor:
                top = f"(SELECT COALESCE(MAX(id), 1) FROM {self._q(table)})"  # noqa: S608 - quoted name
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST(%s, {top}), true)",
                    [table, max(last_used, 1)],
                )

    def write(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> int:
        """Write rows (tuples of strings in `Formats` text form, `Formats.NULL` for NULL). Returns the count."""
        started = time.perf_counter()
        count = 0
        cols = ", ".join(self._q(c) for c in columns)
        with self.connection.cursor() as cursor:
            if self.postgresql:
                raw = cursor.cursor
                with raw.copy(f"COPY {self._q(table)} ({cols}) FROM STDIN") as copy:
                    chunk: list[str] = []
                    for row in rows:
                        chunk.append("\t".join(row))
                        if len(chunk) >= self.COPY_CHUNK:
                            copy.write("\n".join(chunk) + "\n")
                            count += len(chunk)
                            chunk = []
                    if chunk:
                        copy.write("\n".join(chunk) + "\n")
                        count += len(chunk)
            else:
                null = self.fmt.NULL
                marks = ", ".join(["%s"] * len(columns))
                sql = f"INSERT INTO {self._q(table)} ({cols}) VALUES ({marks})"  # noqa: S608 - quoted names
                batch: list[list[str | None]] = []
                for row in rows:
                    batch.append([None if v == null else v for v in row])
                    if len(batch) >= 2000:
                        cursor.executemany(sql, batch)
                        count += len(batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
                    count += len(batch)
        self.rows[table] = self.rows.get(table, 0) + count
        self.seconds[table] = self.seconds.get(table, 0.0) + time.perf_counter() - started
        return count

    @contextmanager
    def bulk_load(self, tables: Sequence[str]) -> Iterator[None]:
        """PostgreSQL: drop the secondary indexes, unique constraints and foreign keys of `tables` for the
        load and rebuild them after it (same transaction: a failure rolls everything back). The primary key
        stays. Elsewhere a no-op. Rebuilding a foreign key checks every loaded row, so nothing is skipped."""
        if not self.postgresql or not tables:
            yield
            return
        saved: list[tuple[str, str, str, str]] = []  # (kind, table, name, definition)
        with self.connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for table in tables:
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY conname",
                    [table],
                )
                for name, definition, kind in cursor.fetchall():
                    saved.append(("fk" if kind == "f" else "unique", table, name, definition))
                cursor.execute(
                    "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                    "JOIN pg_class i ON i.oid = x.indexrelid "
                    "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid) ORDER BY i.relname",
                    [table],
                )
                saved += [("index", table, name, definition) for name, definition in cursor.fetchall()]
            # Checks of rows written earlier in the transaction are still pending (Django's foreign keys
            # are deferred); run them now, or PostgreSQL refuses to alter the tables they touch.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for kind, table, name, _definition in saved:
                if kind == "index":
                    cursor.execute(f"DROP INDEX {self._q(name)}")
                else:
                    cursor.execute(f"ALTER TABLE {self._q(table)} DROP CONSTRAINT {self._q(name)}")
        yield
        started = time.perf_counter()
        with self.connection.cursor() as cursor:
            order = {"unique": 0, "index": 1, "fk": 2}
            for kind, table, name, definition in sorted(saved, key=lambda s: order[s[0]]):
                if kind == "index":
                    cursor.execute(definition)
                else:
                    cursor.execute(
                        f"ALTER TABLE {self._q(table)} ADD CONSTRAINT {self._q(name)} {definition}"
                    )
        self.seconds["(indexes)"] = self.seconds.get("(indexes)", 0.0) + time.perf_counter() - started

    def analyze(self) -> None:
        if self.postgresql:
            with self.connection.cursor() as cursor:
                for table in self.rows:
                    cursor.execute(f"ANALYZE {self._q(table)}")


# ---------------------------------------------------------------------------------------------- audit


class AuditItem(NamedTuple):
    """One audit event a step's writes would have produced; the final step chains them in time order."""

    at: int  # seconds since the epoch, UTC
    actor_id: int | None
    action: str
    objects: tuple[tuple[str, int], ...]
    channel: str = "view"
    detail: Mapping[str, Any] | None = None
    view_name: str = ""
    reason: str = ""


class AuditCollector:
    """Streams of AuditItems, each already in time order; merged once by the audit step.

    The audit step keeps a uniform sample of the size asked for: it sets `keep` (the share of events to
    keep) before it starts iterating the streams. A stream added with `sampled=True` draws that sample
    itself (and so never builds the events left out); the others are sampled by the audit step.
    """

    def __init__(self) -> None:
        self.sources: list[tuple[str, Iterable[AuditItem], int, bool]] = []
        self.keep = 1.0

    def add(self, name: str, items: Iterable[AuditItem], count: int, *, sampled: bool = False) -> None:
        """`items` in nondecreasing `at` order (an iterator is consumed once, lazily); `count`: how many
        events the stream stands for before sampling."""
        self.sources.append((name, items, count, sampled))

    @property
    def available(self) -> int:
        return sum(count for _name, _items, count, _sampled in self.sources)


# --------------------------------------------------------------------------------------------- context


@dataclass
class HistoryContext:
    """What a step gets: the city, the seed, the sizes asked for, the time span, the writer, shared data."""

    municipality: Any  # tsunagu.municipalities.models.Municipality
    seed: int
    sizes: Mapping[str, int]
    start: dt.date
    end: dt.date
    writer: TableWriter
    fmt: Formats
    shared: dict[str, Any] = field(default_factory=dict)
    audit: AuditCollector = field(default_factory=AuditCollector)
    log: Callable[[str], None] = print

    def rng(self, name: str) -> random.Random:
        """A random stream per step: adding a step never changes what another step generates."""
        return random.Random(f"tsunagu-history:{self.municipality.code}:{self.seed}:{name}")

    def size(self, name: str) -> int:
        return int(self.sizes.get(name, 0))

    def table(self, model: type[models.Model]) -> str:
        return str(model._meta.db_table)
