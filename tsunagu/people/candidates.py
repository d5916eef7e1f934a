"""Stored 名寄せ candidates: recomputed per city by a command, refreshed when persons are written, paged.

- `recompute_candidates(municipality)` — `manage.py match_persons`: blocks and compares the whole city
  (tsunagu.people.matching) and replaces its stored pairs in one transaction. Never in a page request.
- `refresh_candidates_for(person_ids)` — the hook for actions that write persons or household
  memberships (create, edit, merge, split, move): drops and recomputes the pairs of those persons and of
  their housemates (household names are evidence), from the same blocks as the full run. Call it inside
  the action's transaction, after the writes.
- `candidate_page(...)` — one page of a tab, best score first, keyset-paged on (score, left, right) along
  the partial indexes `person_match_review_page` / `person_match_namesake_page`.

The pairs stored are exactly those of `matching.match_for_storage` (auto_link, review, and namesakes
whose birth dates do not clearly differ); a refresh after any sequence of writes leaves the same pairs as
a full recomputation (tested).
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from tsunagu.core.history import Formats, TableWriter
from tsunagu.core.kana import search_key

from .matching import (
    EVIDENCE,
    MAX_BLOCK_SIZE,
    BlockingStats,
    PairResult,
    PersonRecord,
    block_keys,
    compare,
    is_stored,
    match_for_storage,
    provably_unstored,
)
from .models import HouseholdMember, MatchDecision, Person, PersonMatchCandidate, PersonMatchRun

PAGE_SIZE = 50
COUNT_LIMIT = 10_000  # tabs count up to this many pairs, then say 「10,000組以上」
TABS = ("review", "namesake")

_FIELDS = (
    "id",
    "family_name",
    "given_name",
    "family_kana",
    "given_kana",
    "name_key",
    "kana_key",
    "phonetic_key",
    "birth_date",
    "sex",
    "address_key",
)


# -------------------------------------------------------------------------------------------- records


def _household_names(person_ids: Iterable[int] | None, municipality_id: int) -> dict[int, frozenset[str]]:
    """Name keys of the other members of each person's households (merged-away members included, as in
    matching.records_from_queryset)."""
    members = HouseholdMember.objects.filter(municipality_id=municipality_id)
    if person_ids is not None:
        ids = list(person_ids)
        households = HouseholdMember.objects.filter(municipality_id=municipality_id, person_id__in=ids)
        members = members.filter(household_id__in=households.values("household_id"))
    by_household: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for household_id, person_id, name_key in members.values_list(
        "household_id", "person_id", "person__name_key"
    ):
        by_household[household_id].append((person_id, name_key))
    names: dict[int, set[str]] = defaultdict(set)
    for people in by_household.values():
        if len(people) < 2:
            continue
        for person_id, _name in people:
            names[person_id].update(n for p, n in people if p != person_id and n)
    return {pid: frozenset(n) for pid, n in names.items()}


def _records(rows: Iterable[tuple], household_names: dict[int, frozenset[str]]) -> list[PersonRecord]:
    """PersonRecords from stored keys; the part keys (姓・名 separately) are normalised once per distinct
    string, since names repeat."""
    part: dict[str, str] = {}

    def key(text: str) -> str:
        value = part.get(text)
        if value is None:
            value = part[text] = search_key(text)
        return value

    empty: frozenset[str] = frozenset()
    out = []
    for row in rows:
        pid, family, given, family_kana, given_kana, name_key, kana_key, phonetic, birth, sex, address = row
        out.append(
            PersonRecord(
                id=pid,
                name_key=name_key,
                kana_key=kana_key,
                family_name_key=key(family),
                given_name_key=key(given),
                family_kana_key=key(family_kana),
                given_kana_key=key(given_kana),
                birth_date=birth,
                sex=sex or "unknown",
                address_key=address,
                household_names=household_names.get(pid, empty),
                phonetic_key=phonetic,
            )
        )
    return out


def city_records(municipality_id: int) -> list[PersonRecord]:
    """Every active (not merged-away) person of the city as a matching record.

    One pass over the city's persons (merged-away ones too: their names count as household evidence)
    and one over its memberships, both as plain tuples from a cursor, without the ORM's row handling or
    a join: the housemates' names come from the persons already read. Same records as
    `_records(active rows, _household_names(None, city))` (tested)."""
    table = connection.ops.quote_name(Person._meta.db_table)
    members_table = connection.ops.quote_name(HouseholdMember._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field) for field in _FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns}, merged_into_id IS NULL FROM {table} WHERE municipality_id = %s ORDER BY id",  # noqa: S608
            [municipality_id],
        )
        every = cursor.fetchall()
        cursor.execute(
            f"SELECT household_id, person_id FROM {members_table} WHERE municipality_id = %s "  # noqa: S608
            "ORDER BY household_id",
            [municipality_id],
        )
        memberships = cursor.fetchall()
    name_of = {row[0]: row[5] for row in every}
    missing = {person_id for _household, person_id in memberships if person_id not in name_of}
    if missing:  # a member recorded in another city's persons: read their names as the join would
        name_of.update(Person.objects.filter(pk__in=missing).values_list("pk", "name_key"))
    names: dict[int, set[str]] = defaultdict(set)
    for _household, group in itertools.groupby(memberships, key=operator.itemgetter(0)):
        people = [(person_id, name_of[person_id]) for _h, person_id in group]
        if len(people) < 2:
            continue
        for person_id, _name in people:
            names[person_id].update(n for p, n in people if p != person_id and n)
    household_names = {pid: frozenset(n) for pid, n in names.items()}
    active: Iterable[tuple] = (row[:-1] for row in every if row[-1])
    if connection.vendor == "sqlite":  # its cursor returns dates as text; the ORM would convert them
        birth = _FIELDS.index("birth_date")
        active = (_with_date(row, birth) for row in active)
    return _records(active, household_names)


def _with_date(row: tuple, index: int) -> tuple:
    value = row[index]
    if isinstance(value, str):
        return (*row[:index], dt.date.fromisoformat(value), *row[index + 1 :])
    return row


# ---------------------------------------------------------------------------------------------- store


def _rows(
    municipality_id: int, results: Iterable[PairResult], fmt: Formats, at: str
) -> Iterable[tuple[str, ...]]:
    for r in results:
        yield (
            str(municipality_id),
            str(r.left_id),
            str(r.right_id),
            f"{r.score:.2f}",
            r.decision,
            fmt.boolean(r.namesake),
            fmt.json([_code(e) for e in r.evidence]),
            at,
        )


_COLUMNS = (
    "municipality_id",
    "left_id",
    "right_id",
    "score",
    "decision",
    "namesake",
    "evidence",
    "computed_at",
)


def _code(evidence: object) -> str:
    code = evidence.code  # type: ignore[attr-defined]
    if code == "household_shared":
        return f"{code}:{evidence.label.split()[1]}"  # type: ignore[attr-defined]
    return str(code)


def evidence_labels(codes: Sequence[str]) -> str:
    """「氏名一致（異体字を同一視）・フリガナ一致・…」 from stored evidence codes."""
    labels = []
    for code in codes:
        if code.startswith("household_shared:"):
            labels.append(f"同じ氏名の世帯員 {code.split(':', 1)[1]} 人")
        elif code in EVIDENCE:
            labels.append(EVIDENCE[code].label)
    return "・".join(labels)


def _write(municipality_id: int, results: Iterable[PairResult]) -> int:
    fmt = Formats(connection.vendor)
    stamp = fmt.ts(int(time.time()))
    writer = TableWriter(connection, fmt)
    return writer.write(
        PersonMatchCandidate._meta.db_table, _COLUMNS, _rows(municipality_id, results, fmt, stamp)
    )


def _lock_city(municipality_id: int) -> None:
    """Serialise the writers of one city's candidates (a full run and refreshes) until commit."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x6D617463, municipality_id])


@dataclass(frozen=True)
class RecomputeResult:
    persons: int
    compared_pairs: int
    stored_pairs: int
    seconds: float


def recompute_candidates(
    municipality_id: int, *, log: Callable[[str], None] | None = None
) -> RecomputeResult:
    """Recompute and replace every stored pair of one city (the command; never a page request)."""
    started, cpu = time.perf_counter(), time.process_time()
    newest = (
        Person.objects.filter(municipality_id=municipality_id)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    records = city_records(municipality_id)
    loaded = time.perf_counter()
    stats = BlockingStats()
    results = list(match_for_storage(records, stats=stats))
    matched = time.perf_counter()
    with transaction.atomic():
        _lock_city(municipality_id)
        PersonMatchCandidate.objects.filter(municipality_id=municipality_id).delete()
        stored = _write(municipality_id, results)
        # Persons written while the city was being matched: their refresh ran before this replacement.
        if newest is not None:
            late = Person.objects.filter(municipality_id=municipality_id, pk__gt=newest).values_list(
                "pk", flat=True
            )
            late_ids = list(late)
            if late_ids:
                _refresh(municipality_id, late_ids)
        seconds = time.perf_counter() - started
        PersonMatchRun.objects.create(
            municipality_id=municipality_id,
            finished_at=timezone.now(),
            persons=len(records),
            compared_pairs=stats.pairs,
            stored_pairs=stored,
            seconds=round(seconds, 2),
        )
    if log is not None:
        log(
            f"本人 {len(records):,} 人、比較 {stats.pairs:,} 組、保存 {stored:,} 組"
            f"（読込 {loaded - started:.1f} 秒、照合 {matched - loaded:.1f} 秒、書込 {seconds - (matched - started):.1f} 秒、"
            f"大きすぎて比較しなかったブロック {stats.skipped_blocks:,}、このプロセスの CPU {time.process_time() - cpu:.1f} 秒）"
        )
    return RecomputeResult(len(records), stats.pairs, stored, seconds)


@transaction.atomic
def refresh_candidates_for(person_ids: Iterable[int]) -> int:
    """Recompute the stored pairs of these persons and their housemates; returns the pairs stored.

    For actions that write persons or household memberships. Cost: one lookup per key of each person
    (the indexed name, reading, phonetic reading and birth date), bounded by the block size.
    """
    ids = set(person_ids)
    if not ids:
        return 0
    stored = 0
    by_city: dict[int, list[int]] = defaultdict(list)
    for pk, municipality_id in Person.objects.filter(pk__in=ids).values_list("pk", "municipality_id"):
        by_city[municipality_id].append(pk)
    for municipality_id, pks in by_city.items():
        _lock_city(municipality_id)
        stored += _refresh(municipality_id, pks)
    return stored


def _refresh(municipality_id: int, pks: list[int]) -> int:
    housemates = HouseholdMember.objects.filter(
        municipality_id=municipality_id,
        household_id__in=HouseholdMember.objects.filter(person_id__in=pks).values("household_id"),
    ).values_list("person_id", flat=True)
    ids = set(pks) | set(housemates)
    PersonMatchCandidate.objects.filter(municipality_id=municipality_id).filter(
        Q(left_id__in=ids) | Q(right_id__in=ids)
    ).delete()
    active = Person.objects.filter(municipality_id=municipality_id, merged_into__isnull=True)
    mine_rows = list(active.filter(pk__in=ids).values_list(*_FIELDS))
    if not mine_rows:
        return 0
    mine = _records(mine_rows, _household_names([r[0] for r in mine_rows], municipality_id))
    # Everyone who shares a key with one of them: exactly the members of their blocks.
    condition = Q(pk__in=[])
    for field, values in (
        ("kana_key", {r.kana_key for r in mine if r.kana_key}),
        ("name_key", {r.name_key for r in mine if r.name_key}),
        ("phonetic_key", {r.phonetic for r in mine if r.kana_key}),
        ("birth_date", {r.birth_date for r in mine if r.birth_date is not None}),
    ):
        if values:
            condition |= Q(**{f"{field}__in": sorted(values, key=str)})
    other_rows = list(active.filter(condition).values_list(*_FIELDS))
    others = _records(other_rows, _household_names([r[0] for r in other_rows], municipality_id))
    block_sizes: dict[tuple[str, str], int] = defaultdict(int)
    members: dict[tuple[str, str], list[PersonRecord]] = defaultdict(list)
    for record in others:
        for key in block_keys(record):
            block_sizes[key] += 1
            members[key].append(record)
    results: dict[tuple[int, int], PairResult] = {}
    for me in mine:
        for key in block_keys(me):
            if block_sizes[key] > MAX_BLOCK_SIZE:
                continue
            for other in members[key]:
                if other.id == me.id:
                    continue
                pair = (me.id, other.id) if me.id < other.id else (other.id, me.id)
                if pair in results or provably_unstored(me, other):
                    continue
                results[pair] = compare(me, other)
    return _write(municipality_id, (r for r in results.values() if is_stored(r)))


# ---------------------------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class StoredPair:
    left_id: int
    right_id: int
    score: Decimal
    decision: str
    namesake: bool
    evidence: tuple[str, ...]

    @property
    def pair(self) -> tuple[int, int]:
        return (self.left_id, self.right_id)

    @property
    def explanation(self) -> str:
        return evidence_labels(self.evidence)

    @property
    def cursor(self) -> str:
        return f"{self.score}_{self.left_id}_{self.right_id}"


@dataclass(frozen=True)
class CandidatePage:
    pairs: list[StoredPair]
    next_cursor: str | None
    previous_cursor: str | None
    total: int  # up to COUNT_LIMIT + 1
    first: bool

    @property
    def total_label(self) -> str:
        return f"{COUNT_LIMIT:,}組以上" if self.total > COUNT_LIMIT else f"{self.total:,}組"


def tab_pairs(municipality_id: int, tab: str) -> QuerySet[PersonMatchCandidate]:
    pairs = PersonMatchCandidate.objects.filter(municipality_id=municipality_id)
    if tab == "namesake":
        return pairs.filter(namesake=True)
    return pairs.exclude(decision=MatchDecision.DISTINCT)


def parse_cursor(text: str | None) -> tuple[Decimal, int, int] | None:
    """'12.50_123_456' → (score, left, right); None for anything else (bad input shows the first page)."""
    if not text:
        return None
    parts = text.split("_")
    if len(parts) != 3 or not (
        parts[1].isascii() and parts[1].isdigit() and parts[2].isascii() and parts[2].isdigit()
    ):
        return None
    try:
        score = Decimal(parts[0])
    except InvalidOperation:
        return None
    if not score.is_finite() or abs(score) >= 10_000:
        return None
    return score, int(parts[1]), int(parts[2])


def candidate_page(
    municipality_id: int,
    tab: str,
    *,
    after: str | None = None,
    before: str | None = None,
    size: int = PAGE_SIZE,
) -> CandidatePage:
    """One page of a tab in (score desc, left, right) order; `after`/`before` are cursors of the last/first
    pair of the neighbouring page."""
    base = tab_pairs(municipality_id, tab)
    fields = ("left_id", "right_id", "score", "decision", "namesake", "evidence")
    later, earlier = parse_cursor(after), parse_cursor(before)
    if earlier is not None:
        s, left, right = earlier
        rows = list(
            base.filter(score__gte=s)
            .filter(Q(score__gt=s) | Q(left_id__lt=left) | Q(left_id=left, right_id__lt=right))
            .order_by("score", "-left_id", "-right_id")
            .values_list(*fields)[: size + 1]
        )
        more_before = len(rows) > size
        rows = list(reversed(rows[:size]))
        pairs = [StoredPair(lft, rgt, sc, d, n, tuple(e)) for lft, rgt, sc, d, n, e in rows]
        return CandidatePage(
            pairs,
            pairs[-1].cursor if pairs else None,
            pairs[0].cursor if pairs and more_before else None,
            _bounded_count(base),
            first=not more_before,
        )
    query = base
    if later is not None:
        s, left, right = later
        query = base.filter(score__lte=s).filter(
            Q(score__lt=s) | Q(left_id__gt=left) | Q(left_id=left, right_id__gt=right)
        )
    rows = list(query.order_by("-score", "left_id", "right_id").values_list(*fields)[: size + 1])
    more_after = len(rows) > size
    pairs = [StoredPair(lft, rgt, sc, d, n, tuple(e)) for lft, rgt, sc, d, n, e in rows[:size]]
    return CandidatePage(
        pairs,
        pairs[-1].cursor if pairs and more_after else None,
        pairs[0].cursor if pairs and later is not None else None,
        _bounded_count(base),
        first=later is None,
    )


def _bounded_count(query: QuerySet[PersonMatchCandidate]) -> int:
    return query.order_by()[: COUNT_LIMIT + 1].count()


def tab_count(municipality_id: int, tab: str) -> int:
    return _bounded_count(tab_pairs(municipality_id, tab))


def latest_run(municipality_id: int) -> PersonMatchRun | None:
    return PersonMatchRun.objects.filter(municipality_id=municipality_id).order_by("-finished_at").first()
