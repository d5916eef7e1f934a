"""What the built-in history steps share through `ctx.shared` (keys "city", "staff", "people",
"consultations", "cases"): compact arrays, not model instances, so that a million rows fit in memory."""

from __future__ import annotations

import bisect
import datetime as dt
import random
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

DAY = 86400
JST = dt.timezone(dt.timedelta(hours=9))
FICTITIOUS = "（架空）"


@dataclass
class CityData:
    """The city's structure as loaded from its profile (ids only)."""

    municipality_id: int
    organizations: dict[int, tuple[str, str]]  # id → (kind, name)
    windows: list[tuple[int, int, str]]  # (window id, organization id, business line)
    concerns: dict[str, int]  # concern code → ConcernType id
    coordinator_orgs: list[int]
    agency_orgs: list[int]
    rules: list[int]  # active escalation rule ids
    to_bodies: dict[int, int | None]  # rule id → meeting body id


CASEWORK_ROLES = frozenset({"window_worker", "coordinator", "agency_worker"})


@dataclass
class StaffData:
    by_org: dict[int, list[int]]
    coordinators: list[int]
    window_workers: list[int]
    info: dict[int, tuple[str, str, int | None, str]]  # id → (username, role, organization id, org name)


def casework(staff: StaffData, org: int) -> list[int]:
    """The organization's staff who do casework (not its manager or auditor)."""
    return [s for s in staff.by_org.get(org, []) if staff.info[s][1] in CASEWORK_ROLES]


@dataclass
class PeopleData:
    """Households are ids first_household … first_household + n - 1, in generation order; the members of
    household i are persons member_start[i] … member_start[i + 1] - 1 (offsets from first_person),
    the head first."""

    first_household: int
    first_person: int
    kinds: bytearray  # index into people.demo.KINDS per household
    member_start: array  # len = households + 1
    persons: int  # household members + planted records
    planted: int

    @property
    def households(self) -> int:
        return len(self.kinds)

    def household_id(self, index: int) -> int:
        return self.first_household + index

    def members(self, index: int) -> range:
        start, stop = self.member_start[index], self.member_start[index + 1]
        return range(self.first_person + start, self.first_person + stop)


@dataclass
class ConsultationData:
    """Consultation j has id first + j; rows are in time order (ids grow with time)."""

    first: int
    household: array  # household index
    person: array  # person id
    at: array  # seconds since the epoch
    staff: array  # staff id
    organization: array

    def __len__(self) -> int:
        return len(self.at)


@dataclass
class CaseData:
    """Per case, in opening order (index n describes case ids[n]); moments are seconds since the epoch."""

    ids: list[int] = field(default_factory=list)
    households: list[int] = field(default_factory=list)  # household index per case
    open_ids: list[int] = field(default_factory=list)
    persons: list[list[int]] = field(default_factory=list)  # the case's persons, the main one first
    status: list[str] = field(default_factory=list)  # the final status
    opened: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)  # 0: not closed
    coordinator: list[int] = field(default_factory=list)
    team: list[list[int]] = field(default_factory=list)  # organizations of the team, the lead first
    consent_at: list[int] = field(default_factory=list)  # 0: no consent recorded
    consented_conference: list[bool] = field(default_factory=list)  # consent names 重層的支援会議
    plan_drafted: list[int] = field(default_factory=list)  # 0: no plan
    plan_agreed: list[int] = field(default_factory=list)  # 0: no agreed plan
    monitorings: list[list[int]] = field(default_factory=list)  # moments of its monitorings


class Calendar:
    """Office hours on weekdays between two dates, as seconds since the epoch (times in JST)."""

    def __init__(self, start: dt.date, end: dt.date):
        days = []
        day = start
        while day < end:
            if day.weekday() < 5:
                days.append(day)
            day += dt.timedelta(days=1)
        if not days:
            days = [start]
        self.days = days
        self.midnights = [int(dt.datetime(d.year, d.month, d.day, tzinfo=JST).timestamp()) for d in days]
        self.start = start
        self.end = end
        self.open_seconds = 8 * 3600 + 30 * 60  # 8:30
        self.length = 8 * 3600 + 45 * 60  # until 17:15

    def at_fraction(self, u: float) -> int:
        """A moment in office hours; monotonic in u ∈ [0, 1), so sorted u give sorted moments."""
        position = u * len(self.days)
        index = min(int(position), len(self.days) - 1)
        within = position - index
        return self.midnights[index] + self.open_seconds + int(within * self.length)

    def sorted_moments(self, rng: random.Random, n: int) -> list[int]:
        return [self.at_fraction(u) for u in sorted(rng.random() for _ in range(n))]

    def office_time_after(self, rng: random.Random, moment: int, days: int) -> int:
        """A moment in office hours about `days` days after `moment` (never before it)."""
        target = moment + days * DAY
        index = bisect.bisect_left(self.midnights, target - DAY + 1)
        if index >= len(self.midnights):
            return target
        return max(moment + 60, self.midnights[index] + self.open_seconds + rng.randrange(self.length))

    @property
    def end_seconds(self) -> int:
        return self.midnights[-1] + DAY


def date_of(seconds: int) -> dt.date:
    return dt.datetime.fromtimestamp(seconds, JST).date()


def write_rows(ctx: Any, model: Any, rows: Iterable[Mapping[str, str]]) -> int:
    """Write rows given as {column: text form} with every concrete column of the model (a HistoryContext
    `ctx`): the column list comes from the model, so a missing or misspelt column fails at once."""
    columns = [f.column for f in model._meta.concrete_fields]
    return int(ctx.writer.write(ctx.table(model), columns, (tuple(r[c] for c in columns) for r in rows)))
