"""Figures of the community pillar for the official counts: sittings, participants and needs per 第3号
business line, and the overview per area. Aggregates only: no personal data leaves this module."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum

from tsunagu.directory.community_models import COMMUNITY_LINES
from tsunagu.directory.models import CommunityGroup
from tsunagu.municipalities.choices import BusinessLine
from tsunagu.municipalities.models import Area, Municipality

from .models import Sitting, SurfacedNeed

PARTICIPANT_COLUMNS = ("residents", "professionals", "volunteers", "others")
NO_LINE = ""  # groups whose profile entry names no line (区分の記載なし)


@dataclass
class LineCount:
    line: str
    sittings: int = 0
    participants: int = 0
    needs: int = 0
    needs_to_consultation: int = 0

    @property
    def label(self) -> str:
        return BusinessLine.short_label(self.line) if self.line else "区分の記載なし"


def _participants(row: dict[str, int | None]) -> int:
    return sum(int(row.get(c) or 0) for c in PARTICIPANT_COLUMNS)


def business_line_counts(municipality: Municipality, start: dt.date, end: dt.date) -> list[LineCount]:
    """Sittings held from `start` to `end` (inclusive), their participants and the needs they surfaced
    (and how many of those became consultations), per 第3号 line in the law's order; one row per line,
    zeros included, plus 区分の記載なし when a group without a line sat."""
    counts = {line: LineCount(line) for line in COMMUNITY_LINES}
    sittings = Sitting.objects.filter(municipality=municipality, held_on__range=(start, end))
    for row in sittings.values("group__business_line").annotate(
        n=Count("pk"), **{c: Sum(c) for c in PARTICIPANT_COLUMNS}
    ):
        c = counts.setdefault(row["group__business_line"], LineCount(row["group__business_line"]))
        c.sittings += row["n"]
        c.participants += _participants(row)
    needs = SurfacedNeed.objects.filter(municipality=municipality, sitting__held_on__range=(start, end))
    for row in needs.values("sitting__group__business_line").annotate(
        n=Count("pk"), linked=Count("pk", filter=Q(consultation__isnull=False))
    ):
        line = row["sitting__group__business_line"]
        c = counts.setdefault(line, LineCount(line))
        c.needs += row["n"]
        c.needs_to_consultation += row["linked"]
    return [counts[k] for k in (*COMMUNITY_LINES, NO_LINE) if k in counts]


@dataclass
class AreaRow:
    area: Area | None
    groups: int = 0
    sittings: int = 0
    participants: int = 0
    needs: int = 0
    needs_to_consultation: int = 0
    group_names: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.area.name if self.area else "地区の指定なし"


def area_overview(municipality: Municipality, start: dt.date, end: dt.date) -> list[AreaRow]:
    """Per area (the city's areas in order, then 地区の指定なし): groups active there, sittings held in
    the period, participants, needs surfaced and needs that became consultations."""
    rows: dict[int | None, AreaRow] = {
        a.pk: AreaRow(a) for a in Area.objects.filter(municipality=municipality, active=True)
    }
    rows[None] = AreaRow(None)
    groups = CommunityGroup.objects.filter(municipality=municipality, active=True).prefetch_related("areas")
    for g in groups:
        keys: list[int | None] = [a.pk for a in g.areas.all() if a.pk in rows]
        for key in keys or [None]:
            rows[key].groups += 1
            rows[key].group_names.append(g.name)
    sittings = Sitting.objects.filter(municipality=municipality, held_on__range=(start, end))
    for row in sittings.values("area_id").annotate(n=Count("pk"), **{c: Sum(c) for c in PARTICIPANT_COLUMNS}):
        target = rows.setdefault(row["area_id"], AreaRow(None))
        target.sittings += row["n"]
        target.participants += _participants(row)
    needs = SurfacedNeed.objects.filter(municipality=municipality, sitting__held_on__range=(start, end))
    for row in needs.values("area_id").annotate(
        n=Count("pk"), linked=Count("pk", filter=Q(consultation__isnull=False))
    ):
        target = rows.setdefault(row["area_id"], AreaRow(None))
        target.needs += row["n"]
        target.needs_to_consultation += row["linked"]
    return [r for r in rows.values() if r.area is not None or r.groups or r.sittings or r.needs]
