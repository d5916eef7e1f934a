"""The household page (世帯の記録): members, family relationships, panels and the timeline other apps fill.

Members and relationships are people's own; everything else comes through the registries of
`timeline.py` (entries) and `panels.py` (e.g. 多機関協働へつなぐ, 進行中のケース), each filtered by the
policy of the app that registered it. One audit row per page names exactly what the page shows, and is
written before anything is rendered (fail closed).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from tsunagu.access import audit
from tsunagu.access.permissions import permission
from tsunagu.access.tenancy import current_municipality
from tsunagu.accounts.models import Staff

from . import policy
from .actions import (
    PeopleError,
    PersonAttributes,
    RelationshipError,
    add_relationship,
    update_person_attributes,
)
from .diagrams import household_diagrams
from .forms import MemberAttributesForm, RelationshipForm
from .models import relationships_for_household
from .page import for_page
from .page import members as household_members
from .panels import build_panels
from .timeline import Cursor, timeline_page


def _staff(request: HttpRequest) -> Staff:
    staff = request.user
    assert isinstance(staff, Staff)
    current_municipality(request)
    if not policy.may_take_consultations(staff):
        raise PermissionDenied
    return staff


@login_required
@permission("people.household")
@require_GET
def household(request: HttpRequest, household_id: int) -> HttpResponse:
    """Members, relationships, panels and one page of the timeline (?before=<cursor> for older entries)."""
    staff = _staff(request)
    hh = for_page(policy.get_household_for(staff, household_id))
    before = Cursor.decode(request.GET.get("before"))
    # Members, relationships and what the panels share are read once for the page (`page.once`).
    members = household_members(hh)
    relationships = relationships_for_household(hh, [m.person_id for m in members])
    page = timeline_page(staff, hh, before)
    panels = build_panels(request, staff, hh)
    # The genogram and ecomap on the first page only (older timeline pages are for reading back).
    diagrams = (
        household_diagrams(hh, staff=staff, members=members, relationships=relationships)
        if before is None
        else None
    )
    person_ids = sorted(
        {m.person_id for m in members}
        | {r.person_a_id for r in relationships}
        | {r.person_b_id for r in relationships}
        | set(diagrams.person_ids if diagrams else ())
    )
    panel_objects = [ref for slot in panels.values() for p in slot for ref in p.audit_objects]
    shown: dict[tuple[str, int], None] = dict.fromkeys(
        [("household", hh.pk), *[("person", i) for i in person_ids], *page.audit_objects(), *panel_objects]
    )
    audit.record(
        actor=staff,
        action="view",
        objects=list(shown),
        detail={"screen": "household", "older_page": before is not None, "entries": len(page.entries)},
        request=request,
    )
    return render(
        request,
        "people/household.html",
        {
            "household": hh,
            "members": members,
            "relationships": [(r, r.person_a, r.get_kind_display(), r.person_b) for r in relationships],
            "relationship_form": RelationshipForm(members=[m.person for m in members]),
            "page": page,
            "panels": panels,
            "diagrams": diagrams,
        },
    )


@login_required
@permission("people.household")
@require_POST
def add_household_relationship(request: HttpRequest, household_id: int) -> HttpResponse:
    """Record how two members of the household are related (for the genogram)."""
    staff = _staff(request)
    hh = policy.get_household_for(staff, household_id)
    members = [m.person for m in hh.members.select_related("person")]
    form = RelationshipForm(request.POST, members=members)
    if not form.is_valid():
        messages.error(
            request,
            "関係を登録できませんでした: " + " ".join(str(e) for errs in form.errors.values() for e in errs),
        )
        return redirect("people:household", household_id=hh.pk)
    d = form.cleaned_data
    try:
        add_relationship(
            actor=staff,
            person_a=d["person_a"],
            person_b=d["person_b"],
            kind=d["kind"],
            living_together=d["living_together"],
            ended=d["ended"],
            note=d["note"],
        )
    except RelationshipError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "家族関係を登録しました。")
    return redirect("people:household", household_id=hh.pk)


@login_required
@permission("people.household")
@require_POST
def member_attributes(request: HttpRequest, household_id: int, person_id: int) -> HttpResponse:
    """Record a member's disability, nationality and language need (counted by the escalation rules)."""
    staff = _staff(request)
    hh = policy.get_household_for(staff, household_id)
    member = policy.get_for_members(hh, person_id)
    form = MemberAttributesForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "記録できませんでした: " + " ".join(str(e) for errs in form.errors.values() for e in errs),
        )
        return redirect("people:household", household_id=hh.pk)
    d = form.cleaned_data
    data = PersonAttributes(
        disability=d["disability"], nationality=d["nationality"], language_needs=d["language_needs"]
    )
    try:
        update_person_attributes(actor=staff, person=member.person, version=d["version"], data=data)
    except PeopleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{member.person.full_name}さんの障害・国籍・言語を記録しました。")
    return redirect("people:household", household_id=hh.pk)
