"""Unusual read volume: a user opening more personal records within one hour than the city's limit.

What counts is every record of a person that a read (view, export, print) showed, whatever its kind —
households, persons, cases, consultations, つなぎ依頼, and any kind an app records later — except the kinds
in NOT_PERSONAL (staff accounts, audit rows, emergency-access grants). One read counts its *subject*:
the household (or households) it opened; a read without a household counts its case(s); a read with
neither counts each person and every other personal record it showed. So a household page with five
members is one record, while forty side-by-side 名寄せ comparisons are eighty persons. Search-result
lists (action "list") are not counted here: they are audited and searchable in the log.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .models import AuditAction, AuditAlertSetting, AuditEvent

WINDOW = dt.timedelta(hours=1)
READ_ACTIONS = (AuditAction.VIEW, AuditAction.EXPORT, AuditAction.PRINT)
# Kinds recorded in the audit log that are not a person's record. Every other kind counts (fail-safe:
# a kind an app starts recording tomorrow is counted until someone decides otherwise, here).
NOT_PERSONAL = frozenset({"staff", "audit_event", "break_glass"})
# A read that opened one of these counts as that record only (a household page lists its members, a case
# page its household): the order is the precedence.
SUBJECT_KINDS = ("household", "case")
KIND_LABELS = {
    "household": "世帯",
    "case": "ケース",
    "person": "個人",
    "consultation": "相談",
    "escalation_request": "つなぎ依頼",
}

Subject = tuple[str, int]


@dataclass
class ReadAlert:
    actor_id: int
    username: str
    role: str
    organization_name: str
    window_start: dt.datetime
    window_end: dt.datetime
    records: int
    by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def breakdown(self) -> str:
        """e.g. 「個人 80」 or 「世帯 25・個人 6」, largest first."""
        labelled: dict[str, int] = defaultdict(int)
        for kind, n in self.by_kind.items():
            labelled[KIND_LABELS.get(kind, "その他の記録")] += n
        parts = sorted(labelled.items(), key=lambda kv: (-kv[1], kv[0]))
        return "・".join(f"{label} {n}" for label, n in parts)


def hourly_limit(municipality_id: int) -> int:
    setting = AuditAlertSetting.objects.filter(municipality_id=municipality_id).first()
    return setting.hourly_household_limit if setting else AuditAlertSetting.DEFAULT_HOURLY_HOUSEHOLD_LIMIT


def subjects(objects: Iterable[Any]) -> list[Subject]:
    """The personal records one read counts as (see the module docstring)."""
    personal = [(str(kind), int(pk)) for kind, pk in objects if str(kind) not in NOT_PERSONAL]
    for kind in SUBJECT_KINDS:
        chosen = [obj for obj in personal if obj[0] == kind]
        if chosen:
            return list(dict.fromkeys(chosen))
    return list(dict.fromkeys(personal))


def read_volume_alerts(municipality_id: int, since: dt.datetime, until: dt.datetime) -> list[ReadAlert]:
    """One alert per burst: the first 1-hour window in which a user opened more than the limit of
    distinct personal records; counting restarts after that window."""
    limit = hourly_limit(municipality_id)
    rows = (
        AuditEvent.objects.filter(
            municipality_id=municipality_id,
            action__in=READ_ACTIONS,
            at__gte=since,
            at__lt=until,
            actor__isnull=False,
        )
        .exclude(object_index="")
        .order_by("actor_id", "at", "seq")
        .values_list("actor_id", "actor_username", "actor_role", "organization_name", "at", "objects_json")
    )
    per_actor: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows.iterator():
        per_actor[row[0]].append(row)
    alerts: list[ReadAlert] = []
    for actor_id, events in per_actor.items():
        window: deque[tuple[dt.datetime, Subject]] = deque()
        counts: dict[Subject, int] = defaultdict(int)
        for _aid, username, role, org, at, objects in events:
            for subject in subjects(objects):
                window.append((at, subject))
                counts[subject] += 1
            while window and at - window[0][0] >= WINDOW:
                _, old = window.popleft()
                counts[old] -= 1
                if counts[old] == 0:
                    del counts[old]
            if len(counts) > limit:
                by_kind: dict[str, int] = defaultdict(int)
                for kind, _pk in counts:
                    by_kind[kind] += 1
                alerts.append(
                    ReadAlert(actor_id, username, role, org, window[0][0], at, len(counts), dict(by_kind))
                )
                window.clear()
                counts.clear()
    alerts.sort(key=lambda a: a.window_start, reverse=True)
    return alerts
