"""What participation adds to people's household page: each stage change of a match (提案, 見学, 体験,
参加開始, 中断, 終了) on the household timeline — only for records the reader may read
(`policy.visible_records`). The receiving side sees nothing here: its view is the match page alone.

Registered in ParticipationConfig.ready()."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest

from tsunagu.access.scope import casework
from tsunagu.accounts.models import Staff
from tsunagu.people.models import Household
from tsunagu.people.page import members as household_members
from tsunagu.people.panels import HouseholdPanelSource, Panel
from tsunagu.people.timeline import TimelineEntry, TimelineSource

from .models import StageChange, SupportRecord
from .policy import visible_records

STAGES = "participation.stage"


def stage_rows(staff: Staff, household: Household) -> QuerySet[StageChange]:
    readable = visible_records(staff).filter(household=household)
    return StageChange.objects.filter(municipality_id=household.municipality_id, match__record__in=readable)


def stage_entries(staff: Staff, household: Household, rows: QuerySet[StageChange]) -> Sequence[TimelineEntry]:
    rows = rows.select_related("match__resource", "match__record__person", "by")
    return [
        TimelineEntry(
            at=c.at,
            source=STAGES,
            pk=c.pk,
            template="participation/_timeline_stage.html",
            obj=c,
            audit_objects=(
                ("supportrecord", c.match.record_id),
                ("match", c.match_id),
                ("person", c.match.record.person_id),
            ),
            label="参加支援",
        )
        for c in rows
    ]


TIMELINE_SOURCES = (
    TimelineSource(key=STAGES, label="参加支援", rows=stage_rows, at_field="at", entries=stage_entries),
)


def participation_panel(request: HttpRequest, staff: Staff, household: Household) -> Panel | None:
    """参加支援 per member: a link to the record the reader may read, else 「参加支援を始める」. A member whose
    record the reader may not read gets neither (the record is another organization's)."""
    if casework(staff) is None:
        return None
    persons = [m.person for m in household_members(household) if not m.person.deceased]
    if not persons:
        return None
    # One query: every record of these persons, each marked whether the reader may read it
    # (`policy.visible_records`); an unreadable one is only counted as existing and never shown.
    records = SupportRecord.objects.filter(
        municipality_id=household.municipality_id, person__in=[p.pk for p in persons]
    ).annotate(readable=Exists(visible_records(staff).filter(pk=OuterRef("pk"))))
    readable: dict[int, SupportRecord] = {}
    existing: set[int] = set()
    for r in records:
        existing.add(r.person_id)
        if r.readable:
            readable[r.person_id] = r
    rows = [
        {"person": p, "record": readable.get(p.pk)}
        for p in persons
        if p.pk in readable or p.pk not in existing
    ]
    return Panel(
        template="participation/_household_panel.html",
        context={"rows": rows},
        audit_objects=tuple(("supportrecord", r.pk) for r in readable.values()),
    )


PANELS = (
    HouseholdPanelSource(key="participation.members", slot="actions", order=40, build=participation_panel),
)
