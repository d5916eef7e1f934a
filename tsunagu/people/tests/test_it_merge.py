"""名寄せ merge and split: every reference kept, the absorbed record kept and marked, split exact, audited."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_household, make_municipality, make_person, make_staff
from tsunagu.access.models import AuditEvent
from tsunagu.people.actions import (
    MergeError,
    merge_persons,
    person_references,
    split_person,
)
from tsunagu.people.models import Household, HouseholdMember, Person, PersonMerge, Relationship

pytestmark = pytest.mark.django_db


def snapshot(*people: Person) -> dict[int, set[tuple[str, int]]]:
    """person id → ids of every row that refers to it, over every registered reference."""
    out: dict[int, set[tuple[str, int]]] = {p.pk: set() for p in people}
    for ref in person_references():
        for pk, person_id in ref.model._base_manager.filter(
            **{f"{ref.field}__in": [p.pk for p in people]}
        ).values_list("pk", ref.field):
            out[person_id].add((ref.label, pk))
    return out


@pytest.fixture
def city():
    muni = make_municipality()
    staff = make_staff(muni)
    keep = make_person(muni, "高橋", "花子", birth_date=dt.date(1950, 5, 3))
    absorb = make_person(muni, "髙橋", "花子", birth_date=None)
    return muni, staff, keep, absorb


def test_household_memberships_are_part_of_the_references():
    labels = {ref.label for ref in person_references()}
    assert "people.HouseholdMember.person" in labels
    assert "people.Person.merged_into" not in labels


def test_merge_moves_every_membership_keeps_the_record_and_audits(city):
    muni, staff, keep, absorb = city
    spouse = make_person(muni, "高橋", "一郎")
    h1 = make_household(muni, (absorb, Relationship.HEAD), (spouse, Relationship.SPOUSE))
    h2 = make_household(muni, (keep, Relationship.HEAD))
    before = snapshot(keep, absorb)
    events_before = AuditEvent.objects.count()

    merge = merge_persons(actor=staff, keep=keep, absorb=absorb, reason="同一人物と確認（窓口で本人確認）")

    after = snapshot(keep, absorb)
    assert after[keep.pk] == before[keep.pk] | before[absorb.pk]
    assert after[absorb.pk] == set()
    assert set(HouseholdMember.objects.filter(person=keep).values_list("household_id", flat=True)) == {
        h1.pk,
        h2.pk,
    }
    absorb.refresh_from_db()
    keep.refresh_from_db()
    assert absorb.merged_into == keep and Person.objects.filter(pk=absorb.pk).exists()
    assert (keep.version, absorb.version) == (2, 2)
    assert merge.moved == {"people.HouseholdMember.person": sorted(pk for _l, pk in before[absorb.pk])}
    event = AuditEvent.objects.order_by("-seq")[0]
    assert AuditEvent.objects.count() == events_before + 1
    assert event.detail["operation"] == "person_merge" and event.detail["rows_moved"] == 1
    assert f" person:{absorb.pk} " in event.object_index


def test_split_restores_exactly_and_is_audited(city):
    muni, staff, keep, absorb = city
    make_household(
        muni, (absorb, Relationship.HEAD), (make_person(muni, "高橋", "一郎"), Relationship.SPOUSE)
    )
    make_household(muni, (keep, Relationship.HEAD))
    before = snapshot(keep, absorb)
    merge = merge_persons(actor=staff, keep=keep, absorb=absorb, reason="同一人物")
    later = make_household(muni, (keep, Relationship.HEAD))  # added to the kept record after the merge

    split_person(actor=staff, merge_record=merge)

    after = snapshot(keep, absorb)
    assert after[absorb.pk] == before[absorb.pk]
    assert after[keep.pk] == before[keep.pk] | {("people.HouseholdMember.person", later.members.get().pk)}
    absorb.refresh_from_db()
    merge.refresh_from_db()
    assert absorb.merged_into is None and merge.is_split and merge.split_by == staff
    assert AuditEvent.objects.order_by("-seq")[0].detail["operation"] == "person_split"
    with pytest.raises(MergeError, match="既に取り消されています"):
        split_person(actor=staff, merge_record=merge)


def test_membership_of_the_same_household_stays_on_the_absorbed_record(city):
    muni, staff, keep, absorb = city
    household = make_household(muni, (keep, Relationship.HEAD), (absorb, Relationship.HEAD))
    merge = merge_persons(actor=staff, keep=keep, absorb=absorb, reason="同一人物")
    assert merge.moved == {}
    stay = HouseholdMember.objects.get(household=household, person=absorb)
    assert merge.kept_on_absorbed == {"people.HouseholdMember.person": [stay.pk]}
    split_person(actor=staff, merge_record=merge)
    assert HouseholdMember.objects.filter(household=household).count() == 2


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("same", "同じ記録どうし"),
        ("other_city", "別の自治体"),
        ("already", "既に名寄せ"),
        ("stale", "他の職員が記録を更新しました"),
        ("no_reason", "理由を入力してください"),
        ("foreign_actor", "権限がありません"),
    ],
)
def test_refused_merges_change_nothing(city, setup, message):
    muni, staff, keep, absorb = city
    make_household(muni, (absorb, Relationship.HEAD))
    kwargs = {"actor": staff, "keep": keep, "absorb": absorb, "reason": "同一人物"}
    if setup == "same":
        kwargs["absorb"] = keep
    elif setup == "other_city":
        kwargs["absorb"] = make_person(make_municipality(code="012076"), "高橋", "花子")
    elif setup == "already":
        merge_persons(actor=staff, keep=make_person(muni, "高橋", "花"), absorb=absorb, reason="x")
    elif setup == "stale":
        kwargs["absorb_version"] = absorb.version + 5
    elif setup == "no_reason":
        kwargs["reason"] = "  "
    elif setup == "foreign_actor":
        kwargs["actor"] = make_staff(make_municipality(code="012084"))
    before = snapshot(keep, absorb)
    merges = PersonMerge.objects.count()
    with pytest.raises(MergeError, match=message):
        merge_persons(**kwargs)
    assert snapshot(keep, absorb) == before
    assert PersonMerge.objects.count() == merges


def test_split_is_refused_when_the_kept_record_was_merged_again(city):
    muni, staff, keep, absorb = city
    make_household(muni, (absorb, Relationship.HEAD))
    first = merge_persons(actor=staff, keep=keep, absorb=absorb, reason="同一人物")
    third = make_person(muni, "高橋", "花子", birth_date=dt.date(1950, 5, 3))
    second = merge_persons(actor=staff, keep=third, absorb=keep, reason="同一人物")
    with pytest.raises(MergeError, match="先にそちらを取り消してください"):
        split_person(actor=staff, merge_record=first)
    split_person(actor=staff, merge_record=second)
    split_person(actor=staff, merge_record=first)
    assert HouseholdMember.objects.get().person == absorb


def test_split_is_refused_when_a_moved_row_was_reassigned(city):
    muni, staff, keep, absorb = city
    household = make_household(muni, (absorb, Relationship.HEAD))
    merge = merge_persons(actor=staff, keep=keep, absorb=absorb, reason="同一人物")
    HouseholdMember.objects.filter(household=household).update(person=make_person(muni, "別人", "一"))
    with pytest.raises(MergeError, match="付け替えられた記録が 1 件"):
        split_person(actor=staff, merge_record=merge)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    memberships=st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from(["keep", "absorb", "other"])), max_size=10
    )
)
def test_merge_then_split_restores_every_row_property(city, memberships):
    muni, staff, keep, absorb = city
    keep = Person.objects.get(pk=keep.pk)
    absorb = Person.objects.get(pk=absorb.pk)
    Person.objects.filter(pk=absorb.pk).update(merged_into=None)
    PersonMerge.objects.all().delete()
    HouseholdMember.objects.all().delete()
    Household.objects.all().delete()
    households = [Household.objects.create(municipality=muni) for _ in range(4)]
    other = make_person(muni, "他人", "一")
    who = {"keep": keep, "absorb": absorb, "other": other}
    for index, name in set(memberships):
        HouseholdMember.objects.create(
            municipality=muni,
            household=households[index],
            person=who[name],
            relationship=Relationship.OTHER_RELATIVE,
        )
    before = sorted(HouseholdMember.objects.values_list("pk", "household_id", "person_id"))

    merge = merge_persons(actor=staff, keep=keep, absorb=absorb, reason="同一人物")
    during = sorted(HouseholdMember.objects.values_list("pk", "household_id", "person_id"))
    assert [row[0] for row in during] == [row[0] for row in before]  # nothing deleted or created
    left = set(merge.kept_on_absorbed.get("people.HouseholdMember.person", []))
    assert all(person != absorb.pk or pk in left for pk, _h, person in during)

    split_person(actor=staff, merge_record=merge)
    assert sorted(HouseholdMember.objects.values_list("pk", "household_id", "person_id")) == before
