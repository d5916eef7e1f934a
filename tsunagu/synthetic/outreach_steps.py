"""History step: アウトリーチ (第4号) — about `outreach_engagements` engagements over the span, each with its
workers, its contacts (visits, letters, calls … and how the person responded, warming over time) and its
outcome. A share of them led to 多機関協働: those are engagements with the household of a generated case,
closed on the day its escalation request was made, and linked to that request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from tsunagu.cases.models import Case
from tsunagu.core.history import AuditItem, HistoryContext, history_step
from tsunagu.outreach.models import (
    Contact,
    ContactMethod,
    ContactResponse,
    Engagement,
    EngagementStatus,
    EngagementWorker,
    Outcome,
    Reporter,
)

from .common import DAY, FICTITIOUS, JST, Calendar, CityData, PeopleData, StaffData, casework

DESCRIPTIONS = [
    "隣家の高齢男性。最近姿を見かけない",
    "団地に住む中年の男性。ごみが溜まっている様子",
    "一人暮らしの高齢女性。郵便物が溜まっている",
    "長く外出していないらしい若い男性",
    "子どもの声が夜遅くまで聞こえる世帯",
]
PURPOSES = [
    "安否と生活の状況を確かめ、関係をつくる。",
    "本人と会い、困りごとを一緒に整理する。",
    "家族の負担を聞き取り、必要な支援につなぐ。",
]
REPORTERS = (
    [Reporter.NEIGHBOUR] * 3
    + [Reporter.COMMISSIONER] * 3
    + [
        Reporter.FAMILY,
        Reporter.AGENCY,
        Reporter.COMMUNITY,
        Reporter.STAFF,
    ]
)
METHODS = (
    [ContactMethod.VISIT] * 5
    + [ContactMethod.LETTER, ContactMethod.PHONE, ContactMethod.PHONE]
    + [
        ContactMethod.VIA_OTHERS,
        ContactMethod.ACCOMPANIED,
    ]
)
# Responses by how far the relationship has come (early contacts mostly go unanswered).
EARLY = (
    [ContactResponse.ABSENT] * 3
    + [ContactResponse.NO_RESPONSE] * 2
    + [
        ContactResponse.REFUSED,
        ContactResponse.BRIEF,
    ]
)
LATER = [ContactResponse.BRIEF, ContactResponse.TALKED, ContactResponse.TALKED, ContactResponse.RAPPORT]
NOTES = {
    ContactResponse.ABSENT: "訪問したが不在。手紙を投函した。",
    ContactResponse.NO_RESPONSE: "呼び鈴に応答なし。室内に人の気配あり。",
    ContactResponse.REFUSED: "玄関先で「必要ない」と断られた。",
    ContactResponse.BRIEF: "玄関先で短く言葉を交わした。",
    ContactResponse.TALKED: "しばらく話ができた。体調のことを気にしている。",
    ContactResponse.RAPPORT: "次の訪問を本人から提案してくれた。",
    ContactResponse.OTHER: "関係機関と情報を共有した。",
}
ENDED_NOTES = [
    "本人が転居したため終了。",
    "家族の支援で生活が安定したため終了。",
    "本人の意思を尊重し見守りに移行。",
]
ENGAGEMENT_COLUMNS = (
    "id",
    "municipality_id",
    "number",
    "business_line",
    "description",
    "reported_by",
    "reporter_note",
    "area_id",
    "person_id",
    "household_id",
    "identified_at",
    "purpose",
    "organization_id",
    "status",
    "started_on",
    "next_contact_on",
    "outcome",
    "outcome_organization_id",
    "outcome_note",
    "escalation_request_id",
    "closed_on",
    "closed_by_id",
    "created_by_id",
    "created_at",
    "submission_token",
    "version",
    "updated_at",
)
CONTACT_COLUMNS = (
    "id",
    "municipality_id",
    "engagement_id",
    "business_line",
    "on",
    "method",
    "response",
    "companions",
    "note",
    "by_id",
    "organization_id",
    "recorded_at",
    "submission_token",
)
COLLABORATION_SHARE = 0.15


def _day_moment(day: dt.date, rng_seconds: int) -> int:
    return int(dt.datetime(day.year, day.month, day.day, 9, tzinfo=JST).timestamp()) + rng_seconds


@history_step("outreach", after=("cases",))
def outreach_step(ctx: HistoryContext) -> None:
    """About `outreach_engagements` engagements with workers, contacts and outcomes."""
    n = ctx.size("outreach_engagements")
    city: CityData = ctx.shared["city"]
    people: PeopleData = ctx.shared["people"]
    staff: StaffData = ctx.shared["staff"]
    calendar: Calendar = ctx.shared["calendar"]
    orgs = [o for o in dict.fromkeys(city.coordinator_orgs + city.agency_orgs) if casework(staff, o)]
    if n <= 0 or not orgs or not people.households:
        return
    f, rng, muni = ctx.fmt, ctx.rng("outreach"), str(ctx.municipality.pk)
    null = f.NULL
    first_day, last_day = calendar.days[0], calendar.days[-1]
    span = (last_day - first_day).days
    # Engagements that led to a case: the case's household, closed when its request was made.
    requests = list(
        Case.objects.filter(municipality=ctx.municipality, escalation_request__isnull=False)
        .order_by("pk")
        .values_list(
            "escalation_request_id",
            "escalation_request__requested_at",
            "household_id",
            "escalation_request__person_id",
        )
    )
    collab = rng.sample(requests, min(len(requests), int(n * COLLABORATION_SHARE)))
    plans: list[tuple[dt.date, tuple[int, dt.datetime, int, int | None] | None]] = []
    for req in collab:
        requested = req[1].astimezone(JST).date()
        plans.append((max(first_day, requested - dt.timedelta(days=rng.randint(40, 240))), req))
    while len(plans) < n:
        plans.append((first_day + dt.timedelta(days=rng.randrange(span + 1)), None))
    plans.sort(key=lambda p: (p[0], p[1] is None))
    table, worker_table, contact_table = (
        ctx.table(Engagement),
        ctx.table(EngagementWorker),
        ctx.table(Contact),
    )
    first = ctx.writer.reserve_ids(table, len(plans))
    number = (
        Engagement.objects.filter(municipality=ctx.municipality)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
        or 0
    )
    workers: list[tuple[str, ...]] = []
    contacts: list[tuple[str, ...]] = []
    audit: list[tuple[int, int, AuditItem]] = []
    agencies = city.agency_orgs

    def engagements() -> Iterator[tuple[str, ...]]:
        for k, (started, req) in enumerate(plans):
            pk = first + k
            org = orgs[rng.randrange(len(orgs))]
            pool = casework(staff, org)
            team = rng.sample(pool, min(len(pool), 1 + (rng.random() < 0.4)))
            opener = team[0]
            if req is not None:
                request_id, requested_at, household_id, person_id = req
                household: int | None = household_id
                person: int | None = person_id
                closed: dt.date | None = requested_at.astimezone(JST).date()
                outcome: str = Outcome.COLLABORATION
            else:
                request_id = None
                identified = rng.random() < 0.75
                h = rng.randrange(people.households)
                household = people.household_id(h) if identified else None
                person = people.members(h)[0] if identified else None
                age = (last_day - started).days
                closed_share = 0.92 if age > 365 else 0.6 if age > 120 else 0.15
                closed = None
                if rng.random() < closed_share:
                    closed = min(last_day, started + dt.timedelta(days=rng.randint(30, 400)))
                choices = [Outcome.CONNECTED, Outcome.CONNECTED, Outcome.ENDED, Outcome.ENDED]
                if household is not None:
                    choices.append(Outcome.PARTICIPATION)
                outcome = choices[rng.randrange(len(choices))] if closed else ""
            stop = closed or last_day
            started_at = _day_moment(started, rng.randrange(8 * 3600))
            identified_at = (
                null
                if person is None
                else f.ts(min(started_at + rng.randint(0, 60) * DAY, _day_moment(stop, 9 * 3600)))
            )
            # Contacts, earliest first: a few unanswered, then (often) talks.
            count = rng.randint(2, 12)
            days = sorted(
                started + dt.timedelta(days=rng.randint(0, max(0, (stop - started).days)))
                for _ in range(count)
            )
            warm = rng.randint(1, count)
            for c, day in enumerate(days):
                response = (EARLY if c < warm else LATER)[rng.randrange(len(EARLY if c < warm else LATER))]
                by = team[rng.randrange(len(team))]
                at = _day_moment(day, 8 * 3600 + rng.randrange(3600))
                cid = len(contacts)
                contacts.append(
                    (
                        muni,
                        str(pk),
                        "4",
                        f.date(day),
                        METHODS[rng.randrange(len(METHODS))],
                        response,
                        "民生委員" if rng.random() < 0.2 else "",
                        NOTES[response] + FICTITIOUS,
                        str(by),
                        str(org),
                        f.ts(at),
                        f"{rng.getrandbits(128):032x}",
                    )
                )
                audit.append(
                    (
                        at,
                        pk,
                        AuditItem(
                            at,
                            by,
                            "create",
                            _objects(pk, person, household),
                            detail={"operation": "record_contact", "contact": cid},
                        ),
                    )
                )
            next_on = (
                None
                if closed
                else min(last_day + dt.timedelta(days=30), days[-1] + dt.timedelta(days=rng.randint(7, 45)))
            )
            closed_at = null
            if closed is not None:
                closed_at = f.ts(_day_moment(closed, 7 * 3600))
                audit.append(
                    (
                        _day_moment(closed, 7 * 3600),
                        pk,
                        AuditItem(
                            _day_moment(closed, 7 * 3600),
                            opener,
                            "update",
                            _objects(pk, person, household),
                            detail={"operation": "close", "outcome": outcome},
                        ),
                    )
                )
            for w in team:
                workers.append((muni, str(pk), str(w), f.ts(started_at)))
            audit.append(
                (
                    started_at,
                    pk,
                    AuditItem(
                        started_at,
                        opener,
                        "create",
                        _objects(pk, person, household),
                        detail={"operation": "open", "workers": team},
                    ),
                )
            )
            connected = agencies[rng.randrange(len(agencies))] if outcome == Outcome.CONNECTED else None
            note = ""
            if outcome == Outcome.ENDED:
                note = ENDED_NOTES[rng.randrange(len(ENDED_NOTES))] + FICTITIOUS
            elif outcome == Outcome.COLLABORATION:
                note = "複合的な課題があり、多機関協働へつないだ。" + FICTITIOUS
            last_change = closed_at if closed is not None else f.ts(_day_moment(days[-1], 8 * 3600 + 3600))
            yield (
                str(pk),
                muni,
                str(number + k + 1),
                "4",
                DESCRIPTIONS[rng.randrange(len(DESCRIPTIONS))] + FICTITIOUS,
                REPORTERS[rng.randrange(len(REPORTERS))],
                "",
                null,
                null if person is None else str(person),
                null if household is None else str(household),
                identified_at,
                PURPOSES[rng.randrange(len(PURPOSES))],
                str(org),
                EngagementStatus.CLOSED if closed else EngagementStatus.ACTIVE,
                f.date(started),
                f.date(next_on),
                outcome,
                null if connected is None else str(connected),
                note,
                null if request_id is None else str(request_id),
                f.date(closed),
                str(opener) if closed else null,
                str(opener),
                f.ts(started_at),
                f"{rng.getrandbits(128):032x}",
                str(1 + count + (1 if closed else 0)),
                last_change,
            )

    with ctx.writer.bulk_load([contact_table]):
        ctx.writer.write(table, ENGAGEMENT_COLUMNS, engagements())
        first_contact = ctx.writer.reserve_ids(contact_table, len(contacts))
        ctx.writer.write(
            contact_table, CONTACT_COLUMNS, ((str(first_contact + k), *row) for k, row in enumerate(contacts))
        )
        first_worker = ctx.writer.reserve_ids(worker_table, len(workers))
        ctx.writer.write(
            worker_table,
            ("id", "municipality_id", "engagement_id", "staff_id", "assigned_at"),
            ((str(first_worker + k), *row) for k, row in enumerate(workers)),
        )
    audit.sort(key=lambda a: (a[0], a[1]))
    items = []
    for _at, _pk, item in audit:
        if (
            item.detail and "contact" in item.detail
        ):  # the contact's id, now that the table's first id is known
            item = item._replace(detail={**item.detail, "contact": first_contact + item.detail["contact"]})
        items.append(item)
    ctx.audit.add("outreach", iter(items), len(items))


def _objects(pk: int, person: int | None, household: int | None) -> tuple[tuple[str, int], ...]:
    objs: list[tuple[str, int]] = [("outreach_engagement", pk)]
    if person is not None:
        objs.append(("person", person))
    if household is not None:
        objs.append(("household", household))
    return tuple(objs)
