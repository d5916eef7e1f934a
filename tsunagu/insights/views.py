"""The manager's overview of the city's workload: counts only (tsunagu/insights/workload.py)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from tsunagu.access import audit
from tsunagu.access.models import AuditAction
from tsunagu.access.permissions import permission
from tsunagu.accounts.models import Staff
from tsunagu.core.wareki import fiscal_year, fiscal_year_label

from . import pillars, workload

BAD_YEAR = "年度の指定を読み取れませんでした。今年度を表示しています。"


def _year(raw: str | None, years: list[int], current: int) -> tuple[int, str]:
    """The 年度 asked for in ?fy=2025, or the current one with a message when it is not one we offer."""
    if raw is None or raw == "":
        return current, ""
    if raw.isascii() and raw.isdigit() and len(raw) == 4 and int(raw) in years:
        return int(raw), ""
    return current, BAD_YEAR


@permission("insights.overview")
def overview(request: HttpRequest) -> HttpResponse:
    staff: Staff = request.user  # type: ignore[assignment]
    if staff.municipality is None:
        raise Http404
    today = timezone.localdate()
    current = fiscal_year(today)
    years = workload.fiscal_years_with_data(staff.municipality, today)
    year, year_error = _year(request.GET.get("fy"), years, current)
    data = workload.workload(staff.municipality, today=today, year=year, years=years)
    # An aggregate read: no record is shown, so no object is named; the kind and 年度 say what was seen.
    audit.record(
        actor=staff,
        action=AuditAction.VIEW,
        objects=[],
        detail={"kind": "workload_overview", "aggregate": True, "fiscal_year": year},
        request=request,
    )
    return render(
        request,
        "insights/overview.html",
        {
            "w": data,
            "p": pillars.pillar_figures(staff.municipality, year=year, today=today),
            "year_error": year_error,
            "current_year": current,
            "year_options": [(y, fiscal_year_label(y)) for y in years],
        },
    )
