"""What cases adds to people's household page: case events on the timeline (opened, status changes,
中断/再開, closure, 束ね役の交代, plan agreed) and the summary panel (the household's open cases).

Registered in CasesConfig.ready(); every query starts from `cases.policy.visible_cases`, so an entry or a
link to a case appears only for staff who may open that case. Staff outside it learn at most that an open
case exists (`household_has_case`), never its number, status or events.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet
from django.http import HttpRequest

from tsunagu.access.scope import in_casework
from tsunagu.accounts.models import Staff
from tsunagu.people.models import Household
from tsunagu.people.page import once
from tsunagu.people.panels import HouseholdPanelSource, Panel
from tsunagu.people.timeline import TimelineEntry, TimelineSource

from .models import OPEN_STATUSES, Case, CaseTransition, PlanStatus, SupportPlan
from .policy import visible_cases

EVENTS = "cases.event"
PLANS = "cases.plan"


def case_statuses(household: Household) -> list[str]:
    """The status of every case of the household, whoever may open it — only for deciding whether there
    is anything to ask the policy about, and for 「進行中のケースがあります」 (`policy.household_has_case`).
    One query a page; most households have no case, and then no other case query runs."""
    return once(
        household,
        None,
        "cases.statuses",
        lambda: list(
            Case.objects.filter(municipality_id=household.municipality_id, household=household)
            .order_by()
            .values_list("status", flat=True)
        ),
    )


def household_cases(staff: Staff, household: Household) -> list[Case]:
    """The household's cases `staff` may open (`policy.visible_cases`), any status, newest first, with
    their coordinators: one query a page, shared by the panels, the timeline and the ecomap."""

    def read() -> list[Case]:
        if not case_statuses(household):
            return []
        return list(
            visible_cases(staff)
            .filter(household=household)
            .select_related("coordinator")
            .order_by("-opened_at", "-pk")
        )

    return once(household, staff, "cases.visible", read)


def _case_ids(staff: Staff, household: Household) -> list[int]:
    return [c.pk for c in household_cases(staff, household)]


def event_rows(staff: Staff, household: Household) -> QuerySet[CaseTransition] | None:
    ids = _case_ids(staff, household)
    if not ids:
        return None
    return CaseTransition.objects.filter(municipality_id=household.municipality_id, case__in=ids)


def event_entries(
    staff: Staff, household: Household, rows: QuerySet[CaseTransition]
) -> Sequence[TimelineEntry]:
    rows = rows.select_related("case", "by")
    return [
        TimelineEntry(
            at=t.at,
            source=EVENTS,
            pk=t.pk,
            template="cases/_timeline_event.html",
            obj=t,
            audit_objects=(("case", t.case_id), ("case_transition", t.pk)),
            label="ケース",
        )
        for t in rows
    ]


def plan_rows(staff: Staff, household: Household) -> QuerySet[SupportPlan] | None:
    ids = _case_ids(staff, household)
    if not ids:
        return None
    return SupportPlan.objects.filter(
        municipality_id=household.municipality_id, case__in=ids, agreed_at__isnull=False
    ).exclude(status=PlanStatus.DRAFT)


def plan_entries(staff: Staff, household: Household, rows: QuerySet[SupportPlan]) -> Sequence[TimelineEntry]:
    rows = rows.select_related("case")
    return [
        TimelineEntry(
            at=p.agreed_at,
            source=PLANS,
            pk=p.pk,
            template="cases/_timeline_plan.html",
            obj=p,
            audit_objects=(("case", p.case_id), ("support_plan", p.pk)),
            label="支援プラン",
        )
        for p in rows
        if p.agreed_at is not None
    ]


def open_case_panel(request: HttpRequest, staff: Staff, household: Household) -> Panel | None:
    """Links to the household's open cases the staff member may open; for other casework staff only the
    fact that an open case exists (so that nobody opens a second one)."""
    mine = [c for c in household_cases(staff, household) if c.status in OPEN_STATUSES]
    if mine:
        return Panel(
            template="cases/_household_cases.html",
            context={"cases": mine},
            audit_objects=tuple(("case", c.pk) for c in mine),
        )
    # As `policy.household_has_case`: casework staff learn that an open case exists, nothing more.
    same_city = household.municipality_id == staff.municipality_id
    if in_casework(staff) and same_city and any(s in OPEN_STATUSES for s in case_statuses(household)):
        return Panel(template="cases/_household_case_exists.html")
    return None


TIMELINE_SOURCES = (
    TimelineSource(key=EVENTS, label="ケースの経過", rows=event_rows, at_field="at", entries=event_entries),
    TimelineSource(
        key=PLANS, label="支援プランの協議", rows=plan_rows, at_field="agreed_at", entries=plan_entries
    ),
)
PANELS = (HouseholdPanelSource(key="cases.open_case", slot="summary", order=10, build=open_case_panel),)
