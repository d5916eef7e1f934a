"""Synthetic demo households for one city: realistic shapes, clearly fictitious identities.

`generate(municipality, households=N, seed=S)` writes N households with their members (世帯員, 続柄) into
the city's leaf areas. The same municipality, N, seed and `as_of` always give the same rows (compare
them with `content_digest`, never by primary key). Every row carries `synthetic=True`. Addresses are
"<地区名> 架空町1丁目2-3", phone numbers are empty or the dummy 000-0000-0000, and nothing resembles a
マイナンバー.

`plant_duplicates=K` then adds K likely duplicates (the same person registered again by another window:
異体字, かな表記, 入力誤り, 生年月日なし, 転居) and K same-kana namesakes who are different people, and returns
the ground truth so that 名寄せ can be evaluated (`PlantedPair`). Planted records belong to no household.

Speed matters (100,000 households in well under a minute on SQLite): everything is generated in memory
with one `random.Random`, the search keys are computed here (as `Person.save` would) and rows are written
as plain multi-row INSERTs in one transaction (see `_insert`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import jaconv
from django.db import connection, models, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from tsunagu.municipalities.models import Area, Municipality

from .demo_names import (
    FOREIGN,
    GIVEN_NAMES,
    HOMOPHONES,
    KIND_LABELS,
    KINDS,
    NOTE_PREFIX,
    SURNAME_WEIGHTS,
    SURNAMES,
    UNVOICED,
    VARIANT_SHARE,
    VOICED,
)
from .models import KEY_FIELDS, Household, HouseholdMember, Person, Relationship, Sex, person_keys

# Ages are computed on this day, so that a seed gives the same people whatever day it runs.
DEFAULT_AS_OF = dt.date(2026, 4, 1)
DUMMY_PHONE = "000-0000-0000"


class DemoDataExists(Exception):
    """Synthetic data already exists for the city and `replace` was not asked for."""


# ---------------------------------------------------------------------------------------------
# In-memory records


@dataclass
class _P:
    family: str
    family_kana: str
    given: str
    given_kana: str
    sex: str
    age: int
    relationship: str
    birth: dt.date | None = None
    nationality: str = ""
    language: str = ""
    phone: str = ""
    estimated_age: int | None = None


@dataclass
class _H:
    kind: str
    area: Area | None
    address: str
    members: list[_P] = field(default_factory=list)


@dataclass
class PlantedPair:
    """Ground truth for 名寄せ: `duplicate` = the same person twice; `namesake` = different people."""

    kind: str  # "duplicate" | "namesake"
    original_id: int
    planted_id: int
    original_ref: str  # "<household number>:<member number>" in generation order, stable across runs
    variants: list[str]


@dataclass
class DemoResult:
    municipality: Municipality
    households: int
    persons: int
    planted: list[PlantedPair]
    seed: int
    as_of: dt.date

    def truth_json(self) -> str:
        return json.dumps(
            {
                "municipality": self.municipality.code,
                "seed": self.seed,
                "households": self.households,
                "as_of": self.as_of.isoformat(),
                "note": "duplicate = 同一人物の重複登録（統合すべき）; namesake = 同じ読みの別人（統合してはならない）",
                "pairs": [asdict(p) for p in self.planted],
            },
            ensure_ascii=False,
            indent=2,
        )


# ---------------------------------------------------------------------------------------------
# Generation


def leaf_areas(municipality: Municipality) -> list[Area]:
    """The active areas without active children, of the kind with the most such areas.

    A profile may describe several overlapping divisions (日常生活圏域 and 中学校区, say); a household sits
    in one area, so one division is used: the finest, measured by its number of leaves.
    """
    areas = list(Area.objects.filter(municipality=municipality, active=True).order_by("sort_order", "key"))
    parents = {a.parent_id for a in areas if a.parent_id is not None}
    leaves = [a for a in areas if a.pk not in parents]
    if not leaves:
        return []
    by_kind: dict[str, list[Area]] = {}
    for a in leaves:
        by_kind.setdefault(a.kind, []).append(a)
    return max(by_kind.values(), key=len)


class _Generator:
    def __init__(self, rng: random.Random, municipality: Municipality, areas: Sequence[Area], as_of: dt.date):
        self.rng = rng
        self.muni = municipality
        self.areas = list(areas)
        self.as_of = as_of
        self.kind_codes = [k for k, _, _ in KINDS]
        self.kind_weights = [w for _, _, w in KINDS]

    # -- small pieces

    def birth_date(self, age: int) -> dt.date:
        """A birth date that makes the person exactly `age` on `as_of`."""
        last = self.as_of.replace(year=self.as_of.year - age)
        first = self.as_of.replace(year=self.as_of.year - age - 1) + dt.timedelta(days=1)
        return first + dt.timedelta(days=self.rng.randrange((last - first).days + 1))

    def surname(self) -> tuple[str, str]:
        name, kana, variants = self.rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]
        if variants and self.rng.random() < VARIANT_SHARE:
            name = self.rng.choice(variants)
        return name, kana

    def given(self, sex: str, age: int) -> tuple[str, str]:
        year = self.as_of.year - age
        for bound, by_sex in GIVEN_NAMES:
            if year <= bound:
                return self.rng.choice(by_sex[sex])
        raise AssertionError("unreachable")  # pragma: no cover

    def address(self, area: Area | None) -> str:
        r = self.rng
        place = area.name if area else self.muni.name
        text = f"{place} 架空町{r.randint(1, 5)}丁目{r.randint(1, 30)}-{r.randint(1, 20)}"
        if r.random() < 0.3:
            text += f" 架空ハイツ{r.randint(1, 5)}0{r.randint(1, 8)}号"
        return text

    def person(self, fam: tuple[str, str], sex: str, age: int, rel: str) -> _P:
        g, gk = self.given(sex, age)
        return _P(fam[0], fam[1], g, gk, sex, age, rel)

    def opposite(self, sex: str) -> str:
        return Sex.FEMALE if sex == Sex.MALE else Sex.MALE

    def children(self, fam: tuple[str, str], mother_age: int, n: int, max_age: int, rel: str) -> list[_P]:
        """Up to n children born when the mother was 20–42, no older than max_age."""
        out: list[_P] = []
        oldest, youngest_first = min(max_age, mother_age - 20), max(0, mother_age - 42)
        if oldest < youngest_first:
            return out
        age = self.rng.randint(max(youngest_first, oldest - 12), oldest)
        for _ in range(n):
            if age < 0 or mother_age - age > 42:
                break
            out.append(self.person(fam, self.rng.choice((Sex.MALE, Sex.FEMALE)), age, rel))
            age -= self.rng.randint(1, 5)
        return out

    def couple(self, fam: tuple[str, str], head_age: int, min_spouse_age: int = 18) -> list[_P]:
        head = self.person(fam, Sex.MALE, head_age, Relationship.HEAD)
        spouse_age = max(min_spouse_age, head_age - self.rng.randint(-2, 6))
        return [head, self.person(fam, Sex.FEMALE, spouse_age, Relationship.SPOUSE)]

    # -- households

    def household(self) -> _H:
        r = self.rng
        kind = r.choices(self.kind_codes, weights=self.kind_weights)[0]
        area = r.choice(self.areas) if self.areas else None
        h = _H(kind, area, self.address(area))
        fam = self.surname()
        m = h.members
        if kind == "single":
            m.append(self.person(fam, r.choice((Sex.MALE, Sex.FEMALE)), r.randint(20, 64), Relationship.HEAD))
        elif kind == "single_elderly":
            sex = Sex.FEMALE if r.random() < 0.65 else Sex.MALE
            m.append(self.person(fam, sex, min(99, 65 + int(r.expovariate(1 / 10))), Relationship.HEAD))
        elif kind == "elderly_couple":
            m += self.couple(fam, r.randint(67, 92), min_spouse_age=65)
        elif kind == "couple":
            m += self.couple(fam, r.randint(25, 64))
        elif kind == "nuclear":
            m += self.couple(fam, r.randint(28, 55), min_spouse_age=24)
            m += self.children(fam, m[1].age, r.choice((1, 1, 2, 2, 2, 3)), 24, Relationship.CHILD)
        elif kind == "single_parent":
            sex = Sex.FEMALE if r.random() < 0.85 else Sex.MALE
            parent_age = r.randint(25, 55)
            m.append(self.person(fam, sex, parent_age, Relationship.HEAD))
            m += self.children(fam, parent_age, r.choice((1, 1, 2)), 19, Relationship.CHILD)
        elif kind == "8050":
            child_age = r.randint(45, 59)
            parent_age = r.randint(max(75, child_age + 22), min(98, child_age + 40))
            shape = r.random()
            if shape < 0.25:
                m += self.couple(fam, min(99, parent_age + r.randint(0, 3)), min_spouse_age=parent_age)
                m[1].age = parent_age
            else:
                sex = Sex.FEMALE if shape < 0.85 else Sex.MALE
                m.append(self.person(fam, sex, parent_age, Relationship.HEAD))
            m.append(
                self.person(fam, Sex.MALE if r.random() < 0.6 else Sex.FEMALE, child_age, Relationship.CHILD)
            )
        elif kind == "multigenerational":
            self.multigenerational(fam, m)
        elif kind == "double_care":
            m += self.couple(fam, r.randint(35, 49), min_spouse_age=30)
            kids = self.children(fam, m[1].age, r.choice((1, 2, 2, 3)), 11, Relationship.CHILD)
            if not kids:  # ダブルケア means a young child at home
                kids = [self.person(fam, Sex.FEMALE, r.randint(0, 5), Relationship.CHILD)]
            m += kids
            elder_age = max(75, min(98, m[0].age + r.randint(25, 38)))
            if r.random() < 0.5:  # the head's own parent: same surname, 父母
                m.append(
                    self.person(
                        fam, Sex.FEMALE if r.random() < 0.7 else Sex.MALE, elder_age, Relationship.PARENT
                    )
                )
            else:  # the spouse's mother: her own surname; 住民票 says 妻の母, an その他の親族
                elder_age = max(75, min(98, m[1].age + r.randint(25, 38)))
                m.append(self.person(self.surname(), Sex.FEMALE, elder_age, Relationship.OTHER_RELATIVE))
        elif kind == "foreign":
            self.foreign(m)
        elif kind == "siblings":
            age = r.randint(50, 80)
            m.append(self.person(fam, r.choice((Sex.MALE, Sex.FEMALE)), age, Relationship.HEAD))
            sib_age = max(45, age + r.randint(-8, 8))
            m.append(self.person(fam, r.choice((Sex.MALE, Sex.FEMALE)), sib_age, Relationship.SIBLING))
        else:  # sharehouse
            m.append(self.person(fam, r.choice((Sex.MALE, Sex.FEMALE)), r.randint(20, 35), Relationship.HEAD))
            for _ in range(r.randint(1, 2)):
                m.append(
                    self.person(
                        self.surname(),
                        r.choice((Sex.MALE, Sex.FEMALE)),
                        r.randint(20, 40),
                        Relationship.NON_RELATIVE,
                    )
                )
        for p in m:
            p.birth = self.birth_date(p.age)
        if r.random() < 0.05:
            m[0].phone = DUMMY_PHONE
        return h

    def multigenerational(self, fam: tuple[str, str], m: list[_P]) -> None:
        r = self.rng
        mid_age = r.randint(35, 55)
        elder_age = min(98, mid_age + r.randint(24, 36))
        if r.random() < 0.6:  # the middle generation heads the household
            m += self.couple(fam, mid_age, min_spouse_age=30)
            m += self.children(fam, m[1].age, r.choice((1, 2, 2, 3)), 22, Relationship.CHILD)
            m.append(self.person(fam, Sex.FEMALE, elder_age, Relationship.PARENT))
            if r.random() < 0.4:
                m.append(
                    self.person(fam, Sex.MALE, min(99, elder_age + r.randint(0, 4)), Relationship.PARENT)
                )
        else:  # the grandparent heads it: 子, 子の配偶者, 孫
            m.append(
                self.person(fam, Sex.MALE if r.random() < 0.6 else Sex.FEMALE, elder_age, Relationship.HEAD)
            )
            son = self.person(fam, Sex.MALE, mid_age, Relationship.CHILD)
            wife = self.person(
                fam, Sex.FEMALE, max(30, mid_age - r.randint(-2, 5)), Relationship.CHILD_IN_LAW
            )
            m += [son, wife]
            m += self.children(fam, wife.age, r.choice((1, 2, 2, 3)), 22, Relationship.GRANDCHILD)

    def foreign(self, m: list[_P]) -> None:
        r = self.rng
        nationality, languages, families, given = r.choice(FOREIGN)
        fam = r.choice(families)
        language = r.choice(languages)

        def one(sex: str, age: int, rel: str) -> _P:
            g, gk = r.choice(given[sex])
            return _P(fam[0], fam[1], g, gk, sex, age, rel, nationality=nationality, language=language)

        if r.random() < 0.55:  # a young worker or student living alone
            m.append(one(r.choice((Sex.MALE, Sex.FEMALE)), r.randint(20, 35), Relationship.HEAD))
            return
        head_age = r.randint(26, 50)
        m.append(one(Sex.MALE, head_age, Relationship.HEAD))
        wife_age = max(22, head_age - r.randint(-2, 6))
        m.append(one(Sex.FEMALE, wife_age, Relationship.SPOUSE))
        age = r.randint(0, max(0, min(15, wife_age - 20)))
        for _ in range(r.choice((0, 1, 2))):
            if age < 0:
                break
            m.append(one(r.choice((Sex.MALE, Sex.FEMALE)), age, Relationship.CHILD))
            age -= r.randint(1, 4)


# ---------------------------------------------------------------------------------------------
# Planted duplicates and namesakes


def _variant_surname(name: str) -> str | None:
    for base, _kana, variants in SURNAMES:
        if name == base and variants:
            return variants[0]
        if name in variants:
            return base
    return None


def _kana_typo(kana: str, rng: random.Random) -> str | None:
    """One 濁点 added or dropped (ヤマサキ/ヤマザキ): the commonest misreading at a counter."""
    spots = [i for i, ch in enumerate(kana) if ch in VOICED or ch in UNVOICED]
    if not spots:
        return None
    i = rng.choice(spots)
    ch = kana[i]
    return kana[:i] + (VOICED.get(ch) or UNVOICED[ch]) + kana[i + 1 :]


@dataclass
class _Planted:
    kind: str
    ref: tuple[int, int]
    person: _P
    variants: list[str]
    area: Area | None
    address: str


def _plant(rng: random.Random, gen: _Generator, households: list[_H], k: int) -> list[_Planted]:
    """Choose k originals for duplicates and k for namesakes, and build their planted counterparts."""
    adults = [(hi, mi) for hi, h in enumerate(households) for mi, p in enumerate(h.members) if p.age >= 20]
    if not adults or k <= 0:
        return []
    picks = rng.sample(adults, min(len(adults), 2 * k))
    out: list[_Planted] = []
    for n, (hi, mi) in enumerate(picks):
        orig = households[hi].members[mi]
        home = households[hi]
        new = _P(
            orig.family,
            orig.family_kana,
            orig.given,
            orig.given_kana,
            orig.sex,
            orig.age,
            "",
            birth=orig.birth,
            nationality=orig.nationality,
            language=orig.language,
        )
        planted = _Planted("duplicate" if n < k else "namesake", (hi, mi), new, [], home.area, home.address)
        if planted.kind == "duplicate":
            for variant in rng.sample(DUPLICATE_VARIANTS, rng.choice((1, 1, 2))):
                if _apply_variant(rng, gen, orig, planted, variant) and variant not in planted.variants:
                    planted.variants.append(variant)
            if not planted.variants:  # nothing applied (e.g. no variant kanji): the person simply moved
                _apply_variant(rng, gen, orig, planted, "moved")
                planted.variants.append("moved")
        else:
            # A different person who reads the same: another birth date, often other kanji, elsewhere.
            if orig.given in HOMOPHONES and HOMOPHONES[orig.given] != orig.given and rng.random() < 0.6:
                new.given = HOMOPHONES[orig.given]
                planted.variants.append("other_kanji")
            else:
                planted.variants.append("same_kanji")
            gap = rng.randint(3, 30)
            new.age = orig.age - gap if orig.age - gap >= 20 else orig.age + gap
            new.birth = gen.birth_date(new.age)
            planted.area = rng.choice(gen.areas) if gen.areas else None
            planted.address = gen.address(planted.area)
        out.append(planted)
    return out


DUPLICATE_VARIANTS = ("kanji_variant", "kana_form", "typo", "missing_birth_date", "moved")


def _apply_variant(rng: random.Random, gen: _Generator, orig: _P, planted: _Planted, variant: str) -> bool:
    """Change the planted copy the way a second window might have registered it; False if not applicable."""
    new = planted.person
    if variant == "kanji_variant":
        alt = _variant_surname(orig.family)
        if alt is None:
            return False
        new.family = alt
    elif variant == "kana_form":  # entered in hiragana, or in half-width katakana by an older system
        if rng.random() < 0.5:
            new.family_kana, new.given_kana = (
                jaconv.kata2hira(new.family_kana),
                jaconv.kata2hira(new.given_kana),
            )
        else:
            new.family_kana = jaconv.z2h(new.family_kana, kana=True, ascii=False, digit=False)
            new.given_kana = jaconv.z2h(new.given_kana, kana=True, ascii=False, digit=False)
    elif variant == "typo":
        if HOMOPHONES.get(orig.given, orig.given) != orig.given:
            new.given = HOMOPHONES[orig.given]
        else:
            typo = _kana_typo(new.family_kana, rng)
            if typo is None:
                return False
            new.family_kana = typo
    elif variant == "missing_birth_date":
        new.birth = None
        new.estimated_age = max(20, 5 * round(orig.age / 5))
    elif variant == "moved":
        planted.area = rng.choice(gen.areas) if gen.areas else None
        planted.address = gen.address(planted.area)
    return True


# ---------------------------------------------------------------------------------------------
# Writing


def _insert(model: type[models.Model], names: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> list[int]:
    """Multi-row INSERT … RETURNING id for plain values, several times faster than bulk_create.

    bulk_create spends most of its time building model instances and preparing each value; here rows
    are tuples already in database form. Columns not named get their model default (auto_now_add: now),
    so a field added to the model later with a default keeps working.
    """
    meta = model._meta
    fields = [meta.get_field(n) for n in names]
    named = {f.name for f in fields}
    now = timezone.now()
    extra = [f for f in meta.concrete_fields if not f.primary_key and f.name not in named]
    extra_values = tuple(
        f.get_db_prep_save(
            now if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False) else f.get_default(),
            connection,
        )
        for f in extra
    )
    q = connection.ops.quote_name
    columns = ", ".join(q(str(f.column)) for f in [*fields, *extra])  # type: ignore[union-attr]
    width = len(fields) + len(extra)
    per_row = "(" + ", ".join(["%s"] * width) + ")"
    batch = max(1, min(2000, _max_params() // width))
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            # Only quoted identifiers from the model's metadata and %s placeholders: values are bound.
            values = ", ".join([per_row] * len(chunk))
            sql = f"INSERT INTO {q(meta.db_table)} ({columns}) VALUES {values} RETURNING {q(meta.pk.column)}"  # noqa: S608  # type: ignore[union-attr]
            params = [v for row in chunk for v in (*row, *extra_values)]
            cursor.execute(sql, params)
            ids += [r[0] for r in cursor.fetchall()]
    if len(ids) != len(rows):  # pragma: no cover - a database that does not return one id per row
        raise RuntimeError(f"{meta.db_table}: {len(rows)} 行を書いたが id が {len(ids)} 件しか返らなかった")
    return ids


def _max_params() -> int:
    """Bind parameters allowed in one statement (SQLite's compile-time limit may be as low as 999)."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        raw = connection.connection
        getlimit = getattr(raw, "getlimit", None)  # Python 3.11+
        return getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if getlimit else 999
    return 65535  # PostgreSQL's wire protocol limit


_PERSON_COLUMNS = (
    "municipality",
    "family_name",
    "given_name",
    "family_kana",
    "given_kana",
    "birth_date",
    "estimated_age",
    "sex",
    "address",
    "area",
    "phone",
    "nationality",
    "language_needs",
    "synthetic",
    *KEY_FIELDS,
)


class _PersonRows:
    """Person rows as tuples in _PERSON_COLUMNS order, with the derived keys `Person.save` would set.

    `person_keys` is called once per distinct name and once per distinct address (names repeat a lot,
    members share an address); each key depends on the names or on the address, so the two halves merge.
    """

    def __init__(self, municipality: Municipality):
        self.muni_id = municipality.pk
        self.by_name: dict[tuple[str, str, str, str], dict[str, str]] = {}
        self.by_address: dict[str, dict[str, str]] = {}
        self.adapt_date = connection.ops.adapt_datefield_value

    def keys(self, p: _P, address: str) -> tuple[str, ...]:
        names = (p.family, p.given, p.family_kana, p.given_kana)
        from_names = self.by_name.get(names)
        if from_names is None:
            from_names = self.by_name[names] = person_keys(*names, address="")
        from_address = self.by_address.get(address)
        if from_address is None:
            from_address = self.by_address[address] = person_keys("", "", "", "", address=address)
        return tuple(from_names[k] or from_address[k] for k in KEY_FIELDS)

    def row(self, p: _P, area: Area | None, address: str) -> tuple[Any, ...]:
        return (
            self.muni_id,
            p.family,
            p.given,
            p.family_kana,
            p.given_kana,
            self.adapt_date(p.birth),
            p.estimated_age,
            str(p.sex),
            address,
            area.pk if area else None,
            p.phone,
            p.nationality,
            p.language,
            True,
            *self.keys(p, address),
        )


def has_synthetic_data(municipality: Municipality) -> bool:
    return (
        Household.objects.filter(municipality=municipality, synthetic=True).exists()
        or Person.objects.filter(municipality=municipality, synthetic=True).exists()
    )


def delete_synthetic(municipality: Municipality) -> int:
    """Remove the city's synthetic households and persons. Real rows are never touched.

    Raises DemoDataExists when other records (consultations, cases …) still refer to synthetic persons.
    """
    members = HouseholdMember.objects.filter(municipality=municipality).filter(
        household__synthetic=True
    ) | HouseholdMember.objects.filter(municipality=municipality, person__synthetic=True)
    try:
        members.delete()
        n, _ = Person.objects.filter(municipality=municipality, synthetic=True).delete()
        Household.objects.filter(municipality=municipality, synthetic=True).delete()
    except ProtectedError:
        raise DemoDataExists(
            f"{municipality}: 架空データを参照する記録（相談・支援など）があるため削除できません。何も変更していません。"
        ) from None
    return n


@transaction.atomic
def generate(
    municipality: Municipality,
    *,
    households: int,
    seed: int,
    plant_duplicates: int = 0,
    replace: bool = False,
    as_of: dt.date = DEFAULT_AS_OF,
) -> DemoResult:
    """Write `households` synthetic households (and planted records) for `municipality`.

    Refuses with DemoDataExists when the city already has synthetic data, unless `replace` is true, in
    which case the old synthetic rows are deleted first (in the same transaction).
    """
    if has_synthetic_data(municipality):
        if not replace:
            raise DemoDataExists(
                f"{municipality} には既に架空データがあります。重複を避けるため何もしませんでした"
                "（作り直すには --replace を付けてください）。"
            )
        delete_synthetic(municipality)
    rng = random.Random(f"tsunagu-demo:{municipality.code}:{seed}")
    gen = _Generator(rng, municipality, leaf_areas(municipality), as_of)
    plan = [gen.household() for _ in range(households)]

    household_ids = _insert(
        Household,
        ("municipality", "address", "area", "note", "synthetic"),
        [
            (
                municipality.pk,
                h.address,
                h.area.pk if h.area else None,
                NOTE_PREFIX + KIND_LABELS[h.kind],
                True,
            )
            for h in plan
        ],
    )
    rows = _PersonRows(municipality)
    person_ids = _insert(
        Person, _PERSON_COLUMNS, [rows.row(p, h.area, h.address) for h in plan for p in h.members]
    )
    members: list[tuple[Any, ...]] = []
    pid = iter(person_ids)
    for h, hid in zip(plan, household_ids, strict=True):
        members += [(municipality.pk, hid, next(pid), str(p.relationship), True) for p in h.members]
    _insert(
        HouseholdMember, ("municipality", "household", "person", "relationship", "lives_together"), members
    )

    planted: list[PlantedPair] = []
    if plant_duplicates > 0:
        # A separate stream, so that asking for planted records never changes the households.
        prng = random.Random(f"tsunagu-demo-planted:{municipality.code}:{seed}")
        first_of = [0]
        for h in plan:
            first_of.append(first_of[-1] + len(h.members))
        specs = _plant(prng, _Generator(prng, municipality, gen.areas, as_of), plan, plant_duplicates)
        new_ids = _insert(Person, _PERSON_COLUMNS, [rows.row(s.person, s.area, s.address) for s in specs])
        for s, new_id in zip(specs, new_ids, strict=True):
            hi, mi = s.ref
            planted.append(
                PlantedPair(s.kind, person_ids[first_of[hi] + mi], new_id, f"{hi}:{mi}", s.variants)
            )
    return DemoResult(
        municipality=municipality,
        households=len(plan),
        persons=len(person_ids) + len(planted),
        planted=planted,
        seed=seed,
        as_of=as_of,
    )


def content_digest(municipality: Municipality) -> str:
    """A hash of the city's synthetic rows that ignores primary keys and timestamps."""
    area_keys = dict(Area.objects.filter(municipality=municipality).values_list("pk", "key"))
    person_fields = (
        "family_name",
        "given_name",
        "family_kana",
        "given_kana",
        "name_key",
        "kana_key",
        "birth_date",
        "estimated_age",
        "sex",
        "address",
        "area_id",
        "phone",
        "nationality",
        "language_needs",
        "deceased",
        *(k for k in KEY_FIELDS if k not in ("name_key", "kana_key")),
    )
    persons = {
        row[0]: tuple(
            area_keys.get(v) if f == "area_id" else str(v)
            for f, v in zip(person_fields, row[1:], strict=True)
        )
        for row in Person.objects.filter(municipality=municipality, synthetic=True).values_list(
            "pk", *person_fields
        )
    }
    members: dict[int, list[tuple[object, ...]]] = {}
    linked: set[int] = set()
    for hid, pid, rel, together in HouseholdMember.objects.filter(
        municipality=municipality, household__synthetic=True
    ).values_list("household_id", "person_id", "relationship", "lives_together"):
        members.setdefault(hid, []).append((rel, together, persons[pid]))
        linked.add(pid)
    households = sorted(
        repr((address, area_keys.get(area_id), note, sorted(map(repr, members.get(hid, [])))))
        for hid, address, area_id, note in Household.objects.filter(
            municipality=municipality, synthetic=True
        ).values_list("pk", "address", "area_id", "note")
    )
    loose = sorted(repr(v) for pid, v in persons.items() if pid not in linked)
    digest = hashlib.sha256()
    for line in [*households, "--", *loose]:
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()
