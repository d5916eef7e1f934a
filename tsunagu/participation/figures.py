"""Counts of participation support (第2号) for the official figures: what the business line did in a period.

Every record and match carries its business line (`business_line` = 第2号), so the figures count rows of
that line, never the app they happen to live in.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from django.db.models import Q

from tsunagu.municipalities.choices import BusinessLine
from tsunagu.municipalities.models import Municipality

from .models import FollowUp, Match, Stage, StageChange, SupportRecord


@dataclass(frozen=True)
class LineCounts:
    business_line: str
    people_supported: int  # distinct persons whose record was open at any time in the period
    records_opened: int  # records opened in the period
    proposals: int  # matches proposed in the period
    visits: int  # 見学 recorded in the period
    trials: int  # 体験 recorded in the period
    first_participations: int  # matches whose first 参加開始 falls in the period
    persons_participating: int  # distinct persons with a first participation in the period
    interruptions: int  # 中断 recorded in the period
    follow_ups: int  # follow-ups made in the period
    median_days_to_first_participation: float | None  # over the period's first participations


def business_line_counts(municipality: Municipality, start: dt.date, end: dt.date) -> LineCounts:
    """Counts under 第2号 for the period `start`–`end` (both days included)."""
    if end < start:
        raise ValueError("end is before start")
    line = BusinessLine.L2
    records = SupportRecord.objects.filter(municipality=municipality, business_line=line)
    matches = Match.objects.filter(municipality=municipality, business_line=line)
    # A record is "supported" in the period when it was opened by its end and either is still open or had
    # a stage change or follow-up in the period (a closed record's last activity bounds it).
    active_in_period = records.filter(created_at__date__lte=end).filter(
        Q(status="active")
        | Q(matches__changes__on__gte=start, matches__changes__on__lte=end)
        | Q(matches__follow_ups__on__gte=start, matches__follow_ups__on__lte=end)
    )
    changes = StageChange.objects.filter(
        municipality=municipality, business_line=line, on__gte=start, on__lte=end
    )
    firsts = matches.filter(first_participation_on__gte=start, first_participation_on__lte=end)
    days = [m.days_to_first_participation() for m in firsts.only("proposed_on", "first_participation_on")]
    return LineCounts(
        business_line=str(line),
        people_supported=active_in_period.values("person").distinct().count(),
        records_opened=records.filter(created_at__date__gte=start, created_at__date__lte=end).count(),
        proposals=matches.filter(proposed_on__gte=start, proposed_on__lte=end).count(),
        visits=changes.filter(to_stage=Stage.VISIT).count(),
        trials=changes.filter(to_stage=Stage.TRIAL).count(),
        first_participations=firsts.count(),
        persons_participating=firsts.values("record__person").distinct().count(),
        interruptions=changes.filter(to_stage=Stage.INTERRUPTED).count(),
        follow_ups=FollowUp.objects.filter(
            municipality=municipality, business_line=line, on__gte=start, on__lte=end
        ).count(),
        median_days_to_first_participation=statistics.median(d for d in days if d is not None)
        if days
        else None,
    )
