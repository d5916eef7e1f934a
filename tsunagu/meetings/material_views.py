"""Materials screens (issue 11 part 5): the sitting's materials (who owes which part by when, overdue
shown), asking agencies for their parts, an agency filling its own part, the parts one's organization
owes, and the packet — one's own copy, or numbered copies for chosen recipients.

Items come through `policy` (404 for missing and forbidden alike); every page showing an item's case is
audited with its legal basis; every write is one action of `materials`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.access import audit
from tsunagu.access.permissions import has_permission, permission
from tsunagu.directory.models import Organization

from . import follow_ups, materials
from .actions import MeetingError, record_disclosure
from .material_forms import PartForm, RecipientsForm, RequestPartsForm
from .models import AgendaItem, Meeting
from .packet_pdf import packet_recipients, print_copies, print_own_copy
from .policy import get_item_for, get_meeting_for, visible_items
from .views import _staff


def _pdf(pdf: bytes, name: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _items(staff: object, meeting: Meeting) -> list[AgendaItem]:
    return list(visible_items(staff).filter(meeting=meeting).order_by("sort_order", "pk"))  # type: ignore[arg-type]


def _request_form(item: AgendaItem, data: object = None) -> RequestPartsForm:
    return RequestPartsForm(
        data,  # type: ignore[arg-type]
        prefix=f"req{item.pk}",
        organizations=Organization.objects.filter(pk__in=item.organizations.values("pk")),
    )


@login_required
@permission("meetings.use")
@require_GET
def meeting_materials(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """会議資料の準備: per item the agencies' parts with due dates (overdue and missing marked)."""
    staff = _staff(request)
    meeting = get_meeting_for(staff, meeting_id)
    items = _items(staff, meeting)
    parts = materials.parts_of(items)
    today = timezone.localdate()
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
    rows = [
        {
            "item": i,
            "parts": [
                {
                    "part": p,
                    "overdue": p.is_overdue(today),
                    "mine": p.organization_id == staff.organization_id,
                }
                for p in parts[i.pk]
            ],
            "request_form": _request_form(i)
            if i.case.coordinator_id == staff.pk and has_permission(staff, "meetings.coordinate")
            else None,
        }
        for i in items
    ]
    return render(
        request,
        "meetings/materials.html",
        {
            "meeting": meeting,
            "rows": rows,
            "missing": sum(1 for ps in parts.values() for p in ps if p.submitted_at is None),
            "coordinates": has_permission(staff, "meetings.coordinate"),
        },
    )


@login_required
@permission("meetings.coordinate")
@require_POST
def request_parts(request: HttpRequest, item_id: int) -> HttpResponse:
    staff = _staff(request)
    item = get_item_for(staff, item_id)
    if item.case.coordinator_id != staff.pk:
        raise PermissionDenied
    form = _request_form(item, request.POST)
    if form.is_valid():
        try:
            made = materials.request_parts(
                actor=staff,
                item=item,
                organizations=list(form.cleaned_data["organizations"]),
                due_on=form.cleaned_data["due_on"],
            )
        except MeetingError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, f"{len(made)}機関に記入を依頼しました。")
    else:
        messages.error(
            request,
            "依頼する機関と提出期限を正しく入力してください。"
            + " ".join(str(e) for errs in form.errors.values() for e in errs),
        )
    return redirect("meetings:materials", meeting_id=item.meeting_id)


@login_required
@permission("meetings.use")
@require_http_methods(["GET", "POST"])
def fill_part(request: HttpRequest, part_id: int) -> HttpResponse:
    """An agency fills its own part (its organization's only; the item under its gate)."""
    staff = _staff(request)
    part = materials.get_part_to_fill(staff, part_id)
    item = part.item
    initial = {
        "situation": part.situation,
        "done": part.done,
        "question": part.question,
        "version": part.version,
    }
    form = PartForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            materials.submit_part(
                actor=staff,
                part=part,
                version=d["version"],
                situation=d["situation"],
                done=d["done"],
                question=d["question"],
            )
        except MeetingError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, "記入を提出しました。")
            return redirect("meetings:materials", meeting_id=item.meeting_id)
    if form.errors.get("version"):
        form.add_error(None, "画面を開き直してから操作してください。")
    record_disclosure(actor=staff, item=item, request=request)
    return render(
        request,
        "meetings/part_form.html",
        {"part": part, "item": item, "meeting": item.meeting, "form": form, "overdue": part.is_overdue()},
    )


@login_required
@permission("meetings.use")
@require_GET
def todo(request: HttpRequest) -> HttpResponse:
    """会議の宿題: decisions' follow-ups one's organization (or one as 束ね役) owes, and parts of coming
    materials one's organization owes — soonest first, overdue marked."""
    staff = _staff(request)
    today = timezone.localdate()
    decisions = list(follow_ups.open_follow_ups(staff))
    parts = list(materials.owed_parts(staff))
    audit.record(
        actor=staff,
        action="list",
        request=request,
        objects=[
            *[("decision", d.pk) for d in decisions],
            *[("agency_part", p.pk) for p in parts],
            *[
                ("case", c)
                for c in sorted({d.item.case_id for d in decisions} | {p.item.case_id for p in parts})
            ],
        ],
    )
    return render(
        request,
        "meetings/todo.html",
        {
            "decisions": [
                {"d": d, "overdue": d.follow_up_on is not None and d.follow_up_on < today} for d in decisions
            ],
            "rows": [{"part": p, "overdue": p.is_overdue(today)} for p in parts],
        },
    )


@login_required
@permission("meetings.use")
@require_POST
def follow_up_done(request: HttpRequest, decision_id: int) -> HttpResponse:
    staff = _staff(request)
    decision = follow_ups.get_follow_up_for(staff, decision_id)
    try:
        follow_ups.complete_follow_up(actor=staff, decision=decision)
    except MeetingError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "対応済みにしました。")
    return redirect("meetings:todo")


@login_required
@permission("meetings.use")
@require_GET
def packet_pdf(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The reader's own copy of the packet: the items they may see, named to them."""
    staff = _staff(request)
    meeting = get_meeting_for(staff, meeting_id)
    pdf = print_own_copy(staff=staff, meeting=meeting, items=_items(staff, meeting), request=request)
    return _pdf(pdf, f"packet-{meeting.pk}.pdf")


@login_required
@permission("meetings.coordinate")
@require_http_methods(["GET", "POST"])
def packet_copies(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """配付用の資料: numbered copies for the chosen recipients, each with only what they may see (and only
    items the printer may see)."""
    staff = _staff(request)
    meeting = get_meeting_for(staff, meeting_id)
    items = _items(staff, meeting)
    candidates = packet_recipients(meeting, items, timezone.now())
    by_key = {r.key: r for r in candidates}
    form = RecipientsForm(
        request.POST if request.method == "POST" else None,
        choices=[(r.key, f"{r.organization} {r.name}".strip()) for r in candidates],
        initial={"recipients": list(by_key)},
    )
    if request.method == "POST" and form.is_valid():
        chosen = [by_key[k] for k in by_key if k in set(form.cleaned_data["recipients"])]
        pdf = print_copies(printer=staff, meeting=meeting, recipients=chosen, request=request)
        return _pdf(pdf, f"packet-{meeting.pk}-copies.pdf")
    audit.record(actor=staff, action="view", request=request, objects=[("meeting", meeting.pk)])
    return render(
        request,
        "meetings/packet_copies.html",
        {"meeting": meeting, "form": form, "candidates": candidates, "items": items},
    )
