"""The household timeline: one page of entries that each app registers, newest first.

People owns the household page but knows nothing of consultations or cases. Each app registers a
*source* in its AppConfig.ready():

    register_timeline_source(TimelineSource(
        key="intake.consultation", label="相談", rows=consultation_rows, at_field="received_at",
        entries=consultation_entries, hidden_note=hidden_note))

`rows(staff, household)` is the queryset of the household's records of that kind that `staff` may read,
**filtered by the app's own policy** (None when there is nothing to read); `at_field` is the time the
timeline orders them by. `entries(staff, household, rows)` turns the rows chosen for the page (`rows`
narrowed to their ids) into entries, each naming the records showing it reveals (`audit_objects`); the
household view writes one audit row per page naming exactly what was shown. `hidden_note(staff,
household)` may return a sentence such as 「ほかに 3 件の記録があります…」 — only where the app's rules
allow even a count.

Paging is by keyset, in two steps. One query (a UNION ALL of every source's rows) reads the position
(time, id) of at most `limit + 1` entries per source older than the cursor — on PostgreSQL each arm is
ordered and LIMITed, an index range scan per source; SQLite does not allow that inside a compound
statement, so there each arm reads the household's positions of that kind. The positions are merged by
(time desc, source key, id desc), `limit` are kept, and the last one becomes the next cursor. Then only
the sources with an entry on the page load their rows, by id, through the same policy queryset. A page
costs one query plus one per kind of record on it, however long the household's history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.db.models import IntegerField, Q, QuerySet, Value

from tsunagu.accounts.models import Staff

from .models import Household

PAGE_SIZE = 30
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _micros(at: dt.datetime) -> int:
    """Microseconds since the epoch: exact, unlike a float timestamp."""
    return (at - _EPOCH) // dt.timedelta(microseconds=1)


@dataclass(frozen=True)
class Cursor:
    """Position of an entry in the timeline's order; encoded into the 「さらに表示」 link."""

    at: dt.datetime
    source: str
    pk: int

    def encode(self) -> str:
        return f"{_micros(self.at)}~{self.source}~{self.pk}"

    def sort_key(self) -> tuple[int, str, int]:
        """Newest first; entries at the same moment by source key, then newest id first."""
        return (-_micros(self.at), self.source, -self.pk)

    @classmethod
    def decode(cls, value: str | None) -> Cursor | None:
        """The cursor in `value`, or None for a missing or malformed one (the first page is shown)."""
        if not value:
            return None
        parts = value.split("~")
        if len(parts) != 3 or parts[1] not in _SOURCES:
            return None
        try:
            micros, pk = int(parts[0]), int(parts[2])
            at = _EPOCH + dt.timedelta(microseconds=micros)
        except (ValueError, OverflowError):
            return None
        if pk < 1:
            return None
        return cls(at, parts[1], pk)


@dataclass(frozen=True)
class TimelineEntry:
    """One entry: `template` is rendered with `entry` in its context (`entry.obj` is the record)."""

    at: dt.datetime
    source: str
    pk: int
    template: str
    obj: Any
    audit_objects: tuple[tuple[str, int], ...]
    label: str = ""

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.at, self.source, self.pk)

    def sort_key(self) -> tuple[int, str, int]:
        return self.cursor.sort_key()


RowsFn = Callable[[Staff, Household], "QuerySet[Any] | None"]
EntriesFn = Callable[[Staff, Household, "QuerySet[Any]"], Sequence[TimelineEntry]]
HiddenFn = Callable[[Staff, Household], str | None]


@dataclass(frozen=True)
class TimelineSource:
    key: str  # "<app>.<what>", e.g. "intake.consultation"; orders entries that share a timestamp
    label: str  # Japanese, e.g. 「相談」
    rows: RowsFn  # the household's records of this kind the reader may read (the app's policy)
    at_field: str  # the field of those rows the timeline orders by
    entries: EntriesFn  # entries for the rows on the page
    hidden_note: HiddenFn | None = None


_SOURCES: dict[str, TimelineSource] = {}


def register_timeline_source(source: TimelineSource) -> None:
    """Add a source of household timeline entries (idempotent for the same source object)."""
    if "~" in source.key or not source.key:
        raise ValueError(f"bad timeline source key {source.key!r}")
    existing = _SOURCES.get(source.key)
    if existing is not None and existing != source:
        raise ValueError(f"timeline source {source.key!r} is already registered")
    _SOURCES[source.key] = source


def timeline_sources() -> list[TimelineSource]:
    return [_SOURCES[k] for k in sorted(_SOURCES)]


def older_than(before: Cursor | None, source: str, at_field: str, pk_field: str = "pk") -> Q:
    """Keyset filter for rows of `source` that come after `before` in the timeline's order
    (time desc, source key asc, id desc). Q() when `before` is None (the first page)."""
    if before is None:
        return Q()
    if source > before.source:
        return Q(**{f"{at_field}__lte": before.at})
    if source == before.source:
        return Q(**{f"{at_field}__lt": before.at}) | Q(**{at_field: before.at, f"{pk_field}__lt": before.pk})
    return Q(**{f"{at_field}__lt": before.at})


@dataclass
class TimelinePage:
    entries: list[TimelineEntry]
    next_cursor: Cursor | None
    hidden_notes: list[str] = field(default_factory=list)
    first: bool = True

    def audit_objects(self) -> list[tuple[str, int]]:
        seen: dict[tuple[str, int], None] = {}
        for entry in self.entries:
            for ref in entry.audit_objects:
                seen.setdefault(ref, None)
        return list(seen)


def _positions(
    staff: Staff, household: Household, before: Cursor | None, limit: int
) -> tuple[list[tuple[dt.datetime, int, int]], dict[int, QuerySet[Any]]]:
    """(time, id, source index) of at most `limit + 1` rows of each source older than `before`, in one
    query; and each source's rows queryset by index."""
    sources = timeline_sources()
    arms: list[QuerySet[Any]] = []
    rows_of: dict[int, QuerySet[Any]] = {}
    for index, source in enumerate(sources):
        rows = source.rows(staff, household)
        if rows is None:
            continue
        rows_of[index] = rows
        ordered_arms = connections[rows.db].features.supports_slicing_ordering_in_compound
        arm = (
            rows.filter(older_than(before, source.key, source.at_field))
            .annotate(timeline_source=Value(index, output_field=IntegerField()))
            .order_by()
            .values_list(source.at_field, "pk", "timeline_source")
        )
        if ordered_arms:
            arm = arm.order_by(f"-{source.at_field}", "-pk")[: limit + 1]
        arms.append(arm)
    if not arms:
        return [], rows_of
    union = arms[0].union(*arms[1:], all=True) if len(arms) > 1 else arms[0]
    return [(at, pk, index) for at, pk, index in union], rows_of


def timeline_page(
    staff: Staff, household: Household, before: Cursor | None = None, limit: int = PAGE_SIZE
) -> TimelinePage:
    """One page of the household's timeline for `staff`: what every registered source lets them read.

    The caller has fetched `household` through `people.policy` and writes the audit row (with
    `page.audit_objects()`) before rendering anything."""
    sources = timeline_sources()
    positions, rows_of = _positions(staff, household, before, limit)
    keyed = [(Cursor(at, sources[index].key, pk), index) for at, pk, index in positions if at is not None]
    keyed.sort(key=lambda k: k[0].sort_key())
    if before is not None and keyed and keyed[0][0].sort_key() <= before.sort_key():
        raise ValueError(f"timeline source {keyed[0][0].source!r} ignored the cursor")
    on_page = keyed[:limit]
    wanted: dict[int, set[int]] = {}
    for cursor, index in on_page:
        wanted.setdefault(index, set()).add(cursor.pk)
    shown: list[TimelineEntry] = []
    for index, pks in sorted(wanted.items()):
        source = sources[index]
        found = list(source.entries(staff, household, rows_of[index].filter(pk__in=pks)))
        for entry in found:
            if entry.source != source.key:
                raise ValueError(f"timeline source {source.key!r} returned an entry of {entry.source!r}")
            if entry.pk not in pks:
                raise ValueError(f"timeline source {source.key!r} returned a row it was not asked for")
        shown.extend(found)
    shown.sort(key=TimelineEntry.sort_key)
    notes: list[str] = []
    if before is None:
        for source in sources:
            if source.hidden_note is not None:
                note = source.hidden_note(staff, household)
                if note:
                    notes.append(note)
    return TimelinePage(
        entries=shown,
        next_cursor=on_page[-1][0] if len(keyed) > limit and on_page else None,
        hidden_notes=notes,
        first=before is None,
    )
