"""The ecomap of a case, as plain data for `tsunagu.documents.ecomap`.

Drawn from what the case records: the organizations on the case team (主担当 a strong tie, 協力 an
ordinary one, 情報提供 a weak one; support flows to the household) and the organizations that carry
actions of the current plan without being on the team. Stressful ties and informal resources
(neighbours, relatives, a 子ども食堂 the household helps at) are not recorded by cases yet; callers
that know them add `EcoEntity`s of their own (`extra`).

The caller has fetched the case through `cases.policy` and audits the members it shows;
organizations are not personal data.
"""

from __future__ import annotations

from collections.abc import Iterable

from tsunagu.accounts.models import Staff
from tsunagu.directory.models import Organization, OrganizationKind
from tsunagu.documents.ecomap import EcoEntity, Ecomap, Flow, Tie
from tsunagu.documents.genogram import Genogram
from tsunagu.people.genogram_data import ecomap_members
from tsunagu.people.models import Household

from .current import plans_in_force
from .models import (
    ActionStatus,
    Case,
    CaseStatus,
    CaseTeamMember,
    PlanAction,
    TeamRole,
)

CATEGORY = {
    OrganizationKind.DEPARTMENT: "行政",
    OrganizationKind.SELF_RELIANCE_SUPPORT: "行政",
    OrganizationKind.HEALTH_CENTER: "医療",
    OrganizationKind.MEDICAL: "医療",
    OrganizationKind.SOCIAL_WELFARE_COUNCIL: "福祉・介護",
    OrganizationKind.COMMUNITY_GENERAL_SUPPORT_CENTER: "福祉・介護",
    OrganizationKind.DISABILITY_SUPPORT_CENTER: "障害",
    OrganizationKind.CHILD_FAMILY_CENTER: "子ども・教育",
    OrganizationKind.EDUCATION: "子ども・教育",
    OrganizationKind.COMMUNITY_FACILITY: "地域",
    OrganizationKind.NPO: "地域",
}
TIE = {TeamRole.LEAD: Tie.STRONG, TeamRole.COOPERATING: Tie.NORMAL, TeamRole.INFORMATION: Tie.WEAK}
FLOW = {
    TeamRole.LEAD: Flow.TO_HOUSEHOLD,
    TeamRole.COOPERATING: Flow.TO_HOUSEHOLD,
    TeamRole.INFORMATION: Flow.NONE,
}
OPEN_ACTIONS = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)


def _category(org: Organization) -> str:
    return CATEGORY.get(org.kind, "その他")  # type: ignore[call-overload]


def entities_by_case(cases: Iterable[Case]) -> dict[int, list[EcoEntity]]:
    """For each case, the organizations around its household: the team, then plan-only organizations
    (three queries for any number of cases; the plans in force are found from the cases' own fields)."""
    cases = list(cases)
    ids = [c.pk for c in cases]
    out: dict[int, dict[int, EcoEntity]] = {i: {} for i in ids}
    rank: dict[tuple[int, int], int] = {}  # (case, organization) → strongest role so far (0 = 主担当)
    order = [TeamRole.LEAD, TeamRole.COOPERATING, TeamRole.INFORMATION]
    team = (
        CaseTeamMember.objects.filter(case__in=ids, removed_at__isnull=True)
        .select_related("organization")
        .order_by("case_id", "pk")
    )
    for m in team:
        role = TeamRole(m.role)
        key = (m.case_id, m.organization_id)
        if key in rank and rank[key] <= order.index(role):
            continue
        rank[key] = order.index(role)
        out[m.case_id][m.organization_id] = EcoEntity(
            key=f"org{m.organization_id}",
            name=m.organization.name,
            category=_category(m.organization),
            note=str(role.label),
            tie=TIE[role],
            flow=FLOW[role],
        )
    plan_case = {plan.pk: case_id for case_id, plan in plans_in_force(cases).items()}
    actions = (
        PlanAction.objects.filter(plan__in=list(plan_case), status__in=OPEN_ACTIONS)
        .select_related("organization")
        .order_by("pk")
    )
    for action in actions:
        around = out[plan_case[action.plan_id]]
        if action.organization_id not in around:
            around[action.organization_id] = EcoEntity(
                key=f"org{action.organization_id}",
                name=action.organization.name,
                category=_category(action.organization),
                note=action.description[:20],
                tie=Tie.NORMAL,
                flow=Flow.TO_HOUSEHOLD,
            )
    return {case_id: list(entities.values()) for case_id, entities in out.items()}


def case_entities(cases: Iterable[Case]) -> list[EcoEntity]:
    """The organizations around the households of `cases` together (each once, strongest tie kept)."""
    merged: dict[str, EcoEntity] = {}
    strength = [Tie.STRONG, Tie.NORMAL, Tie.WEAK, Tie.STRESSFUL]
    for entities in entities_by_case(cases).values():
        for e in entities:
            if e.key not in merged or strength.index(e.tie) < strength.index(merged[e.key].tie):
                merged[e.key] = e
    return list(merged.values())


def case_ecomap(
    case: Case, genogram: Genogram, extra: Iterable[EcoEntity] = (), entities: list[EcoEntity] | None = None
) -> Ecomap:
    """The ecomap of `case`; `genogram` is the household's (`people.genogram_data.household_genogram`).
    Pass `entities` from `entities_by_case` when drawing many cases at once."""
    around = entities if entities is not None else entities_by_case([case])[case.pk]
    return Ecomap(members=ecomap_members(genogram), entities=(*around, *extra))


def household_ecomap_entities(household: Household, staff: Staff) -> list[EcoEntity]:
    """For the household page: the organizations of the household's open cases that `staff` may open
    (`household.household_cases`, read once for the whole page)."""
    from .household import household_cases

    cases = sorted(
        (c for c in household_cases(staff, household) if c.status != CaseStatus.CLOSED), key=lambda c: c.pk
    )
    return case_entities(cases) if cases else []
