"""名寄せ (person matching): find records at different windows that are probably the same person.

The engine is pure functions over plain `PersonRecord`s (no ORM), so a benchmark can run it on
millions of records; `find_candidates` is the Django-side entry that reads a queryset already scoped
by `tsunagu.access` and hands the records to it.

1. Blocking (`block_keys`): only records sharing a block are compared: the same reading, the same
   written name, the same "phonetic" reading (濁点, small kana, 長音 and おう/おお folded), or the same
   birth date with the same phonetic family or given reading.
2. Pairwise comparison (`compare`): explicit features, each with a weight and a Japanese label, summed
   into a score; every pair carries its evidence so staff see why it was suggested.
3. Classification:
   - `auto_link` only when 氏名・生年月日・性別・住所 all agree exactly after normalisation (name keys
     equal with variant kanji folded, readings not in conflict, both birth dates present and equal,
     both sexes known and equal, both address keys present and equal);
   - `review` when the score reaches `REVIEW_THRESHOLD`: a suggestion for a person to compare side by
     side and merge or not;
   - `distinct` otherwise.
   `namesake` is set when the readings are the same but birth date or sex conflict: such pairs are
   never linked automatically and the UI must show them side by side before any choice.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from tsunagu.core.address import address_key
from tsunagu.core.kana import search_key

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from .models import Person

Decision = Literal["auto_link", "review", "distinct"]

REVIEW_THRESHOLD = 6.0
MAX_BLOCK_SIZE = 400  # a block larger than this (a very common name with no other key) is skipped
UNKNOWN_SEXES = frozenset({"", "unknown"})


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """The fields matching looks at, already normalised (see `make_record`)."""

    id: int
    name_key: str
    kana_key: str
    family_name_key: str = ""
    given_name_key: str = ""
    family_kana_key: str = ""
    given_kana_key: str = ""
    birth_date: dt.date | None = None
    sex: str = "unknown"
    address_key: str = ""
    household_names: frozenset[str] = frozenset()  # name keys of the other members of their households
    phonetic_key: str = ""  # phonetic_kana(kana_key); make_record fills it, "" means "compute it"

    @property
    def phonetic(self) -> str:
        return self.phonetic_key or phonetic_kana(self.kana_key)


def make_record(
    id: int,
    family_name: str,
    given_name: str,
    family_kana: str = "",
    given_kana: str = "",
    birth_date: dt.date | None = None,
    sex: str = "unknown",
    address: str = "",
    household_names: Iterable[str] = (),
) -> PersonRecord:
    """A record from raw fields, normalised with the same keys as Person (search_key, address_key)."""
    kana = search_key(family_kana + given_kana)
    return PersonRecord(
        id=id,
        name_key=search_key(family_name + given_name),
        kana_key=kana,
        family_name_key=search_key(family_name),
        given_name_key=search_key(given_name),
        family_kana_key=search_key(family_kana),
        given_kana_key=search_key(given_kana),
        birth_date=birth_date,
        sex=sex or "unknown",
        address_key=address_key(address),
        household_names=frozenset(search_key(n) for n in household_names if n),
        phonetic_key=phonetic_kana(kana),
    )


@dataclass(frozen=True, slots=True)
class Evidence:
    code: str
    label: str
    weight: float


@dataclass(frozen=True)
class PairResult:
    left_id: int
    right_id: int
    score: float
    decision: Decision
    namesake: bool
    evidence: tuple[Evidence, ...] = field(default=())

    @property
    def pair(self) -> tuple[int, int]:
        return (self.left_id, self.right_id)

    @property
    def explanation(self) -> str:
        """One line for staff, e.g. 「氏名一致・フリガナ一致・生年月日一致・住所相違（転居の可能性）」."""
        return "・".join(e.label for e in self.evidence)

    @property
    def needs_review(self) -> bool:
        return self.decision != "distinct" or self.namesake


# ---------------------------------------------------------------------------------------------- keys

_SMALL = str.maketrans("ぁぃぅぇぉっゃゅょゎゕゖ", "あいうえおつやゆよわかけ")
_FOLD = str.maketrans({"ぢ": "じ", "づ": "ず", "を": "お", "ゐ": "い", "ゑ": "え", "ゔ": "ぶ"})
_O_ROW = set("おこそとのほもよろごぞどぼぽょ")


@lru_cache(maxsize=65536)
def phonetic_kana(key: str) -> str:
    """A coarse reading key: 濁点/半濁点 dropped, small kana enlarged, おう/おー→おお, other ー dropped.

    さいとう/さいとお/ｻｲﾄｰ and やまざき/やまさき meet; it is a blocking and evidence key, never a link.
    """
    if not key:
        return ""
    text = key.translate(_FOLD)
    out: list[str] = []
    for ch in text:
        if ch in "うー" and out and out[-1] in _O_ROW:
            ch = "お"
        elif ch == "ー":
            continue
        out.append(ch)
    text = unicodedata.normalize("NFD", "".join(out))
    text = text.replace("\u3099", "").replace("\u309a", "")
    return unicodedata.normalize("NFC", text).translate(_SMALL)


# Kinds of block, in the order pairs are attributed to them: a pair sharing several blocks is produced
# by the first kind whose block it shares and that is not oversized.
BLOCK_KINDS = ("kana", "phon", "name", "born_family", "born_given", "born_family_name")


def block_key(record: PersonRecord, kind: str) -> str | None:
    """The record's key for one kind of block, or None when it has none."""
    if kind == "kana":
        return record.kana_key or None
    if kind == "phon":
        return record.phonetic if record.kana_key else None
    if kind == "name":
        return record.name_key or None
    born = record.birth_date
    if born is None:
        return None
    if kind == "born_family":
        return (
            f"{born.isoformat()}|{phonetic_kana(record.family_kana_key)}" if record.family_kana_key else None
        )
    if kind == "born_given":
        return f"{born.isoformat()}|{phonetic_kana(record.given_kana_key)}" if record.given_kana_key else None
    if kind == "born_family_name":
        return f"{born.isoformat()}|{record.family_name_key}" if record.family_name_key else None
    raise ValueError(kind)


def block_keys(record: PersonRecord) -> list[tuple[str, str]]:
    """(kind, key) of every block the record belongs to; two records are compared when they share one."""
    keys = []
    for kind in BLOCK_KINDS:
        key = block_key(record, kind)
        if key is not None:
            keys.append((kind, key))
    return keys


@dataclass
class BlockingStats:
    """What blocking did. `pairs`: pairs formed (candidate_pairs: every pair sharing a small block, before
    `skip`; storable_pairs: only the pairs that can be stored, each then compared)."""

    blocks: int = 0
    skipped_blocks: int = 0
    skipped_records: int = 0
    pairs: int = 0
    sub_blocked: int = 0  # blocks split by sub-keys (storable_pairs)


Skip = Callable[[PersonRecord, PersonRecord], bool]


def _kind_keys(records: Sequence[PersonRecord], kind: str) -> list:
    """`block_key(r, kind)` for every record, or an equivalent hashable key (a tuple for the birth-date
    kinds: equal exactly when the f-string keys are), without a function call per record."""
    if kind == "kana":
        return [r.kana_key or None for r in records]
    if kind == "phon":
        return [(r.phonetic_key or phonetic_kana(r.kana_key)) if r.kana_key else None for r in records]
    if kind == "name":
        return [r.name_key or None for r in records]
    if kind == "born_family":
        return [
            (r.birth_date, phonetic_kana(r.family_kana_key))
            if r.birth_date is not None and r.family_kana_key
            else None
            for r in records
        ]
    if kind == "born_given":
        return [
            (r.birth_date, phonetic_kana(r.given_kana_key))
            if r.birth_date is not None and r.given_kana_key
            else None
            for r in records
        ]
    if kind == "born_family_name":
        return [
            (r.birth_date, r.family_name_key) if r.birth_date is not None and r.family_name_key else None
            for r in records
        ]
    raise ValueError(kind)


def _blocks(
    records: Sequence[PersonRecord], stats: BlockingStats
) -> Iterator[tuple[list[int], list[array[int]]]]:
    """Each block of 2..MAX_BLOCK_SIZE records (record indexes, ascending), one kind at a time in
    BLOCK_KINDS order, with the block numbers of the earlier kinds (array per kind: record index → its
    small block of that kind, or -1). A pair is produced by the first kind whose small block it shares:
    inside a block, skip it when `earlier[k][i] == earlier[k][j] >= 0` for some k."""
    limit = MAX_BLOCK_SIZE
    earlier: list[array[int]] = []
    for kind in BLOCK_KINDS:
        # Counted in C first, so that only records of a small block of two or more are grouped in Python.
        keys = _kind_keys(records, kind)
        counts = Counter(keys)
        counts.pop(None, None)
        multi = [key for key, size in counts.items() if size > 1]
        oversized = [key for key in multi if counts[key] > limit]
        stats.blocks += len(multi)
        stats.skipped_blocks += len(oversized)
        stats.skipped_records += sum(counts[key] for key in oversized)
        wanted = set(multi).difference(oversized)
        del counts, multi, oversized
        groups: dict[object, list[int]] = defaultdict(list)
        for index, key in enumerate(keys):
            if key in wanted:
                groups[key].append(index)
        small = list(groups.values())
        del wanted, groups, keys
        numbers = array("q", [-1]) * len(records)
        for number, members in enumerate(small):
            for i in members:
                numbers[i] = number
        for members in small:
            yield members, earlier
        earlier = [*earlier, numbers]


def _shared_earlier(i: int, j: int, earlier: list[array[int]]) -> bool:
    for numbers in earlier:
        n = numbers[i]
        if n >= 0 and n == numbers[j]:
            return True
    return False


def candidate_pairs(
    records: Sequence[PersonRecord], stats: BlockingStats | None = None, skip: Skip | None = None
) -> Iterator[tuple[PersonRecord, PersonRecord]]:
    """Each pair of records sharing at least one block of at most MAX_BLOCK_SIZE records, once, smaller
    id first. One kind of block at a time; a pair already produced by an earlier kind is recognised from
    the block numbers of the records, so no set of pairs is kept.
    `skip(a, b)`: leave out pairs a caller knows it does not want (counted in stats, not yielded)."""
    stats = stats if stats is not None else BlockingStats()
    for members, earlier in _blocks(records, stats):
        for x, i in enumerate(members):
            a = records[i]
            for j in members[x + 1 :]:
                if earlier and _shared_earlier(i, j, earlier):
                    continue
                stats.pairs += 1
                b = records[j]
                if skip is not None and skip(a, b):
                    continue
                yield (a, b) if a.id < b.id else (b, a)


# A block at least this large is split by sub-keys in storable_pairs; a smaller one is walked pair by pair.
SUB_BLOCK_FROM = 12
_NO_SUB_KEYS: tuple[object, ...] = ()


def sub_keys(record: PersonRecord) -> tuple[object, ...] | None:
    """Keys two records share whenever they are not `provably_unstored`; None when the birth date is
    unknown (such a record can be stored with anyone of its block).

    Both birth dates known and not "differ" means equal, one field apart or day and month swapped, so
    they share (year, month), (year, day), (month, day) or (year, {month, day}); otherwise they must share
    the address or a household name. The four birth keys are ints in disjoint ranges, the address and
    household-name keys strings with distinct prefixes."""
    born = record.birth_date
    if born is None:
        return None
    y, m, d = born.year, born.month, born.day
    lo, hi = (m, d) if m <= d else (d, m)
    keys: list[object] = [
        1_000_000 + y * 100 + m,
        2_000_000 + y * 100 + d,
        3_000_000 + m * 100 + d,
        10_000_000 + y * 10_000 + lo * 100 + hi,
    ]
    if record.address_key:
        keys.append("a" + record.address_key)
    for name in record.household_names:
        keys.append("h" + name)
    return tuple(keys)


def storable_pairs(
    records: Sequence[PersonRecord], stats: BlockingStats | None = None
) -> Iterator[tuple[PersonRecord, PersonRecord]]:
    """Exactly the pairs of `candidate_pairs(records)` that are not `provably_unstored`, each once,
    smaller id first — without forming the others. Small blocks are walked pair by pair with the
    shortcut; a large one is split by `sub_keys`, so a same-reading pair born years apart, at different
    addresses and with no household name in common, is never formed. `stats.pairs` counts the pairs
    yielded (each is compared)."""
    stats = stats if stats is not None else BlockingStats()
    cache: list[tuple[object, ...] | None] = [_NO_SUB_KEYS] * len(records)
    for members, earlier in _blocks(records, stats):
        size = len(members)
        if size < SUB_BLOCK_FROM:
            for x, i in enumerate(members):
                a = records[i]
                for j in members[x + 1 :]:
                    if earlier and _shared_earlier(i, j, earlier):
                        continue
                    b = records[j]
                    if provably_unstored(a, b):
                        continue
                    stats.pairs += 1
                    yield (a, b) if a.id < b.id else (b, a)
            continue
        stats.sub_blocked += 1
        # Positions in the block (ascending record index): unknown birth dates pair with everyone, the
        # others with those sharing a sub-key (a pair sharing several sub-keys is formed once).
        unknown: list[int] = []
        groups: dict[object, list[int]] = defaultdict(list)
        for x, i in enumerate(members):
            keys = cache[i]
            if keys is _NO_SUB_KEYS:
                keys = cache[i] = sub_keys(records[i])
            if keys is None:
                unknown.append(x)
            else:
                for key in keys:
                    groups[key].append(x)
        pairs: set[int] = set()
        for x in unknown:
            pairs.update(x * size + y for y in range(x + 1, size))
            pairs.update(y * size + x for y in range(x) if cache[members[y]] is not None)
        for positions in groups.values():
            if len(positions) > 1:
                for n, x in enumerate(positions):
                    base = x * size
                    pairs.update(base + y for y in positions[n + 1 :])
        for code in pairs:
            i, j = members[code // size], members[code % size]
            if earlier and _shared_earlier(i, j, earlier):
                continue
            a, b = records[i], records[j]
            stats.pairs += 1
            yield (a, b) if a.id < b.id else (b, a)


# ------------------------------------------------------------------------------------------ features


def within_one_edit(a: str, b: str) -> bool:
    """True when a and b differ by at most one insertion, deletion, substitution or adjacent swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la > lb:
        a, b, la, lb = b, a, lb, la
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:
            return True  # one substitution
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    return a[i:] == b[i + 1 :]  # one insertion into a


def birth_relation(
    a: dt.date | None, b: dt.date | None
) -> Literal["equal", "one_field", "missing", "differ"]:
    if a is None or b is None:
        return "missing"
    if a == b:
        return "equal"
    differing = (a.year != b.year) + (a.month != b.month) + (a.day != b.day)
    swapped = a.year == b.year and a.month == b.day and a.day == b.month
    return "one_field" if differing == 1 or swapped else "differ"


# Evidence is a fixed vocabulary: built once, shared by every pair (compare runs millions of times).
_NAME_EQUAL = Evidence("name_equal", "氏名一致（異体字を同一視）", 4.0)
_NAME_ONE_EDIT = Evidence("name_one_edit", "氏名1字違い", 2.0)
_FAMILY_NAME_EQUAL = Evidence("family_name_equal", "姓のみ一致", 0.5)
_GIVEN_NAME_EQUAL = Evidence("given_name_equal", "名のみ一致", 0.5)
_NAME_DIFFER = Evidence("name_differ", "氏名相違", -1.0)
_KANA_MISSING = Evidence("kana_missing", "フリガナ未入力", 0.0)
_KANA_EQUAL = Evidence("kana_equal", "フリガナ一致", 4.0)
_KANA_PHONETIC = Evidence("kana_phonetic", "フリガナの濁点・長音などのみ相違", 2.5)
_KANA_ONE_EDIT = Evidence("kana_one_edit", "フリガナ1字違い", 2.0)
_KANA_DIFFER = Evidence("kana_differ", "フリガナ相違", -4.0)
_BIRTH_EVIDENCE = {
    "equal": Evidence("birth_equal", "生年月日一致", 5.0),
    "one_field": Evidence("birth_one_field", "生年月日の年・月・日の一つだけ相違（誤記の可能性）", 1.0),
    "missing": Evidence("birth_missing", "生年月日不明", 0.0),
    "differ": Evidence("birth_differ", "生年月日相違", -6.0),
}
_SEX_MISSING = Evidence("sex_missing", "性別不明", 0.0)
_SEX_EQUAL = Evidence("sex_equal", "性別一致", 0.5)
_SEX_DIFFER = Evidence("sex_differ", "性別相違", -4.0)
_ADDRESS_EQUAL = Evidence("address_equal", "住所一致", 3.0)
_ADDRESS_DIFFER = Evidence("address_differ", "住所相違（転居の可能性）", -0.5)
_ADDRESS_MISSING = Evidence("address_missing", "住所不明", 0.0)
_NAMESAKE = Evidence("namesake", "同姓同名（同じフリガナ）: 並べて確認", 0.0)
_HOUSEHOLD_SHARED = {
    n: Evidence("household_shared", f"同じ氏名の世帯員 {n} 人", 2.0 * min(n, 2)) for n in range(1, 9)
}
EVIDENCE = {
    e.code: e
    for e in (
        _NAME_EQUAL,
        _NAME_ONE_EDIT,
        _FAMILY_NAME_EQUAL,
        _GIVEN_NAME_EQUAL,
        _NAME_DIFFER,
        _KANA_MISSING,
        _KANA_EQUAL,
        _KANA_PHONETIC,
        _KANA_ONE_EDIT,
        _KANA_DIFFER,
        *_BIRTH_EVIDENCE.values(),
        _SEX_MISSING,
        _SEX_EQUAL,
        _SEX_DIFFER,
        _ADDRESS_EQUAL,
        _ADDRESS_DIFFER,
        _ADDRESS_MISSING,
        _NAMESAKE,
    )
}


def _name_evidence(a: PersonRecord, b: PersonRecord) -> tuple[list[Evidence], bool]:
    name_equal = bool(a.name_key) and a.name_key == b.name_key
    if name_equal:
        return [_NAME_EQUAL], True
    if a.name_key and b.name_key:
        if within_one_edit(a.name_key, b.name_key):
            return [_NAME_ONE_EDIT], False
        if a.family_name_key and a.family_name_key == b.family_name_key:
            return [_FAMILY_NAME_EQUAL], False
        if a.given_name_key and a.given_name_key == b.given_name_key:
            return [_GIVEN_NAME_EQUAL], False
        return [_NAME_DIFFER], False
    return [], False


def _kana_evidence(a: PersonRecord, b: PersonRecord) -> tuple[Evidence, str]:
    if not a.kana_key or not b.kana_key:
        return _KANA_MISSING, "missing"
    if a.kana_key == b.kana_key:
        return _KANA_EQUAL, "equal"
    if a.phonetic == b.phonetic:
        return _KANA_PHONETIC, "close"
    if within_one_edit(a.kana_key, b.kana_key):
        return _KANA_ONE_EDIT, "close"
    return _KANA_DIFFER, "differ"


def compare(a: PersonRecord, b: PersonRecord) -> PairResult:
    """Score one pair and classify it; see the module docstring for the rules."""
    if a.id > b.id:
        a, b = b, a
    evidence, name_equal = _name_evidence(a, b)
    kana_evidence, kana = _kana_evidence(a, b)
    evidence.append(kana_evidence)

    birth = birth_relation(a.birth_date, b.birth_date)
    evidence.append(_BIRTH_EVIDENCE[birth])

    sex_known = a.sex not in UNKNOWN_SEXES and b.sex not in UNKNOWN_SEXES
    sex_equal = sex_known and a.sex == b.sex
    if not sex_known:
        evidence.append(_SEX_MISSING)
    elif sex_equal:
        evidence.append(_SEX_EQUAL)
    else:
        evidence.append(_SEX_DIFFER)

    address_equal = bool(a.address_key) and a.address_key == b.address_key
    if address_equal:
        evidence.append(_ADDRESS_EQUAL)
    elif a.address_key and b.address_key:
        evidence.append(_ADDRESS_DIFFER)
    else:
        evidence.append(_ADDRESS_MISSING)

    shared = len(a.household_names & b.household_names) if a.household_names and b.household_names else 0
    if shared:
        evidence.append(
            _HOUSEHOLD_SHARED.get(shared)
            or Evidence("household_shared", f"同じ氏名の世帯員 {shared} 人", 2.0 * min(shared, 2))
        )

    score = round(sum(e.weight for e in evidence), 2)
    all_four_agree = (
        name_equal and kana in ("equal", "missing") and birth == "equal" and sex_equal and address_equal
    )
    namesake = kana == "equal" and (birth in ("differ", "one_field") or (sex_known and not sex_equal))
    decision: Decision
    if all_four_agree:
        decision = "auto_link"
    elif score >= REVIEW_THRESHOLD:
        decision = "review"
    else:
        decision = "distinct"
    if namesake:
        evidence.append(_NAMESAKE)
    return PairResult(a.id, b.id, score, decision, namesake, tuple(evidence))


def match_records(
    records: Sequence[PersonRecord], *, stats: BlockingStats | None = None, keep_distinct: bool = False
) -> list[PairResult]:
    """Compare every candidate pair; return auto_link, review and namesake pairs, best score first."""
    results: list[PairResult] = []
    for left, right in candidate_pairs(records, stats):
        result = compare(left, right)
        if keep_distinct or result.needs_review:
            results.append(result)
    results.sort(key=lambda r: (-r.score, r.left_id, r.right_id))
    return results


# --------------------------------------------------------------------------------- what is stored

# A city of a million has millions of same-reading pairs born years apart (同姓同名). Compared, each is
# `distinct` with the namesake flag; listing them all helps no one and comparing them all takes minutes.
# The stored candidates (tsunagu.people.candidates) are therefore every auto_link and review pair, and the
# namesake pairs whose birth dates do not clearly differ. Wherever a pair is compared (the comparison page,
# intake's candidates_for) namesakes are still flagged and shown side by side.


def is_stored(result: PairResult) -> bool:
    """Whether the candidates page lists this pair."""
    if result.decision != "distinct":
        return True
    return result.namesake and _BIRTH_EVIDENCE["differ"] not in result.evidence


def provably_unstored(a: PersonRecord, b: PersonRecord) -> bool:
    """True only when `is_stored(compare(a, b))` is certainly False, without comparing: both birth dates
    known and differing in more than one field, no shared address, no shared household names. Then the
    score is at most 4 + 4 − 6 + 0.5 = 2.5 < REVIEW_THRESHOLD, never auto_link (needs equal birth dates),
    and a namesake flag comes with birth_differ. Tested against `compare` on random pairs."""
    if a.birth_date is None or b.birth_date is None:
        return False
    if a.address_key and a.address_key == b.address_key:
        return False
    if a.household_names and b.household_names and not a.household_names.isdisjoint(b.household_names):
        return False
    return birth_relation(a.birth_date, b.birth_date) == "differ"


def match_for_storage(
    records: Sequence[PersonRecord], *, stats: BlockingStats | None = None
) -> Iterator[PairResult]:
    """The pairs to store for `records` (one city), in no particular order."""
    for left, right in storable_pairs(records, stats):
        result = compare(left, right)
        if is_stored(result):
            yield result


# ----------------------------------------------------------------------------------------- Django side


def records_from_queryset(queryset: QuerySet[Person]) -> list[PersonRecord]:
    """PersonRecords for a queryset (already scoped by access), with household member names."""
    from .models import HouseholdMember

    rows = list(
        queryset.filter(merged_into__isnull=True).values(
            "id",
            "family_name",
            "given_name",
            "family_kana",
            "given_kana",
            "birth_date",
            "sex",
            "address",
            "address_key",
        )
    )
    ids = [row["id"] for row in rows]
    households: dict[int, set[int]] = defaultdict(set)
    members: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for chunk_start in range(0, len(ids), 5000):
        chunk = ids[chunk_start : chunk_start + 5000]
        for person_id, household_id in HouseholdMember.objects.filter(person_id__in=chunk).values_list(
            "person_id", "household_id"
        ):
            households[person_id].add(household_id)
    household_ids = {h for hs in households.values() for h in hs}
    for household_id, person_id, name_key in HouseholdMember.objects.filter(
        household_id__in=household_ids
    ).values_list("household_id", "person_id", "person__name_key"):
        members[household_id].append((person_id, name_key))

    records = []
    for row in rows:
        names = {
            name
            for h in households.get(row["id"], ())
            for pid, name in members[h]
            if pid != row["id"] and name
        }
        record = make_record(
            row["id"],
            row["family_name"],
            row["given_name"],
            row["family_kana"],
            row["given_kana"],
            row["birth_date"],
            row["sex"],
            row["address"],
            names,
        )
        records.append(record)
    return records


def find_candidates(queryset: QuerySet[Person]) -> list[PairResult]:
    """Candidate duplicates among the persons of `queryset` (e.g. one municipality, scoped by access).

    Returns auto_link, review and namesake pairs, best score first. Nothing is merged here: merging is
    `tsunagu.people.actions.merge_persons`, called after staff compare the pair side by side.
    """
    return match_records(records_from_queryset(queryset))


def candidates_for(person: Person, queryset: QuerySet[Person]) -> list[PairResult]:
    """Pairs of `person` with records in `queryset` that share a block with it (for intake: "is this
    person already registered?"). Namesakes are included so they can be shown side by side."""
    from django.db.models import Q

    condition = Q(kana_key=person.kana_key) if person.kana_key else Q(pk__in=[])
    if person.name_key:
        condition |= Q(name_key=person.name_key)
    if person.birth_date is not None:
        condition |= Q(birth_date=person.birth_date)
    others = records_from_queryset(queryset.filter(condition).exclude(pk=person.pk))
    mine_records = records_from_queryset(type(person).objects.filter(pk=person.pk))
    if not mine_records:
        return []
    me = mine_records[0]
    mine = set(block_keys(me))
    results = [compare(me, other) for other in others if mine & set(block_keys(other))]
    results = [r for r in results if r.needs_review]
    results.sort(key=lambda r: (-r.score, r.left_id, r.right_id))
    return results
