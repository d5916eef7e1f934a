"""History step: 地域づくり (第3号) — about `community_sittings` sittings of the profile's community groups
(shared by how many sites each stands for and how often it meets), the needs (気づき) surfaced at some of
them — a share taken in as a consultation of the weeks after —, and for each points program of the profile
`volunteers` registered residents with their ledgers (付与 within the yearly cap, 交換 in the program's
unit, the odd 取消), every line's running balance never below zero."""

from __future__ import annotations

import bisect
import datetime as dt

from tsunagu.community.models import EntryKind, PointEntry, Sitting, SurfacedNeed, Urgency, Volunteer
from tsunagu.core.history import AuditItem, HistoryContext, history_step
from tsunagu.directory.models import FREQUENCY_PER_YEAR, CommunityGroup, PointsProgram

from .common import (
    DAY,
    FICTITIOUS,
    JST,
    Calendar,
    ConsultationData,
    PeopleData,
    StaffData,
    casework,
    write_rows,
)

TOPICS = [
    "季節の行事の準備",
    "見守り活動の振り返り",
    "地域の困りごとの共有",
    "健康体操と茶話会",
    "防災の備え",
]
NEEDS = [
    "最近サロンに来なくなった一人暮らしの高齢の方がいて、近所の人が心配している。",
    "子育て中の母親から、夜眠れず家事が回らないという話が出た。",
    "家賃の支払いが遅れているらしい世帯の話題が出た。",
    "ごみ出しが難しくなった高齢の夫婦がいるとのこと。",
]
NEED_SHARE = 0.12  # of sittings surface a need
LINK_SHARE = 0.3  # of needs become a consultation
ACTIVITIES = ["サロンのお手伝い", "高齢者のちょっとした困りごと支援", "施設での話し相手", "通いの場の運営"]


def _noon(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, 12, tzinfo=JST).timestamp())


def _fiscal_year(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


@history_step("community", after=("consultations",))
def community_step(ctx: HistoryContext) -> None:
    """Community sittings, the needs surfaced there, volunteers and their points ledgers."""
    audit: list[tuple[int, int, AuditItem]] = []
    _sittings(ctx, audit)
    _ledgers(ctx, audit)
    audit.sort(key=lambda a: (a[0], a[1]))
    ctx.audit.add("community", (item for _at, _n, item in audit), len(audit))


def _recorders(staff: StaffData, org: int | None) -> list[int]:
    """Who records a group's sittings: its running organization's staff, else the 束ね役 (community policy)."""
    return (casework(staff, org) if org is not None else []) or staff.coordinators


def _sittings(ctx: HistoryContext, audit: list[tuple[int, int, AuditItem]]) -> None:
    target = ctx.size("community_sittings")
    groups = list(
        CommunityGroup.objects.filter(municipality=ctx.municipality, active=True)
        .order_by("sort_order", "pk")
        .prefetch_related("areas")
    )
    if target <= 0 or not groups:
        return
    staff: StaffData = ctx.shared["staff"]
    cons: ConsultationData = ctx.shared["consultations"]
    calendar: Calendar = ctx.shared["calendar"]
    f, rng, muni = ctx.fmt, ctx.rng("community"), str(ctx.municipality.pk)
    weights = [(g.sites or 1) * (g.per_year or FREQUENCY_PER_YEAR.get(g.frequency) or 6) for g in groups]
    total = sum(weights)
    first_day, last_day = calendar.days[0], calendar.days[-1]
    span = (last_day - first_day).days
    plan = []
    for g, w in zip(groups, weights, strict=True):
        count = round(target * w / total)
        for _ in range(count):
            plan.append((first_day + dt.timedelta(days=rng.randrange(span + 1)), g))
    plan.sort(key=lambda p: (p[0], p[1].pk))
    first = ctx.writer.reserve_ids(ctx.table(Sitting), len(plan))
    sittings: list[dict[str, str]] = []
    needs: list[dict[str, str]] = []
    need_events: list[tuple[int, int, int, int | None]] = []  # (recorded, by, sitting, consultation index)
    linked: set[int] = set()
    for k, (day, g) in enumerate(plan):
        pk = first + k
        areas = [a.pk for a in g.areas.all()]
        area = areas[rng.randrange(len(areas))] if areas else None
        pool = _recorders(staff, g.organization_id)
        by = pool[rng.randrange(len(pool))]
        recorded = _noon(day) + rng.randint(3, 30) * 3600
        sittings.append(
            {
                "id": str(pk),
                "municipality_id": muni,
                "group_id": str(g.pk),
                "held_on": f.date(day),
                "place": g.venue,
                "area_id": f.NULL if area is None else str(area),
                "residents": str(rng.randint(4, 30)),
                "professionals": str(rng.randint(0, 4)),
                "volunteers": str(rng.randint(0, 8)),
                "others": str(rng.randint(0, 2)),
                "topics": TOPICS[rng.randrange(len(TOPICS))],
                "recorded_by_id": str(by),
                "recorded_at": f.ts(recorded),
                "submission_token": f"{rng.getrandbits(128):032x}",
                "version": "0",
                "corrected_by_id": f.NULL,
                "corrected_at": f.NULL,
                "correction_reason": "",
            }
        )
        audit.append((recorded, pk, AuditItem(recorded, by, "create", (("community_sitting", pk),))))
        if rng.random() >= NEED_SHARE:
            continue
        need = len(needs)
        consultation, linked_at = None, None
        if rng.random() < LINK_SHARE and len(cons):
            j = bisect.bisect_left(cons.at, recorded + rng.randint(1, 20) * DAY)
            while j < len(cons) and j in linked:
                j += 1
            if j < len(cons):
                linked.add(j)
                consultation, linked_at = cons.first + j, cons.at[j] + 3600
        need_events.append((recorded, by, pk, consultation))
        needs.append(
            {
                "id": str(need),
                "municipality_id": muni,
                "sitting_id": str(pk),
                "text": NEEDS[rng.randrange(len(NEEDS))] + FICTITIOUS,
                "area_id": f.NULL if area is None else str(area),
                "urgency": rng.choice([Urgency.SOON, Urgency.SOON, Urgency.WATCH, Urgency.URGENT]),
                "consultation_id": f.NULL if consultation is None else str(consultation),
                "linked_at": f.NULL if linked_at is None else f.ts(linked_at),
                "recorded_by_id": str(by),
                "recorded_at": f.ts(recorded),
                "submission_token": f"{rng.getrandbits(128):032x}",
                "version": "0",
                "edited_by_id": f.NULL,
                "edited_at": f.NULL,
            }
        )
    first_need = ctx.writer.reserve_ids(ctx.table(SurfacedNeed), len(needs))
    for row, (at, by, pk, consultation) in zip(needs, need_events, strict=True):
        n = first_need + int(row["id"])
        row["id"] = str(n)
        audit.append(
            (at, pk, AuditItem(at, by, "create", (("community_need", n), ("community_sitting", pk))))
        )
        if consultation is not None:
            link = cons.at[consultation - cons.first] + 3600
            objs = (("community_need", n), ("consultation", consultation))
            audit.append((link, pk, AuditItem(link, by, "update", objs)))
    with ctx.writer.bulk_load([ctx.table(Sitting)]):
        write_rows(ctx, Sitting, sittings)
        write_rows(ctx, SurfacedNeed, needs)


def _ledgers(ctx: HistoryContext, audit: list[tuple[int, int, AuditItem]]) -> None:
    per_program = ctx.size("volunteers")
    programs = list(PointsProgram.objects.filter(municipality=ctx.municipality, active=True).order_by("pk"))
    people: PeopleData = ctx.shared["people"]
    if per_program <= 0 or not programs or not people.households:
        return
    staff: StaffData = ctx.shared["staff"]
    calendar: Calendar = ctx.shared["calendar"]
    f, rng, muni = ctx.fmt, ctx.rng("community-points"), str(ctx.municipality.pk)
    first_day, last_day = calendar.days[0], calendar.days[-1]
    span = (last_day - first_day).days
    volunteers: list[dict[str, str]] = []
    entries: list[dict[str, str]] = []
    for program in programs:
        pool = _recorders(staff, program.organization_id)
        persons: set[int] = set()
        for _ in range(per_program * 3):
            if len(persons) >= per_program:
                break
            members = people.members(rng.randrange(people.households))
            persons.add(members[0])
        for person in sorted(persons):
            v = len(volunteers)
            registered = first_day + dt.timedelta(days=rng.randrange(span + 1))
            by = pool[rng.randrange(len(pool))]
            volunteers.append(
                {
                    "id": str(v),
                    "municipality_id": muni,
                    "program_id": str(program.pk),
                    "person_id": str(person),
                    "registered_on": f.date(registered),
                    "registered_by_id": str(by),
                }
            )
            at = _noon(registered)
            audit.append(
                (at, v, AuditItem(at, by, "create", (("community_volunteer", v), ("person", person))))
            )
            _ledger(ctx, program, v, registered, last_day, pool, entries, audit)
    first_volunteer = ctx.writer.reserve_ids(ctx.table(Volunteer), len(volunteers))
    first_entry = ctx.writer.reserve_ids(ctx.table(PointEntry), len(entries))
    for row in volunteers:
        row["id"] = str(first_volunteer + int(row["id"]))
    for row in entries:
        row["id"] = str(first_entry + int(row["id"]))
        row["volunteer_id"] = str(first_volunteer + int(row["volunteer_id"]))
        if row["reverses_id"] != f.NULL:
            row["reverses_id"] = str(first_entry + int(row["reverses_id"]))
    bases = {"community_volunteer": first_volunteer, "community_point_entry": first_entry}
    for k, (at, n, item) in enumerate(audit):
        if any(kind in bases for kind, _pk in item.objects):
            objs = tuple((kind, bases.get(kind, 0) + pk) for kind, pk in item.objects)
            audit[k] = (at, n, item._replace(objects=objs))
    with ctx.writer.bulk_load([ctx.table(PointEntry)]):
        write_rows(ctx, Volunteer, volunteers)
        write_rows(ctx, PointEntry, entries)


def _ledger(
    ctx: HistoryContext,
    program: PointsProgram,
    volunteer: int,
    registered: dt.date,
    last_day: dt.date,
    pool: list[int],
    entries: list[dict[str, str]],
    audit: list[tuple[int, int, AuditItem]],
) -> None:
    """Monthly activity from registration on; exchanges when the balance allows; a rare reversal."""
    f, rng, muni = ctx.fmt, ctx.rng(f"community-points:{volunteer}"), str(ctx.municipality.pk)
    balance = 0
    earned: dict[int, int] = {}
    unit = program.redemption_unit or 0
    active_share = rng.choice([0.3, 0.6, 0.9])

    def line(
        kind: str, day: dt.date, points: int, activity: str, activities: int, reverses: int | None
    ) -> int:
        nonlocal balance
        balance += points
        n = len(entries)
        by = pool[rng.randrange(len(pool))]
        at = _noon(day) + rng.randrange(5 * 3600)
        entries.append(
            {
                "id": str(n),
                "municipality_id": muni,
                "volunteer_id": str(volunteer),
                "kind": kind,
                "on": f.date(day),
                "activity": activity,
                "activities": str(activities),
                "points": str(points),
                "balance_after": str(balance),
                "reverses_id": f.NULL if reverses is None else str(reverses),
                "recorded_by_id": str(by),
                "recorded_at": f.ts(at),
                "submission_token": f"{rng.getrandbits(128):032x}",
            }
        )
        objs = (("community_point_entry", n), ("community_volunteer", volunteer))
        audit.append(
            (at, volunteer, AuditItem(at, by, "create", objs, detail={"kind": kind, "points": points}))
        )
        return n

    day = registered + dt.timedelta(days=rng.randint(3, 30))
    while day <= last_day:
        if rng.random() < active_share:
            activities = rng.randint(1, 4)
            points = activities * (program.points_per_activity or rng.choice((10, 20, 50)))
            year = _fiscal_year(day)
            if program.yearly_cap and earned.get(year, 0) + points > program.yearly_cap:
                points = 0
            if points > 0:
                earned[year] = earned.get(year, 0) + points
                n = line(
                    EntryKind.EARN, day, points, ACTIVITIES[rng.randrange(len(ACTIVITIES))], activities, None
                )
                if rng.random() < 0.02 and balance - points >= 0:  # entered by mistake, undone days later
                    line(
                        EntryKind.REVERSAL,
                        min(last_day, day + dt.timedelta(days=2)),
                        -points,
                        "付与の取消",
                        1,
                        n,
                    )
                    earned[year] -= points
        step = unit or 500
        if balance >= step and rng.random() < 0.08:
            amount = step * rng.randint(1, balance // step)
            line(
                EntryKind.REDEEM, min(last_day, day + dt.timedelta(days=1)), -amount, "商品券と交換", 1, None
            )
        day += dt.timedelta(days=rng.randint(20, 40))
