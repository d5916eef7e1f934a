"""Family relationships (genogram data): add/end audited, refusals change nothing, merge and split keep them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from tests.factories import make_household, make_municipality, make_person, make_staff
from tsunagu.access.models import AuditEvent
from tsunagu.people.actions import (
    RelationshipError,
    add_relationship,
    end_relationship,
    merge_persons,
    person_references,
    split_person,
)
from tsunagu.people.models import (
    PersonRelationship,
    Relationship,
    RelationshipKind,
    relationships_for_household,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def family():
    muni = make_municipality()
    staff = make_staff(muni)
    mother = make_person(muni, "鈴木", "幸子", family_kana="スズキ", given_kana="サチコ", sex="female")
    son = make_person(muni, "鈴木", "一郎", family_kana="スズキ", given_kana="イチロウ", sex="male")
    return muni, staff, mother, son


def test_it_records_a_directed_relationship_and_audits_it(family):
    muni, staff, mother, son = family
    rel = add_relationship(
        actor=staff, person_a=mother, person_b=son, kind=RelationshipKind.PARENT_OF, living_together=True
    )
    assert rel.municipality == muni and rel.living_label == "同居" and not rel.ended
    assert rel.label_from(son.pk) == "親" and rel.label_from(mother.pk) == "子"
    event = AuditEvent.objects.latest("seq")
    assert event.action == "create" and event.detail["operation"] == "relationship_add"
    assert f" person:{mother.pk} " in event.object_index and f" person:{son.pk} " in event.object_index


def test_it_ends_a_relationship_with_the_version_seen_and_refuses_a_stale_one(family):
    _muni, staff, mother, son = family
    rel = add_relationship(actor=staff, person_a=mother, person_b=son, kind=RelationshipKind.SPOUSE_OF)
    end_relationship(actor=staff, relationship=rel, version=1)
    rel.refresh_from_db()
    assert rel.ended and rel.version == 2
    with pytest.raises(RelationshipError, match="他の職員が記録を更新しました"):
        end_relationship(actor=staff, relationship=rel, version=1)
    assert AuditEvent.objects.filter(detail__operation="relationship_end").count() == 1


@pytest.mark.parametrize(
    "case",
    ["same_person", "duplicate", "reverse_symmetric", "other_city", "unknown_kind"],
)
def test_it_refuses_bad_relationships_and_changes_nothing(family, case):
    _muni, staff, mother, son = family
    add_relationship(actor=staff, person_a=mother, person_b=son, kind=RelationshipKind.SPOUSE_OF)
    before = (PersonRelationship.objects.count(), AuditEvent.objects.count())
    args = {"actor": staff, "person_a": mother, "person_b": son, "kind": RelationshipKind.PARENT_OF}
    if case == "same_person":
        args["person_b"] = mother
    elif case == "duplicate":
        args["kind"] = RelationshipKind.SPOUSE_OF
    elif case == "reverse_symmetric":
        args.update(person_a=son, person_b=mother, kind=RelationshipKind.SPOUSE_OF)
    elif case == "other_city":
        args["actor"] = make_staff(make_municipality())
    elif case == "unknown_kind":
        args["kind"] = "cousin_of"
    with pytest.raises(RelationshipError):
        add_relationship(**args)
    assert (PersonRelationship.objects.count(), AuditEvent.objects.count()) == before


def test_the_database_refuses_a_self_relationship_and_a_duplicate(family):
    muni, _staff, mother, son = family
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonRelationship.objects.create(municipality=muni, person_a=mother, person_b=mother, kind="other")
    PersonRelationship.objects.create(municipality=muni, person_a=mother, person_b=son, kind="parent_of")
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonRelationship.objects.create(municipality=muni, person_a=mother, person_b=son, kind="parent_of")


def test_both_ends_of_a_relationship_are_merge_references():
    refs = {ref.label: ref for ref in person_references()}
    a, b = refs["people.PersonRelationship.person_a"], refs["people.PersonRelationship.person_b"]
    assert a.siblings == ("person_b",) and b.siblings == ("person_a",)
    assert ("municipality", "person_b", "kind") in a.unique_with


def test_merge_moves_both_ends_keeps_conflicts_and_self_links_on_the_absorbed_record_and_split_restores(
    family,
):
    muni, staff, mother, son = family
    # The son was registered twice; each record carries relationships.
    son_dup = make_person(muni, "鈴木", "一郎", family_kana="スズキ", given_kana="イチロウ", sex="male")
    father = make_person(muni, "鈴木", "茂", family_kana="スズキ", given_kana="シゲル", sex="male")
    child = make_person(
        muni, "鈴木", "翔", family_kana="スズキ", given_kana="ショウ", birth_date=dt.date(2010, 1, 1)
    )
    r_mother_son = add_relationship(actor=staff, person_a=mother, person_b=son, kind="parent_of")
    r_mother_dup = add_relationship(
        actor=staff, person_a=mother, person_b=son_dup, kind="parent_of"
    )  # conflict
    r_father_dup = add_relationship(
        actor=staff, person_a=father, person_b=son_dup, kind="parent_of"
    )  # moves (b)
    r_dup_child = add_relationship(
        actor=staff, person_a=son_dup, person_b=child, kind="parent_of"
    )  # moves (a)
    r_self = add_relationship(actor=staff, person_a=son, person_b=son_dup, kind="other", note="同一人物？")
    r_self2 = add_relationship(actor=staff, person_a=son_dup, person_b=son, kind="guardian_of")

    merge = merge_persons(actor=staff, keep=son, absorb=son_dup, reason="同一人物と確認")

    def ends(rel: PersonRelationship) -> tuple[int, int]:
        rel.refresh_from_db()
        return rel.person_a_id, rel.person_b_id

    assert ends(r_mother_son) == (mother.pk, son.pk)
    assert ends(r_mother_dup) == (mother.pk, son_dup.pk)  # would duplicate mother→son
    assert ends(r_father_dup) == (father.pk, son.pk)
    assert ends(r_dup_child) == (son.pk, child.pk)
    assert ends(r_self) == (son.pk, son_dup.pk)  # would relate son to himself
    assert merge.moved == {
        "people.PersonRelationship.person_a": [r_dup_child.pk],
        "people.PersonRelationship.person_b": [r_father_dup.pk],
    }
    assert ends(r_self2) == (son_dup.pk, son.pk)
    assert merge.kept_on_absorbed == {
        "people.PersonRelationship.person_a": [r_self2.pk],
        "people.PersonRelationship.person_b": sorted([r_mother_dup.pk, r_self.pk]),
    }

    split_person(actor=staff, merge_record=merge, reason="別人と判明")

    assert ends(r_father_dup) == (father.pk, son_dup.pk)
    assert ends(r_dup_child) == (son_dup.pk, child.pk)
    assert ends(r_mother_dup) == (mother.pk, son_dup.pk)
    assert ends(r_self) == (son.pk, son_dup.pk)


def test_relationships_for_household_lists_relationships_touching_any_member(family):
    muni, staff, mother, son = family
    grandmother = make_person(muni, "鈴木", "ハナ", family_kana="スズキ", given_kana="ハナ")
    stranger = make_person(muni, "田中", "一", family_kana="タナカ", given_kana="ハジメ")
    other = make_person(muni, "田中", "二", family_kana="タナカ", given_kana="ジ")
    household = make_household(muni, (son, Relationship.HEAD))
    r1 = add_relationship(actor=staff, person_a=mother, person_b=son, kind="parent_of")
    r2 = add_relationship(actor=staff, person_a=grandmother, person_b=son, kind="grandparent_of", ended=True)
    add_relationship(actor=staff, person_a=stranger, person_b=other, kind="sibling_of")
    assert relationships_for_household(household) == [r1, r2]
