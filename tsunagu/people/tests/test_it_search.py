"""Person search: every script, width, variant and spacing of a name; narrowing; ranking order.

Runs on SQLite and on PostgreSQL (TSUNAGU_DATABASE_URL=postgres://…); the trigram-similarity test runs
only on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from tests.factories import make_municipality, make_person
from tsunagu.people.models import Person
from tsunagu.people.search import (
    CONTAINS,
    EXACT,
    EXACT_NAME_AS_KANA,
    PREFIX,
    SIMILAR,
    WORDS,
    parse_query,
    search_persons,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 1)


@pytest.fixture
def city():
    muni = make_municipality()
    people = {
        "takahashi": make_person(
            muni, "髙橋", "花子", family_kana="タカハシ", given_kana="ハナコ", birth_date=dt.date(1950, 5, 3)
        ),
        "yamazaki": make_person(
            muni, "山﨑", "健", family_kana="ヤマザキ", given_kana="ケン", birth_date=dt.date(1988, 1, 20)
        ),
        "saito": make_person(
            muni,
            "齋藤",
            "一郎",
            family_kana="サイトウ",
            given_kana="イチロウ",
            birth_date=dt.date(1972, 9, 9),
        ),
        "watanabe": make_person(
            muni, "渡邊", "美香", family_kana="ワタナベ", given_kana="ミカ", birth_date=dt.date(2001, 2, 14)
        ),
        "yamada": make_person(muni, "山田", "太郎", birth_date=dt.date(1960, 4, 1)),
        "yamada_hanako": make_person(
            muni, "山田", "花子", family_kana="ヤマダ", given_kana="ハナコ", birth_date=dt.date(1962, 7, 7)
        ),
        "yamadera": make_person(
            muni, "山寺", "太一", family_kana="ヤマデラ", given_kana="タイチ", birth_date=dt.date(1960, 4, 1)
        ),
        "sakura": make_person(
            muni, "田中", "さくら", family_kana="タナカ", given_kana="サクラ", birth_date=None
        ),
    }
    other = make_municipality(code="012050")
    people["other_city_yamada"] = make_person(other, "山田", "太郎")
    return muni, people


def ids(hits):
    return [h.person.pk for h in hits]


def scoped(muni):
    return Person.objects.filter(municipality=muni)


@pytest.mark.parametrize(
    "query",
    [
        "やまだたろう",  # hiragana
        "ヤマダタロウ",  # katakana
        "ﾔﾏﾀﾞﾀﾛｳ",  # half-width katakana
        "ﾔﾏﾀﾞ ﾀﾛｳ",  # half-width with a space
        "やまだ　たろう",  # full-width space
        "山田太郎",  # kanji
        "山田 太郎",  # kanji with a space
        "山田　太郎",
        "山田 たろう",  # mixed scripts with a space
        "山田たろう",  # mixed scripts without a space
    ],
)
def test_every_script_width_and_spacing_finds_the_person_first(city, query):
    muni, people = city
    hits = search_persons(scoped(muni), query)
    assert hits, query
    assert hits[0].person == people["yamada"]
    assert people["other_city_yamada"].pk not in ids(hits)  # only the queryset given is searched


@pytest.mark.parametrize(
    ("query", "who"),
    [
        ("高橋花子", "takahashi"),
        ("髙橋花子", "takahashi"),
        ("高橋", "takahashi"),
        ("山崎健", "yamazaki"),
        ("山﨑 健", "yamazaki"),
        ("山嵜健", "yamazaki"),
        ("斎藤一郎", "saito"),
        ("齊藤", "saito"),
        ("渡辺美香", "watanabe"),
        ("渡邉 美香", "watanabe"),
    ],
)
def test_variant_kanji_meet_in_either_direction(city, query, who):
    muni, people = city
    hits = search_persons(scoped(muni), query)
    assert hits and hits[0].person == people[who]
    assert hits[0].rank in (EXACT, PREFIX)


def test_a_name_written_in_kana_is_found_by_its_reading(city):
    muni, people = city
    hits = search_persons(scoped(muni), "たなかさくら")
    assert hits[0].person == people["sakura"] and hits[0].rank == EXACT


def test_given_name_alone_finds_through_words_or_contains(city):
    muni, people = city
    hits = search_persons(scoped(muni), "はなこ")
    assert set(ids(hits)) == {people["takahashi"].pk, people["yamada_hanako"].pk}
    assert {h.rank for h in hits} == {CONTAINS}


def test_ranking_exact_then_prefix_then_words_then_contains(city):
    muni, people = city
    hits = search_persons(scoped(muni), "やまだ")
    # やまだ: no exact; prefix in reading order (やまだたろう < やまだはなこ); not 山寺 (やまでら).
    assert ids(hits) == [people["yamada"].pk, people["yamada_hanako"].pk]
    assert [h.rank for h in hits] == [PREFIX, PREFIX]
    hits = search_persons(scoped(muni), "やまだ はなこ")
    assert ids(hits)[0] == people["yamada_hanako"].pk and hits[0].rank == EXACT
    hits = search_persons(scoped(muni), "はなこ やまだ")  # given name first: both words present
    assert ids(hits) == [people["yamada_hanako"].pk] and hits[0].rank == WORDS


def test_ranking_is_deterministic_for_namesakes(city):
    muni, _people = city
    twins = [make_person(muni, "山田", "太郎", birth_date=dt.date(1990, 1, 1)) for _ in range(3)]
    first = ids(search_persons(scoped(muni), "やまだたろう"))
    again = ids(search_persons(scoped(muni), "ヤマダ タロウ"))
    assert first == again
    assert first[-3:] == sorted(t.pk for t in twins)  # tie broken by id


def test_birth_date_narrows_and_ranks_exact_birth_first(city):
    muni, people = city
    nobirth = make_person(muni, "山田", "太郎", birth_date=None)
    estimated = make_person(muni, "山田", "太郎", birth_date=None, estimated_age=66)
    far = make_person(muni, "山田", "太郎", birth_date=None, estimated_age=30)
    hits = search_persons(scoped(muni), "やまだ たろう", birth_date=dt.date(1960, 4, 1), on=TODAY)
    assert ids(hits) == [people["yamada"].pk, estimated.pk, nobirth.pk]
    assert [h.birth_match for h in hits] == [2, 1, 0]
    assert far.pk not in ids(hits)
    assert hits[0].birth_label == "生年月日一致"
    other_birthday = search_persons(scoped(muni), "やまだ たろう", birth_date=dt.date(1961, 4, 1), on=TODAY)
    assert people["yamada"].pk not in ids(other_birthday)


def test_age_narrows_on_the_given_day(city):
    muni, people = city
    # 1960-04-01 is 66 on 2026-11-01; 山田花子 (1962-07-07) is 64.
    hits = search_persons(scoped(muni), "やまだ", age=66, on=TODAY)
    assert ids(hits) == [people["yamada"].pk]
    hits = search_persons(scoped(muni), "やまだ", age=64, on=TODAY)
    assert ids(hits) == [people["yamada_hanako"].pk]
    # The day before the 67th birthday is still 66; on it, 67.
    assert ids(search_persons(scoped(muni), "やまだたろう", age=66, on=dt.date(2027, 3, 31)))
    assert not ids(search_persons(scoped(muni), "やまだたろう", age=66, on=dt.date(2027, 4, 1)))


def test_merged_records_are_left_out_unless_asked(city):
    muni, people = city
    dup = make_person(muni, "山田", "太郎")
    Person.objects.filter(pk=dup.pk).update(merged_into=people["yamada"])
    assert dup.pk not in ids(search_persons(scoped(muni), "山田太郎"))
    assert dup.pk in ids(search_persons(scoped(muni), "山田太郎", include_merged=True))


def test_empty_and_unmatched_queries(city):
    muni, _people = city
    assert search_persons(scoped(muni), "") == []
    assert search_persons(scoped(muni), "　 ") == []
    assert search_persons(scoped(muni), "存在しない名前") == []
    assert len(search_persons(scoped(muni), "や", limit=1)) == 1


def test_short_keys_match_prefix_only(city):
    muni, people = city
    # "だ" is inside やまだ but a 1–2 character key is only matched at the start.
    assert search_persons(scoped(muni), "だ") == []
    assert ids(search_persons(scoped(muni), "山")) == sorted(
        [people["yamada"].pk, people["yamada_hanako"].pk, people["yamadera"].pk, people["yamazaki"].pk],
        key=lambda pk: (Person.objects.get(pk=pk).kana_key, pk),
    )


def test_parse_query_kinds():
    assert parse_query("ﾔﾏﾀﾞ ﾀﾛｳ").kind == "kana"
    assert parse_query("ﾔﾏﾀﾞ ﾀﾛｳ").key == "やまだたろう"
    assert parse_query("髙橋").key == "高橋"
    assert parse_query("髙橋").kind == "kanji"
    assert parse_query("山田たろう").words == ("山田", "たろう")
    assert parse_query("山田たろう").kind == "mixed"
    assert parse_query("佐々木 ケン").words == ("佐々木", "けん")
    assert parse_query("  ").kind == "empty"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram similarity is PostgreSQL only")
def test_postgresql_finds_a_typo_by_trigram_similarity(city):
    muni, people = city
    hits = search_persons(scoped(muni), "たかはしはなご")  # one kana wrong
    assert hits and hits[0].person == people["takahashi"]
    assert hits[0].rank == SIMILAR and hits[0].similarity > 0.3


@pytest.mark.parametrize("query", ["太郎 山田", "太郎　山田", "たろう やまだ", "ﾀﾛｳ ﾔﾏﾀﾞ"])
def test_words_typed_in_reverse_order_are_found_even_when_short(city, query):
    muni, people = city
    hits = search_persons(scoped(muni), query)
    assert ids(hits) == [people["yamada"].pk]
    assert hits[0].rank == WORDS


def test_reversed_order_with_birth_date_narrowing(city):
    muni, people = city
    hits = search_persons(scoped(muni), "花子 山田", birth_date=dt.date(1962, 7, 7), on=TODAY)
    assert ids(hits) == [people["yamada_hanako"].pk] and hits[0].birth_match == 2


@pytest.mark.parametrize(
    "query", ["や", "やまだ", "山", "はなこ", "やまだ はなこ", "はなこ やまだ", "たかはし"]
)
def test_a_smaller_limit_returns_the_head_of_the_same_ranking(city, query):
    """Each tier is its own LIMITed query; cutting the list short must not change its order."""
    muni, _people = city
    for n in range(1, 4):
        make_person(muni, "山田", f"花子{n}", family_kana="ヤマダ", given_kana="ハナコ")
    full = search_persons(scoped(muni), query)
    for limit in range(1, len(full) + 1):
        head = search_persons(scoped(muni), query, limit=limit)
        assert [(h.person.pk, h.rank) for h in head] == [(h.person.pk, h.rank) for h in full[:limit]]


def test_exact_reading_ranks_before_a_name_written_in_kana(city):
    muni, people = city
    in_kana = make_person(muni, "たなか", "さくら", family_kana="タナカ", given_kana="サクラコ")
    hits = search_persons(scoped(muni), "たなかさくら")
    assert ids(hits)[:2] == [people["sakura"].pk, in_kana.pk]
    assert [h.rank for h in hits[:2]] == [EXACT, EXACT_NAME_AS_KANA]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="typo search is PostgreSQL only")
@pytest.mark.parametrize(
    "query",
    [
        "たかはしはなご",  # one kana wrong (濁点)
        "たかはしなこ",  # one kana missing
        "たかはしはなここ",  # one kana too many
        "たかはしなはこ",  # two neighbours swapped
        "髙橋花予",  # one kanji wrong
    ],
)
def test_postgresql_finds_one_edit_typos(city, query):
    muni, people = city
    hits = search_persons(scoped(muni), query)
    assert hits and hits[0].person == people["takahashi"]
    assert hits[0].rank == SIMILAR
