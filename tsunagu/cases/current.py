"""The one definition of "the plan in force" (現在の支援プラン) of a case.

A case's plans are versions; a revision marks the version it replaces 改訂済 (superseded), so the newest
version that is not superseded is the one in force. A closed (終結) case is read-only and keeps the plan
that was in force when it was closed (`Case.closure_plan`, recorded by `actions.close_case`): its screens
and papers show that plan and never a draft that appeared later. Cases closed before that was recorded
(and generated history) fall back to the newest version created by the time of closure — a draft added
after 終結, possible before closed cases were read-only, is never it.

Every screen, paper, list and action asks here; nothing else filters plans by status to find it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

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


def _at_closure(cases: list[tuple[int, int | None, object]]) -> dict[int, SupportPlan]:
    """(case id, closure plan id, closed at) → the plan in force at closure, for closed cases."""
    plans: dict[int, SupportPlan] = {}
    recorded = {plan_id: pk for pk, plan_id, _ in cases if plan_id}
    for plan in SupportPlan.objects.filter(pk__in=list(recorded)):
        plans[recorded[plan.pk]] = plan
    closed_at = {pk: at for pk, plan_id, at in cases if not plan_id and at is not None}
    for plan in SupportPlan.objects.filter(case_id__in=list(closed_at)).order_by("version_no", "pk"):
        if plan.created_at <= closed_at[plan.case_id]:  # type: ignore[operator]
            plans[plan.case_id] = plan  # ascending: the newest created by the closure wins
    return plans


def newest_plan(case: Case) -> SupportPlan | None:
    """The case's newest plan version, draft or agreed: the one a change starts from."""
    return case.plans.order_by("-version_no").first()


def plan_in_force(case: Case) -> SupportPlan | None:
    """The plan in force: at closure for a closed case, else the newest version not superseded."""
    if case.status == CaseStatus.CLOSED:
        return _at_closure([(case.pk, case.closure_plan_id, case.closed_at)]).get(case.pk)
    return case.plans.exclude(status=PlanStatus.SUPERSEDED).order_by("-version_no", "-pk").first()


def plans_in_force(cases: QuerySet[Case] | Iterable[Case]) -> dict[int, SupportPlan]:
    """`plan_in_force` of many cases at once: case id → plan (cases without one are left out)."""
    if isinstance(cases, QuerySet):
        rows = list(cases.values_list("pk", "status", "closure_plan_id", "closed_at"))
    else:
        rows = [(c.pk, c.status, c.closure_plan_id, c.closed_at) for c in cases]
    plans = _newest_not_superseded([pk for pk, status, _, _ in rows if status != CaseStatus.CLOSED])
    plans.update(_at_closure([(pk, p, at) for pk, status, p, at in rows if status == CaseStatus.CLOSED]))
    return plans


def plans_in_force_query(open_case_ids: QuerySet[Any]) -> QuerySet[SupportPlan]:
    """The plans in force of cases that are not closed, as one query (for lists that filter, count and
    page them in SQL): of each case in `open_case_ids` (a `values("pk")` queryset of cases not closed),
    the newest version not superseded — the same rule as `plan_in_force`."""
    live = SupportPlan.objects.exclude(status=PlanStatus.SUPERSEDED)
    newer = live.filter(case_id=OuterRef("case_id")).filter(
        Q(version_no__gt=OuterRef("version_no")) | Q(version_no=OuterRef("version_no"), pk__gt=OuterRef("pk"))
    )
    return live.filter(case_id__in=open_case_ids).filter(~Exists(newer))
