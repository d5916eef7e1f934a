"""The case forms as PDF: 支援プラン（プラン兼利用申込書） and 評価シート, in the shape of the MHLW forms of
重層的支援体制整備事業 多機関協働事業.

A printed copy is a bulk disclosure that leaves the system: each one is audited (action and channel
"print") in the same transaction that renders it, and names on every page who printed it, for which
organization, when, and by when it must be destroyed (TSUNAGU_PRINT_RETENTION_DAYS). The file name
carries the case number only, never a name.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from tsunagu.access import audit
from tsunagu.access.permissions import permission
from tsunagu.access.tenancy import current_municipality
from tsunagu.accounts.models import Staff
from tsunagu.core.wareki import wareki
from tsunagu.documents.pdf import render_pdf

from .current import plan_in_force
from .models import (
    ATTAINMENT_LABELS,
    ActionStatus,
    Case,
    CaseStatus,
    Consent,
    ConsentBasis,
    ConsentMethod,
    LifeArea,
    PlanStatus,
    SupportPlan,
    TeamRole,
)
from .policy import active_consents, get_case_for, why_visible

PROGRAM = "重層的支援体制整備事業　多機関協働事業"


def _label(choices: Any, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def _staff_name(staff: Any) -> str:
    if staff is None:
        return ""
    return str(getattr(staff, "display_name", "") or getattr(staff, "username", ""))


def _org_name(org: Any) -> str:
    return str(org.name) if org is not None else ""


def _at(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{wareki(local.date())} {local.hour}時{local.minute:02d}分"


def _printed(staff: Staff, now: dt.datetime) -> dict[str, Any]:
    days = int(settings.PRINT_RETENTION_DAYS)
    return {
        "by": _staff_name(staff),
        "org": _org_name(staff.organization),
        "at": _at(now),
        "retention_days": days,
        "discard_by": wareki(timezone.localtime(now).date() + dt.timedelta(days=days)),
    }


def _members(case: Case, today: dt.date) -> list[dict[str, Any]]:
    subject_ids = set(case.persons.values_list("pk", flat=True))
    rows = []
    for m in case.household.members.select_related("person").order_by("pk"):
        p = m.person
        age = p.age(today)
        rows.append(
            {
                "id": p.pk,
                "is_subject": p.pk in subject_ids,
                "name": p.full_name,
                "kana": p.full_kana,
                "birth": wareki(p.birth_date),
                "age": "" if age is None else (f"{age}歳" if p.birth_date else f"推定{age}歳"),
                "relationship": m.get_relationship_display(),
                "lives_together": m.lives_together,
            }
        )
    # 本人 first, then the household in the order it was recorded.
    rows.sort(key=lambda r: not r["is_subject"])
    return rows


def _plan(plan: SupportPlan | None) -> dict[str, Any] | None:
    if plan is None:
        return None
    goals = list(plan.goals.all())
    goal_no = {g.pk: g.order for g in goals}
    status = _label(PlanStatus, plan.status)
    recorded = timezone.localtime(plan.agreed_at).date() if plan.agreed_at else None
    if plan.status == PlanStatus.DRAFT:
        agreed_note = "未協議（作成中）"
    else:
        agreed_note = plan.agreed_note
    return {
        "version_label": f"第{plan.version_no}版　{status}",
        "status": status,
        "created_on": wareki(timezone.localtime(plan.created_at).date()),
        "overall_goal": plan.overall_goal,
        "change_reason": plan.change_reason,
        "monitoring_on": wareki(plan.monitoring_on),
        "agreed_on": wareki(plan.agreed_on),  # the meeting's day; older plans only have the record day
        "agreed_note": agreed_note,
        "agreed_recorded_on": wareki(recorded),
        "goals": [
            {
                "no": g.order,
                "text": g.text,
                "life_area": _label(LifeArea, g.life_area) if g.life_area else "",
                "review_on": wareki(g.review_on),
                "attainment": g.get_attainment_label(),
                "evaluated_on": wareki(g.attainment_on),
            }
            for g in goals
        ],
        "actions": [
            {
                "goal_no": str(goal_no[a.goal_id]) if a.goal_id in goal_no else "",
                "description": a.description,
                "organization": a.organization.name,
                "role": _label(TeamRole, a.role),
                "person_in_charge": a.person_in_charge,
                "due_on": wareki(a.due_on),
                "review_on": wareki(a.review_on),
                "status": _label(ActionStatus, a.status),
            }
            for a in plan.actions.select_related("organization").order_by("goal__order", "pk")
        ],
    }


def _consent_state(c: Consent, now: dt.datetime, active: set[int]) -> str:
    if c.withdrawn_at is not None and c.withdrawn_at <= now:
        return "撤回"
    if c.pk in active:
        return "有効"
    return "期限切れ" if c.expires_on and c.expires_on < timezone.localtime(now).date() else "開始前"


def _consents(case: Case, now: dt.datetime) -> list[dict[str, Any]]:
    rows = []
    active = set(active_consents(now).filter(case=case).values_list("pk", flat=True))
    for c in case.consents.select_related("given_by").prefetch_related("organizations"):
        given_by = c.given_by.full_name + (f"（{c.given_by_note}）" if c.given_by_note else "")
        given_by += f"　根拠: {_label(ConsentBasis, c.basis) if c.basis else '未記録'}"
        rows.append(
            {
                "given_on": wareki(c.given_on),
                "given_by": given_by,
                "method": _label(ConsentMethod, c.method),
                "organizations": [o.name for o in c.organizations.all()],
                "meetings": c.meeting_kind_labels(),
                "expires_on": wareki(c.expires_on),
                "state": _consent_state(c, now, active),
            }
        )
    return rows


def _common(case: Case, staff: Staff, now: dt.datetime) -> dict[str, Any]:
    coordinator = case.coordinator
    coord = _staff_name(coordinator)
    if coordinator.organization_id:
        coord += f"（{_org_name(coordinator.organization)}）"
    return {
        "program": PROGRAM,
        "municipality": case.municipality.name,
        "case_label": case.label,
        "case_status": _label(CaseStatus, case.status),
        "coordinator": coord,
        "opened_on": wareki(timezone.localtime(case.opened_at).date()),
        "printed": _printed(staff, now),
        "members": _members(case, timezone.localtime(now).date()),
    }


def plan_data(case: Case, staff: Staff, now: dt.datetime) -> dict[str, Any]:
    """Everything the プラン兼利用申込書 prints, formatted (和暦) for the template."""
    assessment = case.assessments.order_by("-version_no").first()
    plan = plan_in_force(case)
    return {
        **_common(case, staff, now),
        "person_wish": assessment.person_wish if assessment else "",
        "plan": _plan(plan),
        "plan_id": plan.pk if plan else None,
        "consents": _consents(case, now),
    }


def evaluation_data(case: Case, staff: Staff, now: dt.datetime) -> dict[str, Any]:
    """Everything the 評価シート prints: goals with attainment, monitoring history and the closure."""
    plan = plan_in_force(case)
    monitorings = case.monitorings.select_related("recorded_by").order_by("held_on", "pk")
    closure = None
    if case.status == CaseStatus.CLOSED and case.closed_at is not None:
        closure = {
            "closed_on": wareki(timezone.localtime(case.closed_at).date()),
            "goal_attainment": ATTAINMENT_LABELS.get(case.goal_attainment, case.goal_attainment),
            "reason": case.closure_reason,
            "handover_to": _org_name(case.handover_to),
            "handover_note": case.handover_note,
            "main_agency": _org_name(case.main_agency_after_closure),
        }
    return {
        **_common(case, staff, now),
        "plan": _plan(plan),
        "plan_id": plan.pk if plan else None,
        "monitorings": [
            {
                "held_on": wareki(m.held_on),
                "summary": m.summary,
                "next_on": wareki(m.next_on),
                "recorded_by": _staff_name(m.recorded_by),
            }
            for m in monitorings
        ],
        "closure": closure,
    }


FORMS = {
    "plan": ("case_plan", plan_data),
    "evaluation": ("case_evaluation", evaluation_data),
}


def _print(request: HttpRequest, case_id: int, form: str) -> HttpResponse:
    staff = request.user
    assert isinstance(staff, Staff)
    current_municipality(request)
    case = get_case_for(staff, case_id)
    template, build = FORMS[form]
    now = timezone.now()
    data = build(case, staff, now)
    objects: list[tuple[str, int]] = [("case", case.pk)]
    if data["plan_id"]:
        objects.append(("support_plan", data["plan_id"]))
    objects += [("person", m["id"]) for m in data["members"]]
    # The audit row and the rendering share one transaction: a copy is never handed out unrecorded,
    # and a rendering that fails leaves no record of a print that did not happen.
    with transaction.atomic():
        audit.record(
            actor=staff,
            action="print",
            channel="print",
            objects=objects,
            detail={"form": form, "why": [w.name for w in why_visible(staff, case)]},
            request=request,
        )
        pdf = render_pdf(template, data)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="case-{case.label}-{form}.pdf"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@permission("cases.use")
@require_GET
def plan_pdf(request: HttpRequest, case_id: int) -> HttpResponse:
    """支援プラン（プラン兼利用申込書） of a case, as PDF."""
    return _print(request, case_id, "plan")


@login_required
@permission("cases.use")
@require_GET
def evaluation_pdf(request: HttpRequest, case_id: int) -> HttpResponse:
    """評価シート of a case, as PDF."""
    return _print(request, case_id, "evaluation")
