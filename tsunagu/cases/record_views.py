"""The records kept on a case: 本人同意 (record, withdraw, scanned form), assessment, support plan and
its actions' status, monitoring, closure evaluation and the plan's 協議済 by a 重層的支援会議.

Same rules as `views.py`: the case comes through `.policy.get_case_for`, every read is audited before
rendering, every write is one action of `.actions`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.access.permissions import permission
from tsunagu.core.uploads import private_file_response
from tsunagu.directory.models import MeetingKind

from . import actions, screens
from .current import plan_in_force
from .forms import (
    MIN_GOAL_ROWS,
    ActionFormSet,
    ActionStatusForm,
    AssessmentForm,
    CloseCaseForm,
    ConsentForm,
    GoalFormSet,
    MonitoringForm,
    PlanAgreeForm,
    PlanForm,
    WithdrawConsentForm,
)
from .models import CaseStatus, PlanAction, PlanStatus
from .policy import get_case_for, visible_cases
from .view_helpers import (
    audit_case_read,
    household_members,
    may_coordinate,
    refuse_if_closed,
    require_coordinator,
    staff_of,
    to_detail,
)

# ---- consent -------------------------------------------------------------------------------------


@login_required
@permission("cases.coordinate")
@require_http_methods(["GET", "POST"])
def consent_new(request: HttpRequest, case_id: int) -> HttpResponse:
    staff = staff_of(request)
    case = get_case_for(staff, case_id)
    require_coordinator(staff)
    if (refused := refuse_if_closed(request, case, "consents")) is not None:
        return refused
    members = household_members(case.household)
    team_orgs = list(case.team.filter(removed_at__isnull=True).values_list("organization_id", flat=True))
    form = ConsentForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        members=members,
        municipality=case.municipality,
        initial={
            "persons": list(case.persons.values_list("pk", flat=True)),
            "organizations": team_orgs,
            "meeting_kinds": [MeetingKind.CONSENTED_CONFERENCE],
            "given_on": timezone.localdate(),
        },
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = actions.ConsentInput(
            given_by=d["given_by"],
            persons=list(d["persons"]),
            organizations=list(d["organizations"]),
            method=d["method"],
            given_on=d["given_on"],
            meeting_kinds=list(d["meeting_kinds"]),
            expires_on=d["expires_on"],
            given_by_note=d["given_by_note"],
            basis=d["basis"],
            submission_token=d["submission_token"],
        )
        try:
            actions.record_consent(actor=staff, case=case, data=data, document=d["document"])
        except actions.CaseError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "本人同意を記録しました。共有できる機関が更新されました。")
            return to_detail(case, "consents")
    audit_case_read(request, staff, case, *[("person", p.pk) for p in members], form="consent")
    return render(request, "cases/consent_form.html", {"case": case, "form": form})


@login_required
@permission("cases.use")
@require_POST
def consent_withdraw(request: HttpRequest, case_id: int, consent_id: int) -> HttpResponse:
    """撤回 can be recorded by anyone on the case who hears it: it must never wait for the coordinator."""
    staff = staff_of(request)
    case = get_case_for(staff, case_id)
    consent = case.consents.filter(pk=consent_id).first()
    if consent is None:
        raise Http404
    form = WithdrawConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "撤回の経緯を記録してください。何も変更していません。")
        return to_detail(case, "consents")
    try:
        actions.withdraw_consent(actor=staff, consent=consent, note=form.cleaned_data["note"])
    except actions.CaseError as exc:
        messages.error(request, str(exc))
        return to_detail(case, "consents")
    messages.success(request, "同意の撤回を記録しました。この時点から、この同意による共有は止まります。")
    if not visible_cases(staff).filter(pk=case.pk).exists():
        # The withdrawal ended this staff member's own access to the case.
        return redirect("cases:list")
    return to_detail(case, "consents")


@login_required
@permission("cases.use")
@require_GET
def consent_document(request: HttpRequest, case_id: int, consent_id: int) -> HttpResponseBase:
    """The scanned consent form: only through this access-checked, audited view (never a public URL)."""
    staff = staff_of(request)
    case = get_case_for(staff, case_id)
    consent = case.consents.filter(pk=consent_id).first()
    if consent is None or not consent.document:
        raise Http404
    audit_case_read(request, staff, case, ("consent", consent.pk), kind="consent_document")
    return private_file_response(consent.document, f"consent-{consent.pk}")


# ---- assessment ----------------------------------------------------------------------------------


@login_required
@permission("cases.use")
@require_http_methods(["GET", "POST"])
def assessment(request: HttpRequest, case_id: int) -> HttpResponse:
    """A new version of the assessment, prefilled from the current one (team members may write it too)."""
    staff = staff_of(request)
    case = get_case_for(staff, case_id)
    if (refused := refuse_if_closed(request, case, "assessment")) is not None:
        return refused
    current = case.assessments.prefetch_related("areas").first()
    initial: dict[str, Any] = {"based_on": current.version_no if current else 0}
    if current is not None:
        initial |= {"person_wish": current.person_wish, "summary": current.summary}
        for a in current.areas.all():
            initial |= {
                f"{a.area}-situation": a.situation,
                f"{a.area}-strengths": a.strengths,
                f"{a.area}-risks": a.risks,
            }
    form = AssessmentForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            new = actions.save_assessment(
                actor=staff,
                case=case,
                based_on=d["based_on"],
                person_wish=d["person_wish"],
                summary=d["summary"],
                areas=form.areas(),
                change_reason=d["change_reason"],
            )
        except actions.CaseError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"アセスメント第{new.version_no}版を保存しました。")
            return to_detail(case, "assessment")
    audit_case_read(
        request, staff, case, *([("assessment", current.pk)] if current else []), form="assessment"
    )
    return render(request, "cases/assessment_form.html", {"case": case, "form": form, "current": current})


# ---- plan ----------------------------------------------------------------------------------------


@login_required
@permission("cases.coordinate")
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest, case_id: int) -> HttpResponse:
    """Create the plan, edit the draft in place, or revise an agreed plan as a new version with a reason."""
    staff = staff_of(request)
    case = get_case_for(staff, case_id)
    require_coordinator(staff)
    if (refused := refuse_if_closed(request, case, "plan")) is not None:
        return refused
    current = plan_in_force(case)
    mode = "create" if current is None else ("edit" if current.status == PlanStatus.DRAFT else "revise")
    muni = case.municipality
    error = ""
    if request.method == "POST":
        data = screens.with_more_rows(request.POST) if "more_rows" in request.POST else request.POST
        form = PlanForm(data)
        goal_fs = GoalFormSet(data, prefix="goals")
        n_goals = goal_fs.total_form_count() if goal_fs.management_form.is_valid() else MIN_GOAL_ROWS
        action_fs = ActionFormSet(
            data, prefix="actions", form_kwargs={"municipality": muni, "goal_rows": n_goals}
        )
        if "more_rows" not in request.POST:
            if form.is_valid() and goal_fs.is_valid() and action_fs.is_valid():
                posted_plan = form.cleaned_data.get("plan_id")
                try:
                    if (current.pk if current else None) != posted_plan:
                        raise actions.StaleEdit()
                    data_in = screens.plan_input(form, goal_fs, action_fs)
                    saved = actions.save_plan(
                        actor=staff,
                        case=case,
                        data=data_in,
                        plan=current,
                        edit_version=form.cleaned_data.get("edit_version"),
                    )
                except actions.CaseError as exc:
                    error = str(exc)
                else:
                    messages.success(request, f"支援プラン第{saved.version_no}版を保存しました。")
                    return to_detail(case, "plan")
            else:
                error = "入力内容を確認してください（赤字の項目）。何も保存していません。"
    else:
        head, goals, acts = screens.plan_initial(current)
        form = PlanForm(initial=head)
        goal_fs = GoalFormSet(initial=goals, prefix="goals")
        action_fs = ActionFormSet(
            initial=acts, prefix="actions", form_kwargs={"municipality": muni, "goal_rows": len(goals)}
        )
    audit_case_read(request, staff, case, *([("support_plan", current.pk)] if current else []), form="plan")
    return render(
        request,
        "cases/plan_form.html",
        {
            "case": case,
            "form": form,
            "goal_fs": goal_fs,
            "action_fs": action_fs,
            "mode": mode,
            "current": current,
            "error": error,
        },
    )


@login_required
@permission("cases.use")
@require_POST
def action_status(request: HttpRequest, case_id: int, action_id: int) -> HttpResponse:
    """The responsible organization (or the coordinator) updates an action's status."""
    staff = staff_of(request)
    case = get_case_for(staff, case_id)
    action = PlanAction.objects.filter(pk=action_id, plan__case=case).select_related("plan").first()
    if action is None:
        raise Http404
    if not (may_coordinate(staff) or action.organization_id == staff.organization_id):
        raise PermissionDenied("only the responsible organization or the coordinator")
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "状況を選んでください。何も変更していません。")
    elif action.plan.status == PlanStatus.SUPERSEDED:
        messages.error(request, "改訂前のプランの支援は更新できません。最新のプランで操作してください。")
    else:
        try:
            actions.set_action_status(actor=staff, action=action, status=form.cleaned_data["status"])
        except actions.CaseError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"支援の状況を「{action.get_status_display()}」にしました。")
    return to_detail(case, "plan")


# ---- monitoring and closure ----------------------------------------------------------------------


@login_required
@permission("cases.use")
@require_http_methods(["GET", "POST"])
def monitoring(request: HttpRequest, case_id: int) -> HttpResponse:
    staff = staff_of(request)
    case = get_case_for(staff, case_id)
    if (refused := refuse_if_closed(request, case, "monitoring")) is not None:
        return refused
    plan_ = plan_in_force(case)
    form = MonitoringForm(
        request.POST if request.method == "POST" else None,
        initial={"held_on": timezone.localdate()},
        goals=list(plan_.goals.all()) if plan_ else [],
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.record_monitoring(
                actor=staff,
                case=case,
                held_on=d["held_on"],
                summary=d["summary"],
                next_on=d["next_on"],
                attainments=form.attainments(),
                submission_token=d["submission_token"],
            )
        except actions.CaseError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "モニタリングを記録しました。")
            return to_detail(case, "monitoring")
    audit_case_read(request, staff, case, *([("support_plan", plan_.pk)] if plan_ else []), form="monitoring")
    return render(request, "cases/monitoring_form.html", {"case": case, "form": form, "plan": plan_})


@login_required
@permission("cases.coordinate")
@require_http_methods(["GET", "POST"])
def close(request: HttpRequest, case_id: int) -> HttpResponse:
    """終結の評価: goal attainment, reason, hand-over, and the agency that carries the household on."""
    staff = staff_of(request)
    case = get_case_for(staff, case_id)
    require_coordinator(staff)
    if case.status == CaseStatus.CLOSED:
        messages.info(request, "このケースはすでに終結しています。")
        return to_detail(case)
    lead = case.team.filter(removed_at__isnull=True, role="lead").first()
    form = CloseCaseForm(
        request.POST if request.method == "POST" else None,
        municipality=case.municipality,
        initial={
            "version": case.version,
            "main_agency_after_closure": lead.organization_id if lead else None,
        },
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.close_case(
                actor=staff,
                case=case,
                version=d["version"],
                reason=d["reason"],
                goal_attainment=d["goal_attainment"],
                handover_to=d["handover_to"],
                main_agency_after_closure=d["main_agency_after_closure"],
                handover_note=d["handover_note"],
            )
        except actions.CaseError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "ケースを終結しました。")
            return to_detail(case)
    plan_ = plan_in_force(case)
    audit_case_read(request, staff, case, form="close")
    return render(
        request,
        "cases/close_form.html",
        {"case": case, "form": form, "plan": plan_, "goals": list(plan_.goals.all()) if plan_ else []},
    )


# ---- meeting approval ----------------------------------------------------------------------------


@login_required
@permission("cases.coordinate")
@require_POST
def plan_agree(request: HttpRequest, case_id: int) -> HttpResponse:
    """Record that a 重層的支援会議 approved the current draft plan (協議済); refused without consent."""
    staff = staff_of(request)
    case = get_case_for(staff, case_id)
    require_coordinator(staff)
    plan = plan_in_force(case)
    form = PlanAgreeForm(request.POST, municipality=case.municipality)
    if plan is None or plan.status != PlanStatus.DRAFT:
        messages.error(request, "協議済にできる作成中のプランがありません。")
        return to_detail(case, "plan")
    if not form.is_valid():
        messages.error(
            request,
            "協議済にできませんでした: " + " ".join(str(e) for es in form.errors.values() for e in es),
        )
        return to_detail(case, "plan")
    try:
        actions.agree_plan_in_meeting(
            actor=staff,
            plan=plan,
            edit_version=form.cleaned_data["edit_version"],
            body=form.cleaned_data["body"],
            held_on=form.cleaned_data["held_on"],
        )
    except actions.CaseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "支援プランを協議済にしました。")
    return to_detail(case, "plan")
