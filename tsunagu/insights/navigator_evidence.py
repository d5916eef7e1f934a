"""Evidence for the public navigator: where the city's own closed cases with a concern were taken up.

Only aggregates leave this module, never a person, a household or a case: for a concern, the number of
closed 多機関協働 cases whose household had a consultation about it, split by the window that first took the
consultation and by the organization that led the case at its closure. Counts are published under the
small-cell rule:

- a table whose total is below the city's threshold (Municipality.small_cell_threshold, default 10) is not
  shown at all;
- a cell below the threshold is hidden (primary suppression);
- because the total is shown, the hidden cells' sum can be derived: further cells are hidden, smallest first,
  until the hidden cells are at least two and together reach the threshold (complementary suppression), so no
  hidden cell — and no group of hidden cells smaller than the threshold — can be worked out.
- only cases closed before the first day of the current month count, so the figures change at most once a
  month and a day-to-day difference cannot single out one newly closed case.

The navigator imports this module only (import-linter: navigator never imports people/intake/cases).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Min
from django.utils import timezone

from tsunagu.cases.models import Case, CaseStatus, CaseTeamMember, TeamRole
from tsunagu.intake.models import Consultation
from tsunagu.municipalities.models import Municipality


@dataclass(frozen=True)
class Cell:
    label: str
    count: int


@dataclass(frozen=True)
class SuppressedTable:
    """Published cells (largest first), and whether some cells were hidden."""

    total: int
    cells: tuple[Cell, ...]
    hidden: bool


@dataclass(frozen=True)
class ConcernEvidence:
    concern_code: str
    total: int
    windows: SuppressedTable
    organizations: SuppressedTable


def suppress(counts: dict[str, int], threshold: int) -> SuppressedTable | None:
    """Apply the small-cell rule to one table of counts that partitions a shown total.

    Returns None when the total itself is below the threshold (nothing may be shown).
    """
    total = sum(counts.values())
    if total < threshold:
        return None
    present = sorted(((label, n) for label, n in counts.items() if n > 0), key=lambda x: (x[1], x[0]))
    hidden = {label for label, n in present if n < threshold}
    if hidden:
        shown = [(label, n) for label, n in present if label not in hidden]
        # Complementary: hide the smallest shown cells until the hidden group is ≥ 2 cells and ≥ threshold.
        while shown and (len(hidden) < 2 or sum(counts[h] for h in hidden) < threshold):
            label, _ = shown.pop(0)
            hidden.add(label)
    cells = tuple(
        Cell(label, n) for label, n in sorted(present, key=lambda x: (-x[1], x[0])) if label not in hidden
    )
    return SuppressedTable(total=total, cells=cells, hidden=bool(hidden))


def cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """The first instant of the current month (local time): later closures are not counted yet."""
    local = timezone.localtime(now or timezone.now())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def evidence_for(
    municipality: Municipality, concern_codes: list[str], now: dt.datetime | None = None
) -> list[ConcernEvidence]:
    """Suppressed evidence for each concern (only those with a publishable total are returned)."""
    threshold = max(3, municipality.small_cell_threshold or 10)
    closed = Case.objects.filter(
        municipality=municipality, status=CaseStatus.CLOSED, closed_at__lt=cutoff(now)
    ).values_list("id", "household_id", "closed_at")
    cases = list(closed)
    if not cases:
        return []
    households = {h for _, h, _ in cases}
    # The earliest consultation about each (household, concern) and the window that took it.
    first = (
        Consultation.objects.filter(
            municipality=municipality, household_id__in=households, concerns__code__in=concern_codes
        )
        .values("household_id", "concerns__code")
        .annotate(first_at=Min("received_at"))
    )
    first_at = {(row["household_id"], row["concerns__code"]): row["first_at"] for row in first}
    window_of: dict[tuple[int, str], str] = {}
    for row in Consultation.objects.filter(
        municipality=municipality, household_id__in=households, concerns__code__in=concern_codes
    ).values("household_id", "concerns__code", "received_at", "window__name"):
        key = (row["household_id"], row["concerns__code"])
        if first_at.get(key) == row["received_at"]:
            window_of.setdefault(key, row["window__name"])
    lead_of: dict[int, str] = {}
    for lead in (
        CaseTeamMember.objects.filter(
            municipality=municipality, case_id__in=[c for c, _, _ in cases], role=TeamRole.LEAD
        )
        .order_by("added_at", "id")
        .values("case_id", "organization__name", "removed_at", "case__closed_at")
    ):
        # The lead at closure: added before it and not removed before it.
        removed, closed_at = lead["removed_at"], lead["case__closed_at"]
        if removed is None or closed_at is None or removed >= closed_at:
            lead_of.setdefault(lead["case_id"], lead["organization__name"])
    result = []
    for code in concern_codes:
        windows: dict[str, int] = {}
        orgs: dict[str, int] = {}
        for case_id, household_id, closed_at in cases:
            at = first_at.get((household_id, code))
            if at is None or at > closed_at:
                continue
            w = window_of.get((household_id, code)) or "（記録なし）"
            windows[w] = windows.get(w, 0) + 1
            o = lead_of.get(case_id) or "（記録なし）"
            orgs[o] = orgs.get(o, 0) + 1
        by_window = suppress(windows, threshold)
        by_org = suppress(orgs, threshold)
        if by_window is None or by_org is None:
            continue
        result.append(ConcernEvidence(code, by_window.total, by_window, by_org))
    return result
