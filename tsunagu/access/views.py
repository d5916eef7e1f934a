"""Audit log screen, read-volume alerts and emergency access (break-glass) for staff and auditors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import F, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tsunagu.accounts.models import Role, Staff
from tsunagu.core.dates import DateKind
from tsunagu.core.forms import RangedDateField, StrictIntegerField, StrictModelChoiceField
from tsunagu.core.numbers import DB_ID_MAX, parse_id
from tsunagu.core.pagination import keyset_page, numbered_page
from tsunagu.directory.models import Organization

from . import actions, audit
from . import targets as targets_registry
from .alerts import hourly_limit, read_volume_alerts
from .models import AuditAction, AuditEvent, AuditObject, BreakGlassGrant, ReviewOutcome
from .permissions import permission
from .scope import BREAK_GLASS_TYPES

PERSON_SEARCH_LIMIT = 20
OBJECT_TYPE_CHOICES = [
    ("", "指定なし"),
    ("person", "本人"),
    ("household", "世帯"),
    ("case", "ケース"),
    ("consultation", "相談"),
    ("escalation_request", "つなぎ依頼"),
    ("staff", "職員"),
    ("break_glass", "緊急アクセス"),
]


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
    # A person's trail (the person, their households and cases), chosen from the name search.
    person = StrictIntegerField(required=False, min_value=1, max_value=DB_ID_MAX, widget=forms.HiddenInput)

    def __init__(self, *args: Any, municipality_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = Staff.objects.filter(municipality_id=municipality_id).order_by(  # type: ignore[misc,attr-defined]
            "username"
        )  # type: ignore[attr-defined]
        self.fields["organization"].queryset = Organization.objects.filter(municipality_id=municipality_id)  # type: ignore[attr-defined]


class PersonSearchForm(forms.Form):
    """Find a resident by name or reading (and birth date) to read their audit trail."""

    q = forms.CharField(label="本人の氏名・フリガナ", max_length=100, required=True)
    birth = RangedDateField(label="生年月日（任意）", kind=DateKind.BIRTH, required=False)


def _auditor_municipality(request: HttpRequest) -> int:
    muni_id = getattr(request.user, "municipality_id", None)
    if not muni_id:
        raise Http404
    return int(muni_id)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _object_filter(muni_id: int, targets: list[targets_registry.Target]) -> Q:
    """Events of the city that name any of `targets`: an index lookup in the object index (AuditObject,
    unique index audit_object_lookup on municipality, kind, obj_id), not a scan of the rows' text."""
    if not targets:
        return Q(pk__in=[])
    # One equality lookup per record, united (an OR inside one lookup would use only the index's prefix).
    lookups = [
        AuditObject.objects.filter(municipality_id=muni_id, kind=obj_type, obj_id=obj_id).values("event_id")
        for obj_type, obj_id in targets
    ]
    return Q(pk__in=lookups[0].union(*lookups[1:]) if len(lookups) > 1 else lookups[0])


@dataclass
class AuditRow:
    event: AuditEvent
    role: str
    targets: list[str]
    more: int


SHOWN_TARGETS = 12
AUDIT_PAGE_SIZE = 100
REVIEW_PAGE_SIZE = 50


def _filtered_events(
    form: AuditFilterForm, muni_id: int
) -> tuple[QuerySet[AuditEvent], dict[str, Any], list[targets_registry.Target]]:
    events = AuditEvent.objects.filter(municipality_id=muni_id)
    filters: dict[str, Any] = {}
    trail: list[targets_registry.Target] = []
    if not form.is_valid():
        return events, filters, trail
    data = form.cleaned_data
    if data["person"]:
        trail = targets_registry.person_trail(muni_id, data["person"])
        events = events.filter(_object_filter(muni_id, trail))
        filters["person"] = data["person"]
    if data["obj_type"] and data["obj_id"]:
        events = events.filter(_object_filter(muni_id, [(data["obj_type"], data["obj_id"])]))
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
    return events, filters, trail


@permission("audit.view")
def audit_log(request: HttpRequest) -> HttpResponse:
    """Auditors read their city's audit log: 和暦 times, role names, records described by whose they are
    (世帯「山田」No.14), newest first, 100 a page (keyset on the sequence number). A resident can be found
    by name and their trail read. Every page read — and every person and household it names — is itself
    recorded."""
    muni_id = _auditor_municipality(request)
    form = AuditFilterForm(request.GET or None, municipality_id=muni_id)
    # A resident's name travels in a POST body, never in a URL (history, proxy and server logs).
    search = PersonSearchForm(request.POST if request.method == "POST" else None)
    found: list[targets_registry.FoundPerson] = []
    if search.is_bound and search.is_valid():
        found = targets_registry.find_persons(
            muni_id, search.cleaned_data["q"], search.cleaned_data["birth"], limit=PERSON_SEARCH_LIMIT
        )
    events, filters, trail = _filtered_events(form, muni_id)
    page = keyset_page(
        events,
        "seq",
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        per_page=AUDIT_PAGE_SIZE,
    )
    shown: list[targets_registry.Target] = [t for e in page for t in e.objects_list[:SHOWN_TARGETS]]
    found_targets = [("person", f.person_id) for f in found] + [t for f in found for t in f.related]
    descriptions = targets_registry.describe(muni_id, [*shown, *trail[:1], *found_targets])
    named = targets_registry.named_objects([*shown, *trail[:1], *found_targets])
    audit.record(
        actor=request.user,
        action=AuditAction.LIST,
        objects=[("audit_event", e.pk) for e in page] + named,
        detail={
            "screen": "audit_log",
            "person_search": bool(found),
            **{k: str(v) for k, v in filters.items()},
        },
        request=request,
    )
    roles = dict(Role.choices)
    rows = [
        AuditRow(
            e,
            str(roles.get(e.actor_role, e.actor_role)),
            [descriptions[t] for t in e.objects_list[:SHOWN_TARGETS]],
            max(len(e.objects_list) - SHOWN_TARGETS, 0),
        )
        for e in page
    ]
    people = [(f, [(t, descriptions[t]) for t in f.related if t[0] != "person"]) for f in found]
    return render(
        request,
        "access/audit_log.html",
        {
            "form": form,
            "search": search,
            "page": page,
            "rows": rows,
            "found": people,
            "searched": search.is_bound and search.is_valid(),
            "search_limit": PERSON_SEARCH_LIMIT,
            "trail_of": descriptions[trail[0]] if trail else "",
        },
    )


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
    roles = dict(Role.choices)
    for alert in found:
        alert.role = str(roles.get(alert.role, alert.role))
    return render(
        request,
        "access/alerts.html",
        {
            "alerts": found,
            "limit": hourly_limit(muni_id),
            "form": ThresholdForm(initial={"limit": hourly_limit(muni_id)}),
            "pending_break_glass": pending,
        },
    )


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
    """The record to open, chosen among the found person's records ("household:14"), and the reason."""

    target = forms.CharField(
        label="開く記録", max_length=60, error_messages={"required": "開く記録を選んでください。"}
    )
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)

    def clean_target(self) -> tuple[str, int]:
        obj_type, _, raw_id = str(self.cleaned_data["target"]).partition(":")
        obj_id = parse_id(raw_id)
        if obj_type not in BREAK_GLASS_TYPES or obj_id is None:
            raise forms.ValidationError("開く記録を、本人の検索結果から選んでください。")
        return obj_type, obj_id


def _break_glass_search(request: HttpRequest, staff: Staff) -> tuple[PersonSearchForm, list[Any]]:
    """The person search of the emergency access page (posted by 探す, and again with the request)."""
    # A resident's name travels in a POST body, never in a URL (history, proxy and server logs).
    data = request.POST
    search = PersonSearchForm(
        {"q": data.get("q", ""), "birth": data.get("birth", "")} if "q" in data else None
    )
    found: list[Any] = []
    if search.is_bound and search.is_valid():
        assert staff.municipality_id is not None
        for person in targets_registry.find_persons(
            staff.municipality_id, search.cleaned_data["q"], search.cleaned_data["birth"], PERSON_SEARCH_LIMIT
        ):
            # The person's own row is identity, which casework reads anyway: emergency access opens what
            # is recorded about them (the household's consultations, a case).
            openable = [t for t in person.related if t[0] in BREAK_GLASS_TYPES and t[0] != "person"]
            found.append((person, openable))
    return search, found


@permission("break_glass.request")
def break_glass(request: HttpRequest) -> HttpResponse:
    """Ask for emergency access: find the person by name (and birth date), choose their household or
    case, give the reason. Also lists one's own grants. Every name shown is recorded."""
    staff: Staff = request.user  # type: ignore[assignment]
    assert staff.municipality_id is not None
    # "探す" posts the name search only; "理由を記録して開く" posts the choice and the reason (and the search,
    # so that the list is shown again when the reason is refused).
    asking = request.method == "POST" and "search" not in request.POST
    form = BreakGlassForm(request.POST if asking else None)
    if asking and form.is_valid():
        obj_type, obj_id = form.cleaned_data["target"]
        try:
            actions.request_break_glass(
                actor=staff, obj_type=obj_type, obj_id=obj_id, reason=form.cleaned_data["reason"]
            )
            messages.warning(
                request,
                f"緊急アクセスを開始しました（{actions.break_glass_minutes()}分間）。監査担当が内容を確認します。",
            )
            return redirect("access:break_glass")
        except actions.AccessError as exc:
            form.add_error(None, str(exc))
    search, found = _break_glass_search(request, staff)
    page = numbered_page(
        BreakGlassGrant.objects.filter(municipality_id=staff.municipality_id, staff=staff).order_by(
            "-started_at", "-pk"
        ),
        request.GET.get("page"),
        REVIEW_PAGE_SIZE,
    )
    grants = list(page.object_list)
    shown = [t for _person, openable in found for t in openable] + [(g.obj_type, g.obj_id) for g in grants]
    descriptions = targets_registry.describe(staff.municipality_id, shown)
    named = targets_registry.named_objects([*shown, *(("person", f.person_id) for f, _openable in found)])
    if named:
        audit.record(
            actor=staff,
            action=AuditAction.LIST,
            objects=named,
            detail={"screen": "break_glass", "person_search": bool(found)},
            request=request,
        )
    chosen = request.POST.get("target", "") if request.method == "POST" else ""
    return render(
        request,
        "access/break_glass.html",
        {
            "form": form,
            "search": search,
            "searched": search.is_bound and search.is_valid(),
            "found": [(p, [(f"{t[0]}:{t[1]}", descriptions[t]) for t in openable]) for p, openable in found],
            "chosen": chosen,
            "search_limit": PERSON_SEARCH_LIMIT,
            "grants": [(g, descriptions[(g.obj_type, g.obj_id)]) for g in grants],
            "page": page,
            "now": timezone.now(),
            "minutes": actions.break_glass_minutes(),
        },
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
    """Auditors: every emergency access of the city, unreviewed first (on every database), 50 a page."""
    muni_id = _auditor_municipality(request)
    page = numbered_page(
        BreakGlassGrant.objects.filter(municipality_id=muni_id)
        .select_related("staff", "staff__organization", "reviewed_by")
        .order_by(F("reviewed_at").asc(nulls_first=True), "-started_at", "-pk"),
        request.GET.get("page"),
        REVIEW_PAGE_SIZE,
    )
    grants = list(page.object_list)
    shown = [(g.obj_type, g.obj_id) for g in grants]
    descriptions = targets_registry.describe(muni_id, shown)
    audit.record(
        actor=request.user,
        action=AuditAction.LIST,
        objects=[("break_glass", g.pk) for g in grants] + targets_registry.named_objects(shown),
        detail={"screen": "break_glass_review"},
        request=request,
    )
    return render(
        request,
        "access/break_glass_review.html",
        {
            "grants": [(g, descriptions[(g.obj_type, g.obj_id)]) for g in grants],
            "form": ReviewForm(),
            "now": timezone.now(),
            "page": page,
        },
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
