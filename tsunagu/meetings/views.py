"""Meeting screens: generating and calling sittings, meeting page (invitations, attendance, agenda),
守秘義務 acknowledgement, agenda item (review and decisions), minutes, and the .ics file. The calendar
is calendar_views.py.

Meetings are fetched through `policy.get_meeting_for`, items through `policy.get_item_for` (404 for
missing and forbidden alike); every showing of an item's case is audited with its legal basis; every
write is one action of `actions` / `decisions`. The body's own name is used everywhere.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.access import audit
from tsunagu.access.permissions import has_permission, permission
from tsunagu.access.tenancy import current_municipality
from tsunagu.accounts.models import Staff
from tsunagu.cases.policy import visible_cases
from tsunagu.directory.models import MeetingBody, Organization

from . import actions, decision_plan, decisions
from .forms import (
    AcknowledgeForm,
    AttendanceForm,
    CalendarForm,
    CallForm,
    DecisionForm,
    InviteForm,
    ItemForm,
    ReviewForm,
    VersionForm,
)
from .ics import meeting_ics
from .minutes_pdf import print_minutes
from .models import DUTY_FUNCTIONS, AgendaItem, MeetingStatus
from .policy import (
    acknowledged_at,
    get_item_for,
    get_meeting_for,
    is_invited,
    visible_items,
)

DUTY_TEXT = (
    "社会福祉法第106条の6第5項により、支援会議の事務に従事する者又は従事していた者は、正当な理由がなく、"
    "支援会議の事務に関して知り得た秘密を漏らしてはなりません（違反には同法の罰則があります）。"
)


def _staff(request: HttpRequest) -> Staff:
    staff = request.user
    assert isinstance(staff, Staff)
    current_municipality(request)
    return staff


def _bodies(staff: Staff) -> QuerySet[MeetingBody]:
    return MeetingBody.objects.filter(municipality=staff.municipality, active=True)


def _orgs(staff: Staff) -> QuerySet[Organization]:
    return Organization.objects.filter(municipality=staff.municipality, active=True)


def _coordinates(staff: Staff) -> bool:
    return has_permission(staff, "meetings.coordinate")


@login_required
@permission("meetings.coordinate")
@require_POST
def generate(request: HttpRequest) -> HttpResponse:
    staff = _staff(request)
    form = CalendarForm(request.POST, bodies=_bodies(staff))
    if form.is_valid():
        try:
            made = actions.generate_calendar(
                actor=staff, body=form.cleaned_data["body"], year=form.cleaned_data["year"]
            )
        except actions.MeetingError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, f"{form.cleaned_data['body'].name}の予定を{len(made)}件作りました。")
    else:
        messages.error(request, "会議体と年度を正しく選んでください。")
    return redirect("meetings:calendar")


@login_required
@permission("meetings.call")
@require_http_methods(["GET", "POST"])
def call(request: HttpRequest) -> HttpResponse:
    """随時・緊急の会議を招集する (by the roles each body's profile allows)."""
    staff = _staff(request)
    callable_bodies = _bodies(staff)
    form = CallForm(request.POST if request.method == "POST" else None, bodies=callable_bodies)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            m = actions.call_meeting(
                actor=staff,
                body=d["body"],
                kind=d["kind"],
                starts_at=d["starts_at"],
                minutes=d["minutes"],
                reason=d["reason"],
                place=d["place"],
            )
        except actions.MeetingError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, f"{m.title()}を招集しました。")
            return redirect("meetings:detail", meeting_id=m.pk)
    return render(request, "meetings/call.html", {"form": form})


@login_required
@permission("meetings.use")
@require_GET
def detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The meeting page: when, where, who is invited, and only the items this reader may see."""
    staff = _staff(request)
    meeting = get_meeting_for(staff, meeting_id)
    items = [i for i in visible_items(staff).filter(meeting=meeting).order_by("sort_order", "pk")]
    coordinates = _coordinates(staff)
    invited = is_invited(staff, meeting)
    audit.record(
        actor=staff,
        action="view",
        request=request,
        objects=[
            ("meeting", meeting.pk),
            *[("agenda_item", i.pk) for i in items],
            *[("case", i.case_id) for i in items],
        ],
        reason="、".join(sorted({i.legal_basis() for i in items})),
    )
    invitations = list(meeting.invitations.select_related("organization", "staff", "item"))
    ctx = {
        "meeting": meeting,
        "items": items,
        "invitations": invitations,
        "coordinates": coordinates,
        "acknowledged": acknowledged_at(staff, meeting),
        "invited": invited,
        "needs_ack": meeting.body.may_discuss_without_consent()
        or bool(set(meeting.body.legal_functions) & DUTY_FUNCTIONS),
        "invite_form": InviteForm(organizations=_orgs(staff)) if coordinates else None,
        "attendance_form": AttendanceForm(
            initial={"version": meeting.version, "present": [str(i.pk) for i in invitations if i.attended]},
            invitations=[(i.pk, i.label()) for i in invitations],
        )
        if coordinates
        else None,
    }
    return render(request, "meetings/detail.html", ctx)


@login_required
@permission("meetings.use")
@require_GET
def ics(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """An iCalendar file for the invitee's own calendar (the body, the time and the place: no case)."""
    staff = _staff(request)
    meeting = get_meeting_for(staff, meeting_id)
    audit.record(
        actor=staff, action="export", channel="export", request=request, objects=[("meeting", meeting.pk)]
    )
    response = HttpResponse(
        meeting_ics(meeting, request.get_host()), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


@login_required
@permission("meetings.use")
@require_http_methods(["GET", "POST"])
def acknowledge(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """守秘義務の確認: before anything of a 支援会議 item is shown."""
    staff = _staff(request)
    meeting = get_meeting_for(staff, meeting_id)
    form = AcknowledgeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.acknowledge_duty(actor=staff, meeting=meeting)
        except actions.MeetingError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, "守秘義務を確認しました。")
            return redirect("meetings:detail", meeting_id=meeting.pk)
    return render(
        request,
        "meetings/acknowledge.html",
        {
            "meeting": meeting,
            "form": form,
            "duty_text": DUTY_TEXT,
            "acknowledged": acknowledged_at(staff, meeting),
            "invited": is_invited(staff, meeting),
        },
    )


@login_required
@permission("meetings.coordinate")
@require_POST
def invite(request: HttpRequest, meeting_id: int) -> HttpResponse:
    staff = _staff(request)
    meeting = get_meeting_for(staff, meeting_id)
    form = InviteForm(request.POST, organizations=_orgs(staff))
    if form.is_valid():
        d = form.cleaned_data
        try:
            actions.invite(
                actor=staff,
                meeting=meeting,
                organization=d["organization"],
                guest_post=d["guest_post"],
                guest_name=d["guest_name"],
            )
        except actions.MeetingError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, "招待しました。")
    else:
        messages.error(request, "招待する機関または個人を正しく入力してください。")
    return redirect("meetings:detail", meeting_id=meeting.pk)


@login_required
@permission("meetings.coordinate")
@require_POST
def attendance(request: HttpRequest, meeting_id: int) -> HttpResponse:
    staff = _staff(request)
    meeting = get_meeting_for(staff, meeting_id)
    invitations = [(i.pk, i.label()) for i in meeting.invitations.all()]
    form = AttendanceForm(request.POST, invitations=invitations)
    if form.is_valid():
        try:
            actions.record_attendance(
                actor=staff,
                meeting=meeting,
                version=form.cleaned_data["version"],
                present=[int(p) for p in form.cleaned_data["present"]],
            )
        except actions.MeetingError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, "出欠を記録しました。")
    else:
        messages.error(request, "出欠を正しく選んでください。")
    return redirect("meetings:detail", meeting_id=meeting.pk)


@login_required
@permission("meetings.coordinate")
@require_http_methods(["GET", "POST"])
def item_new(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """議題を加える: a case the coordinator may open, under one of the body's legal functions."""
    staff = _staff(request)
    meeting = get_meeting_for(staff, meeting_id)
    body = meeting.body
    form = ItemForm(
        request.POST if request.method == "POST" else None,
        cases=visible_cases(staff).filter(coordinator=staff),
        functions=actions.item_functions(body),
        organizations=Organization.objects.filter(
            pk__in=[o.pk for o in actions.eligible_organizations(body)]
        ),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            item = actions.place_item(
                actor=staff,
                meeting=meeting,
                case=d["case"],
                purpose=d["purpose"],
                minutes=d["minutes"],
                function=d["function"],
                organizations=list(d["organizations"]),
                question=d["question"],
            )
        except actions.MeetingError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, "議題に加えました。")
            return redirect("meetings:item", item_id=item.pk)
    return render(request, "meetings/item_form.html", {"meeting": meeting, "form": form})


def _decision_form(
    staff: Staff, item: AgendaItem, data: object = None, initial: dict[str, object] | None = None
) -> DecisionForm:
    """The decision form, its choices limited to the city's rows and the case's newest plan."""
    plan = decision_plan.plan_to_change(item)
    return DecisionForm(
        data,  # type: ignore[arg-type]
        prefix="decision",
        initial=initial,
        bodies=_bodies(staff).exclude(pk=item.meeting.body_id),
        organizations=_orgs(staff),
        plan_actions=plan.actions.select_related("organization") if plan else None,
        plan_goals=plan.goals.all() if plan else None,
    )


def _item_context(staff: Staff, item: AgendaItem) -> dict[str, object]:
    coordinates = _coordinates(staff) and item.case.coordinator_id == staff.pk
    to_review = decisions.actions_to_review(item)
    ctx: dict[str, object] = {
        "item": item,
        "meeting": item.meeting,
        "case": item.case,
        "coordinates": coordinates,
        "to_review": to_review,
        "reviews": list(item.reviews.select_related("action__organization")),
        "decisions": list(item.decisions.select_related("to_body", "responsible")),
        "organizations": list(item.organizations.all()),
        "follow_up_until": item.meeting.follow_up_until() if item.needs_acknowledgement() else None,
        "default_monitoring": decisions.default_next_monitoring(item),
        "default_closure_review": decisions.default_closure_review(item),
        "plan": decision_plan.plan_to_change(item),
    }
    if coordinates:
        from tsunagu.cases.models import PlanAction

        ctx["review_form"] = ReviewForm(
            prefix="review", actions=PlanAction.objects.filter(pk__in=[a.pk for a in to_review])
        )
        plan = decision_plan.plan_to_change(item)
        ctx["decision_form"] = _decision_form(
            staff,
            item,
            initial={
                "kind": "plan_agreed" if item.legal_function == "consented_conference" else "monitoring",
                "plan_id": plan.pk if plan else None,
                "plan_edit_version": plan.edit_version if plan else None,
                "submission_token": uuid.uuid4(),
                "closure_review_on": ctx["default_closure_review"],
            },
        )
        ctx["version_form"] = VersionForm(initial={"version": item.version})
    return ctx


@login_required
@permission("meetings.use")
@require_GET
def item(request: HttpRequest, item_id: int) -> HttpResponse:
    staff = _staff(request)
    agenda_item = get_item_for(staff, item_id)
    actions.record_disclosure(actor=staff, item=agenda_item, request=request)
    return render(request, "meetings/item.html", _item_context(staff, agenda_item))


def _coordinator_item(staff: Staff, item_id: int) -> AgendaItem:
    agenda_item = get_item_for(staff, item_id)
    if agenda_item.case.coordinator_id != staff.pk:
        raise PermissionDenied
    return agenda_item


@login_required
@permission("meetings.coordinate")
@require_POST
def review(request: HttpRequest, item_id: int) -> HttpResponse:
    staff = _staff(request)
    agenda_item = _coordinator_item(staff, item_id)
    from tsunagu.cases.models import PlanAction

    pks = [a.pk for a in decisions.actions_to_review(agenda_item)]
    form = ReviewForm(request.POST, prefix="review", actions=PlanAction.objects.filter(pk__in=pks))
    if form.is_valid():
        d = form.cleaned_data
        try:
            decisions.record_review(
                actor=staff, item=agenda_item, action=d["action"], outcome=d["outcome"], note=d["note"]
            )
        except actions.MeetingError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, "振り返りを記録しました。")
    else:
        messages.error(request, "振り返る支援内容と結果を選んでください。")
    return redirect("meetings:item", item_id=agenda_item.pk)


@login_required
@permission("meetings.coordinate")
@require_POST
def decide(request: HttpRequest, item_id: int) -> HttpResponse:
    staff = _staff(request)
    agenda_item = _coordinator_item(staff, item_id)
    form = _decision_form(staff, agenda_item, data=request.POST)
    if form.is_valid():
        d = form.cleaned_data
        change = decision_plan.PlanChange(
            plan_id=d["plan_id"],
            edit_version=d["plan_edit_version"],
            description=d["action_description"],
            action_id=d["plan_action"].pk if d["plan_action"] else None,
            goal_id=d["goal"].pk if d["goal"] else None,
            goal_text=d["goal_text"],
            approve=d["approve"],
        )
        try:
            decisions.decide(
                actor=staff,
                item=agenda_item,
                kind=d["kind"],
                note=d["note"],
                next_monitoring_on=d["next_monitoring_on"],
                to_body=d["to_body"],
                to_function=d["to_function"],
                responsible=d["responsible"],
                follow_up_on=d["follow_up_on"],
                closure_review_on=d["closure_review_on"],
                goal_attainment=d["goal_attainment"],
                main_agency_after_closure=d["main_agency"],
                plan_change=change,
                submission_token=d["submission_token"],
            )
        except actions.MeetingError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, "決定を記録しました。")
    else:
        messages.error(
            request,
            "決定の内容を正しく入力してください。"
            + " ".join(str(e) for errs in form.errors.values() for e in errs),
        )
    return redirect("meetings:item", item_id=agenda_item.pk)


@login_required
@permission("meetings.coordinate")
@require_POST
def discussed(request: HttpRequest, item_id: int) -> HttpResponse:
    staff = _staff(request)
    agenda_item = _coordinator_item(staff, item_id)
    form = VersionForm(request.POST)
    if form.is_valid():
        try:
            actions.mark_discussed(actor=staff, item=agenda_item, version=form.cleaned_data["version"])
        except actions.MeetingError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, "協議済みにしました。")
    else:
        messages.error(request, "画面を開き直してから操作してください。")
    return redirect("meetings:item", item_id=agenda_item.pk)


@login_required
@permission("meetings.use")
@require_GET
def minutes(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """議事録: attendance, then per item the review of last actions and the decisions (only items the reader
    may see)."""
    staff = _staff(request)
    meeting = get_meeting_for(staff, meeting_id)
    items = list(
        visible_items(staff)
        .filter(meeting=meeting)
        .prefetch_related(
            "reviews__action__organization", "decisions__to_body", "decisions__responsible", "decisions__plan"
        )
    )
    for i in items:
        actions.record_disclosure(actor=staff, item=i, request=request)
    return render(
        request,
        "meetings/minutes.html",
        {
            "meeting": meeting,
            "items": items,
            "invitations": list(meeting.invitations.all()),
            "held": meeting.status == MeetingStatus.HELD,
        },
    )


@login_required
@permission("meetings.use")
@require_GET
def minutes_pdf(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """議事録 PDF: the items this reader may see, named to them, 回収 notice when a 支援会議 item is in it."""
    staff = _staff(request)
    meeting = get_meeting_for(staff, meeting_id)
    items = list(visible_items(staff).filter(meeting=meeting).order_by("sort_order", "pk"))
    pdf = print_minutes(staff=staff, meeting=meeting, items=items, request=request)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="minutes-{meeting.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
