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
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
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
    return PersonRecord(
        id=id,
        name_key=search_key(family_name + given_name),
        kana_key=search_key(family_kana + given_kana),
        family_name_key=search_key(family_name),
        given_name_key=search_key(given_name),
        family_kana_key=search_key(family_kana),
        given_kana_key=search_key(given_kana),
        birth_date=birth_date,
        sex=sex or "unknown",
        address_key=address_key(address),
        household_names=frozenset(search_key(n) for n in household_names if n),
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


def block_keys(record: PersonRecord) -> list[tuple[str, ...]]:
    keys: list[tuple[str, ...]] = []
    if record.kana_key:
        keys.append(("kana", record.kana_key))
        keys.append(("phon", phonetic_kana(record.kana_key)))
    if record.name_key:
        keys.append(("name", record.name_key))
    if record.birth_date is not None:
        born = record.birth_date.isoformat()
        if record.family_kana_key:
            keys.append(("born_family", born, phonetic_kana(record.family_kana_key)))
        if record.given_kana_key:
            keys.append(("born_given", born, phonetic_kana(record.given_kana_key)))
        if record.family_name_key:
            keys.append(("born_family_name", born, record.family_name_key))
    return keys


@dataclass
class BlockingStats:
    blocks: int = 0
    skipped_blocks: int = 0
    skipped_records: int = 0
    pairs: int = 0


def candidate_pairs(
    records: Sequence[PersonRecord], stats: BlockingStats | None = None
) -> Iterator[tuple[PersonRecord, PersonRecord]]:
    """Each pair of records sharing at least one block, once, smaller id first."""
    blocks: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for index, record in enumerate(records):
        for key in block_keys(record):
            blocks[key].append(index)
    seen: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) < 2:
            continue
        if stats is not None:
            stats.blocks += 1
        if len(members) > MAX_BLOCK_SIZE:
            if stats is not None:
                stats.skipped_blocks += 1
                stats.skipped_records += len(members)
            continue
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                pair = (a, b) if a < b else (b, a)
                if pair in seen:
                    continue
                seen.add(pair)
                left, right = records[pair[0]], records[pair[1]]
                if left.id > right.id:
                    left, right = right, left
                yield left, right
    if stats is not None:
        stats.pairs = len(seen)


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


def _name_evidence(a: PersonRecord, b: PersonRecord) -> tuple[list[Evidence], bool]:
    out: list[Evidence] = []
    name_equal = bool(a.name_key) and a.name_key == b.name_key
    if name_equal:
        out.append(Evidence("name_equal", "氏名一致（異体字を同一視）", 4.0))
    elif a.name_key and b.name_key:
        if within_one_edit(a.name_key, b.name_key):
            out.append(Evidence("name_one_edit", "氏名1字違い", 2.0))
        elif a.family_name_key and a.family_name_key == b.family_name_key:
            out.append(Evidence("family_name_equal", "姓のみ一致", 0.5))
        elif a.given_name_key and a.given_name_key == b.given_name_key:
            out.append(Evidence("given_name_equal", "名のみ一致", 0.5))
        else:
            out.append(Evidence("name_differ", "氏名相違", -1.0))
    return out, name_equal


def _kana_evidence(a: PersonRecord, b: PersonRecord) -> tuple[list[Evidence], str]:
    if not a.kana_key or not b.kana_key:
        return [Evidence("kana_missing", "フリガナ未入力", 0.0)], "missing"
    if a.kana_key == b.kana_key:
        return [Evidence("kana_equal", "フリガナ一致", 4.0)], "equal"
    if phonetic_kana(a.kana_key) == phonetic_kana(b.kana_key):
        return [Evidence("kana_phonetic", "フリガナの濁点・長音などのみ相違", 2.5)], "close"
    if within_one_edit(a.kana_key, b.kana_key):
        return [Evidence("kana_one_edit", "フリガナ1字違い", 2.0)], "close"
    return [Evidence("kana_differ", "フリガナ相違", -4.0)], "differ"


def compare(a: PersonRecord, b: PersonRecord) -> PairResult:
    """Score one pair and classify it; see the module docstring for the rules."""
    if a.id > b.id:
        a, b = b, a
    evidence, name_equal = _name_evidence(a, b)
    kana_evidence, kana = _kana_evidence(a, b)
    evidence += kana_evidence

    birth = birth_relation(a.birth_date, b.birth_date)
    evidence.append(
        {
            "equal": Evidence("birth_equal", "生年月日一致", 5.0),
            "one_field": Evidence(
                "birth_one_field", "生年月日の年・月・日の一つだけ相違（誤記の可能性）", 1.0
            ),
            "missing": Evidence("birth_missing", "生年月日不明", 0.0),
            "differ": Evidence("birth_differ", "生年月日相違", -6.0),
        }[birth]
    )

    sex_known = a.sex not in UNKNOWN_SEXES and b.sex not in UNKNOWN_SEXES
    sex_equal = sex_known and a.sex == b.sex
    if not sex_known:
        evidence.append(Evidence("sex_missing", "性別不明", 0.0))
    elif sex_equal:
        evidence.append(Evidence("sex_equal", "性別一致", 0.5))
    else:
        evidence.append(Evidence("sex_differ", "性別相違", -4.0))

    address_equal = bool(a.address_key) and a.address_key == b.address_key
    if address_equal:
        evidence.append(Evidence("address_equal", "住所一致", 3.0))
    elif a.address_key and b.address_key:
        evidence.append(Evidence("address_differ", "住所相違（転居の可能性）", -0.5))
    else:
        evidence.append(Evidence("address_missing", "住所不明", 0.0))

    shared = len(a.household_names & b.household_names)
    if shared:
        evidence.append(Evidence("household_shared", f"同じ氏名の世帯員 {shared} 人", 2.0 * min(shared, 2)))

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
        evidence.append(Evidence("namesake", "同姓同名（同じフリガナ）: 並べて確認", 0.0))
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
