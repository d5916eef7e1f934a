"""History step: 多機関協働 cases from escalation requests, with team, consent, assessment, plans,
monitoring, transitions and closure; plus pending and declined requests. About `cases` cases."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Max

from tsunagu.cases.models import ActionStatus as Act
from tsunagu.cases.models import (
    Assessment,
    AssessmentArea,
    Case,
    CaseStatus,
    CaseTeamMember,
    CaseTransition,
    Consent,
    ConsentBasis,
    ConsentMethod,
    LifeArea,
    Monitoring,
    PlanAction,
    PlanGoal,
    PlanStatus,
    SupportPlan,
    TeamRole,
)
from tsunagu.core.history import AuditItem, HistoryContext, history_step
from tsunagu.directory.models import MeetingKind
from tsunagu.intake.models import EscalationRequest, EscalationStatus

from .common import (
    DAY,
    FICTITIOUS,
    Calendar,
    CaseData,
    CityData,
    ConsultationData,
    PeopleData,
    StaffData,
    date_of,
)

FORWARD = [
    CaseStatus.INTAKE,
    CaseStatus.ASSESSMENT,
    CaseStatus.PLANNING,
    CaseStatus.SUPPORT,
    CaseStatus.EVALUATION,
]
AREAS = list(LifeArea.values)
GOALS = [
    "生活費の見通しを立て、滞納を解消する",
    "日中に通える場所を見つける",
    "介護サービスを利用して家族の負担を減らす",
    "子どもが安心して登校できる環境をつくる",
    "必要な手続きを一緒に済ませる",
    "地域の見守りにつながる",
]
ACTIONS = [
    "家計相談で支出を整理する",
    "訪問して様子を確認する",
    "サービス利用の申請を支援する",
    "居場所を紹介し同行する",
]


@dataclass
class _Table:
    """Rows of one table and the next id to hand out (ids reserved up front, unused ones given back)."""

    name: str
    columns: tuple[str, ...]
    next_id: int
    rows: list[tuple[str, ...]] = field(default_factory=list)

    def add(self, *values: str) -> int:
        pk = self.next_id
        self.next_id += 1
        self.rows.append((str(pk), *values))
        return pk


@history_step("cases", after=("consultations",))
def cases_step(ctx: HistoryContext) -> None:
    """Cases opened over the span from consultations, each at the stage its age makes likely."""
    k = ctx.size("cases")
    cons: ConsultationData = ctx.shared["consultations"]
    if k <= 0 or len(cons) == 0:
        ctx.shared["cases"] = CaseData()
        return
    builder = _Builder(ctx, k)
    builder.build()
    builder.write()
    ctx.shared["cases"] = builder.data
    builder.audit.sort()
    ctx.audit.add("cases", (item for _at, _n, item in builder.audit), len(builder.audit))


class _Builder:
    def __init__(self, ctx: HistoryContext, k: int):
        self.ctx = ctx
        self.k = k
        self.fmt = ctx.fmt
        self.rng = ctx.rng("cases")
        self.city: CityData = ctx.shared["city"]
        self.people: PeopleData = ctx.shared["people"]
        self.cons: ConsultationData = ctx.shared["consultations"]
        self.staff: StaffData = ctx.shared["staff"]
        self.calendar: Calendar = ctx.shared["calendar"]
        self.muni = str(self.city.municipality_id)
        self.data = CaseData()
        self.audit: list[tuple[int, int, AuditItem]] = []
        w = ctx.writer
        extra = k // 50 + k // 20 + 1

        def table(model: type, columns: tuple[str, ...], bound: int) -> _Table:
            name = ctx.table(model)
            return _Table(name, columns, w.reserve_ids(name, bound))

        self.requests = table(
            EscalationRequest,
            (
                "id",
                "municipality_id",
                "household_id",
                "person_id",
                "consultation_id",
                "rule_id",
                "to_body_id",
                "organization_id",
                "requested_by_id",
                "requested_at",
                "reason",
                "status",
                "handled_by_id",
                "handled_at",
                "handling_note",
                "version",
            ),
            k + extra,
        )
        self.cases = table(
            Case,
            (
                "id",
                "municipality_id",
                "number",
                "household_id",
                "escalation_request_id",
                "title",
                "status",
                "suspended_from",
                "coordinator_id",
                "opened_at",
                "opened_by_id",
                "closed_at",
                "closure_reason",
                "goal_attainment",
                "handover_to_id",
                "handover_note",
                "main_agency_after_closure_id",
                "version",
            ),
            k,
        )
        self.case_persons = table(Case.persons.through, ("id", "case_id", "person_id"), 2 * k)
        self.transitions = table(
            CaseTransition,
            ("id", "municipality_id", "case_id", "from_status", "to_status", "at", "by_id", "note"),
            8 * k,
        )
        self.team = table(
            CaseTeamMember,
            (
                "id",
                "municipality_id",
                "case_id",
                "organization_id",
                "role",
                "added_at",
                "added_by_id",
                "removed_at",
            ),
            5 * k,
        )
        self.consents = table(
            Consent,
            (
                "id",
                "municipality_id",
                "case_id",
                "given_by_id",
                "given_by_note",
                "basis",
                "meeting_kinds",
                "method",
                "given_on",
                "expires_on",
                "withdrawn_at",
                "withdrawn_by_id",
                "withdrawal_note",
                "document",
                "recorded_by_id",
                "recorded_at",
            ),
            k,
        )
        self.consent_persons = table(Consent.persons.through, ("id", "consent_id", "person_id"), 2 * k)
        self.consent_orgs = table(
            Consent.organizations.through, ("id", "consent_id", "organization_id"), 5 * k
        )
        self.assessments = table(
            Assessment,
            (
                "id",
                "municipality_id",
                "case_id",
                "version_no",
                "person_wish",
                "summary",
                "change_reason",
                "created_at",
                "created_by_id",
            ),
            2 * k,
        )
        self.areas = table(
            AssessmentArea,
            ("id", "municipality_id", "assessment_id", "area", "situation", "strengths", "risks"),
            6 * k,
        )
        self.plans = table(
            SupportPlan,
            (
                "id",
                "municipality_id",
                "case_id",
                "version_no",
                "status",
                "overall_goal",
                "monitoring_on",
                "change_reason",
                "agreed_at",
                "agreed_note",
                "created_at",
                "created_by_id",
                "edit_version",
            ),
            2 * k,
        )
        self.goals = table(
            PlanGoal,
            ("id", "municipality_id", "plan_id", "order", "text", "life_area", "review_on", "attainment"),
            4 * k,
        )
        self.actions = table(
            PlanAction,
            (
                "id",
                "municipality_id",
                "plan_id",
                "goal_id",
                "description",
                "organization_id",
                "role",
                "person_in_charge",
                "due_on",
                "review_on",
                "status",
            ),
            8 * k,
        )
        self.monitorings = table(
            Monitoring,
            (
                "id",
                "municipality_id",
                "case_id",
                "plan_id",
                "held_on",
                "summary",
                "next_on",
                "recorded_by_id",
                "recorded_at",
            ),
            12 * k,
        )
        self.tables = [
            self.requests,
            self.cases,
            self.case_persons,
            self.transitions,
            self.team,
            self.consents,
            self.consent_persons,
            self.consent_orgs,
            self.assessments,
            self.areas,
            self.plans,
            self.goals,
            self.actions,
            self.monitorings,
        ]

    # ---------------------------------------------------------------------------------------------

    def _audit(
        self, at: int, actor: int, action: str, *objects: tuple[str, int], view: str = "", **detail: object
    ) -> None:
        item = AuditItem(at, actor, action, tuple(objects), detail=detail or None, view_name=view)
        self.audit.append((at, len(self.audit), item))

    def _pick(self) -> list[int]:
        """Consultation indexes that lead to a case: one per household, old enough to have been handled."""
        rng, cons = self.rng, self.cons
        latest = self.calendar.end_seconds - 21 * DAY
        taken: set[int] = set()
        picked: list[int] = []
        for _ in range(self.k * 20):
            if len(picked) >= self.k:
                break
            j = rng.randrange(len(cons))
            h = cons.household[j]
            if cons.at[j] < latest and h not in taken:
                taken.add(h)
                picked.append(j)
        self.taken = taken
        return sorted(picked, key=lambda j: cons.at[j])

    def build(self) -> None:
        number = (
            Case.objects.filter(municipality=self.ctx.municipality).aggregate(n=Max("number"))["n"] or 0
        ) + 1
        for j in self._pick():
            self._case(j, number)
            number += 1
        self._other_requests()

    def _request(self, j: int, at: int, status: str, handler: int | None, handled: int | None) -> int:
        f, cons, rng = self.fmt, self.cons, self.rng
        rule = (
            self.city.rules[rng.randrange(len(self.city.rules))]
            if self.city.rules and rng.random() < 0.7
            else None
        )
        body = self.city.to_bodies.get(rule) if rule else None
        household = self.people.household_id(cons.household[j])
        note: dict[str, str] = {
            EscalationStatus.ACCEPTED: "多機関協働のケースを開始",
            EscalationStatus.DECLINED: "窓口での継続支援とする",
        }
        rid = self.requests.add(
            self.muni,
            str(household),
            str(cons.person[j]),
            str(cons.first + j),
            f.NULL if rule is None else str(rule),
            f.NULL if body is None else str(body),
            str(cons.organization[j]),
            str(cons.staff[j]),
            f.ts(at),
            "複数分野の課題があり、関係機関での役割分担が必要。" + FICTITIOUS,
            status,
            f.NULL if handler is None else str(handler),
            f.NULL if handled is None else f.ts(handled),
            note.get(status, ""),
            "1" if status == EscalationStatus.PENDING else "2",
        )
        self._audit(at, cons.staff[j], "create", ("escalation_request", rid), ("household", household))
        if handler is not None and handled is not None:
            self._audit(
                handled,
                handler,
                "update",
                ("escalation_request", rid),
                ("household", household),
                accepted=status == EscalationStatus.ACCEPTED,
            )
        return rid

    def _case(self, j: int, number: int) -> None:
        f, rng, cal, cons = self.fmt, self.rng, self.calendar, self.cons
        end = cal.end_seconds
        h = cons.household[j]
        household = self.people.household_id(h)
        coordinator = self.staff.coordinators[rng.randrange(len(self.staff.coordinators))]
        requested = cal.office_time_after(rng, cons.at[j], rng.randint(1, 3))
        opened = min(cal.office_time_after(rng, requested, rng.randint(1, 14)), end - DAY)
        via_request = rng.random() < 0.85
        rid = (
            self._request(j, requested, EscalationStatus.ACCEPTED, coordinator, opened)
            if via_request
            else None
        )
        # How far the case got: older cases are mostly closed.
        age_days = (end - opened) // DAY
        closed_share = 0.9 if age_days > 730 else 0.6 if age_days > 365 else 0.3 if age_days > 180 else 0.05
        reach = min(len(FORWARD), 1 + age_days // 30) if age_days < 150 else len(FORWARD)
        stage = rng.randint(max(1, reach - 2), reach)  # stages passed through (1 = intake only)
        closed = rng.random() < closed_share
        suspended = not closed and rng.random() < 0.03
        path = FORWARD[:stage]
        final = CaseStatus.CLOSED if closed else CaseStatus.SUSPENDED if suspended else path[-1]
        last = end - DAY if not closed else min(end - DAY, opened + rng.randint(60, 900) * DAY)
        steps = len(path) - 1 + (1 if final != path[-1] else 0)
        moments = sorted(rng.randint(opened + 3600, max(opened + 7200, last)) for _ in range(steps))
        if closed and moments:
            moments[-1] = max(moments[-1], last)
        status_at: dict[str, int] = {CaseStatus.INTAKE: opened}
        handover = self.city.agency_orgs[rng.randrange(len(self.city.agency_orgs))]
        members = self.people.members(h)
        persons = [members[0]] + ([members[1]] if len(members) > 1 and rng.random() < 0.4 else [])
        case_id = self.cases.add(
            self.muni,
            str(number),
            str(household),
            f.NULL if rid is None else str(rid),
            "",
            final,
            path[-1] if suspended else "",
            str(coordinator),
            f.ts(opened),
            str(coordinator),
            f.ts(last) if closed else f.NULL,
            ("目標をおおむね達成し、見守りに移行。" + FICTITIOUS) if closed else "",
            rng.choice(["achieved", "partly", "not_achieved", "unknown"]) if closed else "",
            str(handover) if closed else f.NULL,
            "定期的な見守りを依頼。" if closed else "",
            str(handover) if closed else f.NULL,
            str(1 + steps),
        )
        self.data.ids.append(case_id)
        self.data.households.append(h)
        if not closed:
            self.data.open_ids.append(case_id)
        self._audit(
            opened,
            coordinator,
            "create",
            ("case", case_id),
            ("household", household),
            *[("person", p) for p in persons],
        )
        for p in persons:
            self.case_persons.add(str(case_id), str(p))
        previous = CaseStatus.INTAKE
        self.transitions.add(
            self.muni, str(case_id), "", CaseStatus.INTAKE, f.ts(opened), str(coordinator), ""
        )
        for status, at in zip([*path[1:], *([final] if final != path[-1] else [])], moments, strict=True):
            self.transitions.add(self.muni, str(case_id), previous, status, f.ts(at), str(coordinator), "")
            self._audit(at, coordinator, "update", ("case", case_id), to=str(status))
            status_at[status] = at
            previous = status
        # The team: the referring organization (情報提供) and one to three agencies.
        team_orgs: list[tuple[int, str]] = []
        if rid is not None:
            team_orgs.append((cons.organization[j], TeamRole.INFORMATION))
        for n in range(rng.randint(1, 3)):
            org = self.city.agency_orgs[rng.randrange(len(self.city.agency_orgs))]
            if all(org != o for o, _r in team_orgs):
                team_orgs.append((org, TeamRole.LEAD if n == 0 else TeamRole.COOPERATING))
        for org, role in team_orgs:
            self.team.add(self.muni, str(case_id), str(org), role, f.ts(opened), str(coordinator), f.NULL)
        d = self.data
        d.persons.append(persons)
        d.status.append(str(final))
        d.opened.append(opened)
        d.closed.append(last if closed else 0)
        d.coordinator.append(coordinator)
        d.team.append([org for org, _role in team_orgs])
        d.consent_at.append(0)
        d.consented_conference.append(False)
        d.plan_drafted.append(0)
        d.plan_agreed.append(0)
        d.monitorings.append([])
        if CaseStatus.ASSESSMENT in status_at:
            self._consent(case_id, coordinator, status_at[CaseStatus.ASSESSMENT], persons, team_orgs)
            self._assessments(case_id, coordinator, status_at[CaseStatus.ASSESSMENT], last)
        if CaseStatus.PLANNING in status_at:
            self._plans(case_id, coordinator, status_at, team_orgs, last, closed)

    def _consent(
        self, case_id: int, by: int, at: int, persons: list[int], team: list[tuple[int, str]]
    ) -> None:
        f, rng = self.fmt, self.rng
        given = max(self.calendar.midnights[0], at - rng.randint(0, 5) * DAY)
        kinds = [MeetingKind.CONSENTED_CONFERENCE] if rng.random() < 0.6 else []
        consent_id = self.consents.add(
            self.muni,
            str(case_id),
            str(persons[0]),
            "",
            # The first person agrees for themselves; for a second member, as the person's agent.
            ConsentBasis.SELF if len(persons) == 1 else ConsentBasis.AGENT,
            f.json([str(k) for k in kinds]),
            ConsentMethod.WRITTEN if rng.random() < 0.8 else ConsentMethod.ORAL,
            f.date(date_of(given)),
            f.NULL,
            f.NULL,
            f.NULL,
            "",
            "",
            str(by),
            f.ts(at),
        )
        for p in persons:
            self.consent_persons.add(str(consent_id), str(p))
        self.data.consent_at[-1] = given
        self.data.consented_conference[-1] = bool(kinds)
        for org, _role in team:
            self.consent_orgs.add(str(consent_id), str(org))
        self._audit(at, by, "create", ("case", case_id), ("consent", consent_id))

    def _assessments(self, case_id: int, by: int, at: int, last: int) -> None:
        f, rng = self.fmt, self.rng
        versions = 2 if rng.random() < 0.3 and last - at > 60 * DAY else 1
        for v in range(1, versions + 1):
            when = at if v == 1 else rng.randint(at + DAY, last)
            aid = self.assessments.add(
                self.muni,
                str(case_id),
                str(v),
                "今の家で暮らし続けたい。" + FICTITIOUS,
                "複数の課題が重なっており、関係機関での役割分担が必要。" + FICTITIOUS,
                "" if v == 1 else "状況の変化を反映",
                f.ts(when),
                str(by),
            )
            for area in rng.sample(AREAS, 3):
                self.areas.add(
                    self.muni, str(aid), area, "状況を聞き取り中。" + FICTITIOUS, "相談につながっている", ""
                )
            self._audit(when, by, "update", ("case", case_id), ("assessment", aid), version=v)

    def _plans(
        self,
        case_id: int,
        by: int,
        status_at: dict[str, int],
        team: list[tuple[int, str]],
        last: int,
        closed: bool,
    ) -> None:
        f, rng = self.fmt, self.rng
        start = status_at[CaseStatus.PLANNING]
        agreed_at = status_at.get(CaseStatus.SUPPORT)
        revised = CaseStatus.EVALUATION in status_at and rng.random() < 0.25
        versions = [(1, start, agreed_at)]
        if revised:
            at = status_at[CaseStatus.EVALUATION]
            versions.append((2, at, at + DAY if (closed or rng.random() < 0.7) else None))
        plan_id = 0
        self.data.plan_drafted[-1] = start
        self.data.plan_agreed[-1] = agreed_at or 0
        for v, created, agreed in versions:
            superseded = revised and v == 1
            status = (
                PlanStatus.SUPERSEDED if superseded else PlanStatus.AGREED if agreed else PlanStatus.DRAFT
            )
            next_on = None if agreed is None else date_of(min(agreed + 90 * DAY, last + 90 * DAY))
            plan_id = self.plans.add(
                self.muni,
                str(case_id),
                str(v),
                status,
                "地域で安心して暮らし続ける。" + FICTITIOUS,
                f.date(next_on),
                "" if v == 1 else "評価を受けて目標を見直し",
                f.NULL if agreed is None else f.ts(agreed),
                "" if agreed is None else "重層的支援会議",
                f.ts(created),
                str(by),
                "1",
            )
            self._audit(created, by, "create", ("case", case_id), ("support_plan", plan_id), version=v)
            for order, text in enumerate(rng.sample(GOALS, 2), start=1):
                goal_id = self.goals.add(
                    self.muni, str(plan_id), str(order), text, rng.choice(AREAS), f.NULL, ""
                )
                for description in rng.sample(ACTIONS, 2):
                    org, role = team[rng.randrange(len(team))]
                    state = (
                        Act.DONE
                        if closed or superseded
                        else rng.choice([Act.PLANNED, Act.IN_PROGRESS, Act.DONE])
                    )
                    self.actions.add(
                        self.muni,
                        str(plan_id),
                        str(goal_id),
                        description,
                        str(org),
                        role,
                        "",
                        f.NULL,
                        f.NULL,
                        state,
                    )
        if agreed_at is not None:
            held = agreed_at + 90 * DAY
            count = 0
            while held < last and count < 12:
                self.data.monitorings[-1].append(held)
                self.monitorings.add(
                    self.muni,
                    str(case_id),
                    str(plan_id),
                    f.date(date_of(held)),
                    "予定どおり支援を継続。" + FICTITIOUS,
                    f.date(date_of(held + 90 * DAY)),
                    str(by),
                    f.ts(held),
                )
                self._audit(
                    held, by, "create", ("case", case_id), ("monitoring", self.monitorings.next_id - 1)
                )
                held += rng.randint(75, 110) * DAY
                count += 1

    def _other_requests(self) -> None:
        """Pending requests of the last weeks (the escalations screen) and older declined ones."""
        rng, cons, end = self.rng, self.cons, self.calendar.end_seconds
        recent = [j for j in range(max(0, len(cons) - 200_000), len(cons)) if cons.at[j] > end - 45 * DAY]
        for want, pool, status in (
            (self.k // 50 + 1, recent, EscalationStatus.PENDING),
            (self.k // 20, range(len(cons)), EscalationStatus.DECLINED),
        ):
            made = 0
            for _ in range(want * 20):
                if made >= want or not pool:
                    break
                j = pool[rng.randrange(len(pool))]
                h = cons.household[j]
                if h in self.taken:
                    continue
                self.taken.add(h)
                at = self.calendar.office_time_after(rng, cons.at[j], 1)
                if status == EscalationStatus.PENDING:
                    self._request(j, min(at, end - 60), status, None, None)
                else:
                    handler = self.staff.coordinators[rng.randrange(len(self.staff.coordinators))]
                    self._request(j, at, status, handler, at + DAY)
                made += 1

    def write(self) -> None:
        w = self.ctx.writer
        for t in self.tables:
            w.write(t.name, t.columns, t.rows)
            w.release_ids(t.name, t.next_id - 1)
