"""The participation test world: city A with the persona base (tests/personas.py) — the window worker who
supports people, the coordinator, the agency worker of the 社会福祉協議会 that runs the receiving
resources — an agency worker of another organization (off the team, not receiving), and city B's window
worker who always gets 404."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from tests.factories import (
    make_area,
    make_household,
    make_municipality,
    make_organization,
    make_person,
    make_staff,
)
from tests.personas import CityStaff, staff_city
from tsunagu.accounts.models import Role, Staff
from tsunagu.directory.models import Organization
from tsunagu.directory.resource_models import Resource
from tsunagu.municipalities.models import Area
from tsunagu.participation import actions
from tsunagu.participation.models import Match, SupportRecord
from tsunagu.people.models import Person, Relationship


@dataclass
class World:
    a: CityStaff
    receiving_org: Organization  # runs the resources (受け入れ先); the agency worker is here
    other_org: Organization
    off_team: Staff
    worker_b: Staff
    east: Area

    @property
    def muni(self):  # type: ignore[no-untyped-def]
        return self.a.muni


def make_world(prefix: str | None = None) -> World:
    muni = make_municipality(name="テスト市A")
    window_org = make_organization(muni, name="福祉相談課")
    receiving_org = make_organization(muni, name="社会福祉協議会", kind="social_welfare_council")
    other_org = make_organization(muni, name="地域包括支援センター", kind="community_general_support_center")
    a = staff_city(
        muni,
        window_org=window_org,
        coordination_org=window_org,
        agency_org=receiving_org,
        username_prefix=prefix,
    )
    off_team = make_staff(
        muni, Role.AGENCY_WORKER, other_org, username=f"{prefix}-agency-off" if prefix else None
    )
    muni_b = make_municipality(name="テスト市B")
    worker_b = make_staff(
        muni_b, Role.WINDOW_WORKER, make_organization(muni_b), username=f"{prefix}-b" if prefix else None
    )
    return World(a, receiving_org, other_org, off_team, worker_b, make_area(muni, "東地区"))


def make_resource(world: World, key: str, **extra: Any) -> Resource:
    extra.setdefault("name", key)
    extra.setdefault("kind", "ibasho")
    extra.setdefault("organization", world.receiving_org)
    return Resource.objects.create(municipality=world.muni, key=key, **extra)


def resident(world: World, family_name: str = "鈴木", **extra: Any) -> Person:
    person = make_person(
        world.muni,
        family_name=family_name,
        given_name="一郎",
        family_kana="スズキ",
        given_kana="イチロウ",
        **extra,
    )
    make_household(world.muni, (person, Relationship.HEAD))
    return person


def open_record(world: World, person: Person | None = None, **needs: Any) -> SupportRecord:
    record, created = actions.open_record(
        actor=world.a.window_worker, person=person or resident(world), data=actions.NeedsInput(**needs)
    )
    assert created
    return record


def propose(world: World, record: SupportRecord, resource: Resource, *, ago: int = 10) -> Match:
    match, created = actions.propose(
        actor=world.a.window_worker,
        record=record,
        data=actions.ProposalInput(
            resource=resource,
            proposed_on=timezone.localdate() - dt.timedelta(days=ago),
            note_to_receiver="初回は同行します",
        ),
    )
    assert created
    return match


def move(world: World, match: Match, stage: str, *, ago: int) -> Match:
    match.refresh_from_db()
    actions.change_stage(
        actor=world.a.window_worker,
        match=match,
        version=match.version,
        to_stage=stage,
        on=timezone.localdate() - dt.timedelta(days=ago),
    )
    match.refresh_from_db()
    return match


def consent(world: World, record: SupportRecord, *, share_contact: bool = False) -> None:
    actions.record_consent(
        actor=world.a.window_worker,
        record=record,
        organization=world.receiving_org,
        method="written",
        given_on=timezone.localdate(),
        share_contact=share_contact,
    )
