"""The genogram of a household, from persons, 世帯員 and recorded relationships (or 続柄 where none
are recorded), limited to the persons the reader may see."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import make_household, make_municipality, make_person, make_staff
from tsunagu.documents.genogram import UnionStatus, render_genogram
from tsunagu.documents.tests.svgcheck import enclosed, parse_genogram, problems
from tsunagu.people.actions import add_relationship
from tsunagu.people.genogram_data import household_genogram, household_genograms, key_of
from tsunagu.people.models import Person, Relationship, RelationshipKind
from tsunagu.people.policy import visible_persons

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 5, 1)
PARENT, SPOUSE = RelationshipKind.PARENT_OF, RelationshipKind.SPOUSE_OF


def born(age: int) -> dt.date:
    return dt.date(TODAY.year - age, 1, 10)


@pytest.fixture
def city():
    muni = make_municipality()
    return muni, make_staff(muni)


def person(muni, family, given, sex, age=None, **kw):
    return make_person(muni, family, given, sex=sex, birth_date=born(age) if age is not None else None, **kw)


@pytest.fixture
def yamada(city):
    """An 8050 household: mother (head, 82), 本人 (54), his son; father dead; his sister's family and
    his former wife live elsewhere."""
    muni, staff = city
    p = {
        "father": person(muni, "山田", "茂", "male", 85, deceased=True),
        "mother": person(muni, "山田", "トシ子", "female", 82),
        "me": person(muni, "山田", "健一", "male", 54),
        "ex": person(muni, "佐藤", "美紀", "female", 50),
        "son": person(muni, "山田", "翔", "male", 20),
        "sister": person(muni, "田中", "由美", "female", 51),
        "bil": person(muni, "田中", "誠", "male", 53),
        "nephew": person(muni, "田中", "大輔", "male", 24),
        "niece": person(muni, "田中", "さくら", "female", 21),
    }
    hh = make_household(
        muni,
        (p["mother"], Relationship.HEAD),
        (p["me"], Relationship.CHILD),
        (p["son"], Relationship.GRANDCHILD),
    )
    rel = [
        ("father", "mother", SPOUSE, True),
        ("father", "me", PARENT, False),
        ("mother", "me", PARENT, False),
        ("father", "sister", PARENT, False),
        ("mother", "sister", PARENT, False),
        ("me", "ex", SPOUSE, True),
        ("me", "son", PARENT, False),
        ("ex", "son", PARENT, False),
        ("bil", "sister", SPOUSE, False),
        ("bil", "nephew", PARENT, False),
        ("sister", "nephew", PARENT, False),
        ("bil", "niece", PARENT, False),
        ("sister", "niece", PARENT, False),
    ]
    for a, b, kind, ended in rel:
        add_relationship(actor=staff, person_a=p[a], person_b=p[b], kind=kind, ended=ended)
    return hh, p, staff


def unions_by_names(g, p):
    name = {key_of(v.pk): k for k, v in p.items()}
    return {
        (frozenset(name[x] for x in u.partners), tuple(name[c] for c in u.children), u.status)
        for u in g.unions
    }


def test_it_draws_an_8050_household_from_recorded_relationships(yamada, django_assert_max_num_queries):
    hh, p, staff = yamada
    with django_assert_max_num_queries(6):
        result = household_genogram(hh, visible=visible_persons(staff), subjects=[p["me"].pk], today=TODAY)
    g = result.genogram
    assert result.person_ids == tuple(sorted(v.pk for v in p.values()))
    assert not result.inferred
    assert unions_by_names(g, p) == {
        (frozenset({"father", "mother"}), ("me", "sister"), UnionStatus.TOGETHER),  # widowed, not divorced
        (frozenset({"me", "ex"}), ("son",), UnionStatus.DIVORCED),
        (frozenset({"bil", "sister"}), ("nephew", "niece"), UnionStatus.TOGETHER),
    }
    by_key = {x.key: x for x in g.persons}
    captions = {k: by_key[key_of(v.pk)].caption for k, v in p.items()}
    assert captions == {
        "father": "父",
        "mother": "母",
        "me": "本人",
        "ex": "元妻",
        "son": "長男",
        "sister": "妹",
        "bil": "妹の夫",
        "nephew": "甥",
        "niece": "姪",
    }
    me = by_key[key_of(p["me"].pk)]
    assert me.subject and me.age == 54 and not me.age_estimated and me.name == "山田 健一"
    assert by_key[key_of(p["father"].pk)].deceased
    d = parse_genogram(render_genogram(g))
    assert problems(d) == []
    assert enclosed(d) == {key_of(p[k].pk) for k in ("mother", "me", "son")}
    assert [k for k, s in d.symbols.items() if s.has_outer] == [key_of(p["me"].pk)]


def test_relatives_the_reader_may_not_see_are_left_out(yamada):
    hh, p, _staff = yamada
    result = household_genogram(hh, visible=Person.objects.none(), subjects=[p["me"].pk], today=TODAY)
    members = {p[k].pk for k in ("mother", "me", "son")}
    assert set(result.person_ids) == members
    # Inside the household the lines are still drawn (from 続柄, since the parents' union is not visible).
    assert problems(parse_genogram(render_genogram(result.genogram))) == []
    # A reader of another city sees nobody beyond the members either.
    other = make_staff(make_municipality())
    assert set(household_genogram(hh, visible=visible_persons(other), today=TODAY).person_ids) == members


def test_a_merged_duplicate_is_not_drawn_twice(yamada, city):
    hh, p, staff = yamada
    muni, _ = city
    dup = person(muni, "田中", "由美", "female", 51)
    add_relationship(actor=staff, person_a=p["mother"], person_b=dup, kind=PARENT)
    Person.objects.filter(pk=dup.pk).update(merged_into=p["sister"])
    result = household_genogram(hh, visible=visible_persons(staff), today=TODAY)
    assert dup.pk not in result.person_ids and p["sister"].pk in result.person_ids


def test_without_recorded_relationships_the_lines_come_from_zokugara(city):
    muni, staff = city
    head = person(muni, "木村", "浩", "male", 50)
    wife = person(muni, "木村", "恵子", "female", 48)
    kid1, kid2 = person(muni, "木村", "陸", "male", 20), person(muni, "木村", "花", "female", 16)
    mother = person(muni, "木村", "ハル", "female", 78)
    brother = person(muni, "木村", "修", "male", 45, estimated_age=None)
    hh = make_household(
        muni,
        (head, Relationship.HEAD),
        (wife, Relationship.SPOUSE),
        (kid1, Relationship.CHILD),
        (kid2, Relationship.CHILD),
        (mother, Relationship.PARENT),
        (brother, Relationship.SIBLING),
    )
    hh.members.filter(person=brother).update(lives_together=False)
    result = household_genogram(hh, visible=visible_persons(staff), subjects=[kid2.pk], today=TODAY)
    assert result.inferred
    names = {
        key_of(x.pk): n
        for n, x in {
            "head": head,
            "wife": wife,
            "kid1": kid1,
            "kid2": kid2,
            "mother": mother,
            "brother": brother,
        }.items()
    }
    unions = {
        (frozenset(names[k] for k in u.partners), frozenset(names[c] for c in u.children))
        for u in result.genogram.unions
    }
    assert unions == {
        (frozenset({"head", "wife"}), frozenset({"kid1", "kid2"})),
        (frozenset({"mother"}), frozenset({"head", "brother"})),
    }
    captions = {names[x.key]: x.caption for x in result.genogram.persons}
    assert captions == {
        "head": "父",
        "wife": "母",
        "kid1": "兄",
        "kid2": "本人",
        "mother": "祖母",
        "brother": "おじ",
    }
    d = parse_genogram(render_genogram(result.genogram))
    assert problems(d) == [] and enclosed(d) == {key_of(x.pk) for x in (head, wife, kid1, kid2, mother)}


def test_a_grandchild_hangs_from_the_married_child_and_an_estimated_age_is_marked(city):
    muni, staff = city
    head = person(muni, "森", "一郎", "male", 72)
    son = person(muni, "森", "二郎", "male", 45)
    daughter_in_law = person(muni, "森", "三枝", "female", None, estimated_age=43)
    grandchild = person(muni, "森", "四季", "unknown", 15)
    hh = make_household(
        muni,
        (head, Relationship.HEAD),
        (son, Relationship.CHILD),
        (daughter_in_law, Relationship.CHILD_IN_LAW),
        (grandchild, Relationship.GRANDCHILD),
    )
    g = household_genogram(hh, visible=visible_persons(staff), today=TODAY).genogram
    k = key_of
    assert {(frozenset(u.partners), u.children) for u in g.unions} == {
        (frozenset({k(head.pk)}), (k(son.pk),)),
        (frozenset({k(son.pk), k(daughter_in_law.pk)}), (k(grandchild.pk),)),
    }
    dil = next(x for x in g.persons if x.key == k(daughter_in_law.pk))
    assert dil.age == 43 and dil.age_estimated
    # No 本人 given: captions are the 続柄 to the head.
    assert {x.caption for x in g.persons} == {"世帯主", "子", "子の配偶者", "孫"}
    assert problems(parse_genogram(render_genogram(g))) == []


def test_many_households_are_read_in_six_queries_with_the_same_result(
    yamada, city, django_assert_max_num_queries
):
    hh, p, staff = yamada
    muni, _ = city
    # The sister's household is a second household of the same family.
    sister_hh = make_household(
        muni,
        (p["bil"], Relationship.HEAD),
        (p["sister"], Relationship.SPOUSE),
        (p["niece"], Relationship.CHILD),
    )
    visible = visible_persons(staff)
    with django_assert_max_num_queries(6):
        both = household_genograms(
            [hh, sister_hh],
            visible=visible,
            subjects={hh.pk: [p["me"].pk], sister_hh.pk: [p["niece"].pk]},
            today=TODAY,
        )
    assert both[hh.pk] == household_genogram(hh, visible=visible, subjects=[p["me"].pk], today=TODAY)
    assert both[sister_hh.pk] == household_genogram(
        sister_hh, visible=visible, subjects=[p["niece"].pk], today=TODAY
    )
    niece_view = {x.key: x.caption for x in both[sister_hh.pk].genogram.persons}
    assert niece_view[key_of(p["me"].pk)] == "おじ" and niece_view[key_of(p["mother"].pk)] == "祖母"
