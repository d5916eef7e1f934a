"""What cases adds to people's household page: case events on the timeline (opened, status changes,
中断/再開, closure, 束ね役の交代, plan agreed) and the summary panel (the household's open cases).

Registered in CasesConfig.ready(); every query starts from `cases.policy.visible_cases`, so an entry or a
link to a case appears only for staff who may open that case. Staff outside it learn at most that an open
case exists (`household_has_case`), never its number, status or events.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpRequest

from tsunagu.accounts.models import Staff
from tsunagu.people.models import Household
from tsunagu.people.panels import HouseholdPanelSource, Panel
from tsunagu.people.timeline import Cursor, TimelineEntry, TimelineSource, older_than

from .models import OPEN_STATUSES, CaseTransition, PlanStatus, SupportPlan
from .policy import household_has_case, visible_cases

EVENTS = "cases.event"
PLANS = "cases.plan"


def event_entries(
    staff: Staff, household: Household, before: Cursor | None, limit: int
) -> Sequence[TimelineEntry]:
    rows = (
        CaseTransition.objects.filter(case__in=visible_cases(staff).filter(household=household))
        .filter(older_than(before, EVENTS, "at"))
        .select_related("case", "by")
        .order_by("-at", "-pk")[:limit]
    )
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


def plan_entries(
    staff: Staff, household: Household, before: Cursor | None, limit: int
) -> Sequence[TimelineEntry]:
    rows = (
        SupportPlan.objects.filter(
            case__in=visible_cases(staff).filter(household=household), agreed_at__isnull=False
        )
        .exclude(status=PlanStatus.DRAFT)
        .filter(older_than(before, PLANS, "agreed_at"))
        .select_related("case")
        .order_by("-agreed_at", "-pk")[:limit]
    )
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
    mine = list(
        visible_cases(staff)
        .filter(household=household, status__in=OPEN_STATUSES)
        .select_related("coordinator")
        .order_by("-opened_at", "-pk")
    )
    if mine:
        return Panel(
            template="cases/_household_cases.html",
            context={"cases": mine},
            audit_objects=tuple(("case", c.pk) for c in mine),
        )
    if household_has_case(staff, household):
        return Panel(template="cases/_household_case_exists.html")
    return None


TIMELINE_SOURCES = (
    TimelineSource(key=EVENTS, label="ケースの経過", entries=event_entries),
    TimelineSource(key=PLANS, label="支援プランの協議", entries=plan_entries),
)
PANELS = (HouseholdPanelSource(key="cases.open_case", slot="summary", order=10, build=open_case_panel),)
