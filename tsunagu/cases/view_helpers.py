"""What the case screens share: the signed-in staff member, the coordinator check, the audited read
of a case and the way back to its page. Used by `views.py` and `record_views.py`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from tsunagu.access import audit
from tsunagu.access.permissions import has_permission
from tsunagu.access.tenancy import current_municipality
from tsunagu.accounts.models import Staff
from tsunagu.people.models import Household, Person

from . import actions
from .models import Case, CaseStatus


def staff_of(request: HttpRequest) -> Staff:
    staff = request.user
    assert isinstance(staff, Staff)
    current_municipality(request)
    return staff


def may_coordinate(staff: Staff) -> bool:
    """Whether `staff` holds `cases.coordinate` (束ね役). Lifecycle, team, consent, plan and closure of a
    case belong to any 束ね役 who may see it (the views fetch it through the policy first) — its own
    coordinator, or a colleague covering through the team, a meeting or break-glass — not only to the
    case's named coordinator. Each write is audited under the name of whoever made it."""
    return has_permission(staff, "cases.coordinate")


def require_coordinator(staff: Staff) -> None:
    if not may_coordinate(staff):
        raise PermissionDenied("only coordinators")


def household_members(household: Household) -> QuerySet[Person]:
    return Person.objects.filter(memberships__household=household).order_by("memberships__pk")


def audit_case_read(
    request: HttpRequest, staff: Staff, case: Case, *more: tuple[str, int], **detail: Any
) -> None:
    audit.record(
        actor=staff,
        action="view",
        objects=[("case", case.pk), ("household", case.household_id), *more],
        detail=detail or None,
        request=request,
    )


def refuse_if_closed(request: HttpRequest, case: Case, anchor: str = "") -> HttpResponse | None:
    """The edit screens of a closed case answer with the reason and the way back, not with a form."""
    if case.status != CaseStatus.CLOSED:
        return None
    messages.error(request, actions.CLOSED_MESSAGE)
    return to_detail(case, anchor)


def to_detail(case: Case, anchor: str = "") -> HttpResponse:
    response = redirect("cases:detail", case_id=case.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response
