"""Participation support screens (参加支援, 第2号): the coordinator's list, a person's participation page
(ranked resources with 「なぜこの場所か」, proposals, stages, follow-ups, consent), and the receiving side's
view (受け入れ先).

Records and matches are fetched through `.policy` (404 for missing and forbidden alike), every read is
audited before anything is rendered, and every write is one action of `.actions`.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.access import audit
from tsunagu.access.permissions import permission
from tsunagu.access.scope import get_for
from tsunagu.access.tenancy import current_municipality
from tsunagu.accounts.models import Staff
from tsunagu.cases.models import Case
from tsunagu.cases.policy import active_consents, visible_cases
from tsunagu.core.pagination import numbered_page
from tsunagu.directory.models import Organization
from tsunagu.directory.resource_models import Resource
from tsunagu.people.policy import get_person_for

from . import actions
from .forms import (
    CloseForm,
    ConsentForm,
    FollowUpForm,
    NeedsForm,
    NewRecordForm,
    ProposeForm,
    ReceiverReportForm,
    StageForm,
    split_words,
)
from .models import FollowUp, Match, ParticipationConsent, ReceiverReport, Stage, StageChange
from .policy import (
    get_match_for,
    get_received_match_for,
    get_record_for,
    received_matches,
    receiver_view,
    record_exists,
    visible_records,
)
from .ranking import explanation_text, rank_for, record_days_to_first_participation

PAGE_SIZE = 30
STAGE_FILTERS = [("open", "進行中すべて"), ("none", "提案前"), *Stage.choices, ("", "すべて")]
# The receiving side filters its matches by stage; by default those still going on (not 終了).
RECEIVED_STAGE_FILTERS = [("open", "終了を除くすべて"), *Stage.choices, ("", "すべて")]


def _staff(request: HttpRequest) -> Staff:
    staff = request.user
    assert isinstance(staff, Staff)
    current_municipality(request)
    return staff


def _cases_for(staff: Staff, household_id: int | None) -> QuerySet[Case]:
    """The cases of the person's household the staff member may open (to link the record to)."""
    return visible_cases(staff).filter(household_id=household_id) if household_id else Case.objects.none()


def _needs_input(form: NeedsForm) -> actions.NeedsInput:
    d = form.cleaned_data
    return actions.NeedsInput(
        goals=d["goals"],
        activities=split_words(d["activities"]),
        wish=d["wish"],
        weekdays=d["weekdays"],
        time_slots=d["time_slots"],
        accessibility=d["accessibility"],
        languages=split_words(d["languages"]),
        max_group_size=d["max_group_size"],
        max_cost_yen=d["max_cost_yen"],
        same_area_only=d["same_area_only"],
        max_distance_km=d["max_distance_km"],
        origin_latitude=d["origin_latitude"],
        origin_longitude=d["origin_longitude"],
        constraints_note=d["constraints_note"],
        case=d["case"],
    )


# ---- the coordinator's list ----------------------------------------------------------------------------


@login_required
@permission("participation.use")
@require_GET
def record_list(request: HttpRequest) -> HttpResponse:
    staff = _staff(request)
    stage = request.GET.get("stage", "open")
    if stage not in dict(STAGE_FILTERS):
        stage = "open"
    qs = visible_records(staff)
    if stage == "open":
        qs = qs.filter(status="active")
    elif stage == "none":
        qs = qs.filter(matches__isnull=True)
    elif stage:
        qs = qs.filter(matches__stage=stage).distinct()
    page = numbered_page(
        qs.select_related("person", "organization", "worker")
        .prefetch_related(Prefetch("matches", queryset=Match.objects.select_related("resource")))
        .order_by("-created_at", "-pk"),
        request.GET.get("page"),
        PAGE_SIZE,
    )
    records = list(page.object_list)
    if records:
        audit.record(
            actor=staff,
            action="list",
            objects=[("supportrecord", r.pk) for r in records] + [("person", r.person_id) for r in records],
            request=request,
        )
    return render(
        request,
        "participation/list.html",
        {"records": records, "page": page, "stage": stage, "stages": STAGE_FILTERS},
    )


@login_required
@permission("participation.use")
@require_http_methods(["GET", "POST"])
def record_new(request: HttpRequest) -> HttpResponseBase:
    """Open a person's participation support record (`?person=<id>`): needs and constraints first."""
    staff = _staff(request)
    person_form = NewRecordForm(request.POST or request.GET)
    if not person_form.is_valid():
        return render(
            request, "participation/pick_person.html", status=400 if request.method == "POST" else 200
        )
    person = get_person_for(staff, person_form.cleaned_data["person"])
    existing = visible_records(staff).filter(person=person).first()
    if existing is not None:
        return redirect("participation:detail", existing.pk)
    if record_exists(person):
        # Like a case (cases.policy.household_has_case): others learn only that one exists, never its content.
        audit.record(actor=staff, action="view", objects=[("person", person.pk)], request=request)
        return render(request, "participation/held_elsewhere.html", {"person": person})
    household = person.memberships.order_by("pk").values_list("household_id", flat=True).first()
    form = NeedsForm(request.POST or None, cases=_cases_for(staff, household))
    if request.method == "POST" and form.is_valid():
        try:
            record, created = actions.open_record(actor=staff, person=person, data=_needs_input(form))
        except actions.ParticipationError as exc:
            form.add_error(None, str(exc))
        else:
            if created:
                messages.success(request, "参加支援を開始しました。合う場所の一覧を確認してください。")
            return redirect("participation:detail", record.pk)
    audit.record(actor=staff, action="view", objects=[("person", person.pk)], request=request)
    return render(request, "participation/needs_form.html", {"form": form, "person": person, "record": None})


@login_required
@permission("participation.use")
@require_http_methods(["GET", "POST"])
def record_needs(request: HttpRequest, record_id: int) -> HttpResponseBase:
    staff = _staff(request)
    record = get_record_for(staff, record_id)
    initial = {
        "goals": record.goals,
        "activities": "、".join(record.activities),
        "wish": record.wish,
        "weekdays": record.weekdays,
        "time_slots": record.time_slots,
        "accessibility": record.accessibility,
        "languages": "、".join(record.languages),
        "max_group_size": record.max_group_size,
        "max_cost_yen": record.max_cost_yen,
        "same_area_only": record.same_area_only,
        "max_distance_km": record.max_distance_km,
        "origin_latitude": record.origin_latitude or "",
        "origin_longitude": record.origin_longitude or "",
        "constraints_note": record.constraints_note,
        "case": record.case_id,
    }
    form = NeedsForm(request.POST or None, initial=initial, cases=_cases_for(staff, record.household_id))
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_needs(
                actor=staff, record=record, version=form.cleaned_data["version"] or 0, data=_needs_input(form)
            )
        except actions.ParticipationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "希望と条件を更新しました。")
            return redirect("participation:detail", record.pk)
    audit.record(
        actor=staff,
        action="view",
        objects=[("supportrecord", record.pk), ("person", record.person_id)],
        request=request,
    )
    return render(
        request, "participation/needs_form.html", {"form": form, "person": record.person, "record": record}
    )


# ---- a person's participation page -------------------------------------------------------------------


@login_required
@permission("participation.use")
@require_GET
def record_detail(request: HttpRequest, record_id: int) -> HttpResponse:
    staff = _staff(request)
    record = get_record_for(staff, record_id)
    today = timezone.localdate()
    ranking = rank_for(record, today)
    matches = list(
        record.matches.select_related("resource", "resource__organization")
        .prefetch_related(
            Prefetch("changes", queryset=StageChange.objects.select_related("by").order_by("on", "pk")),
            Prefetch("follow_ups", queryset=FollowUp.objects.select_related("by")),
            Prefetch("receiver_reports", queryset=ReceiverReport.objects.select_related("organization")),
        )
        .order_by("-proposed_on", "-pk")
    )
    open_resources = {m.resource_id for m in matches if m.stage != Stage.ENDED}
    consents = list(record.consents.select_related("organization").order_by("-given_on", "-pk"))
    case_orgs = set(
        active_consents().filter(persons=record.person_id).values_list("organizations", flat=True)
    )
    active_orgs = {c.organization_id for c in consents if c.withdrawn_at is None}
    rows = []
    for m in matches:
        org_id = m.resource.organization_id
        rows.append(
            {
                "match": m,
                "stage_form": StageForm(initial={"version": m.version, "on": today}),
                "follow_form": FollowUpForm(initial={"on": today, "token": uuid.uuid4()}),
                "receiver_consented": org_id is not None and (org_id in case_orgs or org_id in active_orgs),
            }
        )
    audit.record(
        actor=staff,
        action="view",
        objects=[("supportrecord", record.pk), ("person", record.person_id)]
        + [("match", m.pk) for m in matches],
        request=request,
    )
    return render(
        request,
        "participation/detail.html",
        {
            "record": record,
            "person": record.person,
            "age": record.person.age(today),
            "ranking": ranking,
            "open_resources": open_resources,
            "rows": rows,
            "consents": consents,
            "consent_form": ConsentForm(
                initial={"given_on": today},
                organizations=Organization.objects.filter(
                    municipality_id=record.municipality_id, active=True
                ),
            ),
            "today": today,
            "days_to_first": record_days_to_first_participation(matches),
        },
    )


@login_required
@permission("participation.use")
@require_POST
def propose(request: HttpRequest, record_id: int) -> HttpResponse:
    staff = _staff(request)
    record = get_record_for(staff, record_id)
    form = ProposeForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, str(e))
        return redirect("participation:detail", record.pk)
    resource = Resource.objects.filter(
        municipality_id=record.municipality_id, pk=form.cleaned_data["resource"]
    ).first()
    ranking = rank_for(record, timezone.localdate())
    ranked = next((r for r in ranking.ranked if resource is not None and r.place.id == resource.pk), None)
    if resource is None or ranked is None:
        messages.error(
            request, "この場所は今の条件では候補に入っていません（除外の理由を確認してください）。"
        )
        return redirect("participation:detail", record.pk)
    try:
        _match, created = actions.propose(
            actor=staff,
            record=record,
            data=actions.ProposalInput(
                resource=resource,
                proposed_on=form.cleaned_data["proposed_on"],
                note_to_receiver=form.cleaned_data["note_to_receiver"],
                rank=ranked.rank,
                score=ranked.score,
                explanation=explanation_text(ranked),
            ),
        )
    except actions.ParticipationError as exc:
        messages.error(request, str(exc))
    else:
        if created:
            messages.success(request, f"{resource.name}を提案として記録しました。")
        else:
            messages.info(request, f"{resource.name}は既に提案しています。")
    return redirect("participation:detail", record.pk)


@login_required
@permission("participation.use")
@require_POST
def record_close(request: HttpRequest, record_id: int) -> HttpResponse:
    """終了 of the whole record (every match ended first); the record stays readable."""
    staff = _staff(request)
    record = get_record_for(staff, record_id)
    form = CloseForm(request.POST)
    try:
        if not form.is_valid():
            raise actions.ParticipationError("画面を開き直してから、もう一度操作してください。")
        actions.close_record(actor=staff, record=record, version=form.cleaned_data["version"])
    except actions.ParticipationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "参加支援を終了しました。")
    return redirect("participation:detail", record.pk)


@login_required
@permission("participation.use")
@require_POST
def match_stage(request: HttpRequest, match_id: int) -> HttpResponse:
    staff = _staff(request)
    match = get_match_for(staff, match_id)
    form = StageForm(request.POST)
    if form.is_valid():
        try:
            actions.change_stage(
                actor=staff,
                match=match,
                version=form.cleaned_data["version"],
                to_stage=form.cleaned_data["to_stage"],
                on=form.cleaned_data["on"],
                note=form.cleaned_data["note"],
            )
        except actions.ParticipationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"段階を「{Stage(form.cleaned_data['to_stage']).label}」にしました。")
    else:
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, str(e))
    return redirect("participation:detail", match.record_id)


@login_required
@permission("participation.use")
@require_POST
def match_follow_up(request: HttpRequest, match_id: int) -> HttpResponse:
    staff = _staff(request)
    match = get_match_for(staff, match_id)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            actions.record_follow_up(
                actor=staff,
                match=match,
                on=form.cleaned_data["on"],
                note=form.cleaned_data["note"],
                next_on=form.cleaned_data["next_on"],
                token=form.cleaned_data["token"],
            )
        except actions.ParticipationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "フォローアップを記録しました。")
    else:
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, str(e))
    return redirect("participation:detail", match.record_id)


@login_required
@permission("participation.use")
@require_POST
def consent_new(request: HttpRequest, record_id: int) -> HttpResponse:
    staff = _staff(request)
    record = get_record_for(staff, record_id)
    form = ConsentForm(
        request.POST,
        organizations=Organization.objects.filter(municipality_id=record.municipality_id, active=True),
    )
    if form.is_valid():
        d = form.cleaned_data
        try:
            actions.record_consent(
                actor=staff,
                record=record,
                organization=d["organization"],
                method=d["method"],
                given_on=d["given_on"],
                share_contact=d["share_contact"],
                expires_on=d["expires_on"],
            )
        except actions.ParticipationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{d['organization'].name}と共有する本人同意を記録しました。")
    else:
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, str(e))
    return redirect("participation:detail", record.pk)


@login_required
@permission("participation.use")
@require_POST
def consent_withdraw(request: HttpRequest, record_id: int, consent_id: int) -> HttpResponse:
    staff = _staff(request)
    record = get_record_for(staff, record_id)
    consent = get_for(ParticipationConsent.objects.filter(record=record), consent_id)
    actions.withdraw_consent(actor=staff, consent=consent)
    messages.success(request, "同意の撤回を記録しました。受け入れ先からは見えなくなりました。")
    return redirect("participation:detail", record.pk)


# ---- the receiving side ---------------------------------------------------------------------------------


@login_required
@permission("participation.use")
@require_GET
def received_list(request: HttpRequest) -> HttpResponse:
    """受け入れ先: the matches at the staff member's organization's resources that the person consented to."""
    staff = _staff(request)
    stage = request.GET.get("stage", "open")
    if stage not in dict(RECEIVED_STAGE_FILTERS):
        stage = "open"
    qs = received_matches(staff)
    if stage == "open":
        qs = qs.exclude(stage=Stage.ENDED)
    elif stage:
        qs = qs.filter(stage=stage)
    page = numbered_page(
        qs.select_related("resource", "record__person").order_by("-proposed_on", "-pk"),
        request.GET.get("page"),
        PAGE_SIZE,
    )
    views = [receiver_view(staff, m) for m in page.object_list]
    if views:
        audit.record(
            actor=staff,
            action="list",
            objects=[("match", m.pk) for m in page.object_list]
            + [("person", m.record.person_id) for m in page.object_list],
            request=request,
            detail={"side": "receiving"},
        )
    return render(
        request,
        "participation/received_list.html",
        {"views": views, "page": page, "stage": stage, "stages": RECEIVED_STAGE_FILTERS},
    )


@login_required
@permission("participation.use")
@require_http_methods(["GET", "POST"])
def received_detail(request: HttpRequest, match_id: int) -> HttpResponseBase:
    staff = _staff(request)
    match = get_received_match_for(staff, match_id)
    form = ReceiverReportForm(
        request.POST or None, initial={"on": timezone.localdate(), "token": uuid.uuid4()}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.record_receiver_report(
                actor=staff,
                match=match,
                on=d["on"],
                attendance=d["attendance"],
                observation=d["observation"],
                continuation=d["continuation"],
                token=d["token"],
            )
        except actions.ParticipationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "受け入れの記録を保存しました。")
            return redirect("participation:received_detail", match.pk)
    view = receiver_view(staff, match)
    audit.record(
        actor=staff,
        action="view",
        objects=[("match", match.pk), ("person", match.record.person_id)],
        request=request,
        detail={"side": "receiving", "contact": view.contact_shared},
    )
    return render(request, "participation/received_detail.html", {"view": view, "form": form})
