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
    if code is None:
        # A new municipality each call: the first test code not yet in this test's database.
        used = set(Municipality.objects.filter(code__in=_TEST_CODES).values_list("code", flat=True))
        free = [c for c in _TEST_CODES if c not in used]
        code = free[0] if free else _TEST_CODES[n % len(_TEST_CODES)]
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
    mfa: bool = True,
    **extra: Any,
) -> Staff:
    """A staff member; with mfa=True (default) they have a confirmed TOTP device with TEST_TOTP_KEY,
    so `totp_code(user)`, `login_client(client, user)` and tests.browser.login can complete MFA."""
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
    if mfa:
        give_totp(user)
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


# --- MFA and personas (security issue) ---------------------------------------------------------------

# RFC 6238's test key. Tolerance 5 lets one user log in several times within one 30-second step
# (each login must use a later step than the last; see totp_code).
TEST_TOTP_KEY = "3132333435363738393031323334353637383930"


def give_totp(user: Staff, key: str = TEST_TOTP_KEY) -> Any:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="test", key=key, confirmed=True, tolerance=5)


def totp_code(user: Staff | str) -> str:
    """A code the user's confirmed TOTP device will accept now (never one already used)."""
    import time

    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    qs = TOTPDevice.objects.filter(confirmed=True)
    device = (qs.filter(user__username=user) if isinstance(user, str) else qs.filter(user=user)).first()
    assert device is not None, f"{user} has no confirmed TOTP device (make_staff(..., mfa=True))"
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    step = max(totp.t(), device.last_t + 1)
    totp.time = device.t0 + step * device.step + device.step / 2
    return f"{totp.token():0{device.digits}d}"


def login_client(client: Any, user: Staff) -> Any:
    """Log a Django test client in with MFA completed (force_login + the OTP device in the session)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or give_totp(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


class Personas:
    """The DESIGN.md persona base (tests/personas.py `staff_city`) for city A — window worker, coordinator,
    agency workers on and off the team, manager, auditor, administrator, logging in as "a-window" … — and
    a window worker in city B ("b-window") who always gets 404."""

    def __init__(self) -> None:
        from .personas import staff_city

        self.city_a = make_municipality(name="テスト市A")
        self.city_b = make_municipality(name="テスト市B")
        self.org_a = make_organization(self.city_a, name="A市 福祉相談課")
        self.agency_a = make_organization(self.city_a, name="A市 地域包括支援センター", kind="contracted")
        self.org_b = make_organization(self.city_b, name="B市 福祉課")
        a = staff_city(
            self.city_a,
            window_org=self.org_a,
            coordination_org=self.org_a,
            agency_org=self.agency_a,
            username_prefix="a",
        )
        assert a.administrator is not None
        self.window_worker = a.window_worker
        self.coordinator = a.coordinator
        self.agency_worker = a.agency_worker
        self.manager = a.manager
        self.auditor = a.auditor
        self.administrator = a.administrator
        self.agency_worker_off_team = make_staff(
            self.city_a, Role.AGENCY_WORKER, self.agency_a, username="a-agency-off"
        )
        self.worker_b = make_staff(self.city_b, Role.WINDOW_WORKER, self.org_b, username="b-window")

    def all_a(self) -> list[Staff]:
        return [
            self.window_worker,
            self.coordinator,
            self.agency_worker,
            self.agency_worker_off_team,
            self.manager,
            self.auditor,
            self.administrator,
        ]


def make_personas() -> Personas:
    return Personas()
