"""The ecomap of a case, as plain data for `tsunagu.documents.ecomap`.

Drawn from what the case records: the organizations on the case team (主担当 a strong tie, 協力 an
ordinary one, 情報提供 a weak one; support flows to the household) and the organizations that carry
actions of the current plan without being on the team. Stressful ties and informal resources
(neighbours, relatives, a 子ども食堂 the household helps at) are not recorded by cases yet; callers
that know them add `EcoEntity`s of their own (`extra`).

The caller has fetched the case through `tsunagu.access.cases` and audits the members it shows;
organizations are not personal data.
"""

from __future__ import annotations

from collections.abc import Iterable

from tsunagu.access.cases import visible_cases
from tsunagu.accounts.models import Staff
from tsunagu.directory.models import Organization, OrganizationKind
from tsunagu.documents.ecomap import EcoEntity, Ecomap, Flow, Tie
from tsunagu.documents.genogram import Genogram
from tsunagu.people.genogram_data import ecomap_members
from tsunagu.people.models import Household

from .models import ActionStatus, Case, CaseStatus, PlanStatus, TeamRole

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


def case_entities(cases: Iterable[Case]) -> list[EcoEntity]:
    """Organizations around the households of `cases`: the team, then plan-only organizations."""
    entities: dict[int, EcoEntity] = {}
    rank: dict[int, int] = {}  # organization → its strongest role so far (0 = 主担当)
    order = [TeamRole.LEAD, TeamRole.COOPERATING, TeamRole.INFORMATION]
    for case in cases:
        for m in case.team.filter(removed_at__isnull=True).select_related("organization"):
            role = TeamRole(m.role)
            if m.organization_id in rank and rank[m.organization_id] <= order.index(role):
                continue
            rank[m.organization_id] = order.index(role)
            entities[m.organization_id] = EcoEntity(
                key=f"org{m.organization_id}",
                name=m.organization.name,
                category=_category(m.organization),
                note=str(role.label),
                tie=TIE[role],
                flow=FLOW[role],
            )
        plan = case.plans.exclude(status=PlanStatus.SUPERSEDED).order_by("-version_no").first()
        if plan is None:
            continue
        for action in (
            plan.actions.filter(status__in=OPEN_ACTIONS).select_related("organization").order_by("pk")
        ):
            if action.organization_id not in entities:
                entities[action.organization_id] = EcoEntity(
                    key=f"org{action.organization_id}",
                    name=action.organization.name,
                    category=_category(action.organization),
                    note=action.description[:20],
                    tie=Tie.NORMAL,
                    flow=Flow.TO_HOUSEHOLD,
                )
    return list(entities.values())


def case_ecomap(case: Case, genogram: Genogram, extra: Iterable[EcoEntity] = ()) -> Ecomap:
    """The ecomap of `case`; `genogram` is the household's (`people.genogram_data.household_genogram`)."""
    return Ecomap(members=ecomap_members(genogram), entities=(*case_entities([case]), *extra))


def household_ecomap_entities(household: Household, staff: Staff) -> list[EcoEntity]:
    """For the household page: the organizations of the household's open cases that `staff` may open."""
    cases = visible_cases(staff).filter(household=household).exclude(status=CaseStatus.CLOSED).order_by("pk")
    return case_entities(cases)
