"""The one persona base every test world builds on (DESIGN.md "personas").

A city's staff are one person per role, each in the organization their work belongs to:

- 相談員 (window worker) in the window's organization,
- 束ね役 (coordinator), 管理職 (manager), 監査担当 (auditor) and システム管理者 (administrator) in the
  organization that coordinates 多機関協働,
- 関係機関職員 (agency worker) in an agency.

`staff_city` makes them for a municipality and organizations the caller chose (so each world keeps its own
names, kinds and windows); `Personas` in tests/factories.py and intake's `make_city` (which the case,
outreach, meetings … worlds extend) are built on it, and an "other city" twin is the same call for a second
municipality. Tests ask for people by role (`city.coordinator`), never by username or primary key.
"""

from __future__ import annotations

from dataclasses import dataclass

from tsunagu.accounts.models import Role, Staff
from tsunagu.directory.models import Organization
from tsunagu.municipalities.models import Municipality

from .factories import make_staff


@dataclass
class CityStaff:
    muni: Municipality
    window_worker: Staff
    coordinator: Staff
    agency_worker: Staff
    manager: Staff
    auditor: Staff
    administrator: Staff | None

    def all(self) -> list[Staff]:
        """Every persona of the city, in the order they were made."""
        people = [self.window_worker, self.coordinator, self.agency_worker, self.manager, self.auditor]
        return people + ([self.administrator] if self.administrator else [])


# Username suffix per role, for worlds that log in by username (browser tests): "<prefix>-window" …
USERNAMES = {
    "window_worker": "window",
    "coordinator": "coord",
    "agency_worker": "agency",
    "manager": "manager",
    "auditor": "auditor",
    "administrator": "admin",
}


def staff_city(
    muni: Municipality,
    *,
    window_org: Organization,
    coordination_org: Organization,
    agency_org: Organization,
    username_prefix: str | None = None,
    administrator: bool = True,
    organizations: dict[str, Organization] | None = None,
) -> CityStaff:
    """One staff member per role in `muni` (see the module docstring for who sits where); usernames are
    "<prefix>-window", "<prefix>-coord" … when a prefix is given, generated otherwise.

    `organizations` seats single roles elsewhere, by CityStaff attribute ({"auditor": audit_org}) — for
    worlds whose auditor, say, belongs to a different department than the coordinator."""
    seats = organizations or {}
    unknown = set(seats) - set(USERNAMES)
    if unknown:
        raise ValueError(f"unknown persona roles: {sorted(unknown)}")

    def one(attr: str, role: str, org: Organization) -> Staff:
        username = f"{username_prefix}-{USERNAMES[attr]}" if username_prefix else None
        return make_staff(muni, role, seats.get(attr, org), username=username)

    return CityStaff(
        muni=muni,
        window_worker=one("window_worker", Role.WINDOW_WORKER, window_org),
        coordinator=one("coordinator", Role.COORDINATOR, coordination_org),
        agency_worker=one("agency_worker", Role.AGENCY_WORKER, agency_org),
        manager=one("manager", Role.MANAGER, coordination_org),
        auditor=one("auditor", Role.AUDITOR, coordination_org),
        administrator=one("administrator", Role.ADMINISTRATOR, coordination_org) if administrator else None,
    )
