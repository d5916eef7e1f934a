"""Generic scoping helpers for `visible_…(staff)` / `get_…_for(staff, id)` functions, and break-glass.

Feature code writes its own `visible_x(staff)` on top of `scoped()` and its `get_x_for(staff, id)` with
`get_for()`, so that every read of personal data is limited to the staff member's municipality and
answers the same 404 for "missing" and "not yours".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.apps import apps
from django.db import models
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from .models import BreakGlassGrant
from .permissions import CASEWORK

M = TypeVar("M", bound=models.Model)

# Record types that emergency access may open: type name → "app_label.ModelName". Feature apps add
# theirs with register_break_glass_type("case", "cases.Case").
BREAK_GLASS_TYPES: dict[str, str] = {
    "person": "people.Person",
    "household": "people.Household",
}


def register_break_glass_type(obj_type: str, model_label: str) -> None:
    BREAK_GLASS_TYPES[obj_type] = model_label


def in_municipality(staff: Any) -> bool:
    return bool(getattr(staff, "is_active", False) and getattr(staff, "municipality_id", None))


@dataclass(frozen=True)
class Casework:
    """The ids a policy filters by, for a staff member who may read personal records at all."""

    municipality_id: int
    organization_id: int


def casework(staff: Any) -> Casework | None:
    """Active staff of a municipality and an organization, in a casework role (相談員, 束ね役, 関係機関職員):
    the only staff who may read personal records at all. Every app's policy starts from this; None for
    anyone else (managers, auditors, administrators, disabled accounts, staff without an organization)."""
    if not in_municipality(staff) or staff.role not in CASEWORK:
        return None
    organization_id = getattr(staff, "organization_id", None)
    if not organization_id:
        return None
    return Casework(int(staff.municipality_id), int(organization_id))


def in_casework(staff: Any) -> bool:
    """See `casework`."""
    return casework(staff) is not None


def scoped(staff: Any, queryset: QuerySet[M]) -> QuerySet[M]:
    """Only rows of the staff member's municipality (none for accounts without one or disabled)."""
    if not in_municipality(staff):
        return queryset.none()
    return queryset.filter(municipality_id=staff.municipality_id)


def get_for(queryset: QuerySet[M], obj_id: Any) -> M:
    """The row with this id from an already-scoped queryset, or 404 — the same for missing and forbidden."""
    try:
        pk = int(obj_id)
    except (TypeError, ValueError):
        raise Http404 from None
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def active_break_glass(staff: Any, obj_type: str | None = None) -> QuerySet[BreakGlassGrant]:
    if not in_municipality(staff):
        return BreakGlassGrant.objects.none()
    qs = BreakGlassGrant.objects.filter(
        municipality_id=staff.municipality_id,
        staff_id=staff.pk,
        ended_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    if obj_type is not None:
        qs = qs.filter(obj_type=obj_type)
    return qs


def has_break_glass(staff: Any, obj_type: str, obj_id: int) -> bool:
    """True while the staff member holds an unexpired, unended emergency grant for this record."""
    return active_break_glass(staff, obj_type).filter(obj_id=obj_id).exists()


def break_glass_ids(staff: Any, obj_type: str) -> QuerySet[Any]:
    """Ids the staff member may open under emergency access, for `Q(pk__in=...)` in visible_… helpers."""
    return active_break_glass(staff, obj_type).values_list("obj_id", flat=True)


def break_glass_target(staff: Any, obj_type: str, obj_id: int) -> models.Model | None:
    """The record an emergency request names, if it exists in the staff member's municipality."""
    label = BREAK_GLASS_TYPES.get(obj_type)
    if label is None or not in_municipality(staff):
        return None
    model = apps.get_model(label)
    return model._default_manager.filter(municipality_id=staff.municipality_id, pk=obj_id).first()
