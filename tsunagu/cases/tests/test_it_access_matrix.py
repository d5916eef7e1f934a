"""The permission matrix of 多機関協働 cases: every role × every relationship to a case × every access
function and every case URL. No cell may read what the policy does not allow.

The policy (tsunagu/cases/policy.py): a casework-role staff member of the case's city sees the case and
its persons' records when they are its coordinator, their organization is on the team and an active
consent names it, they attend a 支援会議 on it within the follow-up window (having acknowledged 守秘義務),
or they hold active break-glass. Anyone else in casework learns only that a case exists for the household.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

import pypdf
import pytest
import time_machine
from django.core.files.base import ContentFile
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import login_client, make_organization, make_staff
from tsunagu.access import actions as access_actions
from tsunagu.access.models import BreakGlassGrant
from tsunagu.access.permissions import PERMISSIONS, iter_url_patterns, view_marking
from tsunagu.accounts.models import Role, Staff
from tsunagu.cases.models import (
    Assessment,
    Case,
    CaseTeamMember,
    CaseTransition,
    Consent,
    Monitoring,
    SupportPlan,
)
from tsunagu.cases.policy import (
    get_case_for,
    household_has_case,
    shared_person_ids,
    visible_cases,
    why_visible,
)
from tsunagu.intake.policy import visible_consultations

from .helpers import BREAK_GLASS_REASON, SECRET, World, make_world, meeting_access

pytestmark = pytest.mark.django_db

ROLES = [r.value for r in Role]
CASEWORK = {Role.WINDOW_WORKER.value, Role.COORDINATOR.value, Role.AGENCY_WORKER.value}
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

RELATIONSHIPS = [
    "team_consent_active",
    "team_consent_withdrawn",
    "team_consent_expired",
    "team_consent_not_naming_org",
    "off_team_named_in_consent",
    "colleague_of_coordinator",
    "case_coordinator",
    "meeting_inside_window",
    "meeting_before_window",
    "meeting_after_window",
    "meeting_duty_not_yet_acknowledged",
    "meeting_on_another_case",
    "break_glass_active",
    "break_glass_expired",
    "break_glass_ended",
    "break_glass_on_household_only",
    "other_city",
    "disabled_account",
]
# Relationships under which a casework-role member of the case's city may read the case.
GRANTING = {"team_consent_active", "case_coordinator", "meeting_inside_window", "break_glass_active"}
# Relationships under which p1's unshared consultation may be read: the case consent names p1 and the
# organization on the team (shared_person_ids), or break-glass on the household opens its records.
CONSULTATION_P1 = {"team_consent_active", "break_glass_on_household_only"}
CONSULTATION_P2 = {"break_glass_on_household_only"}  # no consent names p2


def may_see_case(role: str, rel: str) -> bool:
    return role in CASEWORK and rel in GRANTING


def may_learn_exists(role: str, rel: str) -> bool:
    return role in CASEWORK and rel not in {"other_city", "disabled_account"}


@dataclass
class Cell:
    role: str
    rel: str
    staff: Staff
    # Checks run inside this context: expired break-glass is judged after its time limit has passed.
    when: Callable[[], Any]


def _grant(world: World, staff: Staff, obj_type: str, obj_id: int) -> BreakGlassGrant:
    """Break-glass through the action; roles that may not ask get a row written directly, to show that
    even a grant that should not exist opens nothing for them."""
    try:
        return access_actions.request_break_glass(
            actor=staff, obj_type=obj_type, obj_id=obj_id, reason=BREAK_GLASS_REASON
        )
    except access_actions.AccessError:
        assert staff.role in (Role.AUDITOR, Role.ADMINISTRATOR) or not staff.is_active
        return _raw_grant(staff, obj_type, obj_id)


def _raw_grant(staff: Staff, obj_type: str, obj_id: int) -> BreakGlassGrant:
    now = timezone.now()
    assert staff.municipality is not None
    return BreakGlassGrant.objects.create(
        municipality=staff.municipality,
        staff=staff,
        obj_type=obj_type,
        obj_id=obj_id,
        reason=BREAK_GLASS_REASON,
        started_at=now,
        expires_at=now + HOUR,
    )


def place(world: World, role: str, rel: str) -> Cell:
    """A new staff member of `role` standing in `rel` to world.case."""
    muni = world.city.muni
    o = world.orgs
    later: Callable[[], Any] = nullcontext
    fresh = make_organization(muni, name=f"関係外の機関 {role} {rel}")
    org = {
        "team_consent_active": o["team"],
        "team_consent_withdrawn": o["withdrawn"],
        "team_consent_expired": o["expired"],
        "team_consent_not_naming_org": o["unnamed"],
        "off_team_named_in_consent": o["off"],
        "colleague_of_coordinator": world.coordinator.organization,
        "other_city": world.other.agency_org,
        "disabled_account": o["team"],
    }.get(rel, fresh)
    assert org is not None
    staff = make_staff(org.municipality, role, org)
    case = world.case
    if rel == "case_coordinator":
        # open_case only accepts coordinators; other roles stand for a coordinator whose role changed since.
        Case.objects.filter(pk=case.pk).update(coordinator=staff)
    elif rel == "meeting_inside_window":
        meeting_access(case, staff, start=-HOUR, end=7 * DAY)
    elif rel == "meeting_before_window":
        meeting_access(case, staff, start=HOUR, end=7 * DAY)
    elif rel == "meeting_after_window":
        meeting_access(case, staff, start=-14 * DAY, end=-HOUR)
    elif rel == "meeting_duty_not_yet_acknowledged":
        meeting_access(case, staff, start=-HOUR, end=7 * DAY, acknowledged=HOUR)
    elif rel == "meeting_on_another_case":
        other = Case.objects.create(
            municipality=muni,
            number=1000 + staff.pk,
            household=world.household,
            coordinator=world.coordinator,
            opened_by=world.coordinator,
            status="closed",
        )
        meeting_access(other, staff, start=-HOUR, end=7 * DAY)
    elif rel == "break_glass_active":
        _grant(world, staff, "case", case.pk)
    elif rel == "break_glass_expired":
        _grant(world, staff, "case", case.pk)
        limit = dt.timedelta(minutes=access_actions.break_glass_minutes() + 1)

        def later() -> Any:
            return time_machine.travel(timezone.now() + limit, tick=True)

    elif rel == "break_glass_ended":
        grant = _grant(world, staff, "case", case.pk)
        access_actions.end_break_glass(actor=staff, grant=grant)
    elif rel == "break_glass_on_household_only":
        _grant(world, staff, "household", world.household.pk)
    elif rel == "other_city":
        # Rows that name the other city's staff on this city's case must still open nothing.
        meeting_access(case, staff, start=-HOUR, end=7 * DAY)
        _raw_grant(staff, "case", case.pk)
    elif rel == "disabled_account":
        # Every reason at once, then the account is disabled.
        Case.objects.filter(pk=case.pk).update(coordinator=staff)
        meeting_access(case, staff, start=-HOUR, end=7 * DAY)
        _grant(world, staff, "case", case.pk)
        Staff.objects.filter(pk=staff.pk).update(is_active=False)
        staff.refresh_from_db()
    case.refresh_from_db()
    return Cell(role=role, rel=rel, staff=staff, when=later)


def _reset_coordinator(world: World) -> None:
    Case.objects.filter(pk=world.case.pk).update(coordinator=world.coordinator)
    world.case.refresh_from_db()


def cells(world: World, rel: str) -> Iterator[Cell]:
    for role in ROLES:
        cell = place(world, role, rel)
        yield cell
        _reset_coordinator(world)


def function_failures(world: World, cell: Cell) -> list[str]:
    staff, role, rel = cell.staff, cell.role, cell.rel
    case = world.case
    fails: list[str] = []

    def check(what: str, got: object, want: object) -> None:
        if got != want:
            fails.append(f"{role} × {rel}: {what} = {got!r}, expected {want!r}")

    want = may_see_case(role, rel)
    # (meeting_on_another_case legitimately opens that other case; it is not part of this check.)
    check("visible_cases", set(visible_cases(staff)) & {case, world.other_case}, {case} if want else set())
    check("why_visible non-empty", bool(why_visible(staff, case)), want)
    try:
        get_case_for(staff, case.pk)
        got = True
    except Http404:
        got = False
    check("get_case_for", got, want)
    # The other city's case is never visible to anyone here.
    if world.other_case in visible_cases(staff) or why_visible(staff, world.other_case):
        fails.append(f"{role} × {rel}: sees the other city's case")
    check("household_has_case", household_has_case(staff, world.household), may_learn_exists(role, rel))
    consultations = set(visible_consultations(staff).filter(household=world.household))
    check(
        "p1's consultation visible",
        world.consultation_p1 in consultations,
        role in CASEWORK and rel in CONSULTATION_P1,
    )
    check(
        "p2's consultation visible",
        world.consultation_p2 in consultations,
        role in CASEWORK and rel in CONSULTATION_P2,
    )
    shared = set(shared_person_ids(staff))
    check(
        "shared_person_ids",
        shared,
        {world.p1.pk} if role in CASEWORK and rel == "team_consent_active" else set(),
    )
    return fails


@pytest.mark.parametrize("rel", RELATIONSHIPS)
def test_access_functions_follow_the_policy_for_every_role(rel):
    world = make_world()
    fails: list[str] = []
    for cell in cells(world, rel):
        with cell.when():
            fails += function_failures(world, cell)
    assert not fails, "\n".join(fails)


def test_the_matrix_covers_every_role_and_the_policy_grants_something():
    # A matrix whose expectations are all "no" could not catch a policy that shows nothing to anyone.
    assert set(ROLES) == set(Role.values)
    granted = [(r, rel) for r in ROLES for rel in RELATIONSHIPS if may_see_case(r, rel)]
    assert len(granted) == len(CASEWORK) * len(GRANTING)


def test_a_withdrawal_closes_access_for_the_next_request_in_the_same_second():
    world = make_world()
    staff = make_staff(world.city.muni, Role.AGENCY_WORKER, world.orgs["team"])
    with time_machine.travel(timezone.now(), tick=False):
        assert world.case in visible_cases(staff)
        assert world.consultation_p1 in visible_consultations(staff)
        from tsunagu.cases.actions import withdraw_consent

        withdraw_consent(actor=world.coordinator, consent=world.consents["active"], note="撤回の申し出")
        assert world.case not in visible_cases(staff)
        assert world.consultation_p1 not in visible_consultations(staff)
        assert household_has_case(staff, world.household)


def test_removing_the_organization_from_the_team_closes_access():
    world = make_world()
    staff = make_staff(world.city.muni, Role.AGENCY_WORKER, world.orgs["team"])
    assert world.case in visible_cases(staff)
    from tsunagu.cases.actions import remove_team_member

    remove_team_member(actor=world.coordinator, case=world.case, organization=world.orgs["team"])
    assert world.case not in visible_cases(staff)
    assert world.consultation_p1 not in visible_consultations(staff)


def test_a_meeting_window_opens_and_closes_with_time():
    world = make_world()
    staff = make_staff(world.city.muni, Role.AGENCY_WORKER, make_organization(world.city.muni))
    meeting_access(world.case, staff, start=HOUR, end=DAY)
    now = timezone.now()
    for offset, visible in [(dt.timedelta(0), False), (2 * HOUR, True), (DAY + HOUR, False)]:
        with time_machine.travel(now + offset, tick=False):
            assert (world.case in visible_cases(staff)) is visible, offset
            assert bool(why_visible(staff, world.case)) is visible, offset


# ---- every case URL ----------------------------------------------------------------------------------

CASE_NAMESPACE = "cases"
# URL parameters that point into the case (the case itself or one of its records).
CASE_KWARGS: dict[str, Callable[[World], int]] = {
    "case_id": lambda w: w.case.pk,
    "case_pk": lambda w: w.case.pk,
    "pk": lambda w: w.case.pk,
    "plan_id": lambda w: w.plan.pk,
    "assessment_id": lambda w: w.assessment.pk,
    "consent_id": lambda w: w.consents["active"].pk,
    "monitoring_id": lambda w: w.monitoring.pk,
    "member_id": lambda w: w.team_member().pk,
    "team_member_id": lambda w: w.team_member().pk,
    "action_id": lambda w: w.plan.actions.first().pk,  # type: ignore[union-attr]
    "goal_id": lambda w: w.plan.goals.first().pk,  # type: ignore[union-attr]
    "transition_id": lambda w: w.case.transitions.first().pk,  # type: ignore[union-attr]
}
# Other parameters: identity records every casework role of the city may find anyway.
OTHER_KWARGS: dict[str, Callable[[World], int]] = {
    "household_id": lambda w: w.household.pk,
    "person_id": lambda w: w.p1.pk,
    "organization_id": lambda w: w.orgs["team"].pk,
    "org_id": lambda w: w.orgs["team"].pk,
    "request_id": lambda w: w.case.escalation_request_id or 0,
}
_PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")


@dataclass
class CaseUrl:
    view_name: str
    route: str
    params: list[str]
    roles: frozenset[str]

    @property
    def case_scoped(self) -> bool:
        return any(p in CASE_KWARGS for p in self.params)

    def url(self, world: World) -> str:
        kwargs = {}
        for p in self.params:
            fill = CASE_KWARGS.get(p) or OTHER_KWARGS.get(p)
            if fill is None:
                pytest.fail(
                    f"The access matrix cannot fill <{p}> of {self.view_name} ({self.route}): add it to "
                    "CASE_KWARGS (a record of the case) or OTHER_KWARGS in test_it_access_matrix.py."
                )
            kwargs[p] = fill(world)
        return reverse(self.view_name, kwargs=kwargs)


def case_urls() -> list[CaseUrl]:
    """Every URL of the cases namespace, and any other URL that takes a case id (e.g. an API)."""
    found = []
    for route, view_name, pattern in iter_url_patterns():
        params = [a or b for a, b in _PARAM.findall(route)]
        if not (view_name.startswith(f"{CASE_NAMESPACE}:") or "case_id" in params):
            continue
        marking = view_marking(pattern.callback)
        roles = PERMISSIONS[marking[1]] if marking and marking[0] == "permission" else frozenset(Role.values)
        found.append(CaseUrl(view_name=view_name, route=route, params=params, roles=roles))
    return found


def _require_case_urls() -> list[CaseUrl]:
    urls = case_urls()
    if not urls:
        pytest.fail(
            "no URL of the 'cases' namespace is reachable from the root URLconf: the case screens must be "
            "mounted (app_name = 'cases') so that the access matrix tests every one of them."
        )
    return urls


def _snapshot(world: World) -> tuple[object, ...]:
    case = Case.objects.get(pk=world.case.pk)
    return (
        case.version,
        case.status,
        case.coordinator_id,
        Consent.objects.filter(withdrawn_at__isnull=True).count(),
        Consent.objects.count(),
        CaseTeamMember.objects.filter(removed_at__isnull=True).count(),
        CaseTransition.objects.count(),
        Assessment.objects.count(),
        SupportPlan.objects.count(),
        SupportPlan.objects.get(pk=world.plan.pk).edit_version,
        Monitoring.objects.count(),
    )


def body_text(response: Any) -> str:
    """What a reader gets out of the response: the page text, or the text of a PDF."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/pdf") and raw.startswith(b"%PDF"):
        reader = pypdf.PdfReader(io.BytesIO(raw))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    return raw.decode("utf-8", errors="replace")


@contextmanager
def _logged_in(staff: Staff) -> Iterator[Client]:
    client = Client()
    if staff.is_active:
        login_client(client, staff)
    else:
        client.force_login(staff)  # the session of a disabled account must not work
    yield client
    client.logout()


def url_failures(world: World, cell: Cell, urls: list[CaseUrl], seen_ok: list[str]) -> list[str]:
    fails: list[str] = []
    staff, role, rel = cell.staff, cell.role, cell.rel
    with _logged_in(staff) as client:
        for u in urls:
            url = u.url(world)
            permitted = staff.is_active and role in u.roles
            allowed = permitted and (may_see_case(role, rel) if u.case_scoped else True)
            label = f"{role} × {rel}: GET {u.view_name}"
            response = client.get(url)
            body = body_text(response)
            status = response.status_code
            if not (permitted and may_see_case(role, rel)) and SECRET in body:
                fails.append(f"{label}: the body contains the case's secret marker (status {status})")
            if not allowed:
                if status == 200:
                    fails.append(f"{label}: 200 for a reader the policy does not allow")
                elif status not in (302, 403, 404, 405):
                    fails.append(f"{label}: unexpected status {status}")
                if status == 302 and staff.is_active:
                    fails.append(f"{label}: redirect instead of 403/404")
            elif u.case_scoped and status in (403, 404):
                fails.append(f"{label}: {status} for a reader the policy allows")
            if allowed and u.case_scoped and status == 200 and SECRET in body:
                seen_ok.append(u.view_name)
            if u.case_scoped and not allowed:
                before = _snapshot(world)
                response = client.post(url, {})
                if response.status_code not in (302, 403, 404, 405) or (
                    response.status_code == 302 and staff.is_active
                ):
                    fails.append(f"{role} × {rel}: POST {u.view_name}: status {response.status_code}")
                if _snapshot(world) != before:
                    fails.append(f"{role} × {rel}: POST {u.view_name} changed the case's records")
    return fails


@pytest.mark.parametrize("rel", RELATIONSHIPS)
def test_every_case_url_answers_only_readers_the_policy_allows(rel, settings, tmp_path):
    urls = _require_case_urls()
    world = make_world()
    # A scanned consent form, so that the document view has something to serve (and to leak).
    settings.MEDIA_ROOT = str(tmp_path)
    world.consents["active"].document.save("consent.txt", ContentFile(f"同意書 {SECRET}".encode()), save=True)
    fails: list[str] = []
    seen_ok: list[str] = []
    for cell in cells(world, rel):
        with cell.when():
            fails += url_failures(world, cell, urls, seen_ok)
    assert not fails, "\n".join(fails)
    if rel in GRANTING and any(u.case_scoped for u in urls):
        # The marker must be detectable, or the "never contains" checks above prove nothing.
        assert seen_ok, f"no case page showed the case's content to an allowed reader ({rel})"


def test_anonymous_visitors_reach_no_case_url():
    urls = _require_case_urls()
    world = make_world()
    client = Client()
    for u in urls:
        response = client.get(u.url(world))
        assert response.status_code in (302, 403, 404, 405), u.view_name
        assert SECRET not in body_text(response)


# ---- the household page (people), filled by intake's and cases' registered timeline sources -----------


def household_page_failures(world: World, cell: Cell) -> list[str]:
    staff, role, rel = cell.staff, cell.role, cell.rel
    fails: list[str] = []
    with _logged_in(staff) as client:
        response = client.get(reverse("people:household", args=[world.household.pk]))
    body = body_text(response)
    label = f"{role} × {rel}: household page"
    if not (staff.is_active and role in PERMISSIONS["people.household"]):
        if response.status_code == 200 or SECRET in body:
            fails.append(f"{label}: {response.status_code} for a role without the page")
        return fails
    if rel == "other_city":
        # The household is another city's: the same 404 as a missing one.
        return [] if response.status_code == 404 and SECRET not in body else [f"{label}: not 404"]
    if response.status_code != 200:
        return [f"{label}: status {response.status_code}"]
    want = {
        "the case's entries": may_see_case(role, rel),
        "p1's consultation": rel in CONSULTATION_P1,
        "p2's consultation": rel in CONSULTATION_P2,
        "that a case exists": may_learn_exists(role, rel),
    }
    got = {
        "the case's entries": f"ケース {world.case.label}" in body,
        "p1's consultation": f"本人の相談 {SECRET}" in body,
        "p2's consultation": f"家族の相談 {SECRET}" in body,
        "that a case exists": f"ケース {world.case.label}" in body
        or "進行中の多機関協働のケースがあります" in body,
    }
    for what, expected in want.items():
        if got[what] != expected:
            fails.append(f"{label}: shows {what} = {got[what]}, expected {expected}")
    return fails


@pytest.mark.parametrize("rel", RELATIONSHIPS)
def test_the_household_page_shows_each_apps_entries_only_as_its_policy_allows(rel):
    world = make_world()
    fails: list[str] = []
    for cell in cells(world, rel):
        with cell.when():
            fails += household_page_failures(world, cell)
    assert not fails, "\n".join(fails)
