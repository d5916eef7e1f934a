"""Shared bits of the case view tests: the URLs of every case page and who is who in the world."""

from __future__ import annotations

from django.urls import reverse

from tests.factories import make_staff
from tsunagu.access.models import AuditEvent
from tsunagu.accounts.models import Role, Staff

from .helpers import World

# Pages every staff member who may see the case can open, and pages only its coordinator can.
TEAM_PAGES = ["cases:detail", "cases:assessment", "cases:monitoring"]
COORDINATOR_PAGES = ["cases:consent_new", "cases:plan", "cases:close"]


def url(name: str, *args: int) -> str:
    return reverse(name, args=list(args))


def team_worker(world: World) -> Staff:
    """An agency worker whose organization is on the team and named by the active consent."""
    return world.city.agency_worker


def off_team_worker(world: World) -> Staff:
    """An agency worker whose organization the consent names, but which is not on the team."""
    return make_staff(world.city.muni, Role.AGENCY_WORKER, world.orgs["off"])


def unconsented_worker(world: World) -> Staff:
    """An agency worker whose organization is on the team but named by no active consent."""
    return make_staff(world.city.muni, Role.AGENCY_WORKER, world.orgs["unnamed"])


def last_event() -> AuditEvent:
    return AuditEvent.objects.latest("seq")
