"""The household timeline: one page of entries that each app registers, newest first.

People owns the household page but knows nothing of consultations or cases. Each app registers a
*source* in its AppConfig.ready():

    register_timeline_source(TimelineSource(
        key="intake.consultation", label="相談", entries=consultation_entries, hidden_note=hidden_note))

`entries(staff, household, before, limit)` returns at most `limit` entries older than `before` (the
cursor of the last entry already shown), newest first, **filtered by the app's own policy**: an entry a
staff member may not read is never returned. Use `older_than(before, source_key, "at_field")` to build
the keyset filter. Each entry names the records showing it reveals (`audit_objects`); the household view
writes one audit row per page naming exactly what was shown. `hidden_note(staff, household)` may return a
sentence such as 「ほかに 3 件の記録があります…」 — only where the app's rules allow even a count.

Paging is by keyset: the page asks every source for `limit + 1` entries older than the cursor, merges
them by (time desc, source key, id desc), shows `limit` and keeps the last shown entry as the next cursor.
A household with 500 consultations costs one indexed query per source per page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

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


EntriesFn = Callable[[Staff, Household, Cursor | None, int], Sequence[TimelineEntry]]
HiddenFn = Callable[[Staff, Household], str | None]


@dataclass(frozen=True)
class TimelineSource:
    key: str  # "<app>.<what>", e.g. "intake.consultation"; orders entries that share a timestamp
    label: str  # Japanese, e.g. 「相談」
    entries: EntriesFn
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


def timeline_page(
    staff: Staff, household: Household, before: Cursor | None = None, limit: int = PAGE_SIZE
) -> TimelinePage:
    """One page of the household's timeline for `staff`: what every registered source lets them read.

    The caller has fetched `household` through `people.policy` and writes the audit row (with
    `page.audit_objects()`) before rendering anything."""
    merged: list[TimelineEntry] = []
    for source in timeline_sources():
        found = list(source.entries(staff, household, before, limit + 1))
        for entry in found:
            if entry.source != source.key:
                raise ValueError(f"timeline source {source.key!r} returned an entry of {entry.source!r}")
            if before is not None and entry.sort_key() <= before.sort_key():
                raise ValueError(f"timeline source {source.key!r} ignored the cursor")
        merged.extend(found)
    merged.sort(key=TimelineEntry.sort_key)
    shown = merged[:limit]
    more = len(merged) > limit
    notes: list[str] = []
    if before is None:
        for source in timeline_sources():
            if source.hidden_note is not None:
                note = source.hidden_note(staff, household)
                if note:
                    notes.append(note)
    return TimelinePage(
        entries=shown,
        next_cursor=shown[-1].cursor if more and shown else None,
        hidden_notes=notes,
        first=before is None,
    )
