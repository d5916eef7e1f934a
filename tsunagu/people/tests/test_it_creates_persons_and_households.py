"""Persons, households and memberships are created only by people's actions: atomic, audited, refusing
bad input with a Japanese message and changing nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import make_area, make_municipality, make_person, make_staff
from tsunagu.access.models import AuditEvent
from tsunagu.accounts.models import Role
from tsunagu.people import actions
from tsunagu.people.models import Household, HouseholdMember, Person

pytestmark = pytest.mark.django_db


def counts():
    return Person.objects.count(), Household.objects.count(), HouseholdMember.objects.count()


def test_it_creates_a_person_a_household_and_a_membership_each_audited():
    city = make_municipality()
    staff = make_staff(city, Role.WINDOW_WORKER)
    area = make_area(city)
    before = AuditEvent.objects.count()
    person = actions.create_person(
        actor=staff,
        data=actions.PersonInput(
            family_name=" 髙橋 ",
            given_name="花子",
            family_kana="タカハシ",
            given_kana="ハナコ",
            birth_date=dt.date(1950, 1, 1),
            address="テスト市1-2-3",
            area=area,
        ),
    )
    household = actions.create_household(actor=staff, address=person.address, area=area)
    member, created = actions.add_member(actor=staff, household=household, person=person, relationship="head")
    assert created and member.relationship == "head"
    assert person.family_name == "髙橋" and person.kana_key == "たかはしはなこ"
    assert person.municipality_id == household.municipality_id == staff.municipality_id
    events = list(AuditEvent.objects.order_by("seq")[before:])
    assert [e.objects_json for e in events] == [
        [["person", person.pk]],
        [["household", household.pk]],
        [["household", household.pk], ["person", person.pk], ["householdmember", member.pk]],
    ]
    assert events[2].detail == {"operation": "member_add", "relationship": "head"}
    assert all("髙橋" not in str(e.detail) for e in events)


def test_adding_the_same_member_twice_returns_the_first_membership():
    city = make_municipality()
    staff = make_staff(city, Role.WINDOW_WORKER)
    person = make_person(city)
    household = actions.create_household(actor=staff)
    first, created = actions.add_member(actor=staff, household=household, person=person, relationship="head")
    again, created_again = actions.add_member(
        actor=staff, household=household, person=person, relationship="child"
    )
    assert created and not created_again
    assert again.pk == first.pk and again.relationship == "head"
    assert HouseholdMember.objects.count() == 1


@pytest.mark.parametrize(
    "change, message",
    [
        ({"family_name": "  "}, "姓を入力してください"),
        ({"sex": "x"}, "性別"),
        ({"birth_date": "future"}, "未来の日付"),
        ({"area": "other_city"}, "別の自治体"),
    ],
)
def test_bad_person_input_is_refused_and_changes_nothing(change, message):
    staff = make_staff(role=Role.WINDOW_WORKER)
    data = actions.PersonInput(family_name="山田")
    for key, value in change.items():
        if value == "future":
            value = timezone.localdate() + dt.timedelta(days=1)
        elif value == "other_city":
            value = make_area(make_municipality())
        setattr(data, key, value)
    before = counts(), AuditEvent.objects.count()
    with pytest.raises(actions.PeopleError, match=message):
        actions.create_person(actor=staff, data=data)
    assert (counts(), AuditEvent.objects.count()) == before


def test_memberships_across_cities_or_of_merged_records_are_refused():
    city = make_municipality()
    staff = make_staff(city, Role.WINDOW_WORKER)
    other_city_person = make_person(make_municipality())
    household = actions.create_household(actor=staff)
    with pytest.raises(actions.PeopleError, match="別の自治体"):
        actions.add_member(actor=staff, household=household, person=other_city_person)
    kept, absorbed = make_person(city), make_person(city)
    Person.objects.filter(pk=absorbed.pk).update(merged_into=kept)
    absorbed.refresh_from_db()
    with pytest.raises(actions.PeopleError, match="名寄せ済み"):
        actions.add_member(actor=staff, household=household, person=absorbed)
    with pytest.raises(actions.PeopleError, match="続柄"):
        actions.add_member(actor=staff, household=household, person=kept, relationship="cousin")
    assert not HouseholdMember.objects.exists()
