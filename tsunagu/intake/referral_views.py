"""Referral screens (つなぎ): 「受けたつなぎ」「送ったつなぎ」 lists, one referral, sending, and each step.

Thin: reads go through `referral_policy` (404 for missing and forbidden alike), writes through
`referrals`; every response that shows personal data writes its audit row first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.access import audit
from tsunagu.access.permissions import permission
from tsunagu.access.tenancy import current_municipality
from tsunagu.accounts.models import Staff
from tsunagu.core.numbers import parse_id
from tsunagu.directory.models import Window
from tsunagu.people import policy as people_policy

from . import policy as intake_policy
from . import referral_policy as policy
from . import referrals as actions
from .models import Consultation
from .referral_forms import (
    AcceptForm,
    ConsentForm,
    DueForm,
    FirstContactForm,
    ListFilterForm,
    ReturnForm,
    SendReferralForm,
    VersionForm,
    WithdrawForm,
)
from .referral_models import OPEN_REFERRAL_STATUSES, Referral, ReferralStatus

PAGE_SIZE = 50
RECEIVED, SENT = "received", "sent"
TABS = (("open", "進行中"), ("overdue", "うち期限切れ"), ("closed", "完了"), ("ended", "差し戻し・取り下げ"))


def _staff(request: HttpRequest) -> Staff:
    staff = request.user
    assert isinstance(staff, Staff)
    current_municipality(request)
    if not people_policy.may_take_consultations(staff):
        raise PermissionDenied
    return staff


@dataclass
class Row:
    referral: Referral
    content: bool  # may the viewer read who it is about and why
    overdue_days: int


def _filtered(qs: QuerySet[Referral], view: str, today: dt.date) -> QuerySet[Referral]:
    if view == "overdue":
        return qs.filter(status__in=OPEN_REFERRAL_STATUSES, due_on__lt=today).order_by(
            "due_on", "sent_at", "pk"
        )
    if view == "closed":
        return qs.filter(status=ReferralStatus.CLOSED).order_by("-closed_at", "-pk")
    if view == "ended":
        return qs.filter(status__in=(ReferralStatus.RETURNED, ReferralStatus.WITHDRAWN)).order_by(
            "-updated_at", "-pk"
        )
    return qs.filter(status__in=OPEN_REFERRAL_STATUSES).order_by("due_on", "sent_at", "pk")


def _list(request: HttpRequest, side: str) -> HttpResponse:
    staff = _staff(request)
    form = ListFilterForm(request.GET)
    valid = form.is_valid()
    view = (form.cleaned_data.get("view") if valid else "") or "open"
    page_number = (form.cleaned_data.get("page") if valid else None) or 1
    base = policy.received_referrals(staff) if side == RECEIVED else policy.sent_referrals(staff)
    today = timezone.localdate()
    counts = {key: _filtered(base, key, today).count() for key, _label in TABS}
    qs = _filtered(base, view, today).select_related(
        "person",
        "from_organization",
        "from_window",
        "to_organization",
        "to_window",
        "sent_by",
        "responded_by",
    )
    page = Paginator(qs, PAGE_SIZE).get_page(page_number)
    rows = [Row(r, policy.may_read_content(staff, r), r.overdue_days(today)) for r in page.object_list]
    if rows:
        objects: list[tuple[str, int]] = [("referral", row.referral.pk) for row in rows]
        for row in rows:
            if row.content:
                objects += [("person", row.referral.person_id), ("household", row.referral.household_id)]
        audit.record(
            actor=staff,
            action="list",
            channel="view",
            objects=objects,
            detail={"kind": f"referrals_{side}"},
            request=request,
        )
    return render(
        request,
        "intake/referrals.html",
        {
            "side": side,
            "rows": rows,
            "page": page,
            "view": view,
            "tabs": [(key, label, counts[key]) for key, label in TABS],
            "today": today,
        },
    )


@login_required
@permission("intake.use")
@require_GET
def received_list(request: HttpRequest) -> HttpResponse:
    """受けたつなぎ: referrals addressed to the staff member's organization."""
    return _list(request, RECEIVED)


@login_required
@permission("intake.use")
@require_GET
def sent_list(request: HttpRequest) -> HttpResponse:
    """送ったつなぎ: referrals the staff member's organization sent."""
    return _list(request, SENT)


def _contact_window(referral: Referral) -> Window | None:
    """How the receiver reaches the sender: the sending window, else the organization's first window."""
    if referral.from_window is not None:
        return referral.from_window
    return (
        Window.objects.filter(organization_id=referral.from_organization_id, active=True)
        .order_by("sort_order", "pk")
        .first()
    )


@login_required
@permission("intake.use")
@require_GET
def detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    staff = _staff(request)
    referral = policy.get_referral_for(staff, referral_id)
    content = policy.may_read_content(staff, referral)
    sender, receiver = policy.is_sender(staff, referral), policy.is_receiver(staff, referral)
    consultation: Consultation | None = None
    if content and referral.consultation_id:
        consultation = (
            intake_policy.visible_consultations(staff)
            .filter(pk=referral.consultation_id)
            .select_related("window", "organization")
            .prefetch_related("concerns")
            .first()
        )
    events = list(referral.events.select_related("by", "organization"))
    own_org = staff.organization_id
    objects: list[tuple[str, int]] = [("referral", referral.pk)]
    if content:
        objects += [("person", referral.person_id), ("household", referral.household_id)]
    if consultation is not None:
        objects.append(("consultation", consultation.pk))
    audit.record(actor=staff, action="view", channel="view", objects=objects, request=request)
    is_open = referral.status in OPEN_REFERRAL_STATUSES
    version = {"version": referral.version}
    return render(
        request,
        "intake/referral_detail.html",
        {
            "r": referral,
            "content": content,
            "sender": sender,
            "receiver": receiver,
            "consultation": consultation,
            "contact_window": _contact_window(referral),
            # Without consent the receiver reads only the notes its own organization wrote.
            "events": [(e, content or e.organization_id == own_org) for e in events],
            "overdue_days": referral.overdue_days(),
            "is_open": is_open,
            "can_receive": receiver and referral.status == ReferralStatus.SENT,
            "can_accept": receiver and referral.status in (ReferralStatus.SENT, ReferralStatus.RECEIVED),
            "can_contact": receiver and is_open,
            "can_withdraw": sender and is_open,
            "can_consent": sender and referral.status != ReferralStatus.WITHDRAWN,
            "can_change_due": (sender or receiver) and is_open,
            "due_form": DueForm(initial=version),
            "receive_form": VersionForm(initial=version),
            "accept_form": AcceptForm(initial=version),
            "return_form": ReturnForm(initial=version),
            "contact_form": FirstContactForm(initial=version),
            "withdraw_form": WithdrawForm(initial=version),
            "consent_form": ConsentForm(
                initial={**version, "consent": referral.consent, "consent_note": referral.consent_note}
            ),
        },
    )


@login_required
@permission("intake.use")
@require_http_methods(["GET", "POST"])
def send(request: HttpRequest, household_id: int) -> HttpResponse:
    """Send a referral for a member of this household (from the household page or a consultation)."""
    staff = _staff(request)
    household = people_policy.get_household_for(staff, household_id)
    organization = staff.organization
    assert organization is not None  # casework staff have one (people policy)
    source = request.POST if request.method == "POST" else request.GET
    consultation = None
    consultation_id = parse_id(source.get("consultation", ""))
    if consultation_id is not None:
        consultation = (
            intake_policy.visible_consultations(staff)
            .filter(pk=consultation_id, household=household, organization_id=organization.pk)
            .select_related("window")
            .first()
        )
    initial: dict[str, Any] = {}
    if consultation is not None:
        initial = {"consultation": consultation.pk, "person": consultation.person_id}
    form = SendReferralForm(
        request.POST if request.method == "POST" else None,
        household=household,
        organization=organization,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        own_window = (
            consultation.window
            if consultation is not None and consultation.window.organization_id == organization.pk
            else Window.objects.filter(organization_id=organization.pk, active=True)
            .order_by("sort_order", "pk")
            .first()
        )
        data = actions.ReferralInput(
            person=d["person"],
            household=household,
            to_organization=d["to_organization"],
            to_window=d["to_window"],
            reason=d["reason"],
            consent=d["consent"],
            consent_note=d["consent_note"],
            contact_by=d["contact_by"],
            due_on=d["due_on"],
            submission_token=d["submission_token"],
            from_window=own_window,
            consultation=consultation,
        )
        try:
            referral, created = actions.send_referral(actor=staff, data=data)
        except actions.ReferralError as exc:
            form.add_error(None, str(exc))
        else:
            if created:
                messages.success(request, f"つなぎ No.{referral.number} を送りました。")
            else:
                messages.info(
                    request,
                    "同じ本人の、同じつなぎ先への進行中のつなぎがあります。そのつなぎを表示しています。",
                )
            return redirect("intake:referral", referral_id=referral.pk)
    members = list(form.fields["person"].queryset)  # type: ignore[attr-defined]
    audit.record(
        actor=staff,
        action="view",
        channel="view",
        objects=[("household", household.pk), *[("person", p.pk) for p in members]],
        detail={"kind": "referral_form"},
        request=request,
    )
    return render(request, "intake/referral_send.html", {"form": form, "household": household})


# ---- the steps -----------------------------------------------------------------------------------


def _step(
    request: HttpRequest, referral_id: int, form_class: type[Form], act: Any, done: str
) -> HttpResponse:
    staff = _staff(request)
    referral = policy.get_referral_for(staff, referral_id)
    form = form_class(request.POST)
    back = reverse("intake:referral", kwargs={"referral_id": referral.pk})
    if not form.is_valid():
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        messages.error(request, errors[0] if errors else "入力を確かめてください。")
        return redirect(back)
    try:
        act(staff, referral, form.cleaned_data)
    except actions.ReferralError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect(back)


@login_required
@permission("intake.use")
@require_POST
def receive(request: HttpRequest, referral_id: int) -> HttpResponse:
    return _step(
        request,
        referral_id,
        VersionForm,
        lambda s, r, d: actions.receive_referral(actor=s, referral=r, version=d["version"]),
        "受信を確認しました。",
    )


@login_required
@permission("intake.use")
@require_POST
def accept(request: HttpRequest, referral_id: int) -> HttpResponse:
    return _step(
        request,
        referral_id,
        AcceptForm,
        lambda s, r, d: actions.accept_referral(actor=s, referral=r, version=d["version"], note=d["note"]),
        "つなぎを受け入れました。本人と連絡が取れたら、初回連絡を記録してください。",
    )


@login_required
@permission("intake.use")
@require_POST
def return_(request: HttpRequest, referral_id: int) -> HttpResponse:
    return _step(
        request,
        referral_id,
        ReturnForm,
        lambda s, r, d: actions.return_referral(
            actor=s, referral=r, version=d["version"], reason=d["reason"]
        ),
        "つなぎを差し戻しました。つなぎ元に理由が伝わります。",
    )


@login_required
@permission("intake.use")
@require_POST
def first_contact(request: HttpRequest, referral_id: int) -> HttpResponse:
    return _step(
        request,
        referral_id,
        FirstContactForm,
        lambda s, r, d: actions.record_first_contact(
            actor=s, referral=r, version=d["version"], on=d["on"], method=d["method"], note=d["note"]
        ),
        "初回連絡を記録しました。このつなぎは完了です。",
    )


@login_required
@permission("intake.use")
@require_POST
def withdraw(request: HttpRequest, referral_id: int) -> HttpResponse:
    return _step(
        request,
        referral_id,
        WithdrawForm,
        lambda s, r, d: actions.withdraw_referral(
            actor=s, referral=r, version=d["version"], reason=d["reason"]
        ),
        "つなぎを取り下げました。",
    )


@login_required
@permission("intake.use")
@require_POST
def consent(request: HttpRequest, referral_id: int) -> HttpResponse:
    return _step(
        request,
        referral_id,
        ConsentForm,
        lambda s, r, d: actions.change_consent(
            actor=s, referral=r, version=d["version"], consent=d["consent"], consent_note=d["consent_note"]
        ),
        "同意の記録を更新しました。",
    )


@login_required
@permission("intake.use")
@require_POST
def due(request: HttpRequest, referral_id: int) -> HttpResponse:
    return _step(
        request,
        referral_id,
        DueForm,
        lambda s, r, d: actions.change_due_on(
            actor=s, referral=r, version=d["version"], due_on=d["due_on"], note=d["note"]
        ),
        "初回連絡の期限を変更しました。",
    )
