"""名寄せ matching: auto_link only with all four of 氏名・生年月日・性別・住所 equal; namesakes flagged;
planted variant pairs found."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from tests.factories import make_household, make_municipality, make_person
from tsunagu.people.matching import (
    BlockingStats,
    birth_relation,
    candidates_for,
    compare,
    find_candidates,
    make_record,
    match_records,
    phonetic_kana,
    within_one_edit,
)
from tsunagu.people.models import Person, Relationship

BORN = dt.date(1950, 5, 3)


def base(id=1, **changes):
    fields: dict[str, Any] = {
        "family_name": "高橋",
        "given_name": "花子",
        "family_kana": "タカハシ",
        "given_kana": "ハナコ",
        "birth_date": BORN,
        "sex": "female",
        "address": "三鷹市下連雀三丁目12番23号",
    }
    fields.update(changes)
    return make_record(id, **fields)


def test_all_four_equal_after_normalisation_is_the_only_auto_link():
    other = base(
        2,
        family_name="髙橋",
        family_kana="ﾀｶﾊｼ",
        given_kana="はなこ",
        address="三鷹市下連雀3-12-23",
    )
    result = compare(base(1), other)
    assert result.decision == "auto_link"
    assert not result.namesake
    assert "氏名一致（異体字を同一視）" in result.explanation and "住所一致" in result.explanation


@pytest.mark.parametrize(
    "change",
    [
        {"given_name": "華子"},  # name differs (kana equal)
        {"given_kana": "ハナゴ"},  # reading differs
        {"birth_date": None},  # birth date unknown
        {"birth_date": dt.date(1950, 5, 4)},  # one field of the birth date differs
        {"sex": "unknown"},  # sex unknown
        {"sex": "male"},  # sex differs
        {"address": ""},  # address unknown
        {"address": "三鷹市上連雀1-1-1"},  # moved
    ],
)
def test_anything_less_than_all_four_is_never_auto_linked(change):
    result = compare(base(1), base(2, **change))
    assert result.decision != "auto_link"


@pytest.mark.parametrize(
    ("change", "label"),
    [
        ({"given_kana": "ハナゴ"}, "フリガナの濁点・長音などのみ相違"),  # dakuten typo
        ({"given_kana": "ハナユ"}, "フリガナ1字違い"),  # kana typo
        (
            {"family_name": "髙橋", "family_kana": "ﾀｶﾊｼ", "address": "三鷹市井口1-1-1"},
            "氏名一致（異体字を同一視）",
        ),  # variant + width, moved
        ({"birth_date": None}, "生年月日不明"),  # missing birth date
        ({"address": "三鷹市上連雀1-1-1"}, "住所相違（転居の可能性）"),  # move
        (
            {"birth_date": dt.date(1950, 3, 5)},
            "生年月日の年・月・日の一つだけ相違（誤記の可能性）",
        ),  # d/m swap
        ({"given_name": "華子"}, "氏名1字違い"),  # kanji typo
    ],
)
def test_planted_variants_are_suggested_for_review(change, label):
    result = compare(base(1), base(2, **change))
    assert result.decision == "review", result.explanation
    assert label in result.explanation


def test_same_kana_namesakes_are_flagged_and_never_linked():
    other = base(2, birth_date=dt.date(1971, 11, 30), address="三鷹市井口1-2-3")
    result = compare(base(1), other)
    assert result.namesake and result.decision != "auto_link"
    assert result.needs_review  # shown side by side even though the score is low
    assert "同姓同名（同じフリガナ）: 並べて確認" in result.explanation
    differently_sexed = compare(base(1), base(2, sex="male"))
    assert differently_sexed.namesake and differently_sexed.decision != "auto_link"


def test_unrelated_people_are_distinct_and_not_returned():
    records = [
        base(1),
        base(2, family_name="佐藤", family_kana="サトウ", given_name="一郎", given_kana="イチロウ"),
    ]
    assert match_records(records) == []
    assert compare(*records).decision == "distinct"


def test_shared_household_members_add_evidence():
    a = replace(base(1, birth_date=None), household_names=frozenset({"高橋一郎"}))
    b = replace(
        base(2, birth_date=None, address="三鷹市上連雀1-1-1"), household_names=frozenset({"高橋一郎"})
    )
    result = compare(a, b)
    assert "同じ氏名の世帯員 1 人" in result.explanation
    assert result.score > compare(base(1, birth_date=None), base(2, birth_date=None, address="x")).score


def test_blocking_finds_planted_pairs_and_skips_the_rest():
    records = [
        base(1),
        base(2, family_name="髙橋"),  # variant kanji
        base(3, given_kana="ハナユ"),  # kana typo (blocked by birth date + family reading)
        base(4, birth_date=None, address=""),  # missing birth date
        make_record(5, "佐藤", "一郎", "サトウ", "イチロウ", dt.date(1960, 1, 1), "male", "三鷹市1-1-1"),
        make_record(6, "鈴木", "次郎", "スズキ", "ジロウ", dt.date(1961, 2, 2), "male", "三鷹市2-2-2"),
    ]
    stats = BlockingStats()
    pairs = {r.pair: r for r in match_records(records, stats=stats)}
    assert {(1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4)} <= set(pairs)
    assert pairs[(1, 2)].decision == "auto_link"
    assert not any(5 in p or 6 in p for p in pairs)
    assert stats.pairs == 6  # 佐藤 and 鈴木 were never compared with anyone


def test_helpers():
    assert phonetic_kana("さいとう") == phonetic_kana("さいとお") == phonetic_kana("さいとー")
    assert phonetic_kana("やまざき") == phonetic_kana("やまさき")
    assert within_one_edit("たかはし", "たかはじ") and within_one_edit("たかはし", "たかしは")
    assert within_one_edit("たかはし", "たし") is False and within_one_edit("たかはし", "たかはしい")
    assert birth_relation(BORN, None) == "missing"
    assert birth_relation(BORN, dt.date(1951, 5, 3)) == "one_field"
    assert birth_relation(BORN, dt.date(1951, 6, 3)) == "differ"


@pytest.mark.django_db
def test_find_candidates_over_a_queryset_with_households():
    muni = make_municipality()
    hanako = make_person(
        muni,
        "高橋",
        "花子",
        family_kana="タカハシ",
        given_kana="ハナコ",
        birth_date=BORN,
        sex="female",
        address="三鷹市下連雀3-12-23",
    )
    dup = make_person(
        muni,
        "髙橋",
        "花子",
        family_kana="ﾀｶﾊｼ",
        given_kana="ﾊﾅｺ",
        birth_date=BORN,
        sex="female",
        address="三鷹市下連雀三丁目12番23号",
    )
    moved = make_person(
        muni,
        "高橋",
        "花子",
        family_kana="タカハシ",
        given_kana="ハナコ",
        birth_date=None,
        sex="female",
        address="三鷹市井口1-1-1",
    )
    namesake = make_person(
        muni,
        "高橋",
        "花子",
        family_kana="タカハシ",
        given_kana="ハナコ",
        birth_date=dt.date(1990, 1, 1),
        sex="female",
    )
    husband_a = make_person(
        muni, "高橋", "一郎", family_kana="タカハシ", given_kana="イチロウ", birth_date=dt.date(1948, 1, 1)
    )
    husband_b = make_person(
        muni, "高橋", "一郎", family_kana="タカハシ", given_kana="イチロウ", birth_date=None
    )
    make_household(muni, (hanako, Relationship.HEAD), (husband_a, Relationship.SPOUSE))
    make_household(muni, (moved, Relationship.HEAD), (husband_b, Relationship.SPOUSE))
    other_city = make_person(
        make_municipality(code="012068"),
        "高橋",
        "花子",
        family_kana="タカハシ",
        given_kana="ハナコ",
        birth_date=BORN,
        sex="female",
        address="三鷹市下連雀3-12-23",
    )

    results = {r.pair: r for r in find_candidates(Person.objects.filter(municipality=muni))}
    assert results[(hanako.pk, dup.pk)].decision == "auto_link"
    assert results[(hanako.pk, moved.pk)].decision == "review"
    assert "同じ氏名の世帯員 1 人" in results[(hanako.pk, moved.pk)].explanation
    assert results[(hanako.pk, namesake.pk)].namesake
    assert results[(hanako.pk, namesake.pk)].decision != "auto_link"
    assert not any(other_city.pk in pair for pair in results)

    mine = candidates_for(hanako, Person.objects.filter(municipality=muni))
    assert mine[0].pair == (hanako.pk, dup.pk)
    assert any(r.namesake for r in mine)
