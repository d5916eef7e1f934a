"""Invitation screens the actions already supported: inviting someone for one agenda item only (a staff
member, or an individual by post such as a 主治医), and recording an invited individual's signed 守秘義務
(they have no account, so the secretariat records the signed form they handed in).

Items come through `policy.get_item_for`, invitations through the meetings the reader may see, and an
item-scoped invitation only when its item is visible too (404 for missing and forbidden alike).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from tsunagu.access import audit
from tsunagu.access.permissions import permission
from tsunagu.access.scope import get_for
from tsunagu.accounts.models import Staff

from . import actions
from .material_forms import GuestAcknowledgementForm, ItemInviteForm
from .models import DUTY_FUNCTIONS, Invitation, Meeting
from .policy import get_item_for, get_meeting_for, visible_items, visible_meetings
from .views import _staff


def _city_staff(staff: Staff) -> QuerySet[Staff]:
    return (
        Staff.objects.filter(municipality=staff.municipality, is_active=True)
        .select_related("organization")
        .order_by("organization__name", "display_name", "pk")
    )


@login_required
@permission("meetings.coordinate")
@require_http_methods(["GET", "POST"])
def item_invitations(request: HttpRequest, item_id: int) -> HttpResponse:
    """この議題だけの招待: who is invited for this case only, and inviting one more (the item's 束ね役)."""
    staff = _staff(request)
    item = get_item_for(staff, item_id)
    if item.case.coordinator_id != staff.pk:
        raise PermissionDenied
    form = ItemInviteForm(request.POST if request.method == "POST" else None, staff=_city_staff(staff))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.invite(
                actor=staff,
                meeting=item.meeting,
                item=item,
                staff=d["staff"],
                guest_post=d["guest_post"],
                guest_name=d["guest_name"],
            )
        except actions.MeetingError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, "この議題に招待しました。")
            return redirect("meetings:item_invitations", item_id=item.pk)
    actions.record_disclosure(actor=staff, item=item, request=request)
    return render(
        request,
        "meetings/item_invitations.html",
        {
            "item": item,
            "meeting": item.meeting,
            "form": form,
            "invitations": list(item.invitations.select_related("staff__organization")),
            "needs_ack": item.legal_function in DUTY_FUNCTIONS,
        },
    )


def _guest_invitations(staff: Staff, meeting_id: object) -> tuple[Meeting, list[dict[str, Any]]]:
    meeting = get_meeting_for(staff, meeting_id)
    seen = {i.pk: i for i in visible_items(staff).filter(meeting=meeting)}
    rows = []
    for inv in meeting.invitations.filter(guest_post__gt="").order_by("pk"):
        if inv.item_id is not None and inv.item_id not in seen:
            continue  # invited for a case the reader may not see: not even that the invitation exists
        rows.append({"inv": inv, "item": seen.get(inv.item_id) if inv.item_id else None})
    return meeting, rows


@login_required
@permission("meetings.coordinate")
@require_http_methods(["GET"])
def guests(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """招待した個人の守秘義務: each invited individual, and whether their signed form was recorded."""
    staff = _staff(request)
    meeting, rows = _guest_invitations(staff, meeting_id)
    audit.record(
        actor=staff,
        action="view",
        request=request,
        objects=[("meeting", meeting.pk), *[("invitation", r["inv"].pk) for r in rows]],
    )
    return render(
        request,
        "meetings/guests.html",
        {"meeting": meeting, "rows": rows, "form": GuestAcknowledgementForm()},
    )


@login_required
@permission("meetings.coordinate")
@require_POST
def guest_acknowledgement(request: HttpRequest, invitation_id: int) -> HttpResponse:
    staff = _staff(request)
    invitation = get_for(
        Invitation.objects.filter(meeting__in=visible_meetings(staff), guest_post__gt="").select_related(
            "meeting__body"
        ),
        invitation_id,
    )
    if invitation.item_id is not None and not visible_items(staff).filter(pk=invitation.item_id).exists():
        raise Http404
    form = GuestAcknowledgementForm(request.POST)
    if form.is_valid():
        try:
            actions.record_guest_acknowledgement(actor=staff, invitation=invitation)
        except actions.MeetingError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, f"{invitation.label()}さんの守秘義務の確認を記録しました。")
    else:
        messages.error(request, "署名済みの確認書を受け取ったことをチェックしてください。")
    return redirect("meetings:guests", meeting_id=invitation.meeting_id)
