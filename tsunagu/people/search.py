"""Person search by name or reading, narrowed by birth date or age, ranked.

Callers pass a queryset that `tsunagu.access` has already scoped to what the viewer may see; this module
never widens or narrows visibility, it only matches and ranks inside what it is given.

How a query is read (`parse_query`):
- it is normalised with the same `search_key` as the stored keys (NFKC, half-width → full-width,
  katakana → hiragana, 異体字 folded: 髙→高, 﨑→崎, 齋→斎, 邊→辺 …, spaces removed), so every script,
  width, variant and spacing of the same name meets the same key;
- a query that is all kana is matched against the reading (`kana_key`) and also against the written
  name (`name_key`, for names written in kana); anything else against the written name only; a query
  mixing kanji and kana (「山田 たろう」) is split into words, each matched against the column its script
  belongs to. Readings are never derived from kanji (staff enter フリガナ).

Ranking, best first: exact match of the whole key > prefix > all words present > contains >
(PostgreSQL only, and only when nothing matched as typed) trigram similarity for typos; within a tier, an exact birth-date/age match comes
before an estimated or unknown one; ties are broken by reading, written name and id so that the order
is deterministic.

On PostgreSQL, exact and prefix matches use the btree and pattern-ops indexes Django creates for the
key columns, and contains/similarity use pg_trgm GIN indexes (migration 0003). pg_trgm cannot use an
index for a contains-pattern shorter than 3 characters, so 1–2 character keys match exact and prefix
only (on both databases, so results do not depend on the backend).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)

from tsunagu.core.kana import search_key
from tsunagu.core.wareki import age_on

from .models import Person

QueryKind = Literal["empty", "kana", "kanji", "mixed"]

# Rank tiers (higher is better). Labels are shown to staff next to each hit.
EXACT = 100
EXACT_NAME_AS_KANA = 95
PREFIX = 80
WORDS = 60
CONTAINS = 50
SIMILAR = 40
RANK_LABELS: dict[int, str] = {
    EXACT: "完全一致",
    EXACT_NAME_AS_KANA: "完全一致（かな表記の氏名）",
    PREFIX: "前方一致",
    WORDS: "姓・名それぞれ一致",
    CONTAINS: "部分一致",
    SIMILAR: "類似（表記ゆれ・誤字の可能性）",
}
BIRTH_LABELS = {2: "生年月日一致", 1: "推定年齢が近い", 0: "生年月日不明"}

CONTAINS_MIN_LENGTH = 3  # pg_trgm extracts no trigram from a shorter contains-pattern
SIMILARITY_MIN_LENGTH = 4  # shorter readings are too alike to call a trigram neighbour a typo
ESTIMATED_AGE_TOLERANCE = 2

_WORD_SPLIT = re.compile(r"[\s\u3000・･,、]+")
_SCRIPT_RUN = re.compile(r"[\u3041-\u309fー]+|[^\u3041-\u309fー]+")


@dataclass(frozen=True)
class ParsedQuery:
    """A search query after normalisation. `words` are the key of each word the user typed."""

    text: str
    key: str
    words: tuple[str, ...]
    kind: QueryKind


@dataclass(frozen=True)
class SearchHit:
    person: Person
    rank: int
    label: str
    birth_match: int | None  # 2 exact, 1 estimated age consistent, 0 unknown; None when not narrowed
    similarity: float = 0.0

    @property
    def birth_label(self) -> str:
        return "" if self.birth_match is None else BIRTH_LABELS[self.birth_match]


def _is_kana_key(key: str) -> bool:
    return bool(key) and all("\u3041" <= ch <= "\u309f" or ch == "ー" for ch in key)


def parse_query(text: str) -> ParsedQuery:
    """Normalise a query and split it into words; classify it as kana, kanji (anything else) or mixed."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    words = [search_key(w) for w in _WORD_SPLIT.split(text)]
    words = [w for w in words if w]
    key = "".join(words)
    if not key:
        return ParsedQuery(text, "", (), "empty")
    if len(words) == 1:
        # 「山田たろう」 without a space: split at the boundary between kana and other scripts.
        runs = _SCRIPT_RUN.findall(key)
        if len(runs) > 1:
            words = runs
    kinds = {_is_kana_key(w) for w in words}
    kind: QueryKind = "mixed" if len(kinds) == 2 else ("kana" if kinds == {True} else "kanji")
    return ParsedQuery(text, key, tuple(words), kind)


class _TrigramMatch(Func):
    """`column % 'query'`: pg_trgm's indexed similarity test (threshold pg_trgm.similarity_threshold)."""

    arg_joiner = " %% "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class _Similarity(Func):
    function = "similarity"
    output_field = FloatField()


def _name_conditions(parsed: ParsedQuery, vendor: str) -> tuple[list[tuple[Q, int]], Q | None]:
    """(condition, rank) pairs in priority order, and the similarity condition (PostgreSQL)."""
    key = parsed.key
    columns = ["kana_key", "name_key"] if parsed.kind == "kana" else ["name_key"]
    tiers: list[tuple[Q, int]] = []
    if parsed.kind == "kana":
        tiers.append((Q(kana_key=key), EXACT))
        tiers.append((Q(name_key=key), EXACT_NAME_AS_KANA))
    else:
        tiers.append((Q(name_key=key), EXACT))
    prefix = Q()
    for column in columns:
        prefix |= Q(**{f"{column}__startswith": key})
    tiers.append((prefix, PREFIX))
    # Words in the typed order are already covered by the whole-key tiers; the words tier adds mixed
    # scripts (「山田 たろう」) and other orders. Without a mixed script it needs a word long enough for a
    # trigram, or a two-character surname like 佐藤 would drag tens of thousands of rows through recheck.
    long_word = any(len(w) >= CONTAINS_MIN_LENGTH for w in parsed.words)
    if len(parsed.words) > 1 and (parsed.kind == "mixed" or long_word):
        # Every arm of the OR must be indexable or PostgreSQL falls back to a sequential scan: the first
        # word is matched by prefix when it is too short for a trigram, the others are then only filters.
        words_q = Q()
        for index, word in enumerate(parsed.words):
            word_columns = ["kana_key", "name_key"] if _is_kana_key(word) else ["name_key"]
            lookup = "startswith" if index == 0 and len(word) < CONTAINS_MIN_LENGTH else "contains"
            one = Q()
            for column in word_columns:
                one |= Q(**{f"{column}__{lookup}": word})
            words_q &= one
        tiers.append((words_q, WORDS))
    if len(key) >= CONTAINS_MIN_LENGTH:
        contains = Q()
        for column in columns:
            contains |= Q(**{f"{column}__contains": key})
        tiers.append((contains, CONTAINS))
    similar: Q | None = None
    if vendor == "postgresql" and len(key) >= SIMILARITY_MIN_LENGTH:
        similar = Q()
        for column in columns:
            similar |= Q(_TrigramMatch(F(column), Value(key)))
    return tiers, similar


def _age_bounds(age: int, on: dt.date) -> tuple[dt.date, dt.date]:
    """Birth dates of people who are `age` years old on `on` (inclusive bounds)."""

    def years_before(day: dt.date, years: int) -> dt.date:
        try:
            return day.replace(year=day.year - years)
        except ValueError:  # 29 February
            return day.replace(year=day.year - years, day=28)

    latest = years_before(on, age)
    earliest = years_before(on, age + 1) + dt.timedelta(days=1)
    return earliest, latest


def search_persons(
    queryset: QuerySet[Person],
    query: str,
    birth_date: dt.date | None = None,
    age: int | None = None,
    limit: int = 50,
    *,
    on: dt.date | None = None,
    include_merged: bool = False,
) -> list[SearchHit]:
    """Persons in `queryset` whose name or reading matches `query`, best first, at most `limit`.

    `birth_date` or `age` narrow the result: persons whose birth date matches come first; persons with
    no birth date stay in the list when their estimated age is within ±2 years or unknown, ranked after
    them, because a missing birth date is exactly how duplicates arise. Records merged into another
    (名寄せ) are left out unless `include_merged`. `on` is the day ages are counted on (today).
    """
    parsed = parse_query(query)
    if parsed.kind == "empty" or limit <= 0:
        return []
    vendor = connections[queryset.db].vendor
    tiers, similar = _name_conditions(parsed, vendor)

    qs = queryset
    if not include_merged:
        qs = qs.filter(merged_into__isnull=True)

    order: list[str] = ["-search_rank"]
    narrowed = birth_date is not None or age is not None
    if narrowed:
        today = on or dt.date.today()
        if birth_date is not None:
            exact_birth = Q(birth_date=birth_date)
            target_age = age_on(birth_date, today)
        else:
            assert age is not None
            earliest, latest = _age_bounds(age, today)
            exact_birth = Q(birth_date__range=(earliest, latest))
            target_age = age
        estimated = Q(
            birth_date__isnull=True,
            estimated_age__range=(
                max(target_age - ESTIMATED_AGE_TOLERANCE, 0),
                target_age + ESTIMATED_AGE_TOLERANCE,
            ),
        )
        unknown = Q(birth_date__isnull=True, estimated_age__isnull=True)
        qs = qs.filter(exact_birth | estimated | unknown).annotate(
            birth_rank=Case(
                When(exact_birth, then=Value(2)),
                When(estimated, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        order.append("-birth_rank")
    tail = ["kana_key", "name_key", "id"]

    any_name = Q()
    for condition, _rank in tiers:
        any_name |= condition
    rank = Case(
        *[When(condition, then=Value(value)) for condition, value in tiers],
        default=Value(SIMILAR),
        output_field=IntegerField(),
    )
    rows = list(qs.filter(any_name).annotate(search_rank=rank).order_by(*order, *tail)[:limit])
    if not rows and similar is not None:
        # Typos are offered only when nothing matched as typed: a similarity scan costs more than the
        # other tiers, and a typo neighbour would rank below every one of them anyway.
        columns = ["kana_key", "name_key"] if parsed.kind == "kana" else ["name_key"]
        rows = list(
            qs.filter(similar)
            .annotate(
                search_rank=Value(SIMILAR, output_field=IntegerField()),
                search_similarity=_Similarity(F(columns[0]), Value(parsed.key)),
            )
            .order_by(*order, "-search_similarity", *tail)[:limit]
        )

    hits: list[SearchHit] = []
    for person in rows:
        value: int = person.search_rank  # type: ignore[attr-defined]
        hits.append(
            SearchHit(
                person=person,
                rank=value,
                label=RANK_LABELS[value],
                birth_match=getattr(person, "birth_rank", None),
                similarity=float(getattr(person, "search_similarity", 0.0) or 0.0),
            )
        )
    return hits
