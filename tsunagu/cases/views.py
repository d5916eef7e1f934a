"""Case screens (多機関協働): list, dashboard, opening, detail, lifecycle, team and coordinator hand-over.

The records kept on a case (consent, assessment, plan, monitoring, closure, 協議済) are in
`record_views.py`; what both share is in `view_helpers.py`. Every case is fetched through
`.policy.get_case_for` (404 for missing and forbidden alike), every read is audited before anything is
rendered, and every write is one action of `.actions`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.access import audit
from tsunagu.access.permissions import has_permission, permission
from tsunagu.access.tenancy import current_municipality
from tsunagu.accounts.models import Role, Staff
from tsunagu.core.pagination import numbered_page
from tsunagu.intake.models import EscalationRequest, EscalationStatus
from tsunagu.intake.policy import get_escalation_request_for, visible_escalation_requests
from tsunagu.people.models import Household, HouseholdMember
from tsunagu.people.policy import get_household_for
from tsunagu.people.policy import household_heads as get_household_heads

from . import actions, due, screens
from .current import plan_in_force, plans_in_force
from .forms import (
    ActionStatusForm,
    HouseholdLookupForm,
    OpenCaseForm,
    PlanAgreeForm,
    ReassignForm,
    ResumeForm,
    TeamForm,
    TransitionForm,
)
from .models import (
    ATTAINMENT_LABELS,
    OPEN_STATUSES,
    TRANSITIONS,
    Case,
    CaseStatus,
    CaseTeamMember,
    PlanStatus,
)
from .policy import active_consents, get_case_for, visible_cases, why_visible
from .view_helpers import (
    audit_case_read,
    household_members,
    may_coordinate,
    require_coordinator,
    staff_of,
    to_detail,
)

# ---- list and dashboard --------------------------------------------------------------------------

CASE_PAGE_SIZE = 50
SCOPES = [("mine", "束ね役として担当"), ("org", "自機関がチームにいるケース"), ("all", "閲覧できるすべて")]


@login_required
@permission("cases.use")
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
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
    staff = staff_of(request)
    # The soonest items only, the rest counted in SQL; the audit row names the cases shown.
    lists = due.due_for(staff, timezone.localdate(), limit=due.DASHBOARD_LIMIT)
    if lists:
        audit.record(
            actor=staff,
            action="list",
            objects=lists.audit_objects(),
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
    members_qs = household_members(household)
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
                return to_detail(case)
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
    staff = staff_of(request)
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
    staff = staff_of(request)
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
            return to_detail(existing)
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
    staff = staff_of(request)
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
    is_coord = may_coordinate(staff)
    head = get_household_heads(staff, [case.household_id]).get(case.household_id)
    shown = [p.pk for p in persons] + ([head.pk] if head and head not in persons else [])
    audit_case_read(
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
    staff = staff_of(request)
    case = get_case_for(staff, case_id)
    require_coordinator(staff)
    form = TransitionForm(request.POST)
    if not form.is_valid() or form.cleaned_data["to"] not in CaseStatus.values:
        messages.error(request, "進める先の状態を選んでください。")
        return to_detail(case)
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
    return to_detail(case)


@login_required
@permission("cases.coordinate")
@require_POST
def resume(request: HttpRequest, case_id: int) -> HttpResponse:
    staff = staff_of(request)
    case = get_case_for(staff, case_id)
    require_coordinator(staff)
    form = ResumeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "画面を開き直してから、もう一度操作してください。")
        return to_detail(case)
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
    return to_detail(case)


@login_required
@permission("cases.coordinate")
@require_POST
def team(request: HttpRequest, case_id: int) -> HttpResponse:
    staff = staff_of(request)
    case = get_case_for(staff, case_id)
    require_coordinator(staff)
    form = TeamForm(request.POST, municipality=case.municipality)
    if not form.is_valid():
        messages.error(request, "機関と役割を選んでください。")
        return to_detail(case, "team")
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
    return to_detail(case, "team")


# ---- coordinator hand-over -----------------------------------------------------------------------


@login_required
@permission("cases.coordinate")
@login_required
@permission("cases.coordinate")
@require_POST
def reassign(request: HttpRequest, case_id: int) -> HttpResponse:
    """Hand the case over to another 束ね役."""
    staff = staff_of(request)
    case = get_case_for(staff, case_id)
    require_coordinator(staff)
    form = ReassignForm(request.POST, municipality=case.municipality)
    if not form.is_valid():
        messages.error(
            request,
            "束ね役を交代できませんでした: " + " ".join(str(e) for es in form.errors.values() for e in es),
        )
        return to_detail(case)
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
    return to_detail(case)
