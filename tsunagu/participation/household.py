"""What participation adds to people's household page: each stage change of a match (提案, 見学, 体験,
参加開始, 中断, 終了) on the household timeline — only for records the reader may read
(`policy.visible_records`). The receiving side sees nothing here: its view is the match page alone.

Registered in ParticipationConfig.ready()."""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpRequest

from tsunagu.access.scope import casework
from tsunagu.accounts.models import Staff
from tsunagu.people.models import Household
from tsunagu.people.panels import HouseholdPanelSource, Panel
from tsunagu.people.timeline import Cursor, TimelineEntry, TimelineSource, older_than

from .models import StageChange, SupportRecord
from .policy import visible_records

STAGES = "participation.stage"


def stage_entries(
    staff: Staff, household: Household, before: Cursor | None, limit: int
) -> Sequence[TimelineEntry]:
    readable = visible_records(staff).filter(household=household)
    rows = (
        StageChange.objects.filter(municipality_id=household.municipality_id, match__record__in=readable)
        .filter(older_than(before, STAGES, "at"))
        .select_related("match__resource", "match__record__person", "by")
        .order_by("-at", "-pk")[:limit]
    )
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


TIMELINE_SOURCES = (TimelineSource(key=STAGES, label="参加支援", entries=stage_entries),)


def participation_panel(request: HttpRequest, staff: Staff, household: Household) -> Panel | None:
    """参加支援 per member: a link to the record the reader may read, else 「参加支援を始める」. A member whose
    record the reader may not read gets neither (the record is another organization's)."""
    if casework(staff) is None:
        return None
    members = list(household.members.select_related("person").order_by("pk"))
    persons = [m.person for m in members if not m.person.deceased]
    if not persons:
        return None
    readable = {r.person_id: r for r in visible_records(staff).filter(person__in=persons)}
    existing = set(
        SupportRecord.objects.filter(
            municipality_id=household.municipality_id, person__in=persons
        ).values_list("person_id", flat=True)
    )
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
