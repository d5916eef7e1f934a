"""The outreach test world: city A with the persona base (tests/personas.py) — the window worker, the
coordinator, the agency worker of the 社会福祉協議会 that runs outreach — an agency worker of another
organization (off the team), and city B's window worker who always gets 404."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.utils import timezone

from tests.factories import make_household, make_municipality, make_organization, make_person, make_staff
from tests.personas import CityStaff, staff_city
from tsunagu.accounts.models import Role, Staff
from tsunagu.directory.models import Organization
from tsunagu.outreach import actions
from tsunagu.outreach.models import Engagement
from tsunagu.people.models import Household, Person, Relationship


@dataclass
class World:
    a: CityStaff
    outreach_org: Organization
    other_org: Organization
    off_team: Staff  # an agency worker of another organization in city A
    worker_b: Staff

    @property
    def muni(self):  # type: ignore[no-untyped-def]
        return self.a.muni


def make_world(prefix: str | None = None) -> World:
    muni = make_municipality(name="テスト市A")
    window_org = make_organization(muni, name="福祉相談課")
    outreach_org = make_organization(muni, name="社会福祉協議会", kind="contracted")
    other_org = make_organization(muni, name="地域包括支援センター", kind="contracted")
    a = staff_city(
        muni,
        window_org=window_org,
        coordination_org=window_org,
        agency_org=outreach_org,
        username_prefix=prefix,
    )
    off_team = make_staff(
        muni, Role.AGENCY_WORKER, other_org, username=f"{prefix}-agency-off" if prefix else None
    )
    muni_b = make_municipality(name="テスト市B")
    worker_b = make_staff(
        muni_b, Role.WINDOW_WORKER, make_organization(muni_b), username=f"{prefix}-b" if prefix else None
    )
    return World(a, outreach_org, other_org, off_team, worker_b)


def open_engagement(
    world: World,
    *,
    started_ago: int = 10,
    actor: Staff | None = None,
    description: str = "隣家の高齢男性",
    **extra: object,
) -> Engagement:
    actor = actor or world.a.agency_worker
    data = actions.EngagementInput(
        description=description,
        reported_by=str(extra.pop("reported_by", "neighbour")),
        purpose=str(extra.pop("purpose", "安否の確認")),
        started_on=timezone.localdate() - dt.timedelta(days=started_ago),
        submission_token=uuid.uuid4(),
        **extra,  # type: ignore[arg-type]
    )
    engagement, created = actions.open_engagement(actor=actor, data=data)
    assert created
    return engagement


def contact(
    world: World,
    engagement: Engagement,
    *,
    ago: int,
    response: str = "absent",
    plan_in: int | None = None,
    actor: Staff | None = None,
    method: str = "visit",
) -> None:
    today = timezone.localdate()
    actions.record_contact(
        actor=actor or world.a.agency_worker,
        engagement=engagement,
        version=engagement.version,
        data=actions.ContactInput(
            on=today - dt.timedelta(days=ago),
            method=method,
            response=response,
            next_contact_on=None if plan_in is None else today + dt.timedelta(days=plan_in),
            submission_token=uuid.uuid4(),
        ),
    )


def resident(world: World, family_name: str = "鈴木") -> tuple[Person, Household]:
    person = make_person(
        world.muni, family_name=family_name, given_name="一郎", family_kana="スズキ", given_kana="イチロウ"
    )
    return person, make_household(world.muni, (person, Relationship.HEAD))
