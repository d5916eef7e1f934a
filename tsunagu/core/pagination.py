"""Pages of a list, one way for every screen: a list never stops silently, it says how many there are and
lets staff see the rest.

Two kinds of page, rendered by the same template tag (`{% pager page %}`, core/templatetags/pager.py):

- `numbered_page(queryset, value, per_page)` — Django's Paginator, for lists a city keeps small enough to
  count (つなぎ依頼, cases, merges). The page number is read strictly (ASCII digits only: "３", "²",
  "1e3" and a 30-digit number are not page numbers); a missing or malformed number is page 1, a number
  past the end is the last page, so a bad or stale link never gives a 500.
- `keyset_page(queryset, key, after=, before=, per_page)` — for lists that grow without bound (the audit
  log): rows are found by their position in a unique integer column (`seq`), newest first, so page 1000
  costs what page 1 costs. The total is counted only up to `COUNT_CAP` rows ("10,000件以上").

Both count only what the caller's queryset holds: pass the queryset the app's policy already narrowed to
what the viewer may see, and the count is of visible rows only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from .numbers import DB_ID_MAX, parse_int

# Above this many rows a keyset list says "N件以上" instead of counting every row.
COUNT_CAP = 10_000


def page_number(value: object) -> int:
    """A page number from a request: a positive ASCII integer (one too long for any column counts as past
    the end), else 1."""
    number = parse_int(value, minimum=1, maximum=DB_ID_MAX)
    if number is None and isinstance(value, str) and value.isascii() and value.isdigit() and value.strip("0"):
        return DB_ID_MAX
    return 1 if number is None else number


def numbered_page(queryset: QuerySet[Any] | Sequence[Any], value: object, per_page: int) -> Page:
    """Page `value` (strictly parsed; past the end → the last page) of an ordered queryset or list."""
    paginator = Paginator(queryset, per_page)
    number = page_number(value)
    return paginator.page(min(number, paginator.num_pages))


def cursor(value: object) -> int | None:
    """A keyset cursor from a request (an id or sequence number, 1 … 2**63-1), or None."""
    return parse_int(value, minimum=1, maximum=DB_ID_MAX)


@dataclass
class KeysetPage:
    """One page of a list ordered by a unique integer column, descending (newest first)."""

    object_list: list[Any]
    total: int  # counted up to COUNT_CAP + 1
    next_cursor: int | None  # ?after= for the next (older) page
    previous_cursor: int | None  # ?before= for the previous (newer) page
    first: bool
    per_page: int
    kind: str = field(default="keyset", init=False)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def total_capped(self) -> bool:
        return self.total > COUNT_CAP

    @property
    def total_label(self) -> str:
        return f"{COUNT_CAP:,}件以上" if self.total_capped else f"{self.total:,}件"

    @property
    def has_other_pages(self) -> bool:
        return self.next_cursor is not None or self.previous_cursor is not None or not self.first


def _newest_first(
    queryset: QuerySet[Any], key: str, total: int, per_page: int, *, after: int | None
) -> KeysetPage:
    base = queryset if after is None else queryset.filter(**{f"{key}__lt": after})
    rows = list(base.order_by(f"-{key}")[: per_page + 1])
    more_older = len(rows) > per_page
    rows = rows[:per_page]
    newer = after is not None and queryset.filter(**{f"{key}__gt": getattr(rows[0], key)}).exists()
    return KeysetPage(
        rows,
        total,
        getattr(rows[-1], key) if more_older else None,
        getattr(rows[0], key) if newer else None,
        first=not newer,
        per_page=per_page,
    )


def _oldest_last(
    queryset: QuerySet[Any], key: str, total: int, per_page: int, *, before: int | None
) -> KeysetPage:
    base = queryset if before is None else queryset.filter(**{f"{key}__gt": before})
    rows = list(base.order_by(key)[: per_page + 1])
    more_newer = len(rows) > per_page
    rows = list(reversed(rows[:per_page]))
    older = queryset.filter(**{f"{key}__lt": getattr(rows[-1], key)}).exists()
    return KeysetPage(
        rows,
        total,
        getattr(rows[-1], key) if older else None,
        getattr(rows[0], key) if more_newer else None,
        first=not more_newer,
        per_page=per_page,
    )


def keyset_page(
    queryset: QuerySet[Any], key: str, *, after: object = None, before: object = None, per_page: int = 100
) -> KeysetPage:
    """The rows older than cursor `after` or newer than cursor `before`, `per_page` of them, in `key`
    descending order. A malformed cursor is ignored (the first page); a cursor past the oldest row shows
    the last page, one past the newest the first page (a stale link never shows an empty list)."""
    total = queryset.order_by()[: COUNT_CAP + 1].count()
    if total == 0:
        return KeysetPage([], 0, None, None, first=True, per_page=per_page)
    later, earlier = cursor(after), cursor(before)
    if later is not None:
        if queryset.filter(**{f"{key}__lt": later}).exists():
            return _newest_first(queryset, key, total, per_page, after=later)
        return _oldest_last(queryset, key, total, per_page, before=None)  # past the end: the last page
    if earlier is not None and queryset.filter(**{f"{key}__gt": earlier}).exists():
        return _oldest_last(queryset, key, total, per_page, before=earlier)
    return _newest_first(queryset, key, total, per_page, after=None)
