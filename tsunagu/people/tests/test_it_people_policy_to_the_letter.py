"""Who may find which persons and households (`tsunagu/people/policy.py`), to the letter (issue 9 B4,
mutation testing): casework roles of the city only, 404 for another city's record, and the name a household
goes by (世帯主, else its first member) never taken from a household or person the reader may not find."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.http import Http404

from tests.factories import make_household, make_municipality, make_organization, make_person, make_staff
from tsunagu.accounts.models import Role
from tsunagu.people.models import HouseholdMember, Relationship
from tsunagu.people.policy import (
    get_for_members,
    get_household_for,
    get_person_for,
    household_heads,
    may_take_consultations,
    visible_households,
    visible_persons,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    a, b = make_municipality(name="テスト市A"), make_municipality(name="テスト市B")
    org = make_organization(a)
    staff = {role: make_staff(a, role, org, mfa=False) for role in Role.values}
    son = make_person(a, given_name="一郎")
    mother = make_person(a, given_name="花子")
    # The son was registered first, the mother is the head: the head names the household.
    family = make_household(a, (son, Relationship.CHILD), (mother, Relationship.HEAD))
    lodger = make_person(a, given_name="次郎")
    friend = make_person(a, given_name="三郎")
    # No head: the first member names it.
    shared = make_household(a, (lodger, Relationship.NON_RELATIVE), (friend, Relationship.NON_RELATIVE))
    stranger = make_person(b, given_name="四郎")
    elsewhere = make_household(b, (stranger, Relationship.HEAD))
    return SimpleNamespace(
        a=a,
        b=b,
        org=org,
        staff=staff,
        son=son,
        mother=mother,
        family=family,
        lodger=lodger,
        friend=friend,
        shared=shared,
        stranger=stranger,
        elsewhere=elsewhere,
    )


CASEWORK = (Role.WINDOW_WORKER, Role.COORDINATOR, Role.AGENCY_WORKER)


@pytest.mark.parametrize("role", Role.values)
def test_only_casework_roles_find_persons_and_households_and_only_of_their_city(w, role):
    staff = w.staff[role]
    if role in CASEWORK:
        assert may_take_consultations(staff) is True
        assert set(visible_persons(staff)) == {w.son, w.mother, w.lodger, w.friend}
        assert set(visible_households(staff)) == {w.family, w.shared}
        assert get_person_for(staff, w.mother.pk) == w.mother
        assert get_household_for(staff, str(w.shared.pk)) == w.shared
    else:
        assert may_take_consultations(staff) is False
        assert list(visible_persons(staff)) == []
        assert list(visible_households(staff)) == []
        with pytest.raises(Http404):
            get_person_for(staff, w.mother.pk)
        with pytest.raises(Http404):
            get_household_for(staff, w.family.pk)
    with pytest.raises(Http404):
        get_person_for(staff, w.stranger.pk)
    with pytest.raises(Http404):
        get_household_for(staff, w.elsewhere.pk)


def test_the_head_names_the_household_else_its_first_member(w, django_assert_num_queries):
    staff = w.staff[Role.WINDOW_WORKER]
    # One query for every household asked about, the members' persons with them (lists name many).
    with django_assert_num_queries(1):
        heads = household_heads(staff, [w.family.pk, w.shared.pk])
    assert heads == {
        w.family.pk: w.mother,
        w.shared.pk: w.lodger,
    }
    assert household_heads(staff, iter([w.shared.pk])) == {w.shared.pk: w.lodger}
    assert household_heads(staff, []) == {}


def test_households_and_members_the_reader_may_not_find_are_left_out(w):
    staff = w.staff[Role.COORDINATOR]
    assert household_heads(staff, [w.elsewhere.pk, w.family.pk]) == {w.family.pk: w.mother}
    assert household_heads(w.staff[Role.MANAGER], [w.family.pk]) == {}
    # A member recorded from another city (a corrupted row) is not shown as the head either.
    HouseholdMember.objects.create(
        municipality=w.a, household=w.shared, person=w.stranger, relationship=Relationship.HEAD
    )
    assert household_heads(staff, [w.shared.pk]) == {w.shared.pk: w.lodger}


def test_a_member_is_fetched_only_from_the_household_it_belongs_to(w, django_assert_num_queries):
    # Two queries: the person among the household's members, then the membership with its person.
    with django_assert_num_queries(2):
        member = get_for_members(w.family, w.mother.pk)
        assert member.person.given_name == "花子"
    assert member.household == w.family and member.person == w.mother
    assert member.relationship == Relationship.HEAD
    assert get_for_members(w.shared, str(w.friend.pk)).person == w.friend
    for outsider in (w.lodger.pk, w.stranger.pk, "x"):
        with pytest.raises(Http404):
            get_for_members(w.family, outsider)
