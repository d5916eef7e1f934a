"""The 年度's figures of the second and third pillars and of outreach (第2号・第3号・第4号), for the manager's
overview: counts only, each computed by the app that owns the records (its `figures` module)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tsunagu.community import figures as community_figures
from tsunagu.municipalities.models import Municipality
from tsunagu.outreach import figures as outreach_figures
from tsunagu.outreach.models import Outcome
from tsunagu.participation import figures as participation_figures


@dataclass(frozen=True)
class PillarFigures:
    start: dt.date
    end: dt.date  # the 年度's last day, or today while the 年度 runs
    outreach: outreach_figures.LineCounts
    outreach_outcomes: list[tuple[str, int]]  # (label, engagements closed with it)
    participation: participation_figures.LineCounts
    community: list[community_figures.LineCount]


def pillar_figures(municipality: Municipality, *, year: int, today: dt.date) -> PillarFigures:
    """Figures for 年度 `year` (April to March), up to `today` when the 年度 has not ended."""
    start = dt.date(year, 4, 1)
    end = min(dt.date(year + 1, 3, 31), max(today, start))
    outreach = outreach_figures.business_line_counts(municipality, start, end)
    outcomes = [(str(label), outreach.closed_by_outcome.get(value, 0)) for value, label in Outcome.choices]
    return PillarFigures(
        start=start,
        end=end,
        outreach=outreach,
        outreach_outcomes=outcomes,
        participation=participation_figures.business_line_counts(municipality, start, end),
        community=community_figures.business_line_counts(municipality, start, end),
    )
