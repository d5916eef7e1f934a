"""History steps: community resources (社会資源, fictitious, beside the profile's own) and 参加支援 (第2号) —
about `participation_records` support records, each with one to three places proposed and moved through
提案 → 見学 → 体験 → 参加開始 (or 中断 / 終了) as the participation app allows, follow-ups, what the receiving
side recorded, and the person's consent to a receiving organization their case consent does not name."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass
from typing import Any

from tsunagu.core.history import AuditItem, HistoryContext, history_step
from tsunagu.directory.resource_models import GroupSize, Resource, ResourceKind, ResourceSource
from tsunagu.participation.matching import GOAL_KINDS
from tsunagu.participation.models import (
    TRANSITIONS,
    FollowUp,
    Goal,
    Match,
    ParticipationConsent,
    ReceiverReport,
    RecordStatus,
    Stage,
    StageChange,
    SupportRecord,
)
from tsunagu.people import demo

from .common import (
    DAY,
    FICTITIOUS,
    JST,
    Calendar,
    CaseData,
    CityData,
    PeopleData,
    StaffData,
    casework,
    write_rows,
)

ACTIVITIES = ["交流", "体操", "食事", "料理", "農作業", "軽作業", "学習", "読書", "話し合い", "接客"]
SLOTS = ["morning", "afternoon", "evening"]
WISHES = ["人と話せる場所がほしい。", "少しずつ働く練習をしたい。", "家の外に出るきっかけがほしい。"]
EXPLANATION = "希望に合う（{kind}）。曜日・時間帯が合う。" + FICTITIOUS
# How far a match goes (the last stage reached before it ends, if it ends).
REACH = [Stage.PROPOSED] * 3 + [Stage.VISIT] * 2 + [Stage.TRIAL] * 2 + [Stage.PARTICIPATING] * 4


@history_step("resources", after=("city", "staff"))
def resources_step(ctx: HistoryContext) -> None:
    """`resources` fictitious 社会資源 (居場所, サロン, 就労体験 …) across the city's areas."""
    n = ctx.size("resources")
    if n <= 0:
        return
    city: CityData = ctx.shared["city"]
    staff: StaffData = ctx.shared["staff"]
    f, rng, muni = ctx.fmt, ctx.rng("resources"), str(ctx.municipality.pk)
    areas = [a.pk for a in demo.leaf_areas(ctx.municipality)]
    operators = [o for o in city.agency_orgs if casework(staff, o)]
    kinds = [k for k in ResourceKind.values if k != ResourceKind.OTHER]
    first = ctx.writer.reserve_ids(ctx.table(Resource), n)
    stamp = f.ts(int(dt.datetime(ctx.end.year, ctx.end.month, ctx.end.day, tzinfo=JST).timestamp()) - DAY)
    rows = []
    for k in range(n):
        kind = kinds[rng.randrange(len(kinds))]
        org = operators[rng.randrange(len(operators))] if operators and rng.random() < 0.6 else None
        days = sorted(rng.sample(range(7), rng.randint(1, 3)))
        age_min = rng.choice([None, None, 15, 65])
        rows.append(
            {
                "id": str(first + k),
                "municipality_id": muni,
                "key": f"hist-{k + 1:05d}",
                "active": f.true,
                "sort_order": str(1000 + k),
                "starts_on": f.NULL,
                "ends_on": f.NULL,
                "name": f"架空の{ResourceKind(kind).label}{k + 1:04d}",
                "kind": kind,
                "description": "地域の人が気軽に集まれる場。" + FICTITIOUS,
                "organization_id": f.NULL if org is None else str(org),
                "operator_name": "" if org is not None else f"架空の有志の会{k + 1:04d}",
                "area_id": str(areas[rng.randrange(len(areas))]) if areas else f.NULL,
                "address": "架空町",
                "latitude": f.NULL,
                "longitude": f.NULL,
                "weekdays": f.json(days),
                "time_slots": f.json(rng.sample(SLOTS, rng.randint(1, 2))),
                "schedule_text": "",
                "welcomes": "",
                "age_min": f.NULL if age_min is None else str(age_min),
                "age_max": f.NULL,
                "domains": "[]",
                "activities": f.json(rng.sample(ACTIVITIES, 2)),
                "accessibility": f.json(["step_free"] if rng.random() < 0.5 else []),
                "accessibility_note": "",
                "languages": "[]",
                "group_size": rng.choice(GroupSize.values),
                "capacity": str(rng.choice([5, 10, 20, 30])),
                "cost_yen": str(rng.choice([0, 0, 100, 300, 500])),
                "cost_note": "",
                "phone": "",
                "email": "",
                "url": "",
                "contact_name": "",
                "business_lines": f.json(["2"]),
                "accepts_referrals": f.boolean(rng.random() < 0.85),
                "source": ResourceSource.IMPORT,
                "updated_at": stamp,
                "version": "1",
            }
        )
    write_rows(ctx, Resource, rows)


@dataclass
class _Place:
    pk: int
    kind: str
    org: int | None


@history_step("participation", after=("cases", "resources"))
def participation_step(ctx: HistoryContext) -> None:
    """About `participation_records` records of 参加支援 with their matches, stages and follow-ups."""
    n = ctx.size("participation_records")
    places = [
        _Place(pk, kind, org)
        for pk, kind, org in Resource.objects.filter(
            municipality=ctx.municipality, active=True, accepts_referrals=True
        )
        .order_by("pk")
        .values_list("pk", "kind", "organization_id")
    ]
    city: CityData = ctx.shared["city"]
    staff: StaffData = ctx.shared["staff"]
    orgs = [o for o in dict.fromkeys(city.coordinator_orgs + city.agency_orgs) if casework(staff, o)]
    if n <= 0 or not places or not orgs:
        return
    _Participation(ctx, n, places, orgs).run()


class _Participation:
    def __init__(self, ctx: HistoryContext, n: int, places: list[_Place], orgs: list[int]):
        self.ctx, self.n, self.places, self.orgs = ctx, n, places, orgs
        self.f = ctx.fmt
        self.rng: random.Random = ctx.rng("participation")
        self.muni = str(ctx.municipality.pk)
        self.staff: StaffData = ctx.shared["staff"]
        self.people: PeopleData = ctx.shared["people"]
        self.cases: CaseData = ctx.shared["cases"]
        calendar: Calendar = ctx.shared["calendar"]
        self.first_day, self.last_day = calendar.days[0], calendar.days[-1]
        self.tables: dict[type, list[dict[str, str]]] = {
            m: [] for m in (Match, StageChange, FollowUp, ReceiverReport, ParticipationConsent)
        }
        self.audit: list[tuple[int, int, AuditItem]] = []
        self.bases: dict[type, int] = {}

    def at(self, day: dt.date) -> int:
        return int(
            dt.datetime(day.year, day.month, day.day, 10, tzinfo=JST).timestamp()
        ) + self.rng.randrange(6 * 3600)

    def add(self, model: type, row: dict[str, Any]) -> int:
        """Queue a row; its id is its position for now (made absolute when the table is written)."""
        rows = self.tables[model]
        rows.append(row)
        return len(rows) - 1

    def run(self) -> None:
        ctx, _f, rng, cases, people = self.ctx, self.f, self.rng, self.cases, self.people
        # Whose records: persons of cases (about four in ten) and other residents.
        subjects: dict[int, tuple[int | None, int]] = {}  # person → (case index, household id)
        from_cases = rng.sample(range(len(cases.ids)), min(len(cases.ids), self.n * 4 // 10))
        for c in sorted(from_cases):
            subjects.setdefault(cases.persons[c][0], (c, people.household_id(cases.households[c])))
        for _ in range(self.n * 3):
            if len(subjects) >= self.n:
                break
            h = rng.randrange(people.households)
            members = people.members(h)
            subjects.setdefault(members[rng.randrange(len(members))], (None, people.household_id(h)))
        span = (self.last_day - self.first_day).days
        plan = []
        for person, (case, household) in subjects.items():
            start: dt.date
            if case is not None:
                start = dt.datetime.fromtimestamp(cases.consent_at[case] or cases.opened[case], JST).date()
                start = min(self.last_day, start + dt.timedelta(days=rng.randint(7, 60)))
            else:
                start = self.first_day + dt.timedelta(days=rng.randrange(span + 1))
            plan.append((start, person, case, household))
        plan.sort()
        first = ctx.writer.reserve_ids(ctx.table(SupportRecord), len(plan))
        records = [self.record(first + k, *p) for k, p in enumerate(plan)]
        with ctx.writer.bulk_load([ctx.table(m) for m in (Match, StageChange)]):
            write_rows(ctx, SupportRecord, records)
            for model in (Match, StageChange, FollowUp, ReceiverReport, ParticipationConsent):
                rows = self.tables[model]
                base = ctx.writer.reserve_ids(ctx.table(model), len(rows))
                self.bases[model] = base
                for k, row in enumerate(rows):
                    row["id"] = str(base + k)
                    if "match_id" in row:
                        row["match_id"] = str(self.bases[Match] + int(row["match_id"]))
                write_rows(ctx, model, rows)
        self.audit.sort(key=lambda a: (a[0], a[1]))
        items = [self._absolute(item) for _at, _n, item in self.audit]
        ctx.audit.add("participation", iter(items), len(items))

    def _absolute(self, item: AuditItem) -> AuditItem:
        """Queued rows named by their position: now their ids are known."""
        models = {
            "match": Match,
            "receiverreport": ReceiverReport,
            "participationconsent": ParticipationConsent,
        }
        objects = tuple(
            (kind, self.bases[models[kind]] + pk) if kind in models else (kind, pk)
            for kind, pk in item.objects
        )
        detail = dict(item.detail or {})
        if "follow_up" in detail:
            detail["follow_up"] = self.bases[FollowUp] + detail["follow_up"]
        return item._replace(objects=objects, detail=detail or None)

    def record(
        self, pk: int, start: dt.date, person: int, c: int | None, household: int | None
    ) -> dict[str, str]:
        f, rng, cases = self.f, self.rng, self.cases
        if c is not None:
            worker = cases.coordinator[c]
            org = self.staff.info[worker][2]
            assert org is not None
        else:
            org = self.orgs[rng.randrange(len(self.orgs))]
            pool = casework(self.staff, org)
            worker = pool[rng.randrange(len(pool))]
        age = (self.last_day - start).days
        closed = rng.random() < (0.85 if age > 540 else 0.4 if age > 180 else 0.05)
        stop = (
            min(self.last_day, start + dt.timedelta(days=rng.randint(90, 540))) if closed else self.last_day
        )
        goals = rng.sample(Goal.values, rng.randint(1, 2))
        created = self.at(start)
        objs = (("supportrecord", pk), ("person", person))
        self.audit.append(
            (created, pk, AuditItem(created, worker, "create", objs, detail={"operation": "open"}))
        )
        wanted = [p for p in self.places if any(p.kind in GOAL_KINDS[g] for g in goals)] or self.places
        team = set(cases.team[c]) if c is not None else set()
        day = start
        for place in rng.sample(wanted, min(len(wanted), rng.randint(1, 3))):
            day = min(stop, day + dt.timedelta(days=rng.randint(0, 30)))
            self.match(pk, person, worker, place, day, stop, closed, objs, team)
        if closed:
            at = self.at(stop)
            self.audit.append((at, pk, AuditItem(at, worker, "update", objs, detail={"operation": "close"})))
        return {
            "id": str(pk),
            "municipality_id": self.muni,
            "business_line": "2",
            "person_id": str(person),
            "household_id": f.NULL if household is None else str(household),
            "organization_id": str(org),
            "worker_id": str(worker),
            "case_id": f.NULL if c is None else str(cases.ids[c]),
            "status": RecordStatus.CLOSED if closed else RecordStatus.ACTIVE,
            "goals": f.json(goals),
            "activities": f.json(rng.sample(ACTIVITIES, 2)),
            "wish": WISHES[rng.randrange(len(WISHES))] + FICTITIOUS,
            "weekdays": f.json(sorted(rng.sample(range(5), 3))),
            "time_slots": f.json(rng.sample(SLOTS, 2)),
            "accessibility": "[]",
            "languages": "[]",
            "max_group_size": "",
            "max_cost_yen": rng.choice([f.NULL, "0", "500"]),
            "same_area_only": f.false,
            "max_distance_km": f.NULL,
            "origin_latitude": f.NULL,
            "origin_longitude": f.NULL,
            "constraints_note": "",
            "created_by_id": str(worker),
            "created_at": f.ts(created),
            "updated_at": f.ts(self.at(stop) if closed else created),
            "version": "2" if closed else "1",
        }

    def match(
        self,
        record: int,
        person: int,
        worker: int,
        place: _Place,
        proposed: dt.date,
        stop: dt.date,
        closed: bool,
        objs: tuple[tuple[str, int], ...],
        team: set[int],
    ) -> None:
        f, rng, muni = self.f, self.rng, self.muni
        reach = REACH[rng.randrange(len(REACH))]
        path = [Stage.PROPOSED] + [
            s for s in (Stage.VISIT, Stage.TRIAL) if _order(s) < _order(reach) and rng.random() < 0.6
        ]
        if reach != Stage.PROPOSED:
            path.append(reach)
        if reach == Stage.PARTICIPATING and rng.random() < 0.15:
            path += [Stage.INTERRUPTED] + ([Stage.PARTICIPATING] if rng.random() < 0.5 else [])
        if closed or rng.random() < 0.3:
            path.append(Stage.ENDED)
        days = [proposed]
        for _ in path[1:]:
            nxt = days[-1] + dt.timedelta(days=rng.randint(5, 45))
            if nxt > stop:
                break
            days.append(nxt)
        path = path[: len(days)]
        if closed and path[-1] != Stage.ENDED:  # a closed record's places all end when it closes
            path.append(Stage.ENDED)
            days.append(stop)
        for a, b in itertools.pairwise(path):
            assert b in TRANSITIONS[a], (a, b)
        m = self.add(Match, {})
        first_part = next((d for s, d in zip(path, days, strict=True) if s == Stage.PARTICIPATING), None)
        created = self.at(proposed)
        self.tables[Match][m] = {
            "id": "",
            "municipality_id": muni,
            "business_line": "2",
            "record_id": str(record),
            "resource_id": str(place.pk),
            "stage": path[-1],
            "proposed_on": f.date(proposed),
            "first_participation_on": f.date(first_part),
            "ended_on": f.date(days[-1] if path[-1] == Stage.ENDED else None),
            "rank_at_proposal": str(rng.randint(1, 5)),
            "score_at_proposal": str(rng.randint(40, 95)),
            "explanation": EXPLANATION.format(kind=ResourceKind(place.kind).label),
            "note_to_receiver": "",
            "created_by_id": str(worker),
            "created_at": f.ts(created),
            "updated_at": f.ts(self.at(days[-1])),
            "version": str(len(path)),
        }
        self.audit.append(
            (
                created,
                record,
                AuditItem(
                    created,
                    worker,
                    "create",
                    (*objs, ("match", m)),
                    detail={"operation": "propose", "resource": place.pk, "rank": 1},
                ),
            )
        )
        before = ""
        for stage, day in zip(path, days, strict=True):
            at = self.at(day)
            self.add(
                StageChange,
                {
                    "id": "",
                    "municipality_id": muni,
                    "business_line": "2",
                    "match_id": str(m),
                    "from_stage": before,
                    "to_stage": stage,
                    "on": f.date(day),
                    "note": "",
                    "by_id": str(worker),
                    "at": f.ts(at),
                },
            )
            if before:
                self.audit.append(
                    (
                        at,
                        record,
                        AuditItem(
                            at,
                            worker,
                            "update",
                            (*objs, ("match", m)),
                            detail={"operation": "stage", "stage": [str(before), str(stage)]},
                        ),
                    )
                )
            before = stage
        if place.org is not None and place.org not in team:
            consent = self.add(
                ParticipationConsent,
                {
                    "id": "",
                    "municipality_id": muni,
                    "business_line": "2",
                    "record_id": str(record),
                    "organization_id": str(place.org),
                    "share_contact": f.boolean(rng.random() < 0.5),
                    "method": rng.choice(["written", "oral"]),
                    "given_on": f.date(proposed),
                    "expires_on": f.NULL,
                    "withdrawn_at": f.NULL,
                    "recorded_by_id": str(worker),
                    "recorded_at": f.ts(created),
                },
            )
            self.audit.append(
                (
                    created,
                    record,
                    AuditItem(
                        created,
                        worker,
                        "create",
                        (*objs, ("participationconsent", consent)),
                        detail={"operation": "consent", "organization": place.org, "contact": False},
                    ),
                )
            )
        if first_part is None:
            return
        last = days[-1] if path[-1] == Stage.ENDED else stop
        on = first_part + dt.timedelta(days=rng.randint(14, 45))
        while on <= last:
            at = self.at(on)
            nxt = on + dt.timedelta(days=rng.randint(30, 90))
            fu = self.add(
                FollowUp,
                {
                    "id": "",
                    "municipality_id": muni,
                    "business_line": "2",
                    "match_id": str(m),
                    "on": f.date(on),
                    "note": "参加の様子を本人に確認した。" + FICTITIOUS,
                    "next_on": f.date(nxt),
                    "by_id": str(worker),
                    "at": f.ts(at),
                    "submission_token": f"{rng.getrandbits(128):032x}",
                },
            )
            self.audit.append(
                (
                    at,
                    record,
                    AuditItem(
                        at,
                        worker,
                        "create",
                        (*objs, ("match", m)),
                        detail={"operation": "follow_up", "follow_up": fu},
                    ),
                )
            )
            on = nxt
        receivers = casework(self.staff, place.org) if place.org is not None else []
        for _ in range(rng.randint(1, 3) if receivers else 0):
            on = first_part + dt.timedelta(days=rng.randint(0, max(0, (last - first_part).days)))
            at, by = self.at(on), receivers[rng.randrange(len(receivers))]
            came = rng.random() < 0.8
            rep = self.add(
                ReceiverReport,
                {
                    "id": "",
                    "municipality_id": muni,
                    "business_line": "2",
                    "match_id": str(m),
                    "on": f.date(on),
                    "attendance": "came" if came else "absent",
                    "observation": "落ち着いて過ごしていた。" + FICTITIOUS,
                    "continuation": rng.choice(["yes", "yes", "undecided"]) if came else "",
                    "organization_id": str(place.org),
                    "by_id": str(by),
                    "at": f.ts(at),
                    "submission_token": f"{rng.getrandbits(128):032x}",
                },
            )
            self.audit.append(
                (
                    at,
                    record,
                    AuditItem(
                        at,
                        by,
                        "create",
                        (("match", m), ("person", person), ("receiverreport", rep)),
                        detail={"operation": "receiver_report"},
                    ),
                )
            )


def _order(stage: str) -> int:
    return [Stage.PROPOSED, Stage.VISIT, Stage.TRIAL, Stage.PARTICIPATING].index(Stage(stage))
