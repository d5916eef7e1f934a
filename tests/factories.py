"""Plain factory functions for tests (no fixture files). Each returns a saved object."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from tsunagu.accounts.models import Role, Staff
from tsunagu.directory.models import Organization
from tsunagu.municipalities.models import Area, Municipality
from tsunagu.people.models import Household, HouseholdMember, Person, Relationship

_seq = itertools.count(1)

# Valid 全国地方公共団体コード values that are not seed cities, for synthetic test municipalities.
_TEST_CODES = ["011002", "012025", "012033", "012041", "012050", "012068", "012076", "012084"]


def make_municipality(name: str | None = None, code: str | None = None) -> Municipality:
    n = next(_seq)
    code = code or _TEST_CODES[n % len(_TEST_CODES)]
    muni, _ = Municipality.objects.get_or_create(
        code=code, defaults={"name": name or f"テスト市{n}", "prefecture": "テスト県"}
    )
    return muni


def make_area(municipality: Municipality, name: str = "第一地区", kind: str = "地区") -> Area:
    return Area.objects.create(municipality=municipality, key=f"area-{next(_seq)}", name=name, kind=kind)


def make_organization(
    municipality: Municipality, name: str | None = None, kind: str = "department", **extra: Any
) -> Organization:
    n = next(_seq)
    return Organization.objects.create(
        municipality=municipality, key=f"org-{n}", name=name or f"テスト機関{n}", kind=kind, **extra
    )


def make_staff(
    municipality: Municipality | None = None,
    role: str = Role.WINDOW_WORKER,
    organization: Organization | None = None,
    username: str | None = None,
    password: str = "correct-horse-battery-staple",
    **extra: Any,
) -> Staff:
    municipality = municipality or make_municipality()
    organization = organization or make_organization(municipality)
    user = Staff.objects.create_user(
        username=username or f"staff{next(_seq)}",
        password=password,
        municipality=municipality,
        organization=organization,
        role=role,
        display_name=extra.pop("display_name", "テスト職員"),
        **extra,
    )
    return user


def make_person(
    municipality: Municipality, family_name: str = "山田", given_name: str = "太郎", **extra: Any
) -> Person:
    extra.setdefault("family_kana", "ヤマダ")
    extra.setdefault("given_kana", "タロウ")
    extra.setdefault("birth_date", dt.date(1960, 4, 1))
    return Person.objects.create(
        municipality=municipality, family_name=family_name, given_name=given_name, **extra
    )


def make_household(municipality: Municipality, *members: tuple[Person, str]) -> Household:
    household = Household.objects.create(municipality=municipality)
    for person, relationship in members or ((make_person(municipality), Relationship.HEAD),):
        HouseholdMember.objects.create(
            municipality=municipality, household=household, person=person, relationship=relationship
        )
    return household
