"""The search as one statement returns exactly what running its tiers one by one returns.

`search_persons` asks every tier in one UNION ALL of LIMITed arms (tsunagu.people.search._fetch). The
reference here is the tier-by-tier search it replaced: each tier its own query, leaving out the rows
earlier tiers returned, asking only for the rows still missing, stopping once `limit` are found, and the
typo tier (PostgreSQL) only when nothing matched. Both are run over the search tests' city plus
namesakes, for every query of those tests, with and without birth-date and age narrowing and at every
limit from 1 up, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_person
from tsunagu.people import search
from tsunagu.people.models import Person
from tsunagu.people.search import SIMILAR, search_persons
from tsunagu.people.tests.test_it_search import TODAY, city, scoped  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

QUERIES = [
    "やまだたろう",
    "ヤマダタロウ",
    "ﾔﾏﾀﾞ ﾀﾛｳ",
    "山田太郎",
    "山田 たろう",
    "山田たろう",
    "高橋花子",
    "髙橋",
    "山崎健",
    "斎藤",
    "渡辺美香",
    "わたなべみか",
    "たなかさくら",
    "はなこ",
    "やまだ",
    "山田",
    "やまだ はなこ",
    "はなこ やまだ",
    "翔太 佐藤",
    "太郎 山田",
    "や",
    "山",
    "たかはし",
    "たかはしはなご",
    "たかはしなこ",
    "たかはしはなここ",
    "たかはしなはこ",
    "髙橋花予",
    "やまでら",
    "いない人",
]


def tier_by_tier(queryset, query, birth_date=None, age=None, limit=50, *, on=None):
    """The search as it ran before the one statement: one query per tier."""
    parsed = search.parse_query(query)
    if parsed.kind == "empty" or limit <= 0:
        return []
    qs, birth_order = search._narrowed(queryset, birth_date, age, on=on, include_merged=False)
    qs = search._aliased(qs)
    rows: list[tuple[Person, int]] = []
    found: set[int] = set()
    for tier in search._tiers(parsed):
        remaining = limit - len(rows)
        if remaining <= 0:
            break
        order = search._tier_order(parsed, tier[0].rank, birth_order)
        batch: list[Person] = []
        for part in tier:
            tier_qs = qs.filter(part.condition)
            if found:
                tier_qs = tier_qs.exclude(pk__in=found)
            batch.extend(tier_qs.order_by(*order)[:remaining])
        if len(tier) > 1:
            unique = {person.pk: person for person in batch}
            batch = sorted(unique.values(), key=search._sort_key)[:remaining]
        for person in batch:
            rows.append((person, search._rank_of(person, parsed, tier[0].rank)))
            found.add(person.pk)
    if not rows and connection.vendor == "postgresql" and len(parsed.key) >= search.SIMILARITY_MIN_LENGTH:
        similar = search._similar(qs, parsed, 0).order_by(*birth_order, "-search_similarity", *search._TAIL)
        rows = [(person, SIMILAR) for person in similar[:limit]]
    return [
        (
            person.pk,
            rank,
            getattr(person, "birth_rank", None),
            float(getattr(person, "search_similarity", 0.0)),
        )
        for person, rank in rows
    ]


def one_statement(queryset, query, **kwargs):
    return [
        (h.person.pk, h.rank, h.birth_match, h.similarity) for h in search_persons(queryset, query, **kwargs)
    ]


@pytest.fixture
def crowded(city):  # noqa: F811 - the imported fixture
    """The search tests' city with namesakes, so that tiers overlap and limits cut inside a tier."""
    muni, people = city
    for n in range(4):
        make_person(muni, "山田", f"花子{n}", family_kana="ヤマダ", given_kana="ハナコ")
        make_person(
            muni,
            "髙橋",
            "花子",
            family_kana="タカハシ",
            given_kana="ハナコ",
            birth_date=dt.date(1950, 5, n + 1),
        )
        make_person(
            muni, "やまだ", "たろう", birth_date=dt.date(1960, 4, 1) if n % 2 else None, estimated_age=66
        )
    # Reads exactly やまだ (山田 as name): an exact hit whose prefix tier holds more than the rest of a page.
    make_person(muni, "山", "田", family_kana="ヤマ", given_kana="ダ")
    return muni, people


@pytest.mark.parametrize("query", QUERIES)
def test_one_statement_returns_what_the_tiers_one_by_one_return(crowded, query):
    muni, _people = crowded
    narrowings: list[dict[str, Any]] = [
        {},
        {"birth_date": dt.date(1960, 4, 1), "on": TODAY},
        {"age": 76, "on": TODAY},
    ]
    for narrowing in narrowings:
        expected = tier_by_tier(scoped(muni), query, **narrowing)
        assert one_statement(scoped(muni), query, **narrowing) == expected
        for limit in range(1, len(expected) + 2):
            assert one_statement(scoped(muni), query, limit=limit, **narrowing) == tier_by_tier(
                scoped(muni), query, limit=limit, **narrowing
            ), (query, narrowing, limit)


def test_a_search_is_one_query_whatever_tier_matches(crowded):
    muni, _people = crowded
    for query in ("やまだたろう", "や", "はなこ やまだ", "たかはしはなご", "いない人"):
        with CaptureQueriesContext(connection) as queries:
            search_persons(scoped(muni), query)
        assert len(queries.captured_queries) == 1, query


def test_merged_records_stay_out_of_every_arm(crowded):
    muni, people = crowded
    twin = make_person(muni, "山田", "太郎", birth_date=dt.date(1960, 4, 1))
    Person.objects.filter(pk=twin.pk).update(merged_into=people["yamada"])
    assert twin.pk not in [h.person.pk for h in search_persons(scoped(muni), "山田太郎")]
    assert twin.pk in [h.person.pk for h in search_persons(scoped(muni), "山田太郎", include_merged=True)]
