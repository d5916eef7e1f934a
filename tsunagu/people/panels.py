"""Panels other apps add to the household page (people knows nothing of intake, cases …).

    register_household_panel(HouseholdPanelSource(key="cases.open_case", slot="summary", order=10,
                                                  build=case_panel))

`build(request, staff, household)` returns a `Panel` (a template, its context and the records showing it
reveals) or None when the panel has nothing for this staff member. The app decides inside `build` what
its own policy lets `staff` see; the household view adds `audit_objects` to the page's one audit row.

Slots: "summary" panels sit under the members (e.g. 「進行中のケースがあります」), "actions" panels above
the timeline (e.g. 多機関協働へつなぐ), "footer" panels after it (e.g. 新しい相談を受け付ける).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from tsunagu.accounts.models import Staff

from .models import Household

SLOTS = ("summary", "actions", "footer")


@dataclass(frozen=True)
class Panel:
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    audit_objects: tuple[tuple[str, int], ...] = ()


BuildFn = Callable[[HttpRequest, Staff, Household], Panel | None]


@dataclass(frozen=True)
class HouseholdPanelSource:
    key: str
    slot: str
    order: int
    build: BuildFn


_PANELS: dict[str, HouseholdPanelSource] = {}


def register_household_panel(source: HouseholdPanelSource) -> None:
    """Add a panel to the household page (idempotent for the same source object)."""
    if source.slot not in SLOTS:
        raise ValueError(f"unknown household panel slot {source.slot!r}")
    existing = _PANELS.get(source.key)
    if existing is not None and existing != source:
        raise ValueError(f"household panel {source.key!r} is already registered")
    _PANELS[source.key] = source


def build_panels(request: HttpRequest, staff: Staff, household: Household) -> dict[str, list[Panel]]:
    """The panels for this page by slot, in each slot's order."""
    out: dict[str, list[Panel]] = {slot: [] for slot in SLOTS}
    for source in sorted(_PANELS.values(), key=lambda s: (s.order, s.key)):
        panel = source.build(request, staff, household)
        if panel is not None:
            out[source.slot].append(panel)
    return out
