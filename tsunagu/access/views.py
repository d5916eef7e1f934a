"""Audit log screen, read-volume alerts and emergency access (break-glass) for staff and auditors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tsunagu.accounts.models import Staff
from tsunagu.core.dates import DateKind
from tsunagu.core.forms import RangedDateField, StrictIntegerField, StrictModelChoiceField
from tsunagu.core.numbers import DB_ID_MAX
from tsunagu.directory.models import Organization

from . import actions, audit
from .alerts import hourly_limit, read_volume_alerts
from .models import AuditAction, AuditChannel, AuditEvent, BreakGlassGrant, ReviewOutcome
from .permissions import permission
from .scope import BREAK_GLASS_TYPES

OBJECT_TYPE_CHOICES = [("", "指定なし"), ("person", "本人"), ("household", "世帯"), ("staff", "職員")]


class AuditFilterForm(forms.Form):
    obj_type = forms.ChoiceField(label="対象の種類", choices=OBJECT_TYPE_CHOICES, required=False)
    obj_id = StrictIntegerField(label="対象ID", required=False, min_value=1, max_value=DB_ID_MAX)
    actor = StrictModelChoiceField(
        label="職員", queryset=Staff.objects.none(), required=False, empty_label="すべて"
    )
    organization = StrictModelChoiceField(
        label="所属機関", queryset=Organization.objects.none(), required=False, empty_label="すべて"
    )
    date_from = RangedDateField(label="期間（から）", kind=DateKind.SEARCH, required=False)
    date_to = RangedDateField(label="期間（まで）", kind=DateKind.SEARCH, required=False)
    action = forms.ChoiceField(label="操作", choices=[("", "すべて"), *AuditAction.choices], required=False)

    def __init__(self, *args: Any, municipality_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = Staff.objects.filter(municipality_id=municipality_id).order_by(  # type: ignore[misc,attr-defined]
            "username"
        )  # type: ignore[attr-defined]
        self.fields["organization"].queryset = Organization.objects.filter(municipality_id=municipality_id)  # type: ignore[attr-defined]


def _auditor_municipality(request: HttpRequest) -> int:
    muni_id = getattr(request.user, "municipality_id", None)
    if not muni_id:
        raise Http404
    return int(muni_id)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@permission("audit.view")
def audit_log(request: HttpRequest) -> HttpResponse:
    """Auditors search their city's audit log. Searching is itself recorded."""
    muni_id = _auditor_municipality(request)
    form = AuditFilterForm(request.GET or None, municipality_id=muni_id)
    events = AuditEvent.objects.filter(municipality_id=muni_id).order_by("-seq")
    filters: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        if data["obj_type"] and data["obj_id"]:
            events = events.filter(object_index__contains=f" {data['obj_type']}:{data['obj_id']} ")
            filters["object"] = f"{data['obj_type']}:{data['obj_id']}"
        if data["actor"]:
            events = events.filter(actor=data["actor"])
            filters["actor"] = data["actor"].pk
        if data["organization"]:
            events = events.filter(organization_id_snapshot=data["organization"].pk)
            filters["organization"] = data["organization"].pk
        if data["date_from"]:
            events = events.filter(at__gte=_day_start(data["date_from"]))
            filters["from"] = data["date_from"].isoformat()
        if data["date_to"]:
            events = events.filter(at__lt=_day_start(data["date_to"] + dt.timedelta(days=1)))
            filters["to"] = data["date_to"].isoformat()
        if data["action"]:
            events = events.filter(action=data["action"])
            filters["action"] = data["action"]
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    audit.record(
        actor=request.user,
        action=AuditAction.LIST,
        objects=[("audit_event", e.pk) for e in page.object_list],
        detail={"screen": "audit_log", **{k: str(v) for k, v in filters.items()}},
        request=request,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "access/audit_log.html",
        {"form": form, "page": page, "query": query.urlencode(), "action_labels": dict(AuditAction.choices),
         "channel_labels": dict(AuditChannel.choices)},
    )  # fmt: skip


class ThresholdForm(forms.Form):
    limit = StrictIntegerField(label="1時間あたりの閲覧件数の上限", min_value=1, max_value=100000)


@permission("audit.view")
def alerts(request: HttpRequest) -> HttpResponse:
    """Users who opened more personal records within one hour than the city's limit (last 30 days)."""
    muni_id = _auditor_municipality(request)
    now = timezone.now()
    found = read_volume_alerts(muni_id, now - dt.timedelta(days=30), now + dt.timedelta(seconds=1))
    audit.record(
        actor=request.user,
        action=AuditAction.LIST,
        objects=[("staff", a.actor_id) for a in found],
        detail={"screen": "read_alerts"},
        request=request,
    )
    pending = BreakGlassGrant.objects.filter(municipality_id=muni_id, reviewed_at__isnull=True).count()
    return render(
        request,
        "access/alerts.html",
        {"alerts": found, "limit": hourly_limit(muni_id), "form": ThresholdForm(initial={"limit": hourly_limit(muni_id)}),
         "pending_break_glass": pending},
    )  # fmt: skip


@permission("audit.view")
@require_POST
def alert_threshold(request: HttpRequest) -> HttpResponse:
    form = ThresholdForm(request.POST)
    if form.is_valid():
        try:
            actions.set_alert_threshold(actor=request.user, limit=form.cleaned_data["limit"])
            messages.success(request, "上限を変更しました。")
        except actions.AccessError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, "1以上の数を入れてください。")
    return redirect("access:alerts")


# --- emergency access ------------------------------------------------------------------------------


class BreakGlassForm(forms.Form):
    obj_type = forms.ChoiceField(label="対象の種類", choices=[(k, k) for k in BREAK_GLASS_TYPES])
    obj_id = StrictIntegerField(label="対象ID", min_value=1, max_value=DB_ID_MAX)
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = {"person": "本人", "household": "世帯", "case": "ケース"}
        self.fields["obj_type"].choices = [(k, labels.get(k, k)) for k in BREAK_GLASS_TYPES]  # type: ignore[attr-defined]


@permission("break_glass.request")
def break_glass(request: HttpRequest) -> HttpResponse:
    """Ask for emergency access (form; ?obj_type=&obj_id= prefill it) and see one's own grants."""
    staff: Staff = request.user  # type: ignore[assignment]
    form = BreakGlassForm(
        request.POST or None, initial={k: request.GET.get(k) for k in ("obj_type", "obj_id")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.request_break_glass(
                actor=staff,
                obj_type=form.cleaned_data["obj_type"],
                obj_id=form.cleaned_data["obj_id"],
                reason=form.cleaned_data["reason"],
            )
            messages.warning(
                request,
                f"緊急アクセスを開始しました（{actions.break_glass_minutes()}分間）。監査担当が内容を確認します。",
            )
            return redirect("access:break_glass")
        except actions.AccessError as exc:
            form.add_error(None, str(exc))
    grants = BreakGlassGrant.objects.filter(municipality_id=staff.municipality_id, staff=staff)[:50]  # type: ignore[misc,attr-defined]
    return render(
        request,
        "access/break_glass.html",
        {"form": form, "grants": grants, "now": timezone.now(), "minutes": actions.break_glass_minutes()},
    )


@permission("break_glass.request")
@require_POST
def break_glass_end(request: HttpRequest, grant_id: int) -> HttpResponse:
    staff: Staff = request.user  # type: ignore[assignment]
    grant = BreakGlassGrant.objects.filter(  # type: ignore[misc,attr-defined]
        municipality_id=staff.municipality_id, staff=staff, pk=grant_id
    ).first()
    if grant is None:
        raise Http404
    actions.end_break_glass(actor=staff, grant=grant)
    messages.success(request, "緊急アクセスを終了しました。")
    return redirect("access:break_glass")


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(label="確認結果", choices=ReviewOutcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label="メモ", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


@permission("break_glass.review")
def break_glass_review(request: HttpRequest) -> HttpResponse:
    """Auditors: every emergency access of the city, unreviewed first."""
    muni_id = _auditor_municipality(request)
    grants = list(
        BreakGlassGrant.objects.filter(municipality_id=muni_id)
        .select_related("staff", "staff__organization", "reviewed_by")
        .order_by("reviewed_at", "-started_at")[:200]
    )
    audit.record(
        actor=request.user,
        action=AuditAction.LIST,
        objects=[("break_glass", g.pk) for g in grants],
        detail={"screen": "break_glass_review"},
        request=request,
    )
    return render(
        request,
        "access/break_glass_review.html",
        {"grants": grants, "form": ReviewForm(), "now": timezone.now()},
    )


@permission("break_glass.review")
@require_POST
def break_glass_review_submit(request: HttpRequest, grant_id: int) -> HttpResponse:
    muni_id = _auditor_municipality(request)
    grant = BreakGlassGrant.objects.filter(municipality_id=muni_id, pk=grant_id).first()
    if grant is None:
        raise Http404
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "確認結果を選んでください。")
        return redirect("access:break_glass_review")
    try:
        actions.review_break_glass(
            actor=request.user,
            grant=grant,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
        )
        messages.success(request, "確認結果を記録しました。")
    except actions.AccessError as exc:
        messages.error(request, str(exc))
    return redirect("access:break_glass_review")
