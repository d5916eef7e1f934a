"""Intake screens: the one-screen consultation form, person lookup, household timeline, escalation requests."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.access import audit
from tsunagu.access.permissions import permission
from tsunagu.access.tenancy import current_municipality
from tsunagu.accounts.models import Staff
from tsunagu.core.dates import DateKind, date_range_error
from tsunagu.core.numbers import parse_id, parse_ids, parse_int
from tsunagu.core.pagination import numbered_page
from tsunagu.directory.models import EscalationRule
from tsunagu.municipalities.models import ConcernType
from tsunagu.people import policy as people_policy
from tsunagu.people.search import count_matches, search_persons

from . import actions, policy, referral_policy, subjects, submission
from .escalation import advise
from .forms import NEW, DeclineEscalationForm, EscalationForm, IntakeForm
from .models import EscalationStatus
from .referral_models import OPEN_REFERRAL_STATUSES

ESCALATION_PAGE_SIZE = 50
PERSON_PAGE = 20  # persons listed per さらに表示
PERSON_SHOWN_MAX = 200  # past this, narrowing by birth date finds the person faster than scrolling
PERSON_COUNT_CAP = 1000


def _open_work(staff: Staff) -> list[tuple[str, str, int]]:
    """The window's own open work, as (label, link, count) with a count above zero: referrals received
    and not yet through, overdue ones either way, and escalation requests still 受付待ち. Counts only,
    each from the policy of its list and matching the list it links to, so they name no one."""
    today = timezone.localdate()
    received = referral_policy.received_referrals(staff).filter(status__in=OPEN_REFERRAL_STATUSES)
    sent = referral_policy.sent_referrals(staff).filter(status__in=OPEN_REFERRAL_STATUSES)
    received_url = reverse("intake:referrals_received")
    sent_url = reverse("intake:referrals_sent")
    items = [
        ("受けたつなぎ（対応中）", f"{received_url}?view=open", received.count()),
        ("受けたつなぎ 期限切れ", f"{received_url}?view=overdue", received.filter(due_on__lt=today).count()),
        ("送ったつなぎ 期限切れ", f"{sent_url}?view=overdue", sent.filter(due_on__lt=today).count()),
        (
            "多機関協働へのつなぎ依頼（受付待ち）",
            f"{reverse('intake:escalations')}?status={EscalationStatus.PENDING}",
            policy.visible_escalation_requests(staff).filter(status=EscalationStatus.PENDING).count(),
        ),
    ]
    return [item for item in items if item[2]]


def _staff(request: HttpRequest) -> Staff:
    staff = request.user
    assert isinstance(staff, Staff)
    current_municipality(request)
    if not people_policy.may_take_consultations(staff):
        raise PermissionDenied
    return staff


@login_required
@permission("intake.use")
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    staff = _staff(request)
    muni = current_municipality(request)
    form = IntakeForm(request.POST or None, municipality=muni, organization=staff.organization)
    entry = None
    if request.method == "POST":
        consultation, entry = submission.submit(
            request, staff, form, lambda actor, data: actions.record_consultation(actor=actor, data=data)
        )
        if consultation is not None:
            return submission.to_household(consultation)
    return submission.render_form(request, staff, form, entry, {"open_work": _open_work(staff)})


def _birth_filter(text: str) -> dt.date | None:
    """The optional birth date narrowing a person search (ISO from the date input); a date that is
    not one, or outside the plausible range of birth dates, narrows nothing."""
    try:
        day = dt.date.fromisoformat(text) if len(text) == 10 and text.isascii() else None
    except ValueError:
        return None
    if day is None or date_range_error(day, DateKind.BIRTH, "生年月日"):
        return None
    return day


@login_required
@permission("intake.use")
@require_POST
def person_search(request: HttpRequest) -> HttpResponse:
    """As-you-type lookup (htmx partial). Identity only; every listed person is recorded in the audit log.

    POST, not GET: what staff type is a resident's name and must not land in URLs or browser history.
    """
    staff = _staff(request)
    # NUL is no part of a name, and PostgreSQL refuses it in a text parameter (DataError).
    query = request.POST.get("q", "").replace("\x00", "").strip()[:100]
    hits = []
    total = 0
    birth = _birth_filter(request.POST.get("birth", ""))
    # さらに表示 asks for the next PERSON_PAGE more; the list never silently stops at the first page.
    shown = parse_int(request.POST.get("shown", ""), minimum=1)
    limit = PERSON_PAGE if shown is None else min(max(shown, PERSON_PAGE), PERSON_SHOWN_MAX)
    if len(query) >= 1:
        visible = people_policy.visible_persons(staff)
        hits = search_persons(visible, query, birth_date=birth, limit=limit)
        if hits:
            # Fewer hits than asked for: the search ran every tier to the end, so the list is every match
            # there is and counting them again would be a query for a number already known.
            total = (
                len(hits)
                if len(hits) < limit
                else max(count_matches(visible, query, birth_date=birth, cap=PERSON_COUNT_CAP), len(hits))
            )
            audit.record(
                actor=staff,
                action="list",
                channel="view",
                objects=[("person", h.person.pk) for h in hits],
                detail={"kind": "person_search"},
            )
    # How many to ask for with さらに表示 (0: everything found is listed, or the most a list shows).
    more = (
        min(len(hits) + PERSON_PAGE, total, PERSON_SHOWN_MAX)
        if len(hits) < min(total, PERSON_SHOWN_MAX)
        else 0
    )
    # Same-reading namesakes are always marked so that staff compare them side by side before choosing.
    reading_counts = Counter(h.person.kana_key for h in hits if h.person.kana_key)
    namesakes = {k for k, n in reading_counts.items() if n > 1}
    return render(
        request,
        "intake/_person_results.html",
        {
            "hits": hits,
            "query": query,
            "NEW": NEW,
            "namesake_keys": namesakes,
            "total": total,
            "total_capped": total > PERSON_COUNT_CAP,
            "count_cap": PERSON_COUNT_CAP,
            "more": more,
            "at_max": len(hits) >= PERSON_SHOWN_MAX and total > len(hits),
        },
    )


@login_required
@permission("intake.use")
@require_GET
def advice(request: HttpRequest) -> HttpResponse:
    """Escalation advice for the person being recorded and 誰についての相談か per concern (htmx partial,
    refreshed as the person, the concerns, their members and the window change). Counts only what the
    staff member may see; audited when it shows a household."""
    staff = _staff(request)
    muni = current_municipality(request)
    concerns = list(
        ConcernType.objects.filter(municipality=muni, pk__in=parse_ids(request.GET.getlist("concerns")))
    )
    entry = subjects.entering(staff, request.GET, concerns)
    window = parse_id(request.GET.get("window", ""))
    windows = [window] if window is not None else None
    found = advise(staff, entry.household, entry.items, windows=windows)
    if entry.household is not None:
        audit.record(
            actor=staff,
            action="view",
            channel="view",
            request=request,
            objects=[("household", entry.household.pk), *[("person", i) for i in entry.person_ids]],
            detail={"screen": "intake_advice"},
        )
    return render(
        request,
        "intake/_advice.html",
        {"advice": found, "household": entry.household, "entry": entry},
    )


@login_required
@permission("intake.use")
@require_GET
def household(request: HttpRequest, household_id: int) -> HttpResponse:
    """The household page moved to people (/people/households/<id>/); old links and bookmarks land there."""
    return redirect("people:household", household_id=household_id)


@login_required
@permission("intake.use")
@require_POST
def request_escalation(request: HttpRequest) -> HttpResponse:
    staff = _staff(request)
    form = EscalationForm(request.POST)
    if not form.is_valid():
        messages.error(request, "つなぐ理由を入力してください。")
        hh_id = parse_id(request.POST.get("household", ""))
        return (
            redirect("people:household", household_id=hh_id) if hh_id is not None else redirect("intake:new")
        )
    hh = people_policy.get_household_for(staff, form.cleaned_data["household"])
    rule = None
    if form.cleaned_data.get("rule"):
        rule = EscalationRule.objects.filter(
            municipality=staff.municipality, pk=form.cleaned_data["rule"]
        ).first()
    consultation = None
    if form.cleaned_data.get("consultation"):
        consultation = policy.get_consultation_for(staff, form.cleaned_data["consultation"])
    try:
        _req, created = actions.request_escalation(
            actor=staff,
            household=hh,
            reason=form.cleaned_data["reason"],
            consultation=consultation,
            rule=rule,
        )
    except actions.IntakeError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            "多機関協働へのつなぎを依頼しました。"
            if created
            else "この世帯にはすでに受付待ちの依頼があります。",
        )
    return redirect("people:household", household_id=hh.pk)


@login_required
@permission("intake.use")
@require_GET
def escalation_list(request: HttpRequest) -> HttpResponse:
    """The requests by state. 受理 is one step with opening the case (cases' open-from-request page
    accepts and opens, or joins the case already open); 見送る is decided here, with its reason."""
    staff = _staff(request)
    status = request.GET.get("status", EscalationStatus.PENDING)
    if status not in EscalationStatus.values:
        status = EscalationStatus.PENDING
    page = numbered_page(
        policy.visible_escalation_requests(staff)
        .filter(status=status)
        .select_related(
            "household", "person", "organization", "requested_by", "rule", "to_body", "handled_by"
        )
        .order_by("-requested_at", "-pk"),
        request.GET.get("page"),
        ESCALATION_PAGE_SIZE,
    )
    reqs = list(page.object_list)
    # The household is named by its head, for those people's policy lets find persons at all.
    heads = people_policy.household_heads(staff, {r.household_id for r in reqs})
    if reqs:
        audit.record(
            actor=staff,
            action="list",
            channel="view",
            objects=[("escalation_request", r.pk) for r in reqs]
            + [("household", r.household_id) for r in reqs]
            + [("person", p.pk) for p in heads.values()]
            + [("person", r.person_id) for r in reqs if r.person_id],
        )
    rows = [{"r": r, "head": heads.get(r.household_id)} for r in reqs]
    return render(
        request,
        "intake/escalations.html",
        {
            "rows": rows,
            "page": page,
            "status": status,
            "statuses": EscalationStatus.choices,
            "can_handle": staff.role in policy.ESCALATION_HANDLER_ROLES,
            "decline_form": DeclineEscalationForm(),
        },
    )


@login_required
@permission("intake.escalation.handle")
@require_POST
def decline_escalation(request: HttpRequest, request_id: int) -> HttpResponse:
    """見送る: the coordinator decides the household does not go to 多機関協働 now (with the reason)."""
    staff = _staff(request)
    if staff.role not in policy.ESCALATION_HANDLER_ROLES:
        raise PermissionDenied
    req = policy.get_escalation_request_for(staff, request_id)
    form = DeclineEscalationForm(request.POST)
    if not form.is_valid():
        messages.error(request, "見送る理由を対応メモに入力してください。")
        return redirect("intake:escalations")
    try:
        actions.decline_escalation(
            actor=staff, request=req, version=form.cleaned_data["version"], note=form.cleaned_data["note"]
        )
    except (actions.StaleEdit, actions.IntakeError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "依頼を見送りました。依頼した窓口の一覧に理由とともに表示されます。")
    return redirect("intake:escalations")
