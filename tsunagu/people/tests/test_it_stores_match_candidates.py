"""Stored 名寄せ candidates: the blocking finds exactly the pairs that share a small block, the shortcut
never drops a pair that would be stored, and refreshing after writes leaves what a full run leaves."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import make_household, make_municipality, make_person, make_personas
from tsunagu.people import candidates, matching
from tsunagu.people.actions import merge_persons, split_person
from tsunagu.people.candidates import recompute_candidates, refresh_candidates_for
from tsunagu.people.matching import (
    PersonRecord,
    block_keys,
    candidate_pairs,
    compare,
    is_stored,
    make_record,
    match_for_storage,
    provably_unstored,
    storable_pairs,
)
from tsunagu.people.models import Person, PersonMatchCandidate, PersonMatchRun, Relationship

# Few values per field, so that random records collide in every way.
FAMILY = [
    ("高橋", "タカハシ"),
    ("髙橋", "タカハシ"),
    ("佐藤", "サトウ"),
    ("斎藤", "サイトウ"),
    ("斉藤", "サイトー"),
]
GIVEN = [("花子", "ハナコ"), ("華子", "ハナコ"), ("一郎", "イチロウ"), ("一朗", "イチロー")]
BIRTHS = [
    None,
    dt.date(1950, 5, 3),
    dt.date(1950, 5, 30),  # the day apart
    dt.date(1950, 3, 5),  # day and month swapped
    dt.date(1950, 6, 3),  # the month apart
    dt.date(1951, 5, 3),  # the year apart
    dt.date(1988, 11, 20),
]
ADDRESSES = ["", "三鷹市下連雀1-2-3", "三鷹市井口5-6-7"]

records_strategy = st.lists(
    st.tuples(
        st.sampled_from(FAMILY),
        st.sampled_from(GIVEN),
        st.sampled_from(BIRTHS),
        st.sampled_from(["female", "male", "unknown"]),
        st.sampled_from(ADDRESSES),
        st.sets(st.sampled_from(["たろう", "じろう", "はなこ"]), max_size=2),
    ),
    min_size=2,
    max_size=14,
)


def build(raw: list[tuple]) -> list[PersonRecord]:
    return [
        make_record(n + 1, f, g, fk, gk, birth, sex, address, household)
        for n, ((f, fk), (g, gk), birth, sex, address, household) in enumerate(raw)
    ]


@settings(max_examples=300, deadline=None)
@given(records_strategy)
def test_the_shortcut_never_drops_a_pair_the_candidates_page_would_list(raw):
    for a, b in itertools.combinations(build(raw), 2):
        if provably_unstored(a, b):
            assert not is_stored(compare(a, b))


@settings(max_examples=200, deadline=None)
@given(records_strategy, st.integers(min_value=2, max_value=6))
def test_blocking_yields_each_pair_sharing_a_small_block_exactly_once(raw, max_block):
    records = build(raw)
    members: dict[tuple[str, str], list[int]] = {}
    for r in records:
        for key in block_keys(r):
            members.setdefault(key, []).append(r.id)
    expected = {
        (a.id, b.id)
        for a, b in itertools.combinations(records, 2)
        if any(len(members[k]) <= max_block for k in set(block_keys(a)) & set(block_keys(b)))
    }
    with mock.patch.object(matching, "MAX_BLOCK_SIZE", max_block):
        produced = [(a.id, b.id) for a, b in candidate_pairs(records)]
    assert len(produced) == len(set(produced)) and set(produced) == expected
    assert all(left < right for left, right in produced)


@settings(max_examples=300, deadline=None)
@given(
    records_strategy,
    st.integers(min_value=2, max_value=14),
    st.integers(min_value=2, max_value=15),
)
def test_sub_blocking_forms_exactly_the_pairs_the_shortcut_keeps_and_stores_the_same(
    raw, max_block, sub_from
):
    """storable_pairs (large blocks split by birth-date fields, address and household names) yields, once
    each, exactly the blocked pairs that are not provably unstored, so the stored set is unchanged."""
    records = build(raw)
    with (
        mock.patch.object(matching, "MAX_BLOCK_SIZE", max_block),
        mock.patch.object(matching, "SUB_BLOCK_FROM", sub_from),
    ):
        kept = [(a.id, b.id) for a, b in candidate_pairs(records, skip=provably_unstored)]
        formed = [(a.id, b.id) for a, b in storable_pairs(records)]
        before = {result for a, b in candidate_pairs(records) if is_stored(result := compare(a, b))}
        after = set(match_for_storage(records))
    assert len(formed) == len(set(formed)) and set(formed) == set(kept)
    assert all(left < right for left, right in formed)
    assert after == before


# ------------------------------------------------------------------------------------------- database


def stored(muni) -> set[tuple]:  # type: ignore[no-untyped-def]
    rows = PersonMatchCandidate.objects.filter(municipality=muni).values_list(
        "left_id", "right_id", "score", "decision", "namesake", "evidence"
    )
    return {(*row[:5], tuple(row[5])) for row in rows}


def hanako(muni, **extra):  # type: ignore[no-untyped-def]
    extra.setdefault("sex", "female")
    extra.setdefault("birth_date", dt.date(1950, 5, 3))
    extra.setdefault("address", "東京都三鷹市下連雀1-2-3")
    return make_person(
        muni, extra.pop("family", "高橋"), "花子", family_kana="タカハシ", given_kana="ハナコ", **extra
    )


@pytest.mark.django_db
def test_refreshing_after_writes_leaves_what_a_full_run_leaves():
    city, other = make_municipality(), make_municipality()
    a = hanako(city)
    b = hanako(city, family="髙橋")
    c = hanako(city, birth_date=dt.date(1950, 5, 30), address="東京都三鷹市井口5-6-7")
    d = hanako(city, birth_date=None)
    make_household(city, (a, Relationship.HEAD), (make_person(city, "高橋", "一郎"), Relationship.SPOUSE))
    far = hanako(other)
    recompute_candidates(city.pk)
    recompute_candidates(other.pk)
    full = stored(city)
    assert {(x, y) for x, y, *_ in full} >= {(a.pk, b.pk), (a.pk, c.pk), (a.pk, d.pk)}
    assert stored(other) == set()  # one person alone
    assert PersonMatchRun.objects.filter(municipality=city).count() == 1

    # Writes, each followed by the hook: a new record, an edit that ends a match, a birth date filled in.
    e = hanako(city, sex="unknown")
    refresh_candidates_for([e.pk])
    c.birth_date = dt.date(1961, 1, 1)
    c.save()
    refresh_candidates_for([c.pk])
    d.birth_date = dt.date(1950, 5, 3)
    d.save()
    refresh_candidates_for([d.pk])
    incremental = stored(city)
    recompute_candidates(city.pk)
    assert stored(city) == incremental
    assert (a.pk, e.pk) in {(x, y) for x, y, *_ in incremental}
    assert not any(c.pk in (x, y) for x, y, *_ in incremental)  # born 11 years apart: a namesake, not listed
    assert stored(other) == set() and far.pk


@pytest.mark.django_db
def test_a_merge_and_its_split_refresh_the_pairs_of_both_records_and_never_rewire_them():
    p = make_personas()
    city = p.city_a
    keep, dup = hanako(city), hanako(city, family="髙橋")
    third = hanako(city, birth_date=None)
    recompute_candidates(city.pk)
    before = set(PersonMatchCandidate.objects.values_list("left_id", "right_id"))
    assert len(before) == 3
    merge = merge_persons(
        actor=p.coordinator, keep=keep, absorb=dup, reason="本人確認済み", keep_version=1, absorb_version=1
    )
    # The merge refreshed both records: every pair of the merged-away record is gone, none was moved.
    rows = set(PersonMatchCandidate.objects.values_list("left_id", "right_id"))
    assert rows == {(keep.pk, third.pk)}
    recompute_candidates(city.pk)
    assert set(PersonMatchCandidate.objects.values_list("left_id", "right_id")) == rows
    split_person(actor=p.coordinator, merge_record=merge, reason="別人と判明")
    assert set(PersonMatchCandidate.objects.values_list("left_id", "right_id")) == before


@pytest.mark.django_db
def test_match_persons_recomputes_each_city_and_refuses_an_unknown_one():
    city = make_municipality()
    hanako(city)
    hanako(city, family="髙橋")
    out = io.StringIO()
    call_command("match_persons", "--city", city.code, stdout=out)
    assert "保存 1 組" in out.getvalue()
    assert Person.objects.filter(municipality=city).count() == 2
    with pytest.raises(CommandError, match="999999"):
        call_command("match_persons", "--city", "999999", stdout=io.StringIO())


@pytest.mark.django_db
def test_the_city_read_builds_the_records_the_orm_read_builds():
    """city_records reads plain tuples and takes housemates' names from the persons it read; the records
    must be those of the ORM read with the joined household names (merged-away members' names count)."""
    city, other = make_municipality(), make_municipality()
    a = hanako(city)
    b = hanako(city, family="髙橋", birth_date=None)
    spouse = make_person(city, "高橋", "一郎", sex="male")
    child = make_person(city, "高橋", "花", birth_date=dt.date(1980, 1, 2))
    gone = make_person(city, "髙橋", "一朗")
    make_household(city, (a, Relationship.HEAD), (spouse, Relationship.SPOUSE), (gone, Relationship.PARENT))
    make_household(city, (b, Relationship.HEAD), (child, Relationship.CHILD))
    make_household(city, (child, Relationship.HEAD))  # alone in a second household
    Person.objects.filter(pk=gone.pk).update(merged_into=spouse)  # merged away, still a member
    hanako(other)
    expected = candidates._records(
        Person.objects.filter(municipality=city, merged_into__isnull=True)
        .order_by("pk")
        .values_list(*candidates._FIELDS),
        candidates._household_names(None, city.pk),
    )
    records = candidates.city_records(city.pk)
    assert records == expected
    assert {r.id for r in records} == {a.pk, b.pk, spouse.pk, child.pk}
    by_id = {r.id: r for r in records}
    assert by_id[a.pk].household_names == frozenset({spouse.name_key, gone.name_key})
    assert isinstance(by_id[child.pk].birth_date, dt.date)
