"""The one definition of "the plan in force" (現在の支援プラン) of a case.

A case's plans are versions; a revision marks the version it replaces 改訂済 (superseded), so the newest
version that is not superseded is the one in force. A closed (終結) case is read-only and keeps the plan
that was in force when it was closed (`Case.closure_plan`): its screens and papers show that plan and
never a draft that appeared later (before closed cases were read-only, drafts could be added after 終結).

Every screen, paper, list and action asks here; nothing else filters plans by status to find it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from .models import Case, CaseStatus, PlanStatus, SupportPlan


def _newest_not_superseded(case_ids: Iterable[int]) -> dict[int, SupportPlan]:
    plans: dict[int, SupportPlan] = {}
    qs = (
        SupportPlan.objects.filter(case_id__in=list(case_ids))
        .exclude(status=PlanStatus.SUPERSEDED)
        .order_by("version_no", "pk")
    )
    for plan in qs:
        plans[plan.case_id] = plan  # ascending: the newest wins
    return plans


def plan_in_force(case: Case) -> SupportPlan | None:
    """The plan in force: at closure for a closed case, else the newest version not superseded."""
    if case.status == CaseStatus.CLOSED:
        return SupportPlan.objects.filter(pk=case.closure_plan_id).first() if case.closure_plan_id else None
    return case.plans.exclude(status=PlanStatus.SUPERSEDED).order_by("-version_no", "-pk").first()


def plans_in_force(cases: QuerySet[Case] | Iterable[Case]) -> dict[int, SupportPlan]:
    """`plan_in_force` of many cases at once: case id → plan (cases without one are left out)."""
    rows = (
        list(cases.values_list("pk", "status", "closure_plan_id"))
        if isinstance(cases, QuerySet)
        else [(c.pk, c.status, c.closure_plan_id) for c in cases]
    )
    open_ids = [pk for pk, status, _ in rows if status != CaseStatus.CLOSED]
    plans = _newest_not_superseded(open_ids)
    at_closure = {plan_id: pk for pk, status, plan_id in rows if status == CaseStatus.CLOSED and plan_id}
    for plan in SupportPlan.objects.filter(pk__in=list(at_closure)):
        plans[at_closure[plan.pk]] = plan
    return plans
