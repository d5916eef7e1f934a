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

Ranking, best first: exact match of the whole key > prefix > all words present (in any order, so
「翔太 佐藤」 finds 佐藤翔太) > contains > (PostgreSQL only, and only when nothing matched as typed) a key
one edit away, for typos; within a tier, an exact birth-date/age match comes before an estimated or
unknown one; ties are broken by reading, written name and id in code-point order, so that the order is
deterministic and the same on both databases.

Every tier is one LIMITed, ordered arm of a single statement (`SELECT * FROM (arm) UNION ALL …`, a
`search_tier` column naming the arm), so a search is one round trip whatever tier matches; on PostgreSQL
the typo arm joins it behind `NOT EXISTS` over the other arms, so it runs only when they found nothing.
Each arm asks for `limit` rows; the tiers are then merged in rank order in Python, a row an earlier tier
already listed left out — the same hits as running the tiers one by one, each leaving out what the
earlier ones returned and asking only for the rows still missing (the first `n` rows of a tier not
already listed are among its first `limit`, since at most `limit - n` were listed before). On PostgreSQL the prefix tier reads the (municipality, key
COLLATE "C", …) btree indexes (migration 0006) in result order and stops after `limit` rows, exact
matches use the btree indexes, contains uses the pg_trgm GIN indexes (migration 0003), and each typo
pattern is selective through one of them. pg_trgm cannot use an index for a contains-pattern shorter
than 3 characters, so 1–2 character keys match exact and prefix only (on both databases, so results do
not depend on the backend).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

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
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Collate, Greatest

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
MAX_PERMUTED_WORDS = 4  # words tried in every order (24 prefixes at most)
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


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _one_edit_away(key: str) -> tuple[list[str], list[str]]:
    """LIKE patterns and exact strings for every key one edit from `key` (Damerau–Levenshtein 1).

    One wrong kana (`_` in its place), one kana missing from the query (`_` inserted), one kana too
    many (dropped) and two neighbours swapped. Every pattern keeps all but one character, so each is
    selective through an index: a long fixed prefix through the btree, otherwise its trigrams.
    """
    chars = [_escape_like(ch) for ch in key]
    patterns = []
    for i in range(len(chars)):
        patterns.append("".join(chars[:i]) + "_" + "".join(chars[i + 1 :]))
    for i in range(len(chars) + 1):
        patterns.append("".join(chars[:i]) + "_" + "".join(chars[i:]))
    exact = {key[:i] + key[i + 1 :] for i in range(len(key))}
    exact |= {key[:i] + key[i + 1] + key[i] + key[i + 2 :] for i in range(len(key) - 1)}
    exact.discard(key)
    return list(dict.fromkeys(patterns)), sorted(exact)


class _Real(Func):
    """`CAST(x AS real)`: the other arms' similarity column has the type of pg_trgm's `similarity()`, so
    the typo arm's values come back exactly as they would on their own (SQLite reads it as REAL)."""

    template = "CAST(%(expressions)s AS real)"
    output_field = FloatField()


class _Similarity(Func):
    function = "similarity"
    output_field = FloatField()


def _columns(key: str) -> list[str]:
    """The key columns a query word is matched against: a kana word also meets names written in kana."""
    return ["kana_key", "name_key"] if _is_kana_key(key) else ["name_key"]


def _any_column(columns: list[str], lookup: str, value: str) -> Q:
    condition = Q()
    for column in columns:
        condition |= Q(**{f"{column}__{lookup}": value})
    return condition


def _words_condition(parsed: ParsedQuery) -> Q | None:
    """Rows holding every word the user typed, in any order (rank WORDS), or None when not applicable.

    Words in the typed order are already covered by the whole-key tiers. Two ways, OR-ed:
    - another order of the words typed together (「翔太 佐藤」, 「はなこ やまだ」): each permutation is a
      prefix of the key, so even 2-character words are matched through the btree index;
    - mixed scripts (「山田 たろう」), or a word long enough for a trigram: every word contained in its
      column. Every arm of such an AND must be indexable or PostgreSQL falls back to a sequential scan, so
      a word too short for a trigram is matched by prefix when it comes first and is otherwise only a
      filter; without a mixed script and without a long word this way is skipped, or a two-character
      surname like 佐藤 would drag tens of thousands of rows through recheck.
    """
    words = parsed.words
    if len(words) < 2:
        return None
    condition = Q()
    found = False
    if parsed.kind != "mixed" and len(words) <= MAX_PERMUTED_WORDS:
        columns = _columns(parsed.key)
        for order in itertools.permutations(words):
            joined = "".join(order)
            if joined != parsed.key:
                condition |= _any_column(columns, "startswith", joined)
                found = True
    if parsed.kind == "mixed" or any(len(w) >= CONTAINS_MIN_LENGTH for w in words):
        every = Q()
        for index, word in enumerate(words):
            lookup = "startswith" if index == 0 and len(word) < CONTAINS_MIN_LENGTH else "contains"
            every &= _any_column(_columns(word), lookup, word)
        condition |= every
        found = True
    return condition if found else None


_ALIASES = {"kana_key": "search_kana", "name_key": "search_name"}


class _Tier(NamedTuple):
    rank: int
    condition: Q


def _tiers(parsed: ParsedQuery) -> list[list[_Tier]]:
    """The match tiers in rank order; the conditions of one tier are run separately and merged."""
    key = parsed.key
    columns = ["kana_key", "name_key"] if parsed.kind == "kana" else ["name_key"]
    tiers: list[list[_Tier]] = []
    # Exact matches (equality on the btree indexes); for a kana query the reading and the written name
    # are both tried, the rank of each row is decided afterwards (EXACT or EXACT_NAME_AS_KANA).
    tiers.append([_Tier(EXACT, _any_column(columns, "exact", key))])
    # A prefix on one column at a time, on its "C"-collated alias: PostgreSQL reads the
    # (municipality, key COLLATE "C", …) index of migration 0005 in order and stops after `limit` rows.
    tiers.append([_Tier(PREFIX, Q(**{f"{_ALIASES[column]}__startswith": key})) for column in columns])
    words = _words_condition(parsed)
    if words is not None:
        tiers.append([_Tier(WORDS, words)])
    if len(key) >= CONTAINS_MIN_LENGTH:
        tiers.append([_Tier(CONTAINS, _any_column(columns, "contains", key))])
    return tiers


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
    qs, birth_order = _narrowed(queryset, birth_date, age, on=on, include_merged=include_merged)
    qs = _aliased(qs)
    tiers = _tiers(parsed)
    arms: list[list[QuerySet[Person]]] = []
    number = 0
    for tier in tiers:
        order = _tier_order(parsed, tier[0].rank, birth_order)
        arms.append([])
        for part in tier:
            arm = qs.filter(part.condition).annotate(
                search_tier=Cast(Value(number), IntegerField()), search_similarity=_Real(Value(0.0))
            )
            arms[-1].append(arm.order_by(*order)[:limit])
            number += 1
    similar = None
    if vendor == "postgresql" and len(parsed.key) >= SIMILARITY_MIN_LENGTH:
        similar = _similar(qs, parsed, number).order_by(*birth_order, "-search_similarity", *_TAIL)[:limit]
    by_arm = _fetch(queryset, arms, similar, limit)
    exact_kana = parsed.key if parsed.kind == "kana" else None
    for number, persons in by_arm.items():
        persons.sort(key=functools.partial(_arm_key, exact_kana=exact_kana if number == 0 else None))

    rows: list[tuple[Person, int]] = []
    found: set[int] = set()
    arm_index = 0
    for tier in tiers:
        tier_rank = tier[0].rank
        batch: list[Person] = []
        for _part in tier:
            batch.extend(p for p in by_arm.get(arm_index, []) if p.pk not in found)
            arm_index += 1
        if len(tier) > 1:  # merge the parts, each already in order: dedupe, back into order
            unique = {person.pk: person for person in batch}
            batch = sorted(unique.values(), key=_sort_key)
        for person in batch[: limit - len(rows)]:
            rows.append((person, _rank_of(person, parsed, tier_rank)))
            found.add(person.pk)
    if not rows:
        rows = [(person, SIMILAR) for person in by_arm.get(number, [])]

    hits: list[SearchHit] = []
    for person, value in rows:
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


_TAIL = ["search_kana", "search_name", "id"]


def _tier_order(parsed: ParsedQuery, tier_rank: int, birth_order: list[str]) -> list[Any]:
    order: list[Any] = [*birth_order, *_TAIL]
    if tier_rank == EXACT and parsed.kind == "kana":
        # Two ranks in one arm: the reading (EXACT) before the written name in kana.
        order.insert(0, Case(When(kana_key=parsed.key, then=Value(0)), default=Value(1)).asc())
    return order


def _fetch(
    queryset: QuerySet[Person],
    tiers: list[list[QuerySet[Person]]],
    similar: QuerySet[Person] | None,
    limit: int,
) -> dict[int, list[Person]]:
    """Run every arm in one statement; the persons of each arm (by `search_tier`), in no order.

    Each arm is a CTE. The arms of a tier run only while the earlier tiers' arms hold fewer than `limit`
    distinct persons, and the typo arm only when every other arm came back empty — PostgreSQL evaluates
    such an uncorrelated condition once, before the arm (a one-time filter), so a tier the tier-by-tier
    search would not have reached costs nothing; without the guards a contains arm for a common surname
    walks the whole city's index. UNION ALL keeps no order: the caller sorts each arm (`_arm_key`).
    The SQL put together here is the ORM's for each arm (every value a parameter) and fixed names."""
    connection = connections[queryset.db]
    ctes: list[str] = []
    params: list[Any] = []
    earlier: list[str] = []
    for tier in tiers:
        guard = ""
        if earlier:
            found = " UNION ALL ".join(f"SELECT id FROM {name}" for name in earlier)  # noqa: S608  # noqa: S608
            count = f"SELECT COUNT(DISTINCT id) FROM ({found}) AS search_earlier"  # noqa: S608
            guard = f" WHERE ({count}) < {int(limit)}"
        names = []
        for arm in tier:
            name = f"search_arm_{len(ctes)}"
            sql, arm_params = arm.query.get_compiler(connection=connection).as_sql()
            ctes.append(f"{name} AS (SELECT * FROM ({sql}) AS {name}_rows{guard})")  # noqa: S608
            params.extend(arm_params)
            names.append(name)
        earlier.extend(names)
    union = " UNION ALL ".join(f"SELECT * FROM {name}" for name in earlier)  # noqa: S608
    if similar is not None:
        sql, similar_params = similar.query.get_compiler(connection=connection).as_sql()
        found = " UNION ALL ".join(f"SELECT id FROM {name}" for name in earlier)  # noqa: S608
        union += f" UNION ALL SELECT * FROM ({sql}) AS search_similar WHERE NOT EXISTS ({found})"  # noqa: S608
        params.extend(similar_params)
    statement = f"WITH {', '.join(ctes)} {union}"
    by_arm: dict[int, list[Person]] = {}
    for person in queryset.model._default_manager.db_manager(queryset.db).raw(statement, params):
        by_arm.setdefault(int(getattr(person, "search_tier")), []).append(person)  # noqa: B009 - raw column
    return by_arm


def _aliased(qs: QuerySet[Person]) -> QuerySet[Person]:
    """The keys as `search_kana`/`search_name`, compared in code-point order as SQLite and Python compare
    them; on PostgreSQL that is COLLATE "C", which is also what lets the prefix tier walk the index of
    migration 0005."""
    if connections[qs.db].vendor == "postgresql":
        return qs.alias(search_kana=Collate(F("kana_key"), "C"), search_name=Collate(F("name_key"), "C"))
    return qs.alias(search_kana=F("kana_key"), search_name=F("name_key"))


def _narrowed(
    queryset: QuerySet[Person],
    birth_date: dt.date | None,
    age: int | None,
    *,
    on: dt.date | None,
    include_merged: bool,
) -> tuple[QuerySet[Person], list[str]]:
    """`queryset` without merged records (unless asked) and narrowed by birth date or age, with the
    birth_rank annotation and its ordering when narrowed."""
    qs = queryset
    if not include_merged:
        qs = qs.filter(merged_into__isnull=True)
    birth_order: list[str] = []
    if birth_date is not None or age is not None:
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
        birth_order.append("-birth_rank")
    return qs, birth_order


def count_matches(
    queryset: QuerySet[Person],
    query: str,
    birth_date: dt.date | None = None,
    age: int | None = None,
    *,
    on: dt.date | None = None,
    include_merged: bool = False,
    cap: int = 1000,
) -> int:
    """How many persons of `queryset` `search_persons` could list for this query (every tier but the
    typo one), counted up to `cap` + 1 — so a list can say "57人" or "1,000人以上" instead of stopping
    silently at its page size. Pass the queryset the viewer may see: the count is of visible rows."""
    parsed = parse_query(query)
    if parsed.kind == "empty":
        return 0
    qs, _order = _narrowed(queryset, birth_date, age, on=on, include_merged=include_merged)
    any_tier = Q()
    for tier in _tiers(parsed):
        for part in tier:
            any_tier |= part.condition
    return _aliased(qs).filter(any_tier).order_by()[: cap + 1].count()


def _arm_key(person: Person, exact_kana: str | None) -> tuple[int, int, float, str, str, int]:
    """An arm's ORDER BY in Python (`_tier_order`, the typo arm's similarity): UNION ALL returns its rows
    in no particular order. Keys compare in code-point order, as COLLATE "C" and SQLite's binary
    collation do; the similarity is 0.0 in every arm but the typo arm's."""
    first = 0 if exact_kana is None or person.kana_key == exact_kana else 1
    similarity = float(getattr(person, "search_similarity", 0.0) or 0.0)
    return (
        first,
        -getattr(person, "birth_rank", 0),
        -similarity,
        person.kana_key,
        person.name_key,
        person.pk,
    )


def _sort_key(person: Person) -> tuple[int, str, str, int]:
    return (-getattr(person, "birth_rank", 0), person.kana_key, person.name_key, person.pk)


def _rank_of(person: Person, parsed: ParsedQuery, tier_rank: int) -> int:
    if tier_rank == EXACT and parsed.kind == "kana" and person.kana_key != parsed.key:
        return EXACT_NAME_AS_KANA
    return tier_rank


def _similar(qs: QuerySet[Person], parsed: ParsedQuery, arm: int) -> QuerySet[Person]:
    """Typos: keys one edit away from the query, ranked by trigram similarity (PostgreSQL only).

    Offered only when nothing matched as typed: a typo neighbour ranks below every other tier. Finding
    them with pg_trgm's `%` test instead costs hundreds of milliseconds on a million persons whenever
    the query shares a common surname (たかはしはなご: every たかはし… row passes the index and is
    rechecked), and a search for someone not yet registered always ends here; the one-edit patterns
    are each selective through an index, and similarity then orders what they find.
    """
    columns = ["kana_key", "name_key"] if parsed.kind == "kana" else ["name_key"]
    patterns, exact = _one_edit_away(parsed.key)
    # The OR of 20–40 tests written as SQL directly: the same SQL the ORM makes of
    # Q(column__in=…) | Q(column LIKE …) | …, without compiling one lookup per pattern on every search.
    quote = connections[qs.db].ops.quote_name
    tests: list[str] = []
    params: list[str] = []
    for column in columns:
        ref = f"{quote(Person._meta.db_table)}.{quote(column)}"
        tests.append(f"{ref} IN ({', '.join(['%s'] * len(exact))})")
        params.extend(exact)
        tests.extend(f"({ref} LIKE %s)" for _ in patterns)
        params.extend(patterns)
    near = RawSQL(f"({' OR '.join(tests)})", params, output_field=BooleanField())  # noqa: S611 - fixed text, values as params
    best: Func = _Similarity(F(columns[0]), Value(parsed.key))
    if len(columns) > 1:
        best = Greatest(best, _Similarity(F(columns[1]), Value(parsed.key)))
    return qs.filter(near).annotate(search_tier=Cast(Value(arm), IntegerField()), search_similarity=best)
