"""Case screens (多機関協働): list, detail, opening, team, consent, assessment, plan, monitoring, closure.

Every case is fetched through `.policy.get_case_for` (404 for missing and forbidden alike),
every read is audited before anything is rendered, and every write is one action of `.actions`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.access import audit
from tsunagu.access.permissions import has_permission, permission
from tsunagu.access.tenancy import current_municipality
from tsunagu.accounts.models import Role, Staff
from tsunagu.core.pagination import numbered_page
from tsunagu.core.uploads import private_file_response
from tsunagu.directory.models import MeetingKind
from tsunagu.intake.models import EscalationRequest, EscalationStatus
from tsunagu.intake.policy import get_escalation_request_for, visible_escalation_requests
from tsunagu.people.models import Household, HouseholdMember, Person
from tsunagu.people.policy import get_household_for
from tsunagu.people.policy import household_heads as get_household_heads

from . import actions, due, screens
from .current import plan_in_force, plans_in_force
from .forms import (
    MIN_GOAL_ROWS,
    ActionFormSet,
    ActionStatusForm,
    AssessmentForm,
    CloseCaseForm,
    ConsentForm,
    GoalFormSet,
    HouseholdLookupForm,
    MonitoringForm,
    OpenCaseForm,
    PlanAgreeForm,
    PlanForm,
    ReassignForm,
    ResumeForm,
    TeamForm,
    TransitionForm,
    WithdrawConsentForm,
)
from .models import (
    ATTAINMENT_LABELS,
    OPEN_STATUSES,
    TRANSITIONS,
    Case,
    CaseStatus,
    CaseTeamMember,
    PlanAction,
    PlanStatus,
)
from .policy import active_consents, get_case_for, visible_cases, why_visible

# ---- helpers -------------------------------------------------------------------------------------


def _staff(request: HttpRequest) -> Staff:
    staff = request.user
    assert isinstance(staff, Staff)
    current_municipality(request)
    return staff


def _coordinates(staff: Staff) -> bool:
    """Whether `staff` holds `cases.coordinate` (束ね役). Lifecycle, team, consent, plan and closure of a
    case belong to any 束ね役 who may see it (the views fetch it through the policy first) — its own
    coordinator, or a colleague covering through the team, a meeting or break-glass — not only to the
    case's named coordinator. Each write is audited under the name of whoever made it."""
    return has_permission(staff, "cases.coordinate")


def _require_coordinate_permission(staff: Staff) -> None:
    if not _coordinates(staff):
        raise PermissionDenied("only coordinators")


def _members(household: Household) -> QuerySet[Person]:
    return Person.objects.filter(memberships__household=household).order_by("memberships__pk")


def _audit_read(
    request: HttpRequest, staff: Staff, case: Case, *more: tuple[str, int], **detail: Any
) -> None:
    audit.record(
        actor=staff,
        action="view",
        objects=[("case", case.pk), ("household", case.household_id), *more],
        detail=detail or None,
        request=request,
    )


def _refuse_if_closed(request: HttpRequest, case: Case, anchor: str = "") -> HttpResponse | None:
    """The edit screens of a closed case answer with the reason and the way back, not with a form."""
    if case.status != CaseStatus.CLOSED:
        return None
    messages.error(request, actions.CLOSED_MESSAGE)
    return _to_detail(case, anchor)


def _to_detail(case: Case, anchor: str = "") -> HttpResponse:
    response = redirect("cases:detail", case_id=case.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


# ---- list and dashboard --------------------------------------------------------------------------

CASE_PAGE_SIZE = 50
SCOPES = [("mine", "束ね役として担当"), ("org", "自機関がチームにいるケース"), ("all", "閲覧できるすべて")]


@login_required
@permission("cases.use")
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    staff = _staff(request)
    default_scope = "mine" if staff.role == Role.COORDINATOR else "org"
    scope = request.GET.get("scope", default_scope)
    if scope not in dict(SCOPES):
        scope = default_scope
    status = request.GET.get("status", "open")
    qs = visible_cases(staff)
    if scope == "mine":
        qs = qs.filter(coordinator=staff)
    elif scope == "org":
        qs = qs.filter(
            pk__in=CaseTeamMember.objects.filter(
                organization=staff.organization, removed_at__isnull=True
            ).values("case_id")
        )
    if status == "open":
        qs = qs.exclude(status=CaseStatus.CLOSED)
    elif status in CaseStatus.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    page = numbered_page(
        qs.select_related("coordinator")
        .prefetch_related(
            "persons",
            Prefetch(
                "team",
                queryset=CaseTeamMember.objects.filter(removed_at__isnull=True).select_related(
                    "organization"
                ),
                to_attr="active_team",
            ),
        )
        .order_by("-opened_at", "-pk"),
        request.GET.get("page"),
        CASE_PAGE_SIZE,
    )
    cases = list(page.object_list)
    # Each household is named by its head, as people's policy lets this reader find persons.
    heads = get_household_heads(staff, {c.household_id for c in cases})
    plans = plans_in_force(cases)
    if cases:
        shown = {p.pk for c in cases for p in c.persons.all()} | {p.pk for p in heads.values()}
        audit.record(
            actor=staff,
            action="list",
            objects=[("case", c.pk) for c in cases] + [("person", pk) for pk in sorted(shown)],
            request=request,
        )
    rows = [{"case": c, "plan": plans.get(c.pk), "head": heads.get(c.household_id)} for c in cases]
    return render(
        request,
        "cases/list.html",
        {
            "rows": rows,
            "page": page,
            "scope": scope,
            "scopes": SCOPES,
            "status": status,
            "statuses": [("open", "進行中すべて"), *CaseStatus.choices, ("", "すべて")],
            "can_open": has_permission(staff, "cases.coordinate"),
        },
    )


@login_required
@permission("cases.use")
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    staff = _staff(request)
    # The soonest items only, the rest counted in SQL; the audit row names the cases shown.
    lists = due.due_for(staff, timezone.localdate(), limit=due.DASHBOARD_LIMIT)
    if lists:
        audit.record(
            actor=staff,
            action="list",
            objects=[("case", pk) for pk in lists.case_ids()],
            detail={"kind": "case_dashboard"},
            request=request,
        )
    return render(
        request,
        "cases/dashboard.html",
        {"lists": lists, "soon_days": due.DUE_SOON_DAYS, "consent_days": due.CONSENT_SOON_DAYS},
    )


# ---- opening -------------------------------------------------------------------------------------


def _require_opener(staff: Staff) -> None:
    if not has_permission(staff, "cases.coordinate"):
        raise PermissionDenied("only coordinators open cases")


def _open_form_page(
    request: HttpRequest, staff: Staff, household: Household, escalation: EscalationRequest | None = None
) -> HttpResponse:
    members_qs = _members(household)
    # With a request, 受理 joins the household's case when one is already open (it may be another
    # coordinator's: the page names only its number, which any casework role may know).
    joining = None
    if escalation is not None:
        joining = Case.objects.filter(household=household, status__in=OPEN_STATUSES).first()
    form = OpenCaseForm(
        request.POST if request.method == "POST" else None,
        members=members_qs,
        municipality=current_municipality(request),
        initial={
            "coordinator": staff.pk,
            "persons": [escalation.person_id] if escalation is not None and escalation.person_id else [],
        },
    )
    if joining is not None:
        form.fields["coordinator"].required = False
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if escalation is not None:
                case, opened = actions.take_escalation(
                    actor=staff,
                    request=escalation,
                    persons=list(d["persons"]),
                    coordinator=d["coordinator"],
                    title=d["title"],
                )
            else:
                case = actions.open_case(
                    actor=staff,
                    household=household,
                    persons=list(d["persons"]),
                    coordinator=d["coordinator"],
                    title=d["title"],
                )
                opened = True
        except actions.CaseError as exc:
            form.add_error(None, str(exc))
        else:
            if opened:
                messages.success(
                    request,
                    f"依頼を受理し、ケース {case.label} を開始しました。"
                    if escalation
                    else f"ケース {case.label} を開始しました。",
                )
            else:
                messages.success(
                    request,
                    f"依頼を受理し、進行中のケース {case.label} で対応することにしました。依頼元の機関がチームに加わりました。",
                )
            if visible_cases(staff).filter(pk=case.pk).exists():
                return _to_detail(case)
            return redirect("intake:escalations")
    members = list(
        HouseholdMember.objects.filter(household=household).select_related("person").order_by("pk")
    )
    head = get_household_heads(staff, [household.pk]).get(household.pk)
    audit.record(
        actor=staff,
        action="view",
        objects=[
            ("household", household.pk),
            *[("person", m.person_id) for m in members],
            *([("escalation_request", escalation.pk)] if escalation is not None else []),
            *([("case", joining.pk)] if joining is not None else []),
        ],
        detail={"kind": "open_case_form"},
        request=request,
    )
    return render(
        request,
        "cases/open.html",
        {
            "form": form,
            "household": household,
            "head": head,
            "members": members,
            "escalation": escalation,
            "joining": joining,
        },
    )


@login_required
@permission("cases.coordinate")
@require_http_methods(["GET", "POST"])
def open_case(request: HttpRequest) -> HttpResponse:
    """Open a case directly for a household, found by its number (世帯番号). No request is recorded;
    when the household has a pending request, opening goes through it (受理 and opening are one step)."""
    staff = _staff(request)
    _require_opener(staff)
    lookup = HouseholdLookupForm(request.GET or None)
    if not lookup.is_valid():
        return render(request, "cases/open_lookup.html", {"lookup": lookup})
    household = get_household_for(staff, lookup.cleaned_data["household"])
    pending = (
        visible_escalation_requests(staff)
        .filter(household=household, status=EscalationStatus.PENDING)
        .first()
    )
    if pending is not None:
        messages.info(
            request,
            "この世帯には受付待ちのつなぎ依頼があります。依頼を受理してケースを開きます"
            "（依頼元の機関がチームに加わります）。",
        )
        return redirect("cases:open_from_request", request_id=pending.pk)
    return _open_form_page(request, staff, household)


@login_required
@permission("cases.coordinate")
@require_http_methods(["GET", "POST"])
def open_from_request(request: HttpRequest, request_id: int) -> HttpResponse:
    """受理: accept an escalation request (つなぎ依頼) and open the household's case, or join the one
    already open — one step. A request that already has its case leads to that case."""
    staff = _staff(request)
    _require_opener(staff)
    escalation = get_escalation_request_for(staff, request_id)
    existing = Case.objects.filter(escalation_request=escalation).first()
    if existing is None and escalation.status == EscalationStatus.ACCEPTED:
        # Accepted into a case that was already open (the case carries an earlier request).
        # (Requests accepted before accepting opened the case have none: they can be opened below.)
        at = escalation.handled_at
        existing = (
            Case.objects.filter(household=escalation.household, opened_at__lte=at)
            .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=at))
            .order_by("-opened_at")
            .first()
            if at
            else None
        )
    if existing is not None:
        if visible_cases(staff).filter(pk=existing.pk).exists():
            messages.info(request, f"このつなぎ依頼は、ケース {existing.label} で対応しています。")
            return _to_detail(existing)
        messages.info(
            request, f"このつなぎ依頼は、ケース {existing.label}（別の束ね役の担当）で対応しています。"
        )
        return redirect("intake:escalations")
    if escalation.status == EscalationStatus.DECLINED:
        messages.error(request, "見送ったつなぎ依頼からはケースを開けません。")
        return redirect(f"{reverse('intake:escalations')}?status={EscalationStatus.DECLINED}")
    return _open_form_page(request, staff, escalation.household, escalation)


# ---- detail --------------------------------------------------------------------------------------


@login_required
@permission("cases.use")
@require_GET
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    staff = _staff(request)
    case = get_case_for(staff, case_id)
    reasons = why_visible(staff, case)
    persons = list(case.persons.all())
    team = list(case.team.select_related("organization").order_by("removed_at", "role", "pk"))
    active_team = [m for m in team if m.removed_at is None]
    consents = list(
        case.consents.select_related("given_by", "withdrawn_by", "recorded_by").prefetch_related(
            "persons", "organizations"
        )
    )
    assessment = case.assessments.prefetch_related("areas").first()
    plan = plan_in_force(case)
    is_coord = _coordinates(staff)
    head = get_household_heads(staff, [case.household_id]).get(case.household_id)
    shown = [p.pk for p in persons] + ([head.pk] if head and head not in persons else [])
    is_coord = _coordinates(staff)
    _audit_read(
        request,
        staff,
        case,
        *[("person", pk) for pk in shown],
        *[("consent", c.pk) for c in consents],
        *([("assessment", assessment.pk)] if assessment else []),
        *([("support_plan", plan.pk)] if plan else []),
        why=[r.name for r in reasons],
    )
    next_steps = [
        (s, CaseStatus(s).label) for s in CaseStatus.values if s in TRANSITIONS.get(case.status, set())
    ]
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "reasons": reasons,
            "persons": persons,
            "head": head,
            "can_see_household": has_permission(staff, "people.household"),
            "team": active_team,
            "former_team": [m for m in team if m.removed_at is not None],
            "consents": consents,
            "active_consent_ids": set(active_consents().filter(case=case).values_list("pk", flat=True)),
            "share": screens.share_panel(case, active_team),
            "assessment": assessment,
            "plan": plan,
            "grid": screens.plan_grid(plan) if plan else [],
            "plans": list(case.plans.all()),
            "monitorings": list(case.monitorings.select_related("recorded_by", "plan")),
            "transitions": list(case.transitions.select_related("by")),
            "next_steps": [(s, label) for s, label in next_steps if s != CaseStatus.CLOSED],
            "can_close": case.status != CaseStatus.CLOSED,
            "status_editable": plan is not None
            and plan.status != PlanStatus.SUPERSEDED
            and case.status != CaseStatus.CLOSED,
            "attainment_label": ATTAINMENT_LABELS.get(case.goal_attainment, ""),
            "is_coordinator": is_coord,
            "team_editable": is_coord and case.status != CaseStatus.CLOSED,
            "my_org_id": staff.organization_id,
            "team_form": TeamForm(municipality=case.municipality),
            "agree_form": PlanAgreeForm(
                municipality=case.municipality, initial={"edit_version": plan.edit_version if plan else 0}
            ),
            "reassign_form": ReassignForm(
                municipality=case.municipality, exclude=case.coordinator_id, initial={"version": case.version}
            ),
            "status_form": ActionStatusForm(),
            "today": timezone.localdate(),
            "SUSPENDED": CaseStatus.SUSPENDED,
            "CLOSED": CaseStatus.CLOSED,
        },
    )


# ---- lifecycle and team --------------------------------------------------------------------------


@login_required
@permission("cases.coordinate")
@require_POST
def transition(request: HttpRequest, case_id: int) -> HttpResponse:
    staff = _staff(request)
    case = get_case_for(staff, case_id)
    _require_coordinate_permission(staff)
    form = TransitionForm(request.POST)
    if not form.is_valid() or form.cleaned_data["to"] not in CaseStatus.values:
        messages.error(request, "進める先の状態を選んでください。")
        return _to_detail(case)
    try:
        actions.transition(
            actor=staff,
            case=case,
            version=form.cleaned_data["version"],
            to=form.cleaned_data["to"],
            note=form.cleaned_data["note"],
        )
    except actions.CaseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"状態を「{case.get_status_display()}」にしました。")
    return _to_detail(case)


@login_required
@permission("cases.coordinate")
@require_POST
def resume(request: HttpRequest, case_id: int) -> HttpResponse:
    staff = _staff(request)
    case = get_case_for(staff, case_id)
    _require_coordinate_permission(staff)
    form = ResumeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "画面を開き直してから、もう一度操作してください。")
        return _to_detail(case)
    version, note = form.cleaned_data["version"], form.cleaned_data["note"]
    try:
        if case.status == CaseStatus.CLOSED:
            actions.reopen_case(actor=staff, case=case, version=version, reason=note)
        else:
            actions.resume_case(actor=staff, case=case, version=version, note=note)
    except actions.CaseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"ケースを再開しました（{case.get_status_display()}）。")
    return _to_detail(case)


@login_required
@permission("cases.coordinate")
@require_POST
def team(request: HttpRequest, case_id: int) -> HttpResponse:
    staff = _staff(request)
    case = get_case_for(staff, case_id)
    _require_coordinate_permission(staff)
    form = TeamForm(request.POST, municipality=case.municipality)
    if not form.is_valid():
        messages.error(request, "機関と役割を選んでください。")
        return _to_detail(case, "team")
    org = form.cleaned_data["organization"]
    try:
        if form.cleaned_data["op"] == "remove":
            actions.remove_team_member(actor=staff, case=case, organization=org)
            messages.success(request, f"{org.name} をチームから外しました。")
        else:
            member = actions.set_team_member(
                actor=staff, case=case, organization=org, role=form.cleaned_data["role"]
            )
            messages.success(request, f"{org.name} を「{member.get_role_display()}」にしました。")
    except actions.CaseError as exc:
        messages.error(request, str(exc))
    return _to_detail(case, "team")


# ---- consent -------------------------------------------------------------------------------------


@login_required
@permission("cases.coordinate")
@require_http_methods(["GET", "POST"])
def consent_new(request: HttpRequest, case_id: int) -> HttpResponse:
    staff = _staff(request)
    case = get_case_for(staff, case_id)
    _require_coordinate_permission(staff)
    if (refused := _refuse_if_closed(request, case, "consents")) is not None:
        return refused
    members = _members(case.household)
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
            return _to_detail(case, "consents")
    _audit_read(request, staff, case, *[("person", p.pk) for p in members], form="consent")
    return render(request, "cases/consent_form.html", {"case": case, "form": form})


@login_required
@permission("cases.use")
@require_POST
def consent_withdraw(request: HttpRequest, case_id: int, consent_id: int) -> HttpResponse:
    """撤回 can be recorded by anyone on the case who hears it: it must never wait for the coordinator."""
    staff = _staff(request)
    case = get_case_for(staff, case_id)
    consent = case.consents.filter(pk=consent_id).first()
    if consent is None:
        raise Http404
    form = WithdrawConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "撤回の経緯を記録してください。何も変更していません。")
        return _to_detail(case, "consents")
    try:
        actions.withdraw_consent(actor=staff, consent=consent, note=form.cleaned_data["note"])
    except actions.CaseError as exc:
        messages.error(request, str(exc))
        return _to_detail(case, "consents")
    messages.success(request, "同意の撤回を記録しました。この時点から、この同意による共有は止まります。")
    if not visible_cases(staff).filter(pk=case.pk).exists():
        # The withdrawal ended this staff member's own access to the case.
        return redirect("cases:list")
    return _to_detail(case, "consents")


@login_required
@permission("cases.use")
@require_GET
def consent_document(request: HttpRequest, case_id: int, consent_id: int) -> HttpResponseBase:
    """The scanned consent form: only through this access-checked, audited view (never a public URL)."""
    staff = _staff(request)
    case = get_case_for(staff, case_id)
    consent = case.consents.filter(pk=consent_id).first()
    if consent is None or not consent.document:
        raise Http404
    _audit_read(request, staff, case, ("consent", consent.pk), kind="consent_document")
    return private_file_response(consent.document, f"consent-{consent.pk}")


# ---- assessment ----------------------------------------------------------------------------------


@login_required
@permission("cases.use")
@require_http_methods(["GET", "POST"])
def assessment(request: HttpRequest, case_id: int) -> HttpResponse:
    """A new version of the assessment, prefilled from the current one (team members may write it too)."""
    staff = _staff(request)
    case = get_case_for(staff, case_id)
    if (refused := _refuse_if_closed(request, case, "assessment")) is not None:
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
            return _to_detail(case, "assessment")
    _audit_read(request, staff, case, *([("assessment", current.pk)] if current else []), form="assessment")
    return render(request, "cases/assessment_form.html", {"case": case, "form": form, "current": current})


# ---- plan ----------------------------------------------------------------------------------------


@login_required
@permission("cases.coordinate")
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest, case_id: int) -> HttpResponse:
    """Create the plan, edit the draft in place, or revise an agreed plan as a new version with a reason."""
    staff = _staff(request)
    case = get_case_for(staff, case_id)
    _require_coordinate_permission(staff)
    if (refused := _refuse_if_closed(request, case, "plan")) is not None:
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
                    return _to_detail(case, "plan")
            else:
                error = "入力内容を確認してください（赤字の項目）。何も保存していません。"
    else:
        head, goals, acts = screens.plan_initial(current)
        form = PlanForm(initial=head)
        goal_fs = GoalFormSet(initial=goals, prefix="goals")
        action_fs = ActionFormSet(
            initial=acts, prefix="actions", form_kwargs={"municipality": muni, "goal_rows": len(goals)}
        )
    _audit_read(request, staff, case, *([("support_plan", current.pk)] if current else []), form="plan")
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
    staff = _staff(request)
    case = get_case_for(staff, case_id)
    action = PlanAction.objects.filter(pk=action_id, plan__case=case).select_related("plan").first()
    if action is None:
        raise Http404
    if not (_coordinates(staff) or action.organization_id == staff.organization_id):
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
    return _to_detail(case, "plan")


# ---- monitoring and closure ----------------------------------------------------------------------


@login_required
@permission("cases.use")
@require_http_methods(["GET", "POST"])
def monitoring(request: HttpRequest, case_id: int) -> HttpResponse:
    staff = _staff(request)
    case = get_case_for(staff, case_id)
    if (refused := _refuse_if_closed(request, case, "monitoring")) is not None:
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
            return _to_detail(case, "monitoring")
    _audit_read(request, staff, case, *([("support_plan", plan_.pk)] if plan_ else []), form="monitoring")
    return render(request, "cases/monitoring_form.html", {"case": case, "form": form, "plan": plan_})


@login_required
@permission("cases.coordinate")
@require_http_methods(["GET", "POST"])
def close(request: HttpRequest, case_id: int) -> HttpResponse:
    """終結の評価: goal attainment, reason, hand-over, and the agency that carries the household on."""
    staff = _staff(request)
    case = get_case_for(staff, case_id)
    _require_coordinate_permission(staff)
    if case.status == CaseStatus.CLOSED:
        messages.info(request, "このケースはすでに終結しています。")
        return _to_detail(case)
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
            return _to_detail(case)
    plan_ = plan_in_force(case)
    _audit_read(request, staff, case, form="close")
    return render(
        request,
        "cases/close_form.html",
        {"case": case, "form": form, "plan": plan_, "goals": list(plan_.goals.all()) if plan_ else []},
    )


# ---- meeting approval and coordinator hand-over ----------------------------------------------------


@login_required
@permission("cases.coordinate")
@require_POST
def plan_agree(request: HttpRequest, case_id: int) -> HttpResponse:
    """Record that a 重層的支援会議 approved the current draft plan (協議済); refused without consent."""
    staff = _staff(request)
    case = get_case_for(staff, case_id)
    _require_coordinate_permission(staff)
    plan = plan_in_force(case)
    form = PlanAgreeForm(request.POST, municipality=case.municipality)
    if plan is None or plan.status != PlanStatus.DRAFT:
        messages.error(request, "協議済にできる作成中のプランがありません。")
        return _to_detail(case, "plan")
    if not form.is_valid():
        messages.error(
            request,
            "協議済にできませんでした: " + " ".join(str(e) for es in form.errors.values() for e in es),
        )
        return _to_detail(case, "plan")
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
    return _to_detail(case, "plan")


@login_required
@permission("cases.coordinate")
@require_POST
def reassign(request: HttpRequest, case_id: int) -> HttpResponse:
    """Hand the case over to another 束ね役."""
    staff = _staff(request)
    case = get_case_for(staff, case_id)
    _require_coordinate_permission(staff)
    form = ReassignForm(request.POST, municipality=case.municipality)
    if not form.is_valid():
        messages.error(
            request,
            "束ね役を交代できませんでした: " + " ".join(str(e) for es in form.errors.values() for e in es),
        )
        return _to_detail(case)
    try:
        actions.reassign_coordinator(
            actor=staff,
            case=case,
            version=form.cleaned_data["version"],
            coordinator=form.cleaned_data["coordinator"],
            note=form.cleaned_data["note"],
        )
    except actions.CaseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"束ね役を{form.cleaned_data['coordinator']}さんに引き継ぎました。")
        if not visible_cases(staff).filter(pk=case.pk).exists():
            # The hand-over ended the former coordinator's own access: back to the list, not to a 404.
            return redirect("cases:list")
    return _to_detail(case)
