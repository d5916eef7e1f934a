"""Unusual read volume: a user opening more households within one hour than the city's limit."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any

from .models import AuditAction, AuditAlertSetting, AuditEvent

WINDOW = dt.timedelta(hours=1)
READ_ACTIONS = (AuditAction.VIEW, AuditAction.EXPORT, AuditAction.PRINT)


@dataclass
class ReadAlert:
    actor_id: int
    username: str
    role: str
    organization_name: str
    window_start: dt.datetime
    window_end: dt.datetime
    households: int


def hourly_limit(municipality_id: int) -> int:
    setting = AuditAlertSetting.objects.filter(municipality_id=municipality_id).first()
    return setting.hourly_household_limit if setting else AuditAlertSetting.DEFAULT_HOURLY_HOUSEHOLD_LIMIT


def read_volume_alerts(municipality_id: int, since: dt.datetime, until: dt.datetime) -> list[ReadAlert]:
    """One alert per burst: the first 1-hour window in which a user opened more than the limit of
    distinct households; counting restarts after that window."""
    limit = hourly_limit(municipality_id)
    rows = (
        AuditEvent.objects.filter(
            municipality_id=municipality_id,
            action__in=READ_ACTIONS,
            at__gte=since,
            at__lt=until,
            actor__isnull=False,
            object_index__contains=" household:",
        )
        .order_by("actor_id", "at")
        .values_list("actor_id", "actor_username", "actor_role", "organization_name", "at", "objects_json")
    )
    per_actor: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows.iterator():
        per_actor[row[0]].append(row)
    alerts: list[ReadAlert] = []
    for actor_id, events in per_actor.items():
        window: deque[tuple[dt.datetime, int]] = deque()
        counts: dict[int, int] = defaultdict(int)
        for _aid, username, role, org, at, objects in events:
            for kind, pk in objects:
                if kind != "household":
                    continue
                window.append((at, int(pk)))
                counts[int(pk)] += 1
            while window and at - window[0][0] >= WINDOW:
                _, old = window.popleft()
                counts[old] -= 1
                if counts[old] == 0:
                    del counts[old]
            if len(counts) > limit:
                alerts.append(ReadAlert(actor_id, username, role, org, window[0][0], at, len(counts)))
                window.clear()
                counts.clear()
    alerts.sort(key=lambda a: a.window_start, reverse=True)
    return alerts
