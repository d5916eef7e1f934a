"""The generic scoping helpers every policy builds on (`tsunagu/access/scope.py`), to the letter (issue 9
B4, mutation testing): who counts as casework, which rows `scoped` and `get_for` return, and which
emergency grants are in force — a grant of another city, of a colleague, ended, expired or on another kind
of record opens nothing."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.http import Http404
from django.utils import timezone

from tests.factories import make_household, make_municipality, make_organization, make_person, make_staff
from tsunagu.access import scope
from tsunagu.access.models import BreakGlassGrant
from tsunagu.access.scope import (
    Casework,
    active_break_glass,
    break_glass_ids,
    break_glass_target,
    casework,
    get_for,
    has_break_glass,
    in_casework,
    in_municipality,
    register_break_glass_type,
    scoped,
)
from tsunagu.accounts.models import Role
from tsunagu.people.models import Household, Person

HOUR = dt.timedelta(hours=1)


# ---- who is in a municipality, who is in casework (no database) --------------------------------------


def test_in_municipality_needs_an_active_account_of_a_municipality():
    assert in_municipality(SimpleNamespace(is_active=True, municipality_id=3)) is True
    assert in_municipality(SimpleNamespace(is_active=False, municipality_id=3)) is False
    assert in_municipality(SimpleNamespace(is_active=True, municipality_id=None)) is False
    # Objects without the attributes (not a staff account) are outside, never an error.
    assert in_municipality(SimpleNamespace(municipality_id=3)) is False
    assert in_municipality(SimpleNamespace(is_active=True)) is False
    assert in_municipality(None) is False


def staff_like(role: str, *, active: bool = True, municipality_id: object = 3, organization_id: object = 8):
    return SimpleNamespace(
        is_active=active, role=role, municipality_id=municipality_id, organization_id=organization_id
    )


@pytest.mark.parametrize("role", Role.values)
def test_casework_is_the_three_casework_roles_with_their_ids(role):
    got = casework(staff_like(role))
    if role in (Role.WINDOW_WORKER, Role.COORDINATOR, Role.AGENCY_WORKER):
        assert got == Casework(municipality_id=3, organization_id=8)
        assert in_casework(staff_like(role)) is True
    else:
        assert got is None
        assert in_casework(staff_like(role)) is False


def test_casework_ids_are_integers_even_from_strings():
    got = casework(staff_like(Role.COORDINATOR, municipality_id="3", organization_id="8"))
    assert got == Casework(3, 8)
    assert type(got.municipality_id) is int and type(got.organization_id) is int  # type: ignore[union-attr]


def test_casework_refuses_disabled_accounts_and_staff_without_a_municipality_or_organization():
    assert casework(staff_like(Role.COORDINATOR, active=False)) is None
    assert casework(staff_like(Role.COORDINATOR, municipality_id=None)) is None
    assert casework(staff_like(Role.COORDINATOR, organization_id=None)) is None
    assert in_casework(staff_like(Role.COORDINATOR, organization_id=None)) is False
    no_org_attribute = SimpleNamespace(is_active=True, role=Role.COORDINATOR, municipality_id=3)
    assert casework(no_org_attribute) is None


# ---- scoped and get_for ------------------------------------------------------------------------------


@pytest.fixture
def two_cities(db):
    a, b = make_municipality(name="テスト市A"), make_municipality(name="テスト市B")
    org = make_organization(a)
    staff = make_staff(a, Role.COORDINATOR, org, mfa=False)
    mine = [make_person(a, given_name="一郎"), make_person(a, given_name="二郎")]
    theirs = make_person(b, given_name="三郎")
    return SimpleNamespace(a=a, b=b, org=org, staff=staff, mine=mine, theirs=theirs)


def test_scoped_keeps_only_the_staff_members_municipality(two_cities):
    w = two_cities
    assert set(scoped(w.staff, Person.objects.all())) == set(w.mine)
    w.staff.is_active = False
    assert list(scoped(w.staff, Person.objects.all())) == []


def test_get_for_returns_the_row_by_any_spelling_of_its_id_and_404_otherwise(two_cities):
    w = two_cities
    mine = scoped(w.staff, Person.objects.all())
    first, second = w.mine
    assert get_for(mine, first.pk) == first
    assert get_for(mine, str(second.pk)) == second
    for bad in (w.theirs.pk, 10**9, "abc", None, "", [1]):
        with pytest.raises(Http404):
            get_for(mine, bad)


# ---- break-glass ------------------------------------------------------------------------------------


def grant(staff, obj_type: str, obj_id: int, *, muni=None, **extra) -> BreakGlassGrant:
    now = timezone.now()
    values = {"started_at": now, "expires_at": now + HOUR, **extra}
    return BreakGlassGrant.objects.create(
        municipality=muni or staff.municipality,
        staff=staff,
        obj_type=obj_type,
        obj_id=obj_id,
        reason="安否確認のため緊急に確認する",
        **values,
    )


def test_only_the_staff_members_own_unended_unexpired_grants_of_their_city_are_active(two_cities):
    w = two_cities
    colleague = make_staff(w.a, Role.COORDINATOR, w.org, mfa=False)
    now = timezone.now()
    case_grant = grant(w.staff, "case", 424242)
    household_grant = grant(w.staff, "household", 424242)
    grant(w.staff, "case", 1001, muni=w.b)  # the staff member's row, but another city's
    grant(colleague, "case", 1002)  # a colleague's
    grant(w.staff, "case", 1003, ended_at=now)  # ended early
    grant(w.staff, "case", 1004, started_at=now - 2 * HOUR, expires_at=now - HOUR)  # expired
    assert set(active_break_glass(w.staff)) == {case_grant, household_grant}
    assert list(active_break_glass(w.staff, "case")) == [case_grant]
    assert list(active_break_glass(w.staff, "household")) == [household_grant]
    assert list(break_glass_ids(w.staff, "case")) == [424242]
    assert list(break_glass_ids(w.staff, "engagement")) == []
    assert has_break_glass(w.staff, "case", 424242) is True
    for obj_id in (1001, 1002, 1003, 1004, 424243):
        assert has_break_glass(w.staff, "case", obj_id) is False, obj_id
    assert has_break_glass(w.staff, "engagement", 424242) is False
    w.staff.is_active = False
    assert list(active_break_glass(w.staff)) == []
    assert has_break_glass(w.staff, "case", 424242) is False


def test_a_grant_ends_the_moment_it_expires(two_cities):
    w = two_cities
    g = grant(w.staff, "household", 5)
    assert has_break_glass(w.staff, "household", 5)
    BreakGlassGrant.objects.filter(pk=g.pk).update(expires_at=timezone.now())
    assert not has_break_glass(w.staff, "household", 5)


def test_break_glass_target_names_only_a_known_kind_of_record_of_the_staff_members_city(two_cities):
    w = two_cities
    first, second = w.mine
    assert break_glass_target(w.staff, "person", second.pk) == second
    assert break_glass_target(w.staff, "person", w.theirs.pk) is None
    assert break_glass_target(w.staff, "person", 10**9) is None
    assert break_glass_target(w.staff, "no-such-kind", second.pk) is None
    household = make_household(w.a, (first, "head"))
    assert break_glass_target(w.staff, "household", household.pk) == household
    assert isinstance(break_glass_target(w.staff, "household", household.pk), Household)
    w.staff.is_active = False
    assert break_glass_target(w.staff, "person", second.pk) is None


def test_a_registered_kind_can_be_opened(two_cities, monkeypatch):
    monkeypatch.setattr(scope, "BREAK_GLASS_TYPES", dict(scope.BREAK_GLASS_TYPES))
    register_break_glass_type("member", "people.Person")
    assert scope.BREAK_GLASS_TYPES["member"] == "people.Person"
    person = two_cities.mine[0]
    assert break_glass_target(two_cities.staff, "member", person.pk) == person
