"""Demo 多機関協働 cases, so that the coordinator, agency, manager and auditor logins of `make demo` see
work on their first screen.

Every record is written through `tsunagu.cases.actions` (which write the history, the versions and the
audit rows), from the escalation requests the intake demo left pending — accepting a request opens its
case, as a coordinator would — and, when there are too few of them, from other synthetic households. A
few requests are left waiting. The cases cover every state: 受付, アセスメント, プラン作成, 支援中, 評価,
中断 and 終結, with overdue and coming monitoring dates, an overdue plan action and a consent about to
expire. Dates are relative to today, so what is overdue stays overdue.

The actions stamp their rows with the moment they run; afterwards each case's own timestamps (opened,
transitions, assessment and plan versions, closure) are spread back over its age, so that the case list
does not show every case opened today. The audit rows keep the real moment the demo was written.

Deterministic for a seed; `has_demo_cases` lets `setup_demo` write them once.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone

from tsunagu.accounts.models import Role, Staff
from tsunagu.core.demo import DemoWorld
from tsunagu.directory.models import LegalFunction, MeetingBody, MeetingKind, Organization
from tsunagu.intake.models import EscalationRequest, EscalationStatus
from tsunagu.intake.policy import visible_escalation_requests
from tsunagu.municipalities.models import Municipality
from tsunagu.people.models import Household, HouseholdMember, Person, Relationship

from . import actions
from .models import (
    ADULT_AGE,
    ActionStatus,
    Assessment,
    Case,
    CaseStatus,
    CaseTransition,
    ConsentBasis,
    ConsentMethod,
    LifeArea,
    PlanStatus,
    SupportPlan,
    TeamRole,
)

DEMO_MARK = "（架空）"  # ends every demo case's title: how `has_demo_cases` finds them
WAITING_REQUESTS = 3  # escalation requests left pending for the coordinator to decide


@dataclass(frozen=True)
class Scenario:
    """Where one demo case stands today, and how old it is (days since it was opened)."""

    status: str
    age: int
    title: str
    monitoring: str = ""  # "overdue", "soon" or "" (a date comfortably ahead)
    action_overdue: bool = False
    consent_expiring: bool = False
    revised: bool = False  # the plan was revised after an evaluation (第2版, per-goal attainment)
    attainment: str = "achieved"  # closed cases: the closure evaluation


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(CaseStatus.INTAKE, 2, "8050世帯の今後の生活"),
    Scenario(CaseStatus.INTAKE, 6, "介護と子育ての両立"),
    Scenario(CaseStatus.ASSESSMENT, 18, "収入減と家賃滞納"),
    Scenario(CaseStatus.ASSESSMENT, 30, "ひきこもりの長男と高齢の母"),
    Scenario(CaseStatus.PLANNING, 45, "ひとり親世帯の就労と養育"),
    Scenario(CaseStatus.PLANNING, 60, "外国籍世帯の手続きと日本語"),
    Scenario(CaseStatus.SUPPORT, 120, "認知症の疑いと金銭管理", monitoring="overdue"),
    Scenario(CaseStatus.SUPPORT, 150, "不登校とヤングケアラー", monitoring="soon", action_overdue=True),
    Scenario(CaseStatus.SUPPORT, 200, "多重債務と就労", consent_expiring=True),
    Scenario(CaseStatus.SUPPORT, 260, "障害のある兄弟の暮らし", revised=True),
    Scenario(CaseStatus.EVALUATION, 240, "孤立した単身高齢者の見守り", monitoring="overdue", revised=True),
    Scenario(CaseStatus.EVALUATION, 300, "住まいの確保と生活再建"),
    Scenario(CaseStatus.SUSPENDED, 170, "入院中の本人の退院後の生活"),
    Scenario(CaseStatus.CLOSED, 330, "生活保護の申請と家計の立て直し", revised=True),
    Scenario(CaseStatus.CLOSED, 280, "介護サービスの導入", attainment="partly"),
    Scenario(CaseStatus.CLOSED, 360, "転居に伴う引継ぎ", attainment="unknown"),
)

# When, as a share of the case's age, each step happened: the history reads in this order.
AT = {
    "consent": 0.05,
    "assessment": 0.15,
    "plan": 0.3,
    "agreed": 0.35,
    "monitoring": 0.55,
    "revision": 0.8,
    "closed": 0.95,
}
TRANSITION_AT: dict[str, float] = {
    CaseStatus.INTAKE: 0.0,
    CaseStatus.ASSESSMENT: 0.1,
    CaseStatus.PLANNING: 0.25,
    CaseStatus.SUPPORT: 0.4,
    CaseStatus.EVALUATION: 0.75,
    CaseStatus.SUSPENDED: 0.9,
    CaseStatus.CLOSED: 0.95,
}
# The path to each state, through the lifecycle's ordinary steps.
PATH: dict[str, list[str]] = {
    CaseStatus.INTAKE: [],
    CaseStatus.ASSESSMENT: [CaseStatus.ASSESSMENT],
    CaseStatus.PLANNING: [CaseStatus.ASSESSMENT, CaseStatus.PLANNING],
    CaseStatus.SUPPORT: [CaseStatus.ASSESSMENT, CaseStatus.PLANNING, CaseStatus.SUPPORT],
    CaseStatus.EVALUATION: [
        CaseStatus.ASSESSMENT,
        CaseStatus.PLANNING,
        CaseStatus.SUPPORT,
        CaseStatus.EVALUATION,
    ],
    CaseStatus.SUSPENDED: [CaseStatus.ASSESSMENT, CaseStatus.PLANNING, CaseStatus.SUPPORT],
    CaseStatus.CLOSED: [
        CaseStatus.ASSESSMENT,
        CaseStatus.PLANNING,
        CaseStatus.SUPPORT,
        CaseStatus.EVALUATION,
    ],
}

AREAS: dict[str, dict[str, str]] = {
    LifeArea.ECONOMY: {
        "situation": "収入が減り、家賃と公共料金の支払いが遅れている。",
        "strengths": "家計を見直す意欲がある。",
        "risks": "滞納が続くと住まいを失うおそれ。",
    },
    LifeArea.HEALTH: {
        "situation": "通院が途切れがち。",
        "strengths": "かかりつけ医がいる。",
        "risks": "服薬の中断。",
    },
    LifeArea.PARTICIPATION: {
        "situation": "近所との付き合いがほとんどない。",
        "strengths": "民生委員が気にかけている。",
        "risks": "孤立の深まり。",
    },
    LifeArea.FAMILY: {
        "situation": "家族それぞれが負担を抱えている。",
        "strengths": "家族の関係は良好。",
        "risks": "主な介護者の疲弊。",
    },
}
GOALS: list[tuple[str, str]] = [
    ("家賃と公共料金を滞りなく払える", LifeArea.ECONOMY),
    ("通院と服薬を続けられる", LifeArea.HEALTH),
    ("週に1回は家の外の人と話す機会がある", LifeArea.PARTICIPATION),
]
ATTAINMENTS = ["achieved", "partly", "not_achieved"]
MONITORING_NOTE = "関係機関で支援の実施状況を確認した。家計の見通しが立ちつつあり、通院も再開している。"


def has_demo_cases(muni: Municipality) -> bool:
    return Case.objects.filter(municipality=muni, title__endswith=DEMO_MARK).exists()


def _consented_body(muni: Municipality) -> MeetingBody | None:
    """The city's body that may approve plans (重層的支援会議の機能), if it has one."""
    for body in MeetingBody.objects.filter(municipality=muni, active=True).order_by("sort_order", "pk"):
        if LegalFunction.CONSENTED_CONFERENCE in body.legal_functions:
            return body
    return None


def _households(
    muni: Municipality, rng: random.Random, needed: int, coordinator: Staff
) -> list[tuple[Household, EscalationRequest | None]]:
    """Households for the cases: pending escalation requests first (all but a few stay waiting), then
    other synthetic households without a request or case."""
    pending = list(
        # Read through intake's policy as the coordinator who takes them (only intake touches its table).
        visible_escalation_requests(coordinator)
        .filter(status=EscalationStatus.PENDING)
        .select_related("household")
        .order_by("pk")
    )
    rng.shuffle(pending)
    taken = pending[: max(0, min(needed, len(pending) - WAITING_REQUESTS))]
    chosen: list[tuple[Household, EscalationRequest | None]] = [(r.household, r) for r in taken]
    if len(chosen) < needed:
        busy = set(visible_escalation_requests(coordinator).values_list("household_id", flat=True))
        busy |= set(Case.objects.filter(municipality=muni).values_list("household_id", flat=True))
        others = [
            h
            for h in Household.objects.filter(municipality=muni, synthetic=True, members__isnull=False)
            .distinct()
            .order_by("pk")[: needed * 20]
            if h.pk not in busy
        ]
        chosen += [(h, None) for h in rng.sample(others, k=min(len(others), needed - len(chosen)))]
    return chosen


def _members(household: Household) -> list[HouseholdMember]:
    members = list(
        HouseholdMember.objects.filter(household=household).select_related("person").order_by("pk")
    )
    members.sort(key=lambda m: m.relationship != Relationship.HEAD)
    return members


@dataclass
class _Builder:
    """Writes one scenario's case through the actions, as the coordinator would over its months."""

    coordinator: Staff
    agency: Organization | None
    window: Organization | None
    body: MeetingBody | None
    today: dt.date

    def build(self, sc: Scenario, household: Household, request: EscalationRequest | None) -> Case:
        members = _members(household)
        persons = [m.person for m in members[:2]]
        title = sc.title + DEMO_MARK
        if request is not None:
            case, _opened = actions.take_escalation(
                actor=self.coordinator, request=request, persons=persons, title=title
            )
        else:
            case = actions.open_case(
                actor=self.coordinator, household=household, persons=persons, title=title
            )
        if self.agency is not None:
            actions.set_team_member(
                actor=self.coordinator, case=case, organization=self.agency, role=TeamRole.LEAD
            )
        if self.window is not None and self.window != self.agency:
            actions.set_team_member(
                actor=self.coordinator, case=case, organization=self.window, role=TeamRole.COOPERATING
            )
        path = list(PATH[sc.status])
        if sc.revised and sc.status == CaseStatus.SUPPORT:
            path += [CaseStatus.EVALUATION, CaseStatus.SUPPORT]  # evaluated, revised, support goes on
        if path:
            self._consent(case, sc, [m.person for m in members])
        for step in path:
            case = self._step(case, sc, step)
        if sc.status == CaseStatus.SUSPENDED:
            case = actions.transition(
                actor=self.coordinator,
                case=case,
                version=case.version,
                to=CaseStatus.SUSPENDED,
                note="本人の入院のため、退院の見通しが立つまで中断する。",
            )
        if sc.status == CaseStatus.CLOSED:
            org = self.agency or self.window
            case = actions.close_case(
                actor=self.coordinator,
                case=case,
                version=case.version,
                reason="目標とした生活の安定が続き、関係機関の通常の支援で見守れるため。",
                goal_attainment=sc.attainment,
                handover_to=org,
                main_agency_after_closure=org,
                handover_note="月1回の訪問を続け、変化があれば束ね役へ連絡する。",
            )
        _backdate(case, sc.age)
        return case

    def _day(self, sc: Scenario, step: str) -> dt.date:
        """The day `step` happened in the scenario's history."""
        return self.today - dt.timedelta(days=sc.age) + dt.timedelta(days=round(sc.age * AT[step]))

    def _monitoring_on(self, sc: Scenario) -> dt.date:
        days = {"overdue": -12, "soon": 3}.get(sc.monitoring, 45)
        return self.today + dt.timedelta(days=days)

    def _consent(self, case: Case, sc: Scenario, persons: list[Person]) -> None:
        """Each adult agrees for themselves (本人); the head agrees for the minor children (親権者)."""
        orgs = list(dict.fromkeys(o for o in (self.agency, self.window, self.coordinator.organization) if o))
        given_on = self._day(sc, "consent")
        expires = (
            self.today + dt.timedelta(days=20) if sc.consent_expiring else given_on + dt.timedelta(days=730)
        )
        ages = {p.pk: p.age(given_on) for p in persons}  # None: unknown, treated as an adult
        head = persons[0]
        head_adult = (ages[head.pk] or 0) >= ADULT_AGE
        minors = [
            p for p in persons[1:] if head_adult and (ages[p.pk] or 0) < ADULT_AGE and ages[p.pk] is not None
        ]
        groups = [(head, [head, *minors], ConsentBasis.PARENT if minors else ConsentBasis.SELF)]
        groups += [(p, [p], ConsentBasis.SELF) for p in persons[1:] if p not in minors]
        for given_by, covered, basis in groups:
            actions.record_consent(
                actor=self.coordinator,
                case=case,
                data=actions.ConsentInput(
                    given_by=given_by,
                    persons=covered,
                    organizations=orgs,
                    basis=basis,
                    method=ConsentMethod.WRITTEN,
                    given_on=given_on,
                    expires_on=expires,
                    meeting_kinds=[MeetingKind.CONSENTED_CONFERENCE, MeetingKind.CONFIDENTIAL_CONFERENCE],
                ),
            )

    def _plan_input(self, sc: Scenario, *, revision: bool) -> actions.PlanInput:
        org = self.agency or self.window or self.coordinator.organization
        assert org is not None
        due = self.today - dt.timedelta(days=5) if sc.action_overdue else self.today + dt.timedelta(days=30)
        return actions.PlanInput(
            overall_goal="住み慣れた家で、家族それぞれが無理なく暮らし続けたい。",
            goals=[
                actions.GoalInput(text=t, life_area=a, review_on=self._day(sc, "revision")) for t, a in GOALS
            ],
            actions=[
                actions.ActionInput(
                    description="家計の見直しと滞納分の分割納付の相談",
                    organization=org,
                    goal_index=0,
                    role=TeamRole.LEAD,
                    due_on=due,
                ),
                actions.ActionInput(
                    description="通院の同行と服薬の確認",
                    organization=org,
                    goal_index=1,
                    status=ActionStatus.IN_PROGRESS,
                    due_on=self.today + dt.timedelta(days=60),
                ),
                actions.ActionInput(
                    description="地域のサロンへの参加の声かけ", organization=org, goal_index=2
                ),
            ],
            monitoring_on=self._monitoring_on(sc),
            change_reason="評価の結果、家計の目標を見直したため" if revision else "",
        )

    def _step(self, case: Case, sc: Scenario, step: str) -> Case:
        case = actions.transition(actor=self.coordinator, case=case, version=case.version, to=step)
        if step == CaseStatus.ASSESSMENT:
            actions.save_assessment(
                actor=self.coordinator,
                case=case,
                based_on=0,
                person_wish="家族に迷惑をかけず、今の家で暮らしたい。",
                summary="経済・健康・孤立の課題が重なり、一つの機関では支えきれない。",
                areas=AREAS,
            )
        elif step == CaseStatus.PLANNING:
            actions.save_plan(actor=self.coordinator, case=case, data=self._plan_input(sc, revision=False))
        elif step == CaseStatus.SUPPORT and case.plans.count() == 1:
            plan = case.plans.get(version_no=1)
            self._agree(plan, self._day(sc, "agreed"))
            held = self._day(sc, "monitoring")
            next_on = self._monitoring_on(sc)
            if held < self.today and next_on > held:
                goals = plan.goals.order_by("order")
                attainments = {g.pk: v for g, v in zip(goals, ATTAINMENTS, strict=False)}  # 達成状況 per goal
                actions.record_monitoring(
                    actor=self.coordinator,
                    case=case,
                    held_on=held,
                    summary=MONITORING_NOTE,
                    next_on=next_on,
                    attainments=attainments,
                )
        elif step == CaseStatus.EVALUATION and sc.revised:
            plan = case.plans.get(version_no=1)
            new = actions.save_plan(
                actor=self.coordinator,
                case=case,
                plan=plan,
                edit_version=plan.edit_version,
                data=self._plan_input(sc, revision=True),
            )
            self._agree(new, self._day(sc, "revision"))
        case.refresh_from_db()
        return case

    def _agree(self, plan: SupportPlan, on: dt.date) -> None:
        if self.body is not None:
            actions.agree_plan_in_meeting(
                actor=self.coordinator, plan=plan, edit_version=plan.edit_version, body=self.body, held_on=on
            )
        else:
            actions.mark_plan_agreed(
                actor=self.coordinator,
                plan=plan,
                edit_version=plan.edit_version,
                meeting_note="重層的支援会議",
            )


def _backdate(case: Case, age: int) -> None:
    """Spread the case's own timestamps over its age (see the module docstring): the actions stamped them now."""
    now = timezone.now()
    opened = now - dt.timedelta(days=age)

    def at(share: float) -> dt.datetime:
        return opened + dt.timedelta(days=age * share)

    for t in CaseTransition.objects.filter(case=case).order_by("pk"):
        share = 0.0 if t.from_status == t.to_status else TRANSITION_AT.get(t.to_status, 0.5)
        if t.from_status == CaseStatus.EVALUATION and t.to_status == CaseStatus.SUPPORT:
            share = AT["revision"]
        CaseTransition.objects.filter(pk=t.pk).update(at=at(share))
    Assessment.objects.filter(case=case).update(created_at=at(AT["assessment"]))
    for plan in SupportPlan.objects.filter(case=case):
        created = at(AT["plan"] if plan.version_no == 1 else AT["revision"])
        agreed = created + dt.timedelta(days=age * 0.05) if plan.status != PlanStatus.DRAFT else None
        SupportPlan.objects.filter(pk=plan.pk).update(created_at=created, agreed_at=agreed)
    fields: dict[str, object] = {"opened_at": opened}
    if case.status == CaseStatus.CLOSED:
        fields["closed_at"] = at(AT["closed"])
    Case.objects.filter(pk=case.pk).update(**fields)


# Not one transaction: the actions are durable (each commits when it returns, as on screen).
def generate_cases(
    muni: Municipality,
    *,
    coordinator: Staff,
    agency: Organization | None,
    window: Organization | None,
    seed: int = 2026,
) -> int:
    """Write the demo cases (one per scenario, as far as there are households). Returns how many."""
    rng = random.Random(seed)
    builder = _Builder(
        coordinator=coordinator,
        agency=agency,
        window=window,
        body=_consented_body(muni),
        today=timezone.localdate(),
    )
    made = 0
    # Oldest first, so that case numbers follow the opening dates as they would in the city.
    scenarios = sorted(SCENARIOS, key=lambda sc: -sc.age)
    for sc, (household, request) in zip(
        scenarios, _households(muni, rng, len(scenarios), coordinator), strict=False
    ):
        builder.build(sc, household, request)
        made += 1
    return made


def demo_step(world: DemoWorld) -> str:
    """`setup_demo`'s step (registered in apps.py): the cases, held by the demo coordinator, with the demo
    agency and window on their teams; once."""
    muni = world.municipality
    if has_demo_cases(muni):
        return f"{muni}: 架空のケースは既にあります（そのままにします）"
    coordinator = world.staff.get(Role.COORDINATOR)
    if coordinator is None or not coordinator.is_active:
        return f"{muni}: 束ね役のデモ用アカウントがないため、架空のケースは作りませんでした"
    agency, window = (
        world.staff[r].organization if r in world.staff else None
        for r in (Role.AGENCY_WORKER, Role.WINDOW_WORKER)
    )
    made = generate_cases(muni, coordinator=coordinator, agency=agency, window=window, seed=world.seed)
    return f"{muni}: 架空の多機関協働ケース {made} 件を作成しました（受付から終結まで、期限切れのモニタリングを含む）"
