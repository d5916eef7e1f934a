"""A state machine of grant / withdraw / team changes / 支援会議 windows / break-glass / time passing keeps
the sharing policy exact: after every step, for every staff member and case,

    case in visible_cases(staff)  ⇔  casework role of the case's city, active account, and
        (coordinator) or (organization on the team and an active consent names it)
        or (a 支援会議 window open now, 守秘義務 acknowledged) or (active break-glass on the case),

and a person's records are shared with an organization only through an active consent naming both.
The right-hand side is computed here from the raw rows in plain Python, not with the policy's helpers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from tests.factories import make_household, make_organization, make_person, make_staff
from tsunagu.access import actions as access_actions
from tsunagu.access.models import BreakGlassGrant
from tsunagu.accounts.models import Role, Staff
from tsunagu.cases import actions
from tsunagu.cases.models import Case, CaseTeamMember, Consent
from tsunagu.cases.policy import shared_person_ids, visible_cases, why_visible
from tsunagu.directory.models import Organization
from tsunagu.intake.tests.helpers import make_city
from tsunagu.meetings.models import FollowUpAccess
from tsunagu.people.models import Person

from .helpers import BREAK_GLASS_REASON, add_member, consent_input, meeting_access

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")
CASEWORK = {"window_worker", "coordinator", "agency_worker"}


class World:
    """Built once per test; every example starts from it and is rolled back at its end."""

    def __init__(self) -> None:
        a = make_city("011002", "テスト市A")
        b = make_city("012025", "テスト市B")
        muni = a.muni
        self.orgs: list[Organization] = [a.agency_org, make_organization(muni, name="社協"), a.window_org]
        x, y, z = self.orgs
        second_coordinator = make_staff(muni, Role.COORDINATOR, y)
        disabled = make_staff(muni, Role.AGENCY_WORKER, x)
        Staff.objects.filter(pk=disabled.pk).update(is_active=False)
        disabled.refresh_from_db()
        self.staff: list[Staff] = [
            a.coordinator,
            second_coordinator,
            a.window_worker,
            a.agency_worker,
            make_staff(muni, Role.AGENCY_WORKER, y),
            make_staff(muni, Role.WINDOW_WORKER, z),
            a.manager,
            a.auditor,
            disabled,
            b.agency_worker,
        ]
        self.cases: list[Case] = []
        self.persons: dict[int, list[Person]] = {}
        for coordinator, city in ((a.coordinator, a), (second_coordinator, a), (b.coordinator, b)):
            head = make_person(city.muni, family_name="山田")
            child = make_person(city.muni, family_name="山田", given_name="次郎")
            household = make_household(city.muni, (head, "head"))
            add_member(household, child)
            case = actions.open_case(
                actor=coordinator, household=household, persons=[head], coordinator=coordinator
            )
            self.cases.append(case)
            self.persons[case.pk] = [head, child]
        self.a_cases = self.cases[:2]
        self.base = timezone.now()


def expected_reasons(staff: Staff, case: Case, rows: dict[str, Any], now: dt.datetime) -> set[str]:
    """The policy, from raw rows."""
    if not (
        staff.is_active
        and staff.role in CASEWORK
        and staff.organization_id
        and staff.municipality_id == case.municipality_id
    ):
        return set()
    today = now.astimezone(TOKYO).date()
    org = staff.organization_id
    reasons = set()
    if case.coordinator_id == staff.pk:
        reasons.add("COORDINATOR")
    on_team = any(
        t["case_id"] == case.pk and t["organization_id"] == org and t["removed_at"] is None
        for t in rows["team"]
    )
    if on_team and any(
        c["case_id"] == case.pk
        and org in rows["consent_orgs"].get(c["id"], set())
        and consent_active(c, now, today)
        for c in rows["consents"]
    ):
        reasons.add("TEAM_WITH_CONSENT")
    if any(
        m["staff_id"] == staff.pk
        and m["case_id"] == case.pk
        and m["valid_from"] <= now <= m["valid_until"]
        and m["duty_acknowledged_at"] <= now
        for m in rows["meetings"]
    ):
        reasons.add("meetings.follow_up")
    if any(
        g["staff_id"] == staff.pk
        and g["obj_type"] == "case"
        and g["obj_id"] == case.pk
        and g["municipality_id"] == staff.municipality_id
        and g["ended_at"] is None
        and g["expires_at"] > now
        for g in rows["grants"]
    ):
        reasons.add("BREAK_GLASS")
    return reasons


def consent_active(c: dict[str, Any], now: dt.datetime, today: dt.date) -> bool:
    return (
        c["given_on"] <= today
        and (c["expires_on"] is None or today <= c["expires_on"])
        and (c["withdrawn_at"] is None or c["withdrawn_at"] > now)
    )


def raw_rows() -> dict[str, Any]:
    consent_orgs: dict[int, set[int]] = {}
    for cid, oid in Consent.organizations.through.objects.values_list("consent_id", "organization_id"):
        consent_orgs.setdefault(cid, set()).add(oid)
    consent_persons: dict[int, set[int]] = {}
    for cid, pid in Consent.persons.through.objects.values_list("consent_id", "person_id"):
        consent_persons.setdefault(cid, set()).add(pid)
    return {
        "consents": list(Consent.objects.values("id", "case_id", "given_on", "expires_on", "withdrawn_at")),
        "consent_orgs": consent_orgs,
        "consent_persons": consent_persons,
        "team": list(CaseTeamMember.objects.values("case_id", "organization_id", "removed_at")),
        "meetings": list(
            FollowUpAccess.objects.values(
                "staff_id", "case_id", "valid_from", "valid_until", "duty_acknowledged_at"
            )
        ),
        "grants": list(
            BreakGlassGrant.objects.values(
                "staff_id", "obj_type", "obj_id", "municipality_id", "ended_at", "expires_at"
            )
        ),
    }


class SharingMachine(RuleBasedStateMachine):
    world: World  # set by the test before running

    consents = Bundle("consents")
    grants = Bundle("grants")

    def __init__(self) -> None:
        super().__init__()
        w = self.world
        self.traveller = time_machine.travel(w.base, tick=False)
        self.clock = self.traveller.start()
        # Each example runs in a savepoint that teardown rolls back, so every example starts clean.
        self.atomic = transaction.atomic()
        # Like Django's TestCase blocks: the actions are durable (top level), and this savepoint is the
        # test's own, not a caller's transaction they must refuse to run in.
        self.atomic._from_testcase = True  # type: ignore[attr-defined]
        self.atomic.__enter__()
        self.steps = 0

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)
        self.traveller.stop()

    @property
    def coordinator(self) -> Staff:
        return self.world.staff[0]

    @initialize(target=consents)
    def a_team_sharing_by_consent(self) -> int:
        """Start where sharing happens (every organization on case 0's team, one consent naming them all),
        so that withdrawals, expiry and team changes have something to take away."""
        case = self.world.a_cases[0]
        head = self.world.persons[case.pk][0]
        for org in self.world.orgs:
            actions.set_team_member(actor=self.coordinator, case=case, organization=org, role="cooperating")
        data = consent_input(
            head, list(self.world.orgs), expires_on=timezone.localdate() + dt.timedelta(days=2)
        )
        return actions.record_consent(actor=self.coordinator, case=case, data=data).pk

    @rule(
        target=consents,
        case_i=st.integers(0, 1),
        org_is=st.lists(st.integers(0, 2), min_size=1, max_size=3, unique=True),
        given_ago=st.integers(0, 3),
        days=st.one_of(st.none(), st.integers(0, 4)),
        both_persons=st.booleans(),
    )
    def grant(
        self, case_i: int, org_is: list[int], given_ago: int, days: int | None, both_persons: bool
    ) -> int:
        case = self.world.a_cases[case_i]
        head, child = self.world.persons[case.pk]
        given_on = timezone.localdate() - dt.timedelta(days=given_ago)
        data = consent_input(
            head,
            [self.world.orgs[i] for i in org_is],
            given_on=given_on,
            expires_on=None if days is None else given_on + dt.timedelta(days=days),
            persons=[head, child] if both_persons else [head],
        )
        return actions.record_consent(actor=self.coordinator, case=case, data=data).pk

    @rule(consent=consents)
    def withdraw(self, consent: int) -> None:
        try:
            actions.withdraw_consent(
                actor=self.coordinator, consent=Consent.objects.get(pk=consent), note="撤回"
            )
        except actions.CaseError:
            assert Consent.objects.get(pk=consent).withdrawn_at is not None

    @rule(case_i=st.integers(0, 1), org_i=st.integers(0, 2), role=st.sampled_from(["lead", "cooperating"]))
    def join_team(self, case_i: int, org_i: int, role: str) -> None:
        case = self.world.a_cases[case_i]
        actions.set_team_member(
            actor=self.coordinator, case=case, organization=self.world.orgs[org_i], role=role
        )

    @rule(case_i=st.integers(0, 1), org_i=st.integers(0, 2))
    def leave_team(self, case_i: int, org_i: int) -> None:
        case = self.world.a_cases[case_i]
        actions.remove_team_member(actor=self.coordinator, case=case, organization=self.world.orgs[org_i])

    @rule(
        case_i=st.integers(0, 2),
        staff_i=st.integers(0, 9),
        start_h=st.integers(-48, 48),
        hours=st.integers(0, 72),
        ack_h=st.integers(-24, 24),
    )
    def meeting_window(self, case_i: int, staff_i: int, start_h: int, hours: int, ack_h: int) -> None:
        case = self.world.cases[case_i]
        meeting_access(
            case,
            self.world.staff[staff_i],
            start=dt.timedelta(hours=start_h),
            end=dt.timedelta(hours=start_h + hours),
            acknowledged=dt.timedelta(hours=start_h + ack_h),
        )

    @rule(minutes=st.sampled_from([1, 59, 61, 60 * 12, 60 * 24, 60 * 24 * 3]))
    def time_passes(self, minutes: int) -> None:
        self.clock.shift(dt.timedelta(minutes=minutes))

    @rule(target=grants, staff_i=st.integers(0, 9), case_i=st.integers(0, 2))
    def break_glass(self, staff_i: int, case_i: int) -> Any:
        staff, case = self.world.staff[staff_i], self.world.cases[case_i]
        try:
            grant = access_actions.request_break_glass(
                actor=staff, obj_type="case", obj_id=case.pk, reason=BREAK_GLASS_REASON
            )
        except access_actions.AccessError:
            # Refused: auditors and administrators, disabled accounts, a case of another city.
            assert (
                staff.role in ("auditor", "administrator")
                or not staff.is_active
                or staff.municipality_id != case.municipality_id
            )
            return multiple()
        return grant.pk

    @rule(grant=grants)
    def end_break_glass(self, grant: int) -> None:
        g = BreakGlassGrant.objects.get(pk=grant)
        access_actions.end_break_glass(actor=g.staff, grant=g)

    @invariant()
    def sharing_is_exactly_the_policy(self) -> None:
        rows = raw_rows()
        now = timezone.now()
        today = now.astimezone(TOKYO).date()
        case_city = {c.pk: c.municipality_id for c in self.world.cases}
        # why_visible is checked for one staff member per step, in turn, to keep the run short (the
        # access matrix checks it for every cell); visible_cases for everyone after every step.
        self.steps += 1
        explained = self.world.staff[self.steps % len(self.world.staff)]
        for staff in self.world.staff:
            visible = set(visible_cases(staff).values_list("pk", flat=True))
            for case in self.world.cases:
                want = expected_reasons(staff, case, rows, now)
                assert (case.pk in visible) == bool(want), (staff.username, staff.role, case.pk, want)
                if staff == explained:
                    assert {r.name for r in why_visible(staff, case)} == want, (staff.username, case.pk)
            # A person's records are shared only through an active consent that names both the person
            # and the staff member's organization, on a case the organization is on the team of.
            want_persons: set[int] = set()
            if staff.is_active and staff.role in CASEWORK:
                team_cases = {
                    t["case_id"]
                    for t in rows["team"]
                    if t["organization_id"] == staff.organization_id and t["removed_at"] is None
                }
                for c in rows["consents"]:
                    if (
                        c["case_id"] in team_cases
                        and staff.organization_id in rows["consent_orgs"].get(c["id"], set())
                        and consent_active(c, now, today)
                        and case_city[c["case_id"]] == staff.municipality_id
                    ):
                        want_persons |= rows["consent_persons"].get(c["id"], set())
            assert set(shared_person_ids(staff)) == want_persons, staff.username


def test_sharing_is_exactly_the_policy_whatever_happens():
    SharingMachine.world = World()
    run_state_machine_as_test(
        SharingMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=12,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
