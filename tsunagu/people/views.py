"""名寄せ screens: candidate list, side-by-side comparison with the merge form, merge history with split.

Nothing is merged without a person: even pairs where all four of 氏名・生年月日・性別・住所 agree
(「4項目一致」) are only listed here until staff compare them and confirm with a reason.
Every list and comparison records the person ids shown in the audit log before rendering (fail closed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from tsunagu.access import audit
from tsunagu.access.permissions import permission, register_permission
from tsunagu.access.tenancy import current_municipality
from tsunagu.accounts.models import Role, Staff
from tsunagu.core.numbers import parse_id
from tsunagu.core.pagination import numbered_page

from . import policy as person_policy
from .actions import MergeError, merge_persons, person_references, split_person
from .candidates import COUNT_LIMIT, StoredPair, candidate_page, latest_run, tab_count
from .forms import MergeForm, SplitForm
from .matching import PairResult, compare, records_from_queryset
from .models import Person, PersonMerge, PersonRelationship

# Window workers find duplicates as they take consultations; coordinators tidy them city-wide.
# Agency staff, managers, auditors and administrators do not merge identities (403).
register_permission("people.match", {Role.WINDOW_WORKER, Role.COORDINATOR})

PAGE_SIZE = 50
TABS = {
    "review": "名寄せ候補",
    "namesake": "同姓同名（別人の可能性）",
}


def _staff(request: HttpRequest) -> Staff:
    staff = request.user
    assert isinstance(staff, Staff)
    current_municipality(request)
    if not person_policy.may_take_consultations(staff):
        raise PermissionDenied
    return staff


@dataclass
class CandidateRow:
    result: StoredPair
    left: Person
    right: Person


@login_required
@permission("people.match")
@require_GET
def candidates(request: HttpRequest) -> HttpResponse:
    """Stored candidate pairs of the staff member's city, best score first, 50 a page (keyset).

    The pairs are computed by `manage.py match_persons` and refreshed when persons are written
    (tsunagu.people.candidates); this view only reads them, so it costs the same in a city of a million.
    """
    staff = _staff(request)
    tab = request.GET.get("view", "review")
    if tab not in TABS:
        tab = "review"
    assert staff.municipality_id is not None
    page = candidate_page(
        staff.municipality_id, tab, after=request.GET.get("after"), before=request.GET.get("before")
    )
    ids = sorted({i for r in page.pairs for i in r.pair})
    persons = person_policy.visible_persons(staff).in_bulk(ids)
    rows = [
        CandidateRow(r, persons[r.left_id], persons[r.right_id])
        for r in page.pairs
        if r.left_id in persons
        and r.right_id in persons
        and persons[r.left_id].merged_into_id is None
        and persons[r.right_id].merged_into_id is None
    ]
    shown = sorted({p.pk for row in rows for p in (row.left, row.right)})
    if rows:
        audit.record(
            actor=staff,
            action="list",
            channel="view",
            objects=[("person", i) for i in shown],
            detail={"kind": "person_match_candidates", "tab": tab, "first_page": page.first},
            request=request,
        )
    return render(
        request,
        "people/candidates.html",
        {
            "rows": rows,
            "page": page,
            "tab": tab,
            "tabs": [(key, label, tab_count(staff.municipality_id, key)) for key, label in TABS.items()],
            "count_limit": COUNT_LIMIT,
            "latest_run": latest_run(staff.municipality_id),
        },
    )


def _pair(staff: Staff, left: Person, right: Person) -> PairResult | None:
    """The matcher's view of the pair; None when either record is already merged into another."""
    recs = {
        r.id: r
        for r in records_from_queryset(
            person_policy.visible_persons(staff).filter(pk__in=[left.pk, right.pk])
        )
    }
    if len(recs) != 2:
        return None
    return compare(recs[left.pk], recs[right.pk])


def _field_rows(left: Person, right: Person) -> list[tuple[str, str, str, bool]]:
    def birth(p: Person) -> str:
        if p.birth_date:
            from tsunagu.core.templatetags.wareki import wareki

            return f"{wareki(p.birth_date)}（{p.birth_date:%Y-%m-%d}・{p.age()}歳）"
        return f"不明（推定{p.estimated_age}歳）" if p.estimated_age is not None else "不明"

    fields: list[tuple[str, Any]] = [
        ("氏名", lambda p: p.full_name),
        ("フリガナ", lambda p: p.full_kana or "（未入力）"),
        ("生年月日", birth),
        ("性別", lambda p: p.get_sex_display()),
        ("住所", lambda p: p.address or "（不明）"),
        ("地区", lambda p: p.area.name if p.area else ""),
        ("電話", lambda p: p.phone),
        ("国籍", lambda p: p.nationality),
        ("言語・通訳の必要", lambda p: p.language_needs),
        ("死亡", lambda p: "死亡" if p.deceased else ""),
        ("登録日時", lambda p: f"{timezone.localtime(p.created_at):%Y-%m-%d %H:%M}"),
        ("記録番号", lambda p: str(p.pk)),
    ]
    rows = []
    for label, get in fields:
        a, b = get(left), get(right)
        rows.append((label, a, b, a != b and label not in ("登録日時", "記録番号")))
    return rows


def _linked_counts(left: Person, right: Person) -> list[tuple[str, int, int]]:
    """How many rows of each kind refer to each record (household memberships, consultations …),
    found through the merge's reference registry so that people never imports the apps that refer to it.
    A model with two references to Person (relationships) is counted once per row and side."""
    totals: dict[str, list[int]] = {}
    for ref in person_references():
        counts = dict(
            ref.model._base_manager.filter(**{f"{ref.field}__in": [left.pk, right.pk]})
            .values_list(ref.field)
            .annotate(n=Count("pk"))
            .values_list(ref.field, "n")
        )
        if counts:
            row = totals.setdefault(str(ref.model._meta.verbose_name), [0, 0])
            row[0] += counts.get(left.pk, 0)
            row[1] += counts.get(right.pk, 0)
    return [(label, a, b) for label, (a, b) in totals.items()]


def _relationships(person: Person) -> list[tuple[str, PersonRelationship]]:
    rels = PersonRelationship.objects.filter(Q(person_a=person) | Q(person_b=person)).select_related(
        "person_a", "person_b"
    )
    return [(rel.label_from(person.pk), rel) for rel in rels]


def _render_compare(
    request: HttpRequest,
    staff: Staff,
    left: Person,
    right: Person,
    form: MergeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    pair = _pair(staff, left, right)
    namesake = bool(pair and pair.namesake)
    if form is None:
        form = MergeForm(initial={"left": left.pk, "right": right.pk}, namesake=namesake)
    memberships = {
        p.pk: list(p.memberships.select_related("household").order_by("household_id")) for p in (left, right)
    }
    audit.record(
        actor=staff,
        action="view",
        channel="view",
        objects=[("person", left.pk), ("person", right.pk)],
        detail={"kind": "person_compare"},
        request=request,
    )
    return render(
        request,
        "people/compare.html",
        {
            "left": left,
            "right": right,
            "pair": pair,
            "namesake": namesake,
            "merged": left.merged_into_id is not None or right.merged_into_id is not None,
            "fields": _field_rows(left, right),
            "linked": _linked_counts(left, right),
            "left_memberships": memberships[left.pk],
            "right_memberships": memberships[right.pk],
            "left_relationships": _relationships(left),
            "right_relationships": _relationships(right),
            "form": form,
        },
        status=status,
    )


@login_required
@permission("people.match")
@require_GET
def compare_view(request: HttpRequest, left_id: int, right_id: int) -> HttpResponse:
    """Two records side by side: every field, the matcher's evidence, households, linked records, merge form."""
    staff = _staff(request)
    if left_id == right_id:
        messages.error(request, "同じ記録どうしは比較できません。")
        return redirect("people:candidates")
    left = person_policy.get_person_for(staff, left_id)
    right = person_policy.get_person_for(staff, right_id)
    return _render_compare(request, staff, left, right)


@login_required
@permission("people.match")
@require_POST
def merge(request: HttpRequest) -> HttpResponse:
    """Merge after comparison: staff chose the record to keep and gave a reason; versions guard staleness."""
    staff = _staff(request)
    left_id, right_id = parse_id(request.POST.get("left", "")), parse_id(request.POST.get("right", ""))
    if left_id is None or right_id is None:
        raise Http404
    if left_id == right_id:
        messages.error(request, "同じ記録どうしは名寄せできません。")
        return redirect("people:candidates")
    left = person_policy.get_person_for(staff, left_id)
    right = person_policy.get_person_for(staff, right_id)
    pair = _pair(staff, left, right)
    form = MergeForm(request.POST, namesake=bool(pair and pair.namesake))
    if not form.is_valid():
        return _render_compare(request, staff, left, right, form, status=400)
    d = form.cleaned_data
    keep, absorb = (left, right) if d["keep"] == "left" else (right, left)
    keep_version, absorb_version = (
        (d["left_version"], d["right_version"])
        if d["keep"] == "left"
        else (d["right_version"], d["left_version"])
    )
    try:
        merge_persons(
            actor=staff,
            keep=keep,
            absorb=absorb,
            reason=d["reason"],
            keep_version=keep_version,
            absorb_version=absorb_version,
        )
    except MergeError as exc:
        form.add_error(None, str(exc))
        left.refresh_from_db()
        right.refresh_from_db()
        return _render_compare(request, staff, left, right, form, status=409)
    messages.success(
        request,
        f"名寄せしました（記録番号 {absorb.pk} を {keep.pk} に統合）。誤りだった場合は下の一覧から取り消せます。",
    )
    return redirect("people:merges")


def _visible_merges(staff: Staff) -> Any:
    # Merges are scoped through the persons access lets this staff member see (their municipality).
    return PersonMerge.objects.filter(kept__in=person_policy.visible_persons(staff))


@login_required
@permission("people.match")
@require_GET
def merges(request: HttpRequest) -> HttpResponse:
    """The city's merges, newest first, each with a split (undo) form while it stands."""
    staff = _staff(request)
    page = numbered_page(
        _visible_merges(staff)
        .select_related("kept", "absorbed", "merged_by", "split_by")
        .order_by("-merged_at", "-pk"),
        request.GET.get("page"),
        PAGE_SIZE,
    )
    shown = list(page.object_list)
    if shown:
        audit.record(
            actor=staff,
            action="list",
            channel="view",
            objects=[("person", pk) for m in shown for pk in (m.kept_id, m.absorbed_id)]
            + [("personmerge", m.pk) for m in shown],
            detail={"kind": "person_merge_history", "page": page.number},
            request=request,
        )
    return render(request, "people/merges.html", {"page": page, "merges": shown, "split_form": SplitForm()})


@login_required
@permission("people.match")
@require_POST
def split(request: HttpRequest, merge_id: int) -> HttpResponse:
    """Undo one merge with a reason (the action moves exactly the recorded rows back and audits it)."""
    staff = _staff(request)
    record = _visible_merges(staff).filter(pk=merge_id).first()
    if record is None:
        raise Http404
    form = SplitForm(request.POST)
    if not form.is_valid():
        messages.error(request, "取り消しの理由を入力してください。")
        return redirect("people:merges")
    try:
        split_person(actor=staff, merge_record=record, reason=form.cleaned_data["reason"])
    except MergeError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"名寄せを取り消しました（記録番号 {record.absorbed_id} を元に戻しました）。"
        )
    return redirect("people:merges")
