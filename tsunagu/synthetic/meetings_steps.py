"""History step: the sittings of the profile's meeting bodies over the span, with the cases discussed at
them — agenda items under a legal function the case's consent allows, attendance, 守秘義務
acknowledgements and follow-up access for 支援会議 items, and decisions. About `agenda_items` items.

The rules are the meetings app's own (tsunagu/meetings/actions.py): a body's regular sittings fall in the
months its rhythm gives (`scheduled_months`), on the third Wednesday at 14:00; a body that may sit 随時
gets ad-hoc sittings when cases wait; an item is a 重層的支援会議 item only when the case's consent names
that meeting kind and every organization that hears it, else a 支援会議 item (a body whose members bear
守秘義務), else 地域協議会 or 庁内連携 (departments only); a decision of 支援プラン協議済み only under consent.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from dataclasses import dataclass, field

from tsunagu.core.history import AuditItem, HistoryContext, history_step
from tsunagu.directory.models import (
    DEFAULT_FOLLOW_UP_DAYS,
    Frequency,
    MeetingBody,
    MemberSelection,
    Organization,
    OrganizationKind,
)
from tsunagu.directory.models import Acknowledgement as AckMode
from tsunagu.meetings.actions import item_functions, scheduled_months
from tsunagu.meetings.models import (
    DUTY_FUNCTIONS,
    LEGAL_BASIS,
    Acknowledgement,
    AgendaItem,
    AgendaItemOrganization,
    Decision,
    DecisionKind,
    FollowUpAccess,
    Invitation,
    ItemFunction,
    ItemStatus,
    Meeting,
    MeetingKindOfSitting,
    MeetingStatus,
    Purpose,
)

from .common import DAY, FICTITIOUS, JST, CaseData, CityData, StaffData, casework

ITEMS_PER_SITTING = 8  # a two-hour sitting discusses about eight cases
UPCOMING_DAYS = 60  # sittings are planned this far beyond the end of the span
CANCELLED_SHARE = 0.03  # of regular sittings without items
QUESTIONS = {
    Purpose.PLAN: "支援プランの案と各機関の役割分担について協議したい。",
    Purpose.ROLES: "各機関の関わりと役割分担を確認したい。",
    Purpose.SHARING: "前回からの状況の変化を共有し、支援の方向を確認したい。",
    Purpose.CLOSURE: "目標の達成状況を評価し、終結としてよいか協議したい。",
}
DECISION_NOTES = {
    DecisionKind.PLAN_AGREED: "支援プランを協議済みとし、役割分担のとおり支援を始める。",
    DecisionKind.MONITORING: "現在の支援を継続し、次回モニタリングで状況を確認する。",
    DecisionKind.CLOSE: "目標をおおむね達成したため終結とし、見守りに移行する。",
    DecisionKind.NOTE: "各機関の役割分担を確認した。",
}


@dataclass
class _Body:
    pk: int
    functions: list[str]
    fixed: list[int]  # organizations invited to every sitting (a fixed body with members)
    eligible: set[int]
    areas: list[int | None]
    months: list[int]
    ad_hoc: bool
    per_term: bool
    follow_up_days: int


@dataclass
class _Sitting:
    body: _Body
    area: int | None
    starts: int
    kind: str
    caller: int
    items: list[_Item] = field(default_factory=list)
    cases: set[int] = field(default_factory=set)
    pk: int = 0

    @property
    def ends(self) -> int:
        return self.starts + (2 * 3600 if self.kind == MeetingKindOfSitting.SCHEDULED else 90 * 60)


@dataclass
class _Item:
    case: int  # index into CaseData
    purpose: str
    function: str
    organizations: list[int]
    minutes: int
    pk: int = 0


def _bodies(ctx: HistoryContext) -> list[_Body]:
    found = []
    all_orgs = dict(
        Organization.objects.filter(municipality=ctx.municipality, active=True).values_list("pk", "kind")
    )
    departments = {pk for pk, kind in all_orgs.items() if kind == OrganizationKind.DEPARTMENT}
    for body in MeetingBody.objects.filter(municipality=ctx.municipality, active=True).order_by(
        "tier", "sort_order", "pk"
    ):
        functions = item_functions(body)
        if not functions:
            continue
        members = sorted(body.members.filter(active=True).values_list("pk", flat=True))
        fixed = members if body.member_selection == MemberSelection.FIXED else []
        listed = set(body.eligible_members.filter(active=True).values_list("pk", flat=True))
        eligible = set(fixed) or listed or set(all_orgs)
        if functions == [ItemFunction.INTERNAL] and not eligible & departments:
            continue
        months = scheduled_months(body)
        ad_hoc = (
            body.also_ad_hoc
            or body.referral_only
            or body.emergency
            or body.frequency in (Frequency.AD_HOC, Frequency.REGULAR, Frequency.UNSPECIFIED)
        )
        if not months and not ad_hoc:
            continue
        found.append(
            _Body(
                pk=body.pk,
                functions=functions,
                fixed=fixed,
                eligible=eligible,
                areas=[*sorted(body.areas.values_list("pk", flat=True))] or [None],
                months=months,
                ad_hoc=ad_hoc,
                per_term=body.acknowledgement == AckMode.PER_TERM,
                follow_up_days=body.follow_up_days or DEFAULT_FOLLOW_UP_DAYS,
            )
        )
    return found


def _moment(day: dt.date, hour: int, minute: int = 0) -> int:
    return int(dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=JST).timestamp())


def _third_wednesday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(2 - first.weekday()) % 7 + 14)


def _fiscal_year(seconds: int) -> int:
    day = dt.datetime.fromtimestamp(seconds, JST).date()
    return day.year if day.month >= 4 else day.year - 1


class _Planner:
    """Places the cases' items on sittings: the next regular sitting with room, else an ad-hoc one."""

    def __init__(self, ctx: HistoryContext, bodies: list[_Body]):
        self.ctx = ctx
        self.rng = ctx.rng("meetings")
        self.staff: StaffData = ctx.shared["staff"]
        self.start = _moment(ctx.start, 0)
        self.until = _moment(ctx.end, 0) + UPCOMING_DAYS * DAY
        self.sittings: dict[tuple[int, int | None], list[_Sitting]] = {}
        self.starts: dict[tuple[int, int | None], list[int]] = {}
        for body in bodies:
            for area in body.areas:
                key = (body.pk, area)
                rows = []
                for year in range(ctx.start.year - 1, ctx.end.year + 2):
                    for month in body.months:
                        day = _third_wednesday(year if month >= 4 else year + 1, month)
                        at = _moment(day, 14)
                        if self.start <= at < self.until:
                            rows.append(
                                _Sitting(body, area, at, MeetingKindOfSitting.SCHEDULED, self.caller())
                            )
                rows.sort(key=lambda s: s.starts)
                self.sittings[key] = rows
                self.starts[key] = [s.starts for s in rows]

    def caller(self) -> int:
        return self.staff.coordinators[self.rng.randrange(len(self.staff.coordinators))]

    def place(self, body: _Body, area: int | None, case: int, after: int, deadline: int) -> _Sitting | None:
        """The first sitting of the body (in the area) at least a day after `after` with room for the case,
        not after `deadline` (the case's closure)."""
        key = (body.pk, area)
        rows, starts = self.sittings[key], self.starts[key]
        i = bisect.bisect_left(starts, after + DAY)
        for s in rows[i : i + 3]:
            if s.starts > min(after + 45 * DAY, deadline):
                break
            if len(s.items) < ITEMS_PER_SITTING and case not in s.cases:
                return s
        if body.ad_hoc:
            day = dt.datetime.fromtimestamp(after, JST).date() + dt.timedelta(days=self.rng.randint(3, 10))
            for _ in range(30):
                while day.weekday() >= 5:
                    day += dt.timedelta(days=1)
                at = _moment(day, 10)
                j = bisect.bisect_left(starts, at)
                if j < len(rows) and rows[j].starts == at:
                    if len(rows[j].items) < ITEMS_PER_SITTING and case not in rows[j].cases:
                        return rows[j]
                    day += dt.timedelta(days=1)
                    continue
                if at >= min(self.until, deadline):
                    return None
                s = _Sitting(body, area, at, MeetingKindOfSitting.AD_HOC, self.caller())
                rows.insert(j, s)
                starts.insert(j, at)
                return s
            return None
        for s in rows[i : i + 6]:  # a body without ad-hoc sittings takes the case at a later regular one
            if s.starts <= deadline and case not in s.cases:
                return s
        return None

    def all_sittings(self) -> list[_Sitting]:
        out = [s for rows in self.sittings.values() for s in rows]
        out.sort(key=lambda s: (s.starts, s.body.pk, s.area or 0))
        return out


@history_step("meetings", after=("cases",))
def meetings_step(ctx: HistoryContext) -> None:
    """Sittings of the city's meeting bodies, and about `agenda_items` items from the cases' course."""
    cases: CaseData = ctx.shared["cases"]
    bodies = _bodies(ctx)
    if not bodies or not cases.ids:
        return
    rng = ctx.rng("meetings-items")
    planner = _Planner(ctx, bodies)
    end = planner.until - UPCOMING_DAYS * DAY
    wanted = _wanted(ctx, cases, rng, end)
    departments = set(
        Organization.objects.filter(
            municipality=ctx.municipality, active=True, kind=OrganizationKind.DEPARTMENT
        ).values_list("pk", flat=True)
    )
    home: dict[int, tuple[_Body, int | None]] = {}
    for at, n, purpose in wanted:
        if n not in home:  # the body that follows the case: one where it may be discussed at all
            able = [b for b in bodies if _function(b, cases, n, at, departments)] or bodies
            body = able[rng.randrange(len(able))]
            home[n] = (body, body.areas[rng.randrange(len(body.areas))])
        body, area = home[n]
        chosen = _function(body, cases, n, at, departments)
        if chosen is None:
            continue
        function, orgs = chosen
        sitting = planner.place(body, area, n, at, cases.closed[n] or planner.until)
        if sitting is None:
            continue
        if purpose == Purpose.PLAN and function != ItemFunction.CONSENTED_CONFERENCE:
            purpose = Purpose.ROLES
        sitting.items.append(_Item(n, purpose, function, orgs, rng.choice((15, 20, 20, 30))))
        sitting.cases.add(n)
    _Writer(ctx, planner.all_sittings(), end).write()


def _wanted(ctx: HistoryContext, cases: CaseData, rng: random.Random, end: int) -> list[tuple[int, int, str]]:
    """(moment, case index, purpose) of the discussions the cases' course asks for, thinned to about
    `agenda_items`: the plan, some monitorings, the closure; an upcoming one for some open cases."""
    out: list[tuple[int, int, str]] = []
    for n in range(len(cases.ids)):
        if cases.plan_agreed[n]:
            out.append((max(cases.plan_drafted[n], cases.plan_agreed[n] - 14 * DAY), n, Purpose.PLAN))
        elif cases.consent_at[n]:
            out.append((cases.consent_at[n] + 7 * DAY, n, Purpose.ROLES))
        out += [(m - 14 * DAY, n, Purpose.SHARING) for m in cases.monitorings[n]]
        if cases.closed[n] and cases.plan_agreed[n]:
            out.append((cases.closed[n] - 21 * DAY, n, Purpose.CLOSURE))
        elif not cases.closed[n] and cases.plan_agreed[n] and rng.random() < 0.1:
            out.append((end - rng.randint(0, 20) * DAY, n, Purpose.SHARING))
    target = ctx.size("agenda_items")
    keep = min(1.0, target / len(out)) if out else 0.0
    # Plans and closures first: thinning drops monitoring discussions before them.
    heavy = [w for w in out if w[2] != Purpose.SHARING]
    light = [w for w in out if w[2] == Purpose.SHARING]
    room = max(0, target - len(heavy))
    keep_light = min(1.0, room / len(light)) if light else 0.0
    kept = (heavy if keep >= 1.0 or len(heavy) <= target else rng.sample(heavy, target)) + [
        w for w in light if rng.random() < keep_light
    ]
    kept.sort()
    return kept


def _function(
    body: _Body, cases: CaseData, n: int, at: int, departments: set[int]
) -> tuple[str, list[int]] | None:
    """The legal function the case may be discussed under at this body, and the organizations hearing it."""
    team = [o for o in cases.team[n] if o in body.eligible]
    orgs = body.fixed or team
    for function in body.functions:
        if function == ItemFunction.CONSENTED_CONFERENCE:
            consent = cases.consent_at[n]
            if (
                cases.consented_conference[n]
                and consent
                and consent <= at
                and orgs
                and set(orgs) <= set(team)
            ):
                return function, orgs
        elif function == ItemFunction.INTERNAL:
            inside = [o for o in (body.fixed or sorted(body.eligible)) if o in departments][:3]
            if inside:
                return function, inside
        elif orgs:
            return function, orgs
    return None


class _Writer:
    """Numbers the planned sittings and items and writes every table, with the audit events."""

    def __init__(self, ctx: HistoryContext, sittings: list[_Sitting], end: int):
        self.ctx = ctx
        self.fmt = ctx.fmt
        self.rng = ctx.rng("meetings-rows")
        self.cases: CaseData = ctx.shared["cases"]
        self.staff: StaffData = ctx.shared["staff"]
        self.city: CityData = ctx.shared["city"]
        self.sittings = sittings
        self.end = end
        self.muni = str(ctx.municipality.pk)
        self.audit: list[tuple[int, int, AuditItem]] = []
        self.decision_audit: list[tuple[int, int, int, int, str]] = []

    def _audit(
        self, at: int, actor: int, action: str, *objects: tuple[str, int], reason: str = "", **detail: object
    ) -> None:
        item = AuditItem(at, actor, action, tuple(objects), detail=detail or None, reason=reason)
        self.audit.append((at, len(self.audit), item))

    def _staff_of(self, org: int) -> int | None:
        pool = casework(self.staff, org)
        return pool[self.rng.randrange(len(pool))] if pool else None

    def write(self) -> None:
        f, w, rng, ctx = self.fmt, self.ctx.writer, self.rng, self.ctx
        null, muni, cases = f.NULL, self.muni, self.cases
        items = [i for s in self.sittings for i in s.items]
        first_meeting = w.reserve_ids(ctx.table(Meeting), len(self.sittings))
        first_item = w.reserve_ids(ctx.table(AgendaItem), len(items))
        for n, s in enumerate(self.sittings):
            s.pk = first_meeting + n
        n = first_item
        for s in self.sittings:
            for i in s.items:
                i.pk = n
                n += 1
        meetings: list[tuple[str, ...]] = []
        agenda: list[tuple[str, ...]] = []
        item_orgs: list[tuple[str, ...]] = []
        invitations: list[tuple[str, ...]] = []
        acks: list[tuple[str, ...]] = []
        follow_ups: list[tuple[str, ...]] = []
        decisions: list[tuple[str, ...]] = []
        acked: dict[tuple[int, int, int], int] = {}  # (staff, body, meeting or fiscal year) → when
        for s in self.sittings:
            held = s.starts < self.end
            cancelled = held and not s.items and rng.random() < CANCELLED_SHARE
            status = (
                MeetingStatus.CANCELLED
                if cancelled
                else MeetingStatus.HELD
                if held
                else MeetingStatus.PLANNED
            )
            scheduled = s.kind == MeetingKindOfSitting.SCHEDULED
            created = s.starts - (rng.randint(30, 90) if scheduled else rng.randint(3, 10)) * DAY
            meetings.append(
                (
                    str(s.pk),
                    muni,
                    str(s.body.pk),
                    null if s.area is None else str(s.area),
                    s.kind,
                    f.ts(s.starts),
                    f.ts(s.ends),
                    "",
                    status,
                    "" if scheduled else "事案の検討のため随時開催" + FICTITIOUS,
                    str(s.caller),
                    f.ts(s.ends + 3600) if status == MeetingStatus.HELD else null,
                    "2" if status == MeetingStatus.HELD else "1",
                    f.ts(created),
                )
            )
            self._audit(created, s.caller, "create", ("meeting", s.pk), kind=s.kind)
            attending: set[int] = set()
            for org in s.body.fixed:  # the fixed members, invited to the whole sitting
                came = status == MeetingStatus.HELD and rng.random() < 0.92
                invitations.append(self._invitation(s, None, org, came, status, created))
                if came:
                    attending.add(org)
            if status == MeetingStatus.HELD:
                self._audit(s.ends + 3600, s.caller, "update", ("meeting", s.pk), attendance=len(s.items))
            for order, i in enumerate(s.items, start=1):
                coordinator = cases.coordinator[i.case]
                case_id = cases.ids[i.case]
                placed_at = max(cases.opened[i.case], s.starts - rng.randint(2, 14) * DAY)
                discussed = status == MeetingStatus.HELD
                agenda.append(
                    (
                        str(i.pk),
                        muni,
                        str(s.pk),
                        str(case_id),
                        i.purpose,
                        str(i.minutes),
                        i.function,
                        ItemStatus.DISCUSSED if discussed else ItemStatus.PLACED,
                        null,
                        QUESTIONS[Purpose(i.purpose)] + FICTITIOUS,
                        str(coordinator),
                        str(order),
                        f.ts(s.ends) if discussed else null,
                        "2" if discussed else "1",
                        f.ts(placed_at),
                    )
                )
                self._audit(
                    placed_at,
                    coordinator,
                    "create",
                    ("agenda_item", i.pk),
                    ("case", case_id),
                    ("meeting", s.pk),
                    legal_function=i.function,
                    purpose=i.purpose,
                )
                for org in i.organizations:
                    item_orgs.append((muni, str(i.pk), str(org)))
                present = set(attending)
                if not s.body.fixed:  # per case: the organizations are invited for this item
                    for org in i.organizations:
                        came = discussed and rng.random() < 0.92
                        invitations.append(self._invitation(s, i.pk, org, came, status, placed_at))
                        if came:
                            present.add(org)
                if not discussed:
                    continue
                basis = LEGAL_BASIS[i.function]
                self._audit(
                    s.starts + 600,
                    coordinator,
                    "view",
                    ("agenda_item", i.pk),
                    ("case", case_id),
                    ("meeting", s.pk),
                    reason=basis,
                    legal_function=i.function,
                )
                granted = 0
                if i.function in DUTY_FUNCTIONS:
                    for org in sorted(present & set(i.organizations)):
                        member = self._staff_of(org)
                        if member is None:
                            continue
                        scope = _fiscal_year(s.starts) if s.body.per_term else s.pk
                        key = (member, s.body.pk, scope)
                        when = acked.get(key)
                        if when is None:
                            when = acked[key] = s.starts - rng.randint(60, 1800)
                            acks.append(
                                (
                                    muni,
                                    str(s.body.pk),
                                    str(member),
                                    null if s.body.per_term else str(s.pk),
                                    str(scope) if s.body.per_term else null,
                                    f.ts(when),
                                )
                            )
                            self._audit(
                                when,
                                member,
                                "create",
                                ("meeting", s.pk),
                                acknowledgement=(
                                    AckMode.PER_TERM if s.body.per_term else AckMode.PER_MEETING
                                ),
                            )
                        follow_ups.append(
                            (
                                muni,
                                str(i.pk),
                                str(case_id),
                                str(member),
                                f.ts(when),
                                f.ts(s.ends),
                                f.ts(s.ends + s.body.follow_up_days * DAY),
                            )
                        )
                        granted += 1
                self._audit(
                    s.ends,
                    coordinator,
                    "update",
                    ("agenda_item", i.pk),
                    ("case", case_id),
                    reason=basis,
                    discussed=True,
                    follow_up=granted,
                )
                decisions.append(self._decision(s, i, case_id, coordinator))
        self._write(meetings, agenda, item_orgs, invitations, acks, follow_ups, decisions)

    def _invitation(
        self, s: _Sitting, item: int | None, org: int, came: bool, status: str, at: int
    ) -> tuple[str, ...]:
        f = self.fmt
        return (
            self.muni,
            str(s.pk),
            f.NULL if item is None else str(item),
            str(org),
            f.NULL,
            "",
            "",
            f.boolean(came) if status == MeetingStatus.HELD else f.NULL,
            f.NULL,
            str(s.caller),
            f.ts(at),
        )

    def _decision(self, s: _Sitting, i: _Item, case_id: int, coordinator: int) -> tuple[str, ...]:
        f, rng = self.fmt, self.rng
        held_on = dt.datetime.fromtimestamp(s.starts, JST).date()
        kind = {
            Purpose.PLAN: DecisionKind.PLAN_AGREED,
            Purpose.SHARING: DecisionKind.MONITORING,
            Purpose.CLOSURE: DecisionKind.CLOSE,
        }.get(Purpose(i.purpose), DecisionKind.NOTE)
        next_on = held_on + dt.timedelta(days=90) if kind == DecisionKind.MONITORING else None
        responsible = follow_up = done_at = done_by = None
        if kind != DecisionKind.CLOSE and rng.random() < 0.3:
            responsible = i.organizations[rng.randrange(len(i.organizations))]
            follow_up = held_on + dt.timedelta(days=14)
            done_by = self._staff_of(responsible)
            done = s.ends + rng.randint(2, 20) * DAY
            if done_by is not None and done < self.end:
                done_at = done
            else:
                done_by = None
        recorded = s.ends + 1800
        self.decision_audit.append((recorded, coordinator, i.pk, case_id, kind))
        return (
            self.muni,
            str(i.pk),
            kind,
            DECISION_NOTES[kind] + FICTITIOUS,
            f.date(next_on),
            f.NULL,
            f.NULL if responsible is None else str(responsible),
            f.date(follow_up),
            f.NULL if done_at is None else f.ts(done_at),
            f.NULL if done_by is None else str(done_by),
            "",  # action_description: the generated decisions assign no new action
            f.boolean(False),  # plan_agreed
            str(coordinator),
            f.ts(recorded),
        )

    def _write(self, *tables: list[tuple[str, ...]]) -> None:
        meetings, agenda, item_orgs, invitations, acks, follow_ups, decisions = tables
        ctx, w = self.ctx, self.ctx.writer
        w.write(ctx.table(Meeting), MEETING_COLUMNS, meetings)
        w.write(ctx.table(AgendaItem), ITEM_COLUMNS, agenda)
        for model, columns, rows in (
            (AgendaItemOrganization, ("municipality_id", "agendaitem_id", "organization_id"), item_orgs),
            (Invitation, INVITATION_COLUMNS, invitations),
            (
                Acknowledgement,
                ("municipality_id", "body_id", "staff_id", "meeting_id", "fiscal_year", "acknowledged_at"),
                acks,
            ),
            (FollowUpAccess, FOLLOW_UP_COLUMNS, follow_ups),
            (Decision, DECISION_COLUMNS, decisions),
        ):
            table = ctx.table(model)
            first = w.reserve_ids(table, len(rows))
            w.write(table, ("id", *columns), ((str(first + k), *row) for k, row in enumerate(rows)))
            if model is Decision:
                for k, (at, actor, item, case, kind) in enumerate(self.decision_audit):
                    self._audit(
                        at,
                        actor,
                        "create",
                        ("agenda_item", item),
                        ("case", case),
                        ("decision", first + k),
                        kind=kind,
                    )
        self.audit.sort()
        ctx.audit.add("meetings", (item for _at, _n, item in self.audit), len(self.audit))


MEETING_COLUMNS = (
    "id",
    "municipality_id",
    "body_id",
    "area_id",
    "kind",
    "starts_at",
    "ends_at",
    "place",
    "status",
    "reason",
    "called_by_id",
    "held_at",
    "version",
    "created_at",
)
ITEM_COLUMNS = (
    "id",
    "municipality_id",
    "meeting_id",
    "case_id",
    "purpose",
    "minutes",
    "legal_function",
    "status",
    "escalated_from_id",
    "question",
    "proposed_by_id",
    "sort_order",
    "discussed_at",
    "version",
    "created_at",
)
INVITATION_COLUMNS = (
    "municipality_id",
    "meeting_id",
    "item_id",
    "organization_id",
    "staff_id",
    "guest_post",
    "guest_name",
    "attended",
    "guest_duty_acknowledged_at",
    "invited_by_id",
    "created_at",
)
FOLLOW_UP_COLUMNS = (
    "municipality_id",
    "item_id",
    "case_id",
    "staff_id",
    "duty_acknowledged_at",
    "valid_from",
    "valid_until",
)
DECISION_COLUMNS = (
    "municipality_id",
    "item_id",
    "kind",
    "note",
    "next_monitoring_on",
    "to_body_id",
    "responsible_id",
    "follow_up_on",
    "followed_up_at",
    "followed_up_by_id",
    "action_description",
    "plan_agreed",
    "recorded_by_id",
    "recorded_at",
)
