"""Outreach screens (アウトリーチ, 第4号): the list ordered by what is most overdue, a new engagement, one
engagement with its contacts, recording a contact, assigning workers, identifying the person, closing.

Thin: reads go through `policy` (404 for missing and forbidden alike), writes through `actions`; every
response that shows personal data writes its audit row first. Bad input re-renders the page with the
Japanese message and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.access import audit
from tsunagu.access.permissions import has_permission, permission
from tsunagu.access.tenancy import current_municipality
from tsunagu.accounts.models import Role, Staff
from tsunagu.core.pagination import numbered_page
from tsunagu.municipalities.models import Municipality
from tsunagu.people import policy as people_policy
from tsunagu.people.forms import PersonSearchForm
from tsunagu.people.search import search_persons

from . import actions, lapse, policy
from .forms import CloseForm, ContactForm, EngagementForm, IdentifyForm, WorkersForm
from .models import Engagement, EngagementStatus, Outcome

PAGE_SIZE = 30
SEARCH_LIMIT = 20
VIEWS = (("mine", "自分の担当"), ("all", "継続中（すべて）"), ("lapsed", "うち途切れ"), ("closed", "終了"))


def _staff(request: HttpRequest) -> Staff:
    staff = request.user
    assert isinstance(staff, Staff)
    current_municipality(request)
    return staff


def _objects(engagements: list[Engagement]) -> list[tuple[str, int]]:
    objects: list[tuple[str, int]] = []
    for e in engagements:
        objects.append((policy.ENGAGEMENT, e.pk))
        if e.person_id:
            objects.append(("person", e.person_id))
        if e.household_id:
            objects.append(("household", e.household_id))
    return objects


@login_required
@permission("outreach.use")
@require_GET
def engagement_list(request: HttpRequest) -> HttpResponse:
    """Engagements ordered by what is most overdue. Coordinators start on every engagement of the city,
    workers on their own (自分の担当)."""
    staff = _staff(request)
    default = "all" if staff.role == Role.COORDINATOR else "mine"
    view = request.GET.get("view", default)
    if view not in dict(VIEWS):
        view = default
    interval = staff.municipality.outreach_lapse_days  # type: ignore[union-attr]
    visible = policy.visible_engagements(staff)
    active = visible.filter(status=EngagementStatus.ACTIVE)
    mine = policy.own_engagements(staff).filter(status=EngagementStatus.ACTIVE)
    counts = {
        "mine": mine.count(),
        "all": active.count(),
        "lapsed": lapse.lapsed_count(active, interval),
        "closed": visible.filter(status=EngagementStatus.CLOSED).count(),
        "mine_lapsed": lapse.lapsed_count(mine, interval),
    }
    base = {
        "mine": mine,
        "all": active,
        "lapsed": active,
        "closed": visible.filter(status=EngagementStatus.CLOSED),
    }[view]
    today = timezone.localdate()
    # Ordered, filtered and paged by the database: only the page's engagements are loaded.
    rows = lapse.with_due(
        base.select_related("area", "person", "organization", "outcome_organization"), interval
    )
    if view == "lapsed":
        rows = rows.filter(due_key__lt=today)  # type: ignore[misc]  # an annotation
    if view == "closed":
        rows = rows.order_by(F("closed_on").desc(nulls_last=True), "-pk")
    else:
        rows = rows.order_by("due_key", "pk")
    page = numbered_page(rows, request.GET.get("page"), PAGE_SIZE)
    page.object_list = lapse.page_states(page.object_list, interval, today)
    shown = [s.engagement for s in page.object_list]
    if shown:
        audit.record(
            actor=staff,
            action="list",
            channel="view",
            objects=_objects(shown),
            detail={"kind": "outreach_list", "view": view},
            request=request,
        )
    return render(
        request,
        "outreach/list.html",
        {
            "page": page,
            "view": view,
            "tabs": [(key, label, counts[key]) for key, label in VIEWS],
            "counts": counts,
            "interval": interval,
        },
    )


@login_required
@permission("outreach.use")
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    """Open an engagement; the person may be known only by a description."""
    staff = _staff(request)
    muni = staff.municipality
    assert muni is not None
    form = EngagementForm(request.POST if request.method == "POST" else None, municipality=muni)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            engagement, created = actions.open_engagement(
                actor=staff,
                data=actions.EngagementInput(
                    description=d["description"],
                    reported_by=d["reported_by"],
                    reporter_note=d["reporter_note"],
                    area=d["area"],
                    purpose=d["purpose"],
                    started_on=d["started_on"],
                    next_contact_on=d["next_contact_on"],
                    workers=list(d["workers"]),
                    submission_token=d["submission_token"],
                ),
            )
        except actions.OutreachError as exc:
            form.add_error(None, str(exc))
        else:
            if created:
                messages.success(request, f"アウトリーチ No.{engagement.number} を始めました。")
            return redirect("outreach:detail", engagement_id=engagement.pk)
    return render(request, "outreach/new.html", {"form": form})


def _detail(
    request: HttpRequest, staff: Staff, engagement: Engagement, *, status: int = 200, **forms: Any
) -> HttpResponse:
    muni = staff.municipality
    assert muni is not None
    interval = muni.outreach_lapse_days
    annotated = lapse.with_last_contact(Engagement.objects.filter(pk=engagement.pk)).get()
    state = lapse.state_of(annotated, annotated.last_contact_on, interval, timezone.localdate())  # type: ignore[attr-defined]
    contacts = list(engagement.contacts.select_related("by", "organization").order_by("-on", "-pk"))
    workers = list(engagement.workers.select_related("staff__organization").order_by("pk"))
    audit.record(
        actor=staff,
        action="view",
        channel="view",
        objects=_objects([engagement]),
        detail={"kind": "outreach_engagement"},
        request=request,
    )
    version = {"version": engagement.version}
    can_work = policy.may_work(staff, engagement)
    context = {
        "e": engagement,
        "state": state,
        "interval": interval,
        "contacts": contacts,
        "workers": workers,
        "can_work": can_work and engagement.is_active,
        # 参加支援へ is a hand-over: the identified person's participation record opens from here (the
        # participation screen checks the person and its own rules again).
        "hand_over_to_participation": (
            engagement.outcome == Outcome.PARTICIPATION
            and engagement.person_id is not None
            and has_permission(staff, "participation.use")
        ),
        "contact_form": forms.get("contact_form") or ContactForm(initial=version),
        "close_form": forms.get("close_form") or CloseForm(initial=version, municipality=muni),
        "workers_form": forms.get("workers_form")
        or WorkersForm(initial={**version, "workers": [w.staff_id for w in workers]}, municipality=muni),
    }
    return render(request, "outreach/detail.html", context, status=status)


@login_required
@permission("outreach.use")
@require_GET
def detail(request: HttpRequest, engagement_id: int) -> HttpResponse:
    staff = _staff(request)
    return _detail(request, staff, policy.get_engagement_for(staff, engagement_id))


def _step(
    request: HttpRequest,
    engagement_id: int,
    key: str,
    make_form: Callable[[Municipality], Form],
    act: Callable[[Staff, Engagement, dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """One POST on an engagement: bind the form, call the action, redirect; on bad input or a refusal
    re-render the page with the Japanese message (status 400) — nothing is changed."""
    staff = _staff(request)
    engagement = policy.get_engagement_to_work(staff, engagement_id)
    muni = staff.municipality
    assert muni is not None
    form = make_form(muni)
    if form.is_valid():
        try:
            act(staff, engagement, form.cleaned_data)
        except actions.OutreachError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, done)
            return redirect("outreach:detail", engagement_id=engagement.pk)
    engagement.refresh_from_db()
    return _detail(request, staff, engagement, status=400, **{key: form})


@login_required
@permission("outreach.use")
@require_POST
def contact(request: HttpRequest, engagement_id: int) -> HttpResponse:
    """Record a contact (and the next planned contact)."""

    def act(staff: Staff, e: Engagement, d: dict[str, Any]) -> object:
        data = actions.ContactInput(
            on=d["on"],
            method=d["method"],
            response=d["response"],
            companions=d["companions"],
            note=d["note"],
            next_contact_on=d["next_contact_on"],
            submission_token=d["submission_token"],
        )
        return actions.record_contact(actor=staff, engagement=e, version=d["version"], data=data)

    return _step(
        request,
        engagement_id,
        "contact_form",
        lambda _m: ContactForm(request.POST),
        act,
        "接触を記録しました。",
    )


@login_required
@permission("outreach.use")
@require_POST
def workers(request: HttpRequest, engagement_id: int) -> HttpResponse:
    """Replace the assigned workers (担当者)."""
    return _step(
        request,
        engagement_id,
        "workers_form",
        lambda m: WorkersForm(request.POST, municipality=m),
        lambda s, e, d: actions.assign_workers(
            actor=s, engagement=e, version=d["version"], workers=list(d["workers"])
        ),
        "担当者を更新しました。",
    )


@login_required
@permission("outreach.use")
@require_POST
def close(request: HttpRequest, engagement_id: int) -> HttpResponse:
    """Close with an outcome (つながった機関・参加支援へ・多機関協働へ・終了)."""

    def act(staff: Staff, e: Engagement, d: dict[str, Any]) -> object:
        data = actions.CloseInput(
            outcome=d["outcome"], closed_on=d["closed_on"], note=d["note"], organization=d["organization"]
        )
        return actions.close_engagement(actor=staff, engagement=e, version=d["version"], data=data)

    return _step(
        request,
        engagement_id,
        "close_form",
        lambda m: CloseForm(request.POST, municipality=m),
        act,
        "アウトリーチを終了しました。",
    )


@login_required
@permission("outreach.use")
@require_http_methods(["GET", "POST"])
def identify(request: HttpRequest, engagement_id: int) -> HttpResponse:
    """Find the person through people's search (名寄せ candidates) and link the engagement to them.

    POST only for the search: a resident's name must not land in URLs or browser history."""
    staff = _staff(request)
    engagement = policy.get_engagement_to_work(staff, engagement_id)
    search = PersonSearchForm(request.POST if request.method == "POST" and "q" in request.POST else None)
    hits = []
    error = ""
    if request.method == "POST" and "person" in request.POST:
        chosen = IdentifyForm(request.POST)
        if chosen.is_valid():
            person = people_policy.get_person_for(staff, chosen.cleaned_data["person"])
            try:
                actions.identify_person(
                    actor=staff, engagement=engagement, version=chosen.cleaned_data["version"], person=person
                )
            except actions.OutreachError as exc:
                error = str(exc)
            else:
                messages.success(request, f"本人を {person.full_name} さんと特定しました。")
                return redirect("outreach:detail", engagement_id=engagement.pk)
        else:
            error = "本人を一覧から選んでください。"
    elif search.is_bound and search.is_valid():
        query = search.cleaned_data["q"].replace("\x00", "").strip()
        hits = search_persons(
            people_policy.visible_persons(staff),
            query,
            birth_date=search.cleaned_data["birth"],
            limit=SEARCH_LIMIT,
        )
    objects = _objects([engagement]) + [("person", h.person.pk) for h in hits]
    audit.record(
        actor=staff,
        action="list" if hits else "view",
        channel="view",
        objects=objects,
        detail={"kind": "outreach_identify"},
        request=request,
    )
    return render(
        request,
        "outreach/identify.html",
        {"e": engagement, "search": search, "hits": hits, "error": error, "searched": search.is_bound},
        status=400 if error or (search.is_bound and not search.is_valid()) else 200,
    )
