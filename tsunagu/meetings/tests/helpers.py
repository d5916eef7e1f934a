"""A city with bodies of each legal kind, on top of cases' test world (a case with consents of every kind)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from tests.factories import make_staff
from tsunagu.accounts.models import Role, Staff
from tsunagu.cases.tests.helpers import World, make_world
from tsunagu.directory.models import MeetingBody
from tsunagu.meetings import actions
from tsunagu.meetings.models import Meeting, MeetingKindOfSitting


def make_body(world: World, key: str, kind: str, functions: list[str], **extra: Any) -> MeetingBody:
    extra.setdefault("confidentiality_duty", "confidential_conference" in functions)
    members = extra.pop("members", [])
    body = MeetingBody.objects.create(
        municipality=world.city.muni,
        key=key,
        name=extra.pop("name", f"会議体{key}"),
        kind=kind,
        legal_functions=functions,
        **extra,
    )
    body.members.set(members)  # type: ignore[arg-type]
    return body


def sitting(
    body: MeetingBody, *, starts: dt.timedelta = dt.timedelta(hours=-1), minutes: int = 120
) -> Meeting:
    """A planned sitting relative to now (default: began an hour ago, so minutes may be recorded)."""
    at = timezone.now() + starts
    return Meeting.objects.create(
        municipality=body.municipality,
        body=body,
        kind=MeetingKindOfSitting.SCHEDULED,
        starts_at=at,
        ends_at=at + dt.timedelta(minutes=minutes),
    )


@dataclass
class Staffed:
    world: World
    team: Staff  # organization named by the case's active consent and on the team
    unnamed: Staff  # organization on the team, named by no consent
    off: Staff  # named by the active consent, not on the team
    withdrawn: Staff  # only a withdrawn consent names it


def staffed(world: World | None = None) -> Staffed:
    world = world or make_world()
    muni = world.city.muni
    return Staffed(
        world=world,
        team=make_staff(muni, Role.AGENCY_WORKER, world.orgs["team"]),
        unnamed=make_staff(muni, Role.AGENCY_WORKER, world.orgs["unnamed"]),
        off=make_staff(muni, Role.AGENCY_WORKER, world.orgs["off"]),
        withdrawn=make_staff(muni, Role.AGENCY_WORKER, world.orgs["withdrawn"]),
    )


def consent_for_conference(world: World, orgs: list) -> None:
    """An active consent naming 重層的支援会議 and `orgs` (written through cases' action), given the day
    before: a sitting that began an hour ago may have begun yesterday (just after midnight in Japan)."""
    from tsunagu.cases import actions as case_actions
    from tsunagu.cases.tests.helpers import consent_input

    case_actions.record_consent(
        actor=world.coordinator,
        case=world.case,
        data=consent_input(
            world.p1,
            orgs,
            meeting_kinds=["consented_conference"],
            given_on=timezone.localdate() - dt.timedelta(days=1),
        ),
    )


__all__ = ["actions", "consent_for_conference", "make_body", "sitting", "staffed"]
