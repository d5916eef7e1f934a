"""A small world for case tests: one city with a case whose team, consents and records cover every
relationship the access policy distinguishes, and another city with a case of its own."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from tests.factories import make_organization, make_person, make_staff
from tsunagu.accounts.models import Staff
from tsunagu.cases import actions
from tsunagu.cases.models import (
    Assessment,
    Case,
    CaseTeamMember,
    Consent,
    ConsentBasis,
    Monitoring,
    SupportPlan,
    TeamRole,
)
from tsunagu.directory.models import Organization
from tsunagu.intake.models import Consultation
from tsunagu.intake.tests.helpers import City, make_city, record
from tsunagu.people.models import Household, HouseholdMember, Person

# A string that appears only inside the case's own records: any page or answer that contains it
# without the reader being allowed to see the case is a leak.
SECRET = "秘匿マーカー7f3a"
BREAK_GLASS_REASON = "本人と連絡がとれず、安否確認のため緊急にケースを確認する必要がある"


def consent_input(
    person: Person,
    orgs: list[Organization],
    *,
    given_on: dt.date | None = None,
    expires_on: dt.date | None = None,
    persons: list[Person] | None = None,
    meeting_kinds: list[str] | None = None,
    basis: str | None = None,
) -> actions.ConsentInput:
    """`person` agrees; for others too as their appointed agent (代理人) unless `basis` says otherwise."""
    persons = persons if persons is not None else [person]
    if basis is None:
        basis = ConsentBasis.SELF if [p.pk for p in persons] == [person.pk] else ConsentBasis.AGENT
    return actions.ConsentInput(
        given_by=person,
        basis=basis,
        persons=persons,
        organizations=orgs,
        method="written",
        given_on=given_on or timezone.localdate(),
        expires_on=expires_on,
        meeting_kinds=meeting_kinds or [],
    )


def plan_input(goal: str = "目標", org: Organization | None = None, reason: str = "") -> actions.PlanInput:
    acts = [actions.ActionInput(description=f"{goal}の支援", organization=org, goal_index=0)] if org else []
    return actions.PlanInput(
        overall_goal=f"{goal}の暮らし",
        goals=[actions.GoalInput(text=goal)],
        actions=acts,
        change_reason=reason,
    )


def add_member(household: Household, person: Person, relationship: str = "child") -> None:
    HouseholdMember.objects.create(
        municipality=household.municipality, household=household, person=person, relationship=relationship
    )


def meeting_access(
    case: Case,
    staff: Staff,
    *,
    start: dt.timedelta,
    end: dt.timedelta,
    acknowledged: dt.timedelta | None = None,
) -> Any:
    """A 支援会議 follow-up window relative to now (negative: in the past): the meetings app's own record
    (`meetings.FollowUpAccess`, read by cases' rule through the access registry), on an item of a sitting
    of a test 支援会議."""
    from tsunagu.directory.models import MeetingBody
    from tsunagu.meetings.models import AgendaItem, FollowUpAccess, Meeting

    now = timezone.now()
    body, _ = MeetingBody.objects.get_or_create(
        municipality=case.municipality,
        key="test-shien",
        defaults={
            "name": "支援会議（テスト）",
            "kind": "confidential_conference",
            "legal_functions": ["confidential_conference"],
            "confidentiality_duty": True,
        },
    )
    meeting = Meeting.objects.create(
        municipality=case.municipality,
        body=body,
        kind="ad_hoc",
        starts_at=now + start - dt.timedelta(hours=2),
        ends_at=now + start,
    )
    item = AgendaItem.objects.create(
        municipality=case.municipality,
        meeting=meeting,
        case=case,
        purpose="sharing",
        minutes=15,
        legal_function="confidential_conference",
        status="discussed",
        proposed_by=case.coordinator,
    )
    return FollowUpAccess.objects.create(
        municipality=case.municipality,
        item=item,
        case=case,
        staff=staff,
        duty_acknowledged_at=now + (acknowledged if acknowledged is not None else start),
        valid_from=now + start,
        valid_until=now + end,
    )


@dataclass
class World:
    city: City
    other: City
    case: Case
    household: Household
    p1: Person  # named in the active consent
    p2: Person  # a household member no consent names
    orgs: dict[str, Organization]
    consents: dict[str, Consent]
    consultation_p1: Consultation
    consultation_p2: Consultation
    assessment: Assessment
    plan: SupportPlan
    monitoring: Monitoring
    other_case: Case
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def coordinator(self) -> Staff:
        return self.city.coordinator

    def team_member(self) -> CaseTeamMember:
        return self.case.team.get(organization=self.orgs["team"])


def make_world() -> World:
    """City A: a case of household (p1, p2) opened by the city's coordinator, with
    - `team`: on the team, named by an active consent for p1;
    - `withdrawn` / `expired`: on the team, named only by a withdrawn / an expired consent;
    - `unnamed`: on the team, named by no consent;
    - `off`: named by the active consent but not on the team.
    The window recorded one unshared consultation for each of p1 and p2. City B has a case of its own."""
    city = make_city("011002", "テスト市A")
    other = make_city("012025", "テスト市B")
    muni = city.muni
    orgs = {
        "team": city.agency_org,
        "withdrawn": make_organization(muni, name="障害者相談支援事業所"),
        "expired": make_organization(muni, name="子ども家庭支援センター"),
        "unnamed": make_organization(muni, name="社会福祉協議会"),
        "off": make_organization(muni, name="生活困窮者自立相談支援機関"),
    }
    c1 = record(city, city.window_worker, "not_consented", note=f"本人の相談 {SECRET}")
    p1, household = c1.person, c1.household
    p2 = make_person(muni, family_name="佐藤", given_name="花子", family_kana="サトウ", given_kana="ハナコ")
    add_member(household, p2)
    c2 = record(city, city.window_worker, "not_consented", person=p2, note=f"家族の相談 {SECRET}")
    coord = city.coordinator
    case = actions.open_case(actor=coord, household=household, persons=[p1], title=f"ケース {SECRET}")
    for key in ("team", "withdrawn", "expired", "unnamed"):
        actions.set_team_member(actor=coord, case=case, organization=orgs[key], role=TeamRole.COOPERATING)
    today = timezone.localdate()
    consents = {
        "active": actions.record_consent(
            actor=coord, case=case, data=consent_input(p1, [orgs["team"], orgs["off"]])
        ),
        "withdrawn": actions.record_consent(
            actor=coord, case=case, data=consent_input(p1, [orgs["withdrawn"]])
        ),
        "expired": actions.record_consent(
            actor=coord,
            case=case,
            data=consent_input(
                p1,
                [orgs["expired"]],
                given_on=today - dt.timedelta(days=400),
                expires_on=today - dt.timedelta(days=1),
            ),
        ),
    }
    actions.withdraw_consent(actor=coord, consent=consents["withdrawn"], note="本人から撤回の申し出")
    case.refresh_from_db()
    assessment = actions.save_assessment(
        actor=coord,
        case=case,
        based_on=0,
        person_wish=f"思い {SECRET}",
        summary=f"見立て {SECRET}",
        areas={"health": {"situation": f"通院 {SECRET}"}},
    )
    plan = actions.save_plan(actor=coord, case=case, data=plan_input(f"目標 {SECRET}", orgs["team"]))
    monitoring = actions.record_monitoring(
        actor=coord, case=case, held_on=today, summary=f"経過 {SECRET}", next_on=today + dt.timedelta(days=30)
    )
    b_household = record(other, other.window_worker, "not_consented").household
    other_case = actions.open_case(actor=other.coordinator, household=b_household, title="B市のケース")
    case.refresh_from_db()
    return World(
        city=city,
        other=other,
        case=case,
        household=household,
        p1=p1,
        p2=p2,
        orgs=orgs,
        consents=consents,
        consultation_p1=c1,
        consultation_p2=c2,
        assessment=assessment,
        plan=plan,
        monitoring=monitoring,
        other_case=other_case,
    )


def staff_in(world: World, role: str, org: Organization) -> Staff:
    return make_staff(org.municipality, role, org)
