"""Community screens (地域づくり・第3号): overview per area, groups and their sittings, needs surfaced and
taken in as consultations, volunteer points ledgers.

Records are fetched through policy.py (404 for missing and forbidden alike); every page that shows a need
or a ledger is audited; every write is one action of actions.py.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.access import audit
from tsunagu.access.permissions import permission
from tsunagu.access.tenancy import current_municipality
from tsunagu.accounts.models import Staff
from tsunagu.core.pagination import numbered_page
from tsunagu.core.wareki import fiscal_year, fiscal_year_label
from tsunagu.intake import submission
from tsunagu.intake.forms import IntakeForm
from tsunagu.intake.models import Channel, ConsulterKind
from tsunagu.people import policy as people_policy
from tsunagu.people.actions import PersonInput
from tsunagu.people.forms import PersonSearchForm
from tsunagu.people.search import search_persons

from . import actions, figures, policy
from .forms import (
    EarnForm,
    ExistingVolunteerForm,
    NeedEditForm,
    NeedForm,
    RedeemForm,
    SittingCorrectionForm,
    SittingForm,
    TokenForm,
    VolunteerForm,
    YearForm,
)
from .models import EntryKind, PointEntry, Sitting, SurfacedNeed

PAGE_SIZE = 30
SEARCH_LIMIT = 20


def _staff(request: HttpRequest) -> Staff:
    staff = request.user
    assert isinstance(staff, Staff)
    current_municipality(request)
    return staff


def _year(request: HttpRequest) -> tuple[int, list[str]]:
    form = YearForm(request.GET)
    today_year = fiscal_year(timezone.localdate())
    if not form.is_valid():
        return today_year, ["年度は 2000〜2100 の半角数字で指定してください。今年度を表示しています。"]
    return form.cleaned_data["year"] or today_year, []


@login_required
@permission("community.view")
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Overview per area for a 年度 and the counts per 第3号 line; the groups of the city."""
    staff = _staff(request)
    muni = current_municipality(request)
    year, errors = _year(request)
    start, end = dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
    return render(
        request,
        "community/home.html",
        {
            "year": year,
            "year_label": fiscal_year_label(year),
            "errors": errors,
            "areas": figures.area_overview(muni, start, end),
            "lines": figures.business_line_counts(muni, start, end),
            "groups": policy.visible_groups(staff).prefetch_related("areas"),
            "programs": policy.visible_programs(staff),
        },
    )


@login_required
@permission("community.view")
@require_GET
def group(request: HttpRequest, group_id: int) -> HttpResponse:
    staff = _staff(request)
    g = policy.get_group_for(staff, group_id)
    sittings = policy.visible_sittings(staff).filter(group=g).order_by("-held_on", "-pk")
    page = numbered_page(sittings, request.GET.get("page"), PAGE_SIZE)
    may_record = policy.may_record(staff, g)
    form = SittingForm(municipality=g.municipality) if may_record else None
    return render(request, "community/group.html", {"group": g, "page": page, "form": form})


def _sitting_input(form: SittingForm) -> actions.SittingInput:
    d = form.cleaned_data
    return actions.SittingInput(
        held_on=d["held_on"],
        submission_token=d.get("submission_token") or uuid.uuid4(),
        place=d["place"],
        area=d["area"],
        residents=d["residents"] or 0,
        professionals=d["professionals"] or 0,
        volunteers=d["volunteers"] or 0,
        others=d["others"] or 0,
        topics=d["topics"],
    )


@login_required
@permission("community.record")
@require_http_methods(["GET", "POST"])
def correct_sitting(request: HttpRequest, sitting_id: int) -> HttpResponse:
    """Correct a sitting after the fact (訂正): the recorded values prefilled, the version and a reason."""
    staff = _staff(request)
    s = policy.get_sitting_for(staff, sitting_id)
    if not policy.may_record(staff, s.group):
        raise PermissionDenied
    initial = {f: getattr(s, f) for f in actions.CORRECTABLE if f != "area"}
    initial.update(area=s.area_id, version=s.version)
    form = SittingCorrectionForm(request.POST or None, initial=initial, municipality=s.municipality)
    if request.method == "POST" and form.is_valid():
        try:
            actions.correct_sitting(
                actor=staff,
                sitting=s,
                version=form.cleaned_data["version"],
                data=_sitting_input(form),
                reason=form.cleaned_data["reason"],
            )
        except actions.CommunityError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "開催の記録を訂正しました。")
            return redirect("community:sitting", sitting_id=s.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "community/sitting_correct.html", {"sitting": s, "form": form}, status=status)


@login_required
@permission("community.record")
@require_POST
def record_sitting(request: HttpRequest, group_id: int) -> HttpResponse:
    staff = _staff(request)
    g = policy.get_group_for(staff, group_id)
    if not policy.may_record(staff, g):
        raise PermissionDenied
    form = SittingForm(request.POST, municipality=g.municipality)
    if form.is_valid():
        try:
            sitting, created = actions.record_sitting(actor=staff, group=g, data=_sitting_input(form))
        except actions.CommunityError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, "開催を記録しました。" if created else "この開催はすでに記録されています。"
            )
            return redirect("community:sitting", sitting_id=sitting.pk)
    sittings = policy.visible_sittings(staff).filter(group=g).order_by("-held_on", "-pk")
    page = numbered_page(sittings, "1", PAGE_SIZE)
    return render(request, "community/group.html", {"group": g, "page": page, "form": form}, status=400)


def _audit_needs(request: HttpRequest, staff: Staff, needs: list[SurfacedNeed], kind: str) -> None:
    if needs:
        audit.record(
            actor=staff,
            action="view",
            objects=[("community_need", n.pk) for n in needs],
            detail={"kind": kind},
            request=request,
        )


def _sitting_page(
    request: HttpRequest, staff: Staff, sitting: Sitting, form: NeedForm | None, status: int = 200
) -> HttpResponse:
    needs = list(policy.visible_needs(staff).filter(sitting=sitting).select_related("area", "consultation"))
    _audit_needs(request, staff, needs, "community_sitting")
    may_record = policy.may_record(staff, sitting.group)
    if form is None and may_record:
        form = NeedForm(municipality=sitting.municipality)
    context = {"sitting": sitting, "needs": needs, "form": form if may_record else None}
    return render(request, "community/sitting.html", context, status=status)


@login_required
@permission("community.view")
@require_GET
def sitting(request: HttpRequest, sitting_id: int) -> HttpResponse:
    staff = _staff(request)
    return _sitting_page(request, staff, policy.get_sitting_for(staff, sitting_id), None)


@login_required
@permission("community.record")
@require_POST
def record_need(request: HttpRequest, sitting_id: int) -> HttpResponse:
    staff = _staff(request)
    s = policy.get_sitting_for(staff, sitting_id)
    if not policy.may_record(staff, s.group):
        raise PermissionDenied
    form = NeedForm(request.POST, municipality=s.municipality)
    if form.is_valid():
        d = form.cleaned_data
        try:
            _need, created = actions.record_need(
                actor=staff,
                sitting=s,
                text=d["text"],
                urgency=d["urgency"],
                area=d["area"],
                submission_token=d["submission_token"],
            )
        except actions.CommunityError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, "気づきを記録しました。" if created else "この気づきはすでに記録されています。"
            )
            return redirect("community:sitting", sitting_id=s.pk)
    return _sitting_page(request, staff, s, form, status=400)


@login_required
@permission("community.view")
@require_GET
def need(request: HttpRequest, need_id: int) -> HttpResponse:
    staff = _staff(request)
    n = policy.get_need_for(staff, need_id)
    _audit_needs(request, staff, [n], "community_need")
    return render(
        request, "community/need.html", {"need": n, "may_record": policy.may_record(staff, n.sitting.group)}
    )


@login_required
@permission("community.record")
@require_http_methods(["GET", "POST"])
def edit_need(request: HttpRequest, need_id: int) -> HttpResponse:
    """Edit a recorded need (気づき): the recorded text, urgency and area prefilled, with the version."""
    staff = _staff(request)
    n = policy.get_need_for(staff, need_id)
    if not policy.may_record(staff, n.sitting.group):
        raise PermissionDenied
    initial = {"text": n.text, "urgency": n.urgency, "area": n.area_id, "version": n.version}
    form = NeedEditForm(request.POST or None, initial=initial, municipality=n.municipality)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.edit_need(
                actor=staff,
                need=n,
                version=d["version"],
                text=d["text"],
                urgency=d["urgency"],
                area=d["area"],
            )
        except actions.CommunityError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "気づきの記録を直しました。")
            return redirect("community:need", need_id=n.pk)
    _audit_needs(request, staff, [n], "community_need_edit")
    status = 400 if request.method == "POST" else 200
    return render(request, "community/need_edit.html", {"need": n, "form": form}, status=status)


@login_required
@permission("community.record")
@require_http_methods(["GET", "POST"])
def need_intake(request: HttpRequest, need_id: int) -> HttpResponse:
    """Take a need in as a consultation: intake's own form, prefilled from the need; on save the need
    keeps the link (one transaction, actions.consultation_from_need)."""
    staff = _staff(request)
    if not people_policy.may_take_consultations(staff):
        raise PermissionDenied
    n = policy.get_need_for(staff, need_id)
    if not policy.may_record(staff, n.sitting.group):
        raise PermissionDenied
    if n.consultation_id is not None and request.method == "GET":
        messages.info(request, "この気づきはすでに相談として受け付けられています。")
        return redirect("community:need", need_id=n.pk)
    muni = current_municipality(request)
    initial: dict[str, Any] = {
        "note": f"【地域の気づき（{n.sitting.group.name}・{n.sitting.held_on:%Y-%m-%d}）】\n{n.text}",
        "channel": Channel.OUTREACH,
        "consulter_kind": ConsulterKind.OTHER,
        "consulter_note": n.sitting.group.name,
        "area": n.area_id,
    }
    form = IntakeForm(
        request.POST or None, initial=initial, municipality=muni, organization=staff.organization
    )
    entry = None
    if request.method == "POST":

        def record(actor: Staff, data: Any) -> Any:
            try:
                return actions.consultation_from_need(actor=actor, need=n, data=data)
            except actions.CommunityError as exc:
                raise submission.actions.IntakeError(str(exc)) from exc

        consultation, entry = submission.submit(request, staff, form, record)
        if consultation is not None:
            return submission.to_household(consultation)
    _audit_needs(request, staff, [n], "community_need_intake")
    return submission.render_form(request, staff, form, entry, {"origin_need": n})


# ---------------------------------------------------------------------------------------------
# Points ledgers


@login_required
@permission("community.record")
@require_GET
def points(request: HttpRequest) -> HttpResponse:
    staff = _staff(request)
    volunteers = policy.visible_volunteers(staff).order_by("program__sort_order", "person__family_kana", "pk")
    page = numbered_page(volunteers, request.GET.get("page"), PAGE_SIZE)
    shown = list(page.object_list)
    if shown:
        audit.record(
            actor=staff,
            action="list",
            objects=[("community_volunteer", v.pk) for v in shown] + [("person", v.person_id) for v in shown],
            request=request,
        )
    programs = [p for p in policy.visible_programs(staff) if policy.may_keep_ledger(staff, p)]
    balances = {v.pk: actions.balance(v) for v in shown}
    rows = [(v, balances[v.pk]) for v in shown]
    return render(
        request,
        "community/points.html",
        {"page": page, "rows": rows, "programs": programs, "form": VolunteerForm() if programs else None},
    )


@login_required
@permission("community.record")
@require_POST
def register_volunteer(request: HttpRequest, program_id: int) -> HttpResponse:
    staff = _staff(request)
    program = _ledger_program(staff, program_id)
    form = VolunteerForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        new = PersonInput(
            family_name=d["family_name"],
            given_name=d["given_name"],
            family_kana=d["family_kana"],
            given_kana=d["given_kana"],
            birth_date=d["birth_date"],
            sex=d["sex"],
        )
        try:
            volunteer, _created = actions.register_volunteer(
                actor=staff, program=program, registered_on=d["registered_on"], new_person=new
            )
        except actions.CommunityError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "ボランティアを登録しました。")
            return redirect("community:volunteer", volunteer_id=volunteer.pk)
    page = numbered_page(policy.visible_volunteers(staff).order_by("pk"), "1", PAGE_SIZE)
    programs = [p for p in policy.visible_programs(staff) if policy.may_keep_ledger(staff, p)]
    context = {"page": page, "rows": [], "programs": programs, "form": form}
    return render(request, "community/points.html", context, status=400)


def _ledger_program(staff: Staff, program_id: int) -> Any:
    """A points program whose ledgers `staff` keeps (所管・運営機関 or 束ね役); missing, another city's and
    someone else's program are the same 404."""
    programs = {p.pk: p for p in policy.visible_programs(staff) if policy.may_keep_ledger(staff, p)}
    program = programs.get(program_id)
    if program is None:
        raise Http404
    return program


@login_required
@permission("community.record")
@require_http_methods(["GET", "POST"])
def register_existing_volunteer(request: HttpRequest, program_id: int) -> HttpResponse:
    """Register a resident already in people: find them through people's search (POST, so that a name never
    lands in a URL), pick one; people's policy fetches the person, the action checks the city and audits."""
    staff = _staff(request)
    program = _ledger_program(staff, program_id)
    search = PersonSearchForm(request.POST if request.method == "POST" and "q" in request.POST else None)
    hits: list[Any] = []
    error = ""
    if request.method == "POST" and "person" in request.POST:
        pick = ExistingVolunteerForm(request.POST)
        if pick.is_valid():
            person = people_policy.get_person_for(staff, pick.cleaned_data["person"])
            try:
                volunteer, created = actions.register_volunteer(
                    actor=staff,
                    program=program,
                    registered_on=pick.cleaned_data["registered_on"],
                    person=person,
                )
            except actions.CommunityError as exc:
                error = str(exc)
            else:
                messages.success(
                    request,
                    f"{person.full_name} さんをボランティアに登録しました。"
                    if created
                    else f"{person.full_name} さんはこの制度にすでに登録されています。",
                )
                return redirect("community:volunteer", volunteer_id=volunteer.pk)
        else:
            error = (
                "本人を一覧から選んでください。"
                if "person" in pick.errors
                else "登録日: " + "".join(str(e) for e in pick.errors.get("registered_on", []))
            )
    elif search.is_bound and search.is_valid():
        hits = search_persons(
            people_policy.visible_persons(staff),
            search.cleaned_data["q"].replace("\x00", "").strip(),
            birth_date=search.cleaned_data["birth"],
            limit=SEARCH_LIMIT,
        )
    if hits:
        audit.record(
            actor=staff,
            action="list",
            channel="view",
            objects=[("person", h.person.pk) for h in hits],
            detail={"kind": "community_volunteer_search"},
            request=request,
        )
    bad = bool(error) or (search.is_bound and not search.is_valid())
    context = {
        "program": program,
        "search": search,
        "hits": hits,
        "error": error,
        "today": timezone.localdate(),
    }
    return render(request, "community/volunteer_pick.html", context, status=400 if bad else 200)


def _ledger(
    request: HttpRequest,
    staff: Staff,
    volunteer_id: int,
    earn: EarnForm | None = None,
    redeem: RedeemForm | None = None,
    status: int = 200,
) -> HttpResponse:
    v = policy.get_volunteer_for(staff, volunteer_id)
    entries = PointEntry.objects.filter(volunteer=v).select_related("reverses").order_by("-pk")
    page = numbered_page(entries, request.GET.get("page"), PAGE_SIZE)
    audit.record(
        actor=staff,
        action="view",
        objects=[("community_volunteer", v.pk), ("person", v.person_id)],
        detail={"kind": "points_ledger"},
        request=request,
    )
    program = v.program
    year = fiscal_year(timezone.localdate())
    return render(
        request,
        "community/volunteer.html",
        {
            "volunteer": v,
            "program": program,
            "page": page,
            "rows": [(e, uuid.uuid4()) for e in page],
            "balance": actions.balance(v),
            "earned_this_year": actions.earned_in_year(v, year),
            "year_label": fiscal_year_label(year),
            "reversed_ids": set(
                PointEntry.objects.filter(volunteer=v, reverses__isnull=False).values_list(
                    "reverses_id", flat=True
                )
            ),
            "earn": earn or EarnForm(per_activity=program.points_per_activity),
            "redeem": redeem or RedeemForm(),
            "REVERSAL": EntryKind.REVERSAL,
        },
        status=status,
    )


@login_required
@permission("community.record")
@require_GET
def volunteer(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    return _ledger(request, _staff(request), volunteer_id)


@login_required
@permission("community.record")
@require_POST
def earn(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    staff = _staff(request)
    v = policy.get_volunteer_for(staff, volunteer_id)
    form = EarnForm(request.POST, per_activity=v.program.points_per_activity)
    if form.is_valid():
        d = form.cleaned_data
        try:
            actions.earn_points(
                actor=staff,
                volunteer=v,
                on=d["on"],
                activity=d["activity"],
                activities=d["activities"],
                points=d.get("points"),
                submission_token=d["submission_token"],
            )
        except actions.CommunityError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "ポイントを付与しました。")
            return redirect("community:volunteer", volunteer_id=v.pk)
    return _ledger(request, staff, v.pk, earn=form, status=400)


@login_required
@permission("community.record")
@require_POST
def redeem(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    staff = _staff(request)
    v = policy.get_volunteer_for(staff, volunteer_id)
    form = RedeemForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            actions.redeem_points(
                actor=staff,
                volunteer=v,
                on=d["on"],
                points=d["points"],
                note=d["note"],
                submission_token=d["submission_token"],
            )
        except actions.CommunityError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "ポイントを交換しました。")
            return redirect("community:volunteer", volunteer_id=v.pk)
    return _ledger(request, staff, v.pk, redeem=form, status=400)


@login_required
@permission("community.record")
@require_POST
def reverse(request: HttpRequest, entry_id: int) -> HttpResponse:
    staff = _staff(request)
    entry = policy.get_entry_for(staff, entry_id)
    token_form = TokenForm(request.POST)
    if not token_form.is_valid():
        messages.error(request, "画面を開き直してから、もう一度操作してください。")
    else:
        try:
            actions.reverse_entry(
                actor=staff, entry=entry, submission_token=token_form.cleaned_data["submission_token"]
            )
        except actions.CommunityError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "取り消しました。")
    return redirect("community:volunteer", volunteer_id=entry.volunteer_id)
