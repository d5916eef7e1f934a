"""Every write of case data. Each action is one transaction with its audit record.

Edits carry the version the user read; a stale one raises StaleEdit and changes nothing. The actions a
screen calls are durable transactions (`durable=True`): they commit when they return, and calling one
inside another transaction is an error rather than a write that a later rollback could undo after its
audit row said it happened. `open_case` and `mark_plan_agreed` are called by other actions and are not.
Audit details of a change say old → new (`_change`) for fields that are not personal data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from tsunagu.access import audit
from tsunagu.accounts.models import Role, Staff
from tsunagu.directory.models import LegalFunction, MeetingBody, MeetingKind, Organization
from tsunagu.intake import actions as intake_actions
from tsunagu.intake.models import EscalationRequest, EscalationStatus
from tsunagu.people.models import Household, HouseholdMember, Person

from .current import plan_in_force
from .models import (
    ADULT_AGE,
    ATTAINMENT_CHOICES,
    OPEN_STATUSES,
    TRANSITIONS,
    ActionStatus,
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
from .policy import consents_in_force_on


class CaseError(Exception):
    """A case action that cannot be done as asked (message in Japanese, for the user)."""


class StaleEdit(CaseError):
    def __init__(self) -> None:
        super().__init__(
            "この記録は、画面を開いた後に別の職員が更新しました。最新の内容を確認してから、もう一度操作してください。"
        )


CLOSED_MESSAGE = (
    "このケースは終結しているため、記録を変更できません。"
    "変更が必要なときは、理由を記録してケースを再開してください（束ね役）。"
)


class CaseClosed(CaseError):
    """A write to a closed (終結) case: it is read-only until it is reopened (再開) with a reason."""

    def __init__(self) -> None:
        super().__init__(CLOSED_MESSAGE)


def _require_open(case: Case) -> None:
    """A closed case is read-only. Reads the status under a row lock, so a write cannot slip in while
    another request closes the case (closing takes the same lock through the version bump)."""
    status = Case.objects.select_for_update().filter(pk=case.pk).values_list("status", flat=True).first()
    if status == CaseStatus.CLOSED:
        raise CaseClosed()


def _same_city(actor: Staff, *objs: object) -> None:
    for obj in objs:
        if (
            obj is not None
            and getattr(obj, "municipality_id", actor.municipality_id) != actor.municipality_id
        ):
            raise CaseError("別の自治体の記録は扱えません。")


def _check_version(case: Case, version: int) -> None:
    """Refuse first when the case changed since the form was read, so the user hears "someone else
    updated this" rather than a rule about the newer state they have not seen."""
    if case.version != version:
        raise StaleEdit()


def _bump(case: Case, version: int) -> None:
    """Optimistic lock on the case row: refuse if someone changed it since `version` was read."""
    if Case.objects.filter(pk=case.pk, version=version).update(version=F("version") + 1) != 1:
        raise StaleEdit()
    case.version = version + 1


def _audit(actor: Staff, action: str, case: Case, *more: tuple[str, int], **detail: object) -> None:
    audit.record(actor=actor, action=action, objects=[("case", case.pk), *more], detail=detail or None)


def _change(old: object, new: object) -> list[str | int | bool | None]:
    """An audit detail value `[old, new]` for a field that is not personal data (status, version,
    dates, ids): dates as ISO strings, so the record says what changed, not only that it did."""

    def plain(v: object) -> str | int | bool | None:
        if v is None or isinstance(v, str | int | bool):
            return v
        if isinstance(v, dt.date | dt.datetime):
            return v.isoformat()
        return str(v)

    return [plain(old), plain(new)]


# ---- opening and lifecycle -----------------------------------------------------------------------


@transaction.atomic
def open_case(
    *,
    actor: Staff,
    household: Household,
    persons: Sequence[Person] = (),
    escalation_request: EscalationRequest | None = None,
    coordinator: Staff | None = None,
    title: str = "",
) -> Case:
    """Open a 多機関協働 case for a household (directly, or from an escalation request — which then
    opens it, or joins the case already open, see `take_escalation`)."""
    if escalation_request is not None:
        _same_city(actor, escalation_request)
        if escalation_request.household_id != household.pk:
            raise CaseError("つなぎ依頼の世帯と一致しません。")
        return take_escalation(
            actor=actor, request=escalation_request, persons=persons, coordinator=coordinator, title=title
        )[0]
    return _open(actor=actor, household=household, persons=persons, coordinator=coordinator, title=title)


def _lock_household(household: Household) -> Case | None:
    """Serialise openers of the same household, so two coordinators cannot both pass the "no open case"
    check and open two cases (a no-op on SQLite, whose writers are serialised already); the open case."""
    Household.objects.select_for_update().filter(pk=household.pk).first()
    return Case.objects.filter(household=household, status__in=OPEN_STATUSES).first()


def _check_persons(household: Household, persons: Sequence[Person]) -> None:
    member_ids = set(HouseholdMember.objects.filter(household=household).values_list("person_id", flat=True))
    if any(p.pk not in member_ids for p in persons):
        raise CaseError("主な対象者は、この世帯の世帯員から選んでください。")


def _open(
    *,
    actor: Staff,
    household: Household,
    persons: Sequence[Person],
    coordinator: Staff | None,
    title: str,
    escalation_request: EscalationRequest | None = None,
) -> Case:
    coordinator = coordinator or actor
    _same_city(actor, household, coordinator, *persons)
    if coordinator.role != Role.COORDINATOR or not coordinator.is_active:
        raise CaseError("束ね役には、束ね役の職員を選んでください。")
    if _lock_household(household) is not None:
        raise CaseError(
            "この世帯には進行中のケースがあります。新しく開かずに、そのケースで対応してください。"
        )
    _check_persons(household, persons)
    muni = actor.municipality
    assert muni is not None
    # Case numbers run per municipality; a concurrent opener that takes the same number retries.
    for _attempt in range(3):
        number = (Case.objects.filter(municipality=muni).aggregate(n=Max("number"))["n"] or 0) + 1
        try:
            with transaction.atomic():
                case = Case.objects.create(
                    municipality=muni,
                    number=number,
                    household=household,
                    escalation_request=escalation_request,
                    title=title.strip(),
                    coordinator=coordinator,
                    opened_by=actor,
                )
            break
        except IntegrityError:
            continue
    else:
        raise CaseError("ケース番号を割り当てられませんでした。もう一度操作してください。")
    case.persons.set(list(persons))
    CaseTransition.objects.create(
        municipality=case.municipality, case=case, from_status="", to_status=CaseStatus.INTAKE, by=actor
    )
    _audit(actor, "create", case, ("household", household.pk), *[("person", p.pk) for p in persons])
    return case


def _join_requester(actor: Staff, case: Case, request: EscalationRequest) -> None:
    """The requesting organization usually knows the household best: it joins the team as 情報提供
    (an organization already on the team keeps its role)."""
    on_team = CaseTeamMember.objects.filter(
        case=case, organization_id=request.organization_id, removed_at__isnull=True
    ).exists()
    if not on_team:
        CaseTeamMember.objects.create(
            municipality=case.municipality,
            case=case,
            organization_id=request.organization_id,
            role=TeamRole.INFORMATION,
            added_by=actor,
        )


@transaction.atomic
def take_escalation(
    *,
    actor: Staff,
    request: EscalationRequest,
    persons: Sequence[Person] = (),
    coordinator: Staff | None = None,
    title: str = "",
) -> tuple[Case, bool]:
    """受理: accept an escalation request and, in the same transaction, open the household's case — or,
    when a case is already open for the household, join the request to it. Returns (case, opened).

    The request is accepted through intake's action (only intake writes its requests); the requesting
    organization joins the team either way.
    """
    _same_city(actor, request, *persons)
    if request.status == EscalationStatus.DECLINED:
        raise CaseError("見送ったつなぎ依頼からはケースを開けません。")
    household = request.household
    existing = _lock_household(household)
    # Checked under the household's lock: a second coordinator accepting at the same moment waits, then
    # finds the case the first one opened.
    if Case.objects.filter(escalation_request=request).exists():
        raise CaseError("このつなぎ依頼からは、すでにケースが開かれています。")
    if existing is None:
        case = _open(
            actor=actor,
            household=household,
            persons=persons,
            coordinator=coordinator,
            title=title,
            escalation_request=request,
        )
        opened = True
        note = "多機関協働のケースを開始"
    else:
        _check_persons(household, persons)
        case, opened = existing, False
        if case.escalation_request_id is None:
            Case.objects.filter(pk=case.pk).update(escalation_request=request, version=F("version") + 1)
            case.refresh_from_db()
        case.persons.add(*persons)
        CaseTransition.objects.create(
            municipality=case.municipality,
            case=case,
            from_status=case.status,
            to_status=case.status,
            by=actor,
            note=f"つなぎ依頼（{request.organization.name}）を受理し、このケースで対応",
        )
        note = f"進行中のケース {case.label} で対応"
        _audit(actor, "update", case, ("escalation_request", request.pk), joined_request=request.pk)
    try:
        intake_actions.accept_escalation(actor=actor, request=request, note=note)
    except intake_actions.IntakeError as exc:
        raise CaseError(str(exc)) from exc
    _join_requester(actor, case, request)
    return case, opened


@transaction.atomic(durable=True)
def transition(*, actor: Staff, case: Case, version: int, to: str, note: str = "") -> Case:
    """Move the case along its lifecycle (受付 → アセスメント → プラン作成 → 支援中 → 評価 → 終結, 中断)."""
    _same_city(actor, case)  # defence in depth: views already fetch through access
    _check_version(case, version)
    _require_open(case)
    if to == CaseStatus.CLOSED:
        raise CaseError("終結は「終結の評価」から行ってください。")
    if to not in CaseStatus.values:
        raise CaseError("この状態へは進められません。")
    if to not in TRANSITIONS.get(case.status, set()):
        raise CaseError(
            f"「{CaseStatus(case.status).label}」から「{CaseStatus(to).label}」へは進められません。"
        )
    if to == CaseStatus.SUSPENDED and not note.strip():
        raise CaseError("中断の理由を入力してください。")
    _bump(case, version)
    fields = ["status"]
    if to == CaseStatus.SUSPENDED:
        case.suspended_from = case.status
        fields.append("suspended_from")
    CaseTransition.objects.create(
        municipality=case.municipality, case=case, from_status=case.status, to_status=to, by=actor, note=note
    )
    old = case.status
    case.status = to
    case.save(update_fields=fields)
    _audit(actor, "update", case, status=_change(old, to), version=_change(version, case.version))
    return case


@transaction.atomic(durable=True)
def resume_case(*, actor: Staff, case: Case, version: int, note: str = "") -> Case:
    """再開: back to the state the case was suspended in."""
    _same_city(actor, case)  # defence in depth: views already fetch through access
    _check_version(case, version)
    if case.status != CaseStatus.SUSPENDED:
        raise CaseError("中断中のケースだけ再開できます。")
    _bump(case, version)
    back = case.suspended_from or CaseStatus.ASSESSMENT
    CaseTransition.objects.create(
        municipality=case.municipality,
        case=case,
        from_status=case.status,
        to_status=back,
        by=actor,
        note=note or "再開",
    )
    case.status, case.suspended_from = back, ""
    case.save(update_fields=["status", "suspended_from"])
    _audit(
        actor,
        "update",
        case,
        status=_change(CaseStatus.SUSPENDED, back),
        version=_change(version, case.version),
        resumed=True,
    )
    return case


@transaction.atomic(durable=True)
def reopen_case(*, actor: Staff, case: Case, version: int, reason: str) -> Case:
    """再開 of a closed (終結) case — the only way to change its records again. Needs the reason (kept in the
    history); the case goes back to the state it was closed from. Refused while the household has
    another open case (one open case per household)."""
    _same_city(actor, case)  # defence in depth: views already fetch through access
    _check_version(case, version)
    if case.status != CaseStatus.CLOSED:
        raise CaseError("終結したケースだけ、終結を取り消して再開できます。")
    if not reason.strip():
        raise CaseError("再開する理由を入力してください（経過に残ります）。")
    # The same lock as opening a case: a reopen and an open of the household cannot both pass.
    Household.objects.select_for_update().filter(pk=case.household_id).first()
    if (
        Case.objects.filter(household_id=case.household_id, status__in=OPEN_STATUSES)
        .exclude(pk=case.pk)
        .exists()
    ):
        raise CaseError(
            "この世帯には、すでに進行中の別のケースがあります。終結したケースは再開せず、そのケースで対応してください。"
        )
    closing = case.transitions.filter(to_status=CaseStatus.CLOSED).order_by("-at", "-pk").first()
    back = closing.from_status if closing is not None and closing.from_status else CaseStatus.SUPPORT
    if back in (CaseStatus.SUSPENDED, CaseStatus.CLOSED):
        back = case.suspended_from or CaseStatus.SUPPORT
    _bump(case, version)
    old_closed_at = case.closed_at
    CaseTransition.objects.create(
        municipality=case.municipality,
        case=case,
        from_status=CaseStatus.CLOSED,
        to_status=back,
        by=actor,
        note=f"再開: {reason.strip()}",
    )
    case.status, case.suspended_from, case.closed_at, case.closure_plan = back, "", None, None
    case.save(update_fields=["status", "suspended_from", "closed_at", "closure_plan"])
    _audit(
        actor,
        "update",
        case,
        status=_change(CaseStatus.CLOSED, back),
        version=_change(version, case.version),
        closed_at=_change(old_closed_at, None),
        reopened=True,
    )
    return case


@transaction.atomic(durable=True)
def set_team_member(*, actor: Staff, case: Case, organization: Organization, role: str) -> CaseTeamMember:
    """Add an organization to the team, or change its role (役割分担)."""
    _same_city(actor, case)  # defence in depth: views already fetch through access
    _same_city(actor, organization)
    _require_open(case)
    if role not in TeamRole.values:
        raise CaseError("役割を選んでください。")
    member = CaseTeamMember.objects.filter(
        case=case, organization=organization, removed_at__isnull=True
    ).first()
    old_role = member.role if member is not None else None
    if member is None:
        member = CaseTeamMember.objects.create(
            municipality=case.municipality, case=case, organization=organization, role=role, added_by=actor
        )
    elif member.role != role:
        member.role = role
        member.save(update_fields=["role"])
    _audit(actor, "update", case, team=organization.pk, role=_change(old_role, role))
    return member


@transaction.atomic(durable=True)
def remove_team_member(*, actor: Staff, case: Case, organization: Organization) -> None:
    _same_city(actor, case)  # defence in depth: views already fetch through access
    n = CaseTeamMember.objects.filter(case=case, organization=organization, removed_at__isnull=True).update(
        removed_at=timezone.now()
    )
    if n:
        _audit(actor, "update", case, team=organization.pk, on_team=_change(True, False))


# ---- consent -------------------------------------------------------------------------------------


@dataclass
class ConsentInput:
    given_by: Person
    persons: list[Person]
    organizations: list[Organization]
    method: str
    given_on: dt.date
    meeting_kinds: list[str] = field(default_factory=list)
    expires_on: dt.date | None = None
    given_by_note: str = ""
    basis: str = ConsentBasis.SELF


def _check_basis(data: ConsentInput) -> None:
    """Agreeing for someone else needs an authority: a parent for a minor child (親権者), a guardian
    (成年後見人等) or an agent the person appointed (代理人) for an adult. 本人 agrees for themselves only."""
    if data.basis not in ConsentBasis.values:
        raise CaseError("同意の根拠（本人・親権者・成年後見人等・代理人）を選んでください。")
    others = [p for p in data.persons if p.pk != data.given_by.pk]
    if data.basis == ConsentBasis.SELF:
        if others:
            raise CaseError(
                "本人以外の人について同意を記録するには、同意の根拠（未成年の子なら親権者、成人なら"
                "成年後見人等または代理人）を選んでください。本人の同意は、本人の分だけ記録できます。"
            )
        return
    if not others:
        raise CaseError("同意した人が自分の分だけ同意したときは、同意の根拠に「本人」を選んでください。")
    if data.basis == ConsentBasis.PARENT:
        ages = [p.age(data.given_on) for p in others]
        if any(age is None or age >= ADULT_AGE for age in ages):
            raise CaseError(
                "親権者として同意できるのは、未成年（18歳未満）の子の分だけです。"
                "成人（または年齢の分からない人）の分は、成年後見人等または本人から委任された代理人の同意が必要です。"
            )


@transaction.atomic(durable=True)
def record_consent(*, actor: Staff, case: Case, data: ConsentInput, document: object = None) -> Consent:
    """Record 本人同意: who, for which persons, to which organizations and meeting kinds, until when."""
    _same_city(actor, case)  # defence in depth: views already fetch through access
    _same_city(actor, data.given_by, *data.persons, *data.organizations)
    _require_open(case)
    member_ids = set(
        HouseholdMember.objects.filter(household=case.household).values_list("person_id", flat=True)
    )
    if data.given_by.pk not in member_ids and not data.given_by_note.strip():
        raise CaseError("同意した人が世帯員でない場合は、代理人などの続柄を補足に書いてください。")
    if not data.persons or any(p.pk not in member_ids for p in data.persons):
        raise CaseError("同意の対象となる人を、世帯員から1人以上選んでください。")
    if not data.organizations:
        raise CaseError("共有してよい機関を1つ以上選んでください。")
    if data.method not in ConsentMethod.values:
        raise CaseError("同意の方法を選んでください。")
    if any(k not in MeetingKind.values for k in data.meeting_kinds):
        raise CaseError("会議の種類が正しくありません。")
    if data.given_on > timezone.localdate():
        raise CaseError("同意日に未来の日付は入力できません。")
    if data.expires_on is not None and data.expires_on < data.given_on:
        raise CaseError("有効期限は同意日より後の日付にしてください。")
    _check_basis(data)
    consent = Consent.objects.create(
        municipality=case.municipality,
        case=case,
        given_by=data.given_by,
        given_by_note=data.given_by_note.strip(),
        basis=data.basis,
        meeting_kinds=list(dict.fromkeys(data.meeting_kinds)),
        method=data.method,
        given_on=data.given_on,
        expires_on=data.expires_on,
        recorded_by=actor,
        **({"document": document} if document else {}),
    )
    consent.persons.set(data.persons)
    consent.organizations.set(data.organizations)
    _audit(actor, "create", case, ("consent", consent.pk))
    return consent


@transaction.atomic(durable=True)
def withdraw_consent(*, actor: Staff, consent: Consent, note: str) -> Consent:
    """撤回: takes effect at once — from this moment nothing more is shared on its strength."""
    _same_city(actor, consent)  # defence in depth: views already fetch through access
    if not note.strip():
        raise CaseError("撤回の経緯を記録してください。")
    n = Consent.objects.filter(pk=consent.pk, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now(), withdrawn_by=actor, withdrawal_note=note.strip()
    )
    if n != 1:
        raise CaseError("この同意はすでに撤回されています。")
    consent.refresh_from_db()
    _audit(
        actor,
        "update",
        consent.case,
        ("consent", consent.pk),
        withdrawn=_change(False, True),
        withdrawn_at=_change(None, consent.withdrawn_at),
    )
    return consent


# ---- assessment and plan -------------------------------------------------------------------------


@transaction.atomic(durable=True)
def save_assessment(
    *,
    actor: Staff,
    case: Case,
    based_on: int,
    person_wish: str,
    summary: str,
    areas: dict[str, dict[str, str]],
    change_reason: str = "",
) -> Assessment:
    """Save a new version of the assessment. `based_on` is the version number the user edited (0: none)."""
    _same_city(actor, case)  # defence in depth: views already fetch through access
    _require_open(case)
    current = case.assessments.order_by("-version_no").first()
    current_no = current.version_no if current else 0
    if based_on != current_no:
        raise StaleEdit()
    if current is not None and not change_reason.strip():
        raise CaseError("アセスメントを改訂する理由を入力してください。")
    unknown = set(areas) - set(LifeArea.values)
    if unknown:
        raise CaseError("生活領域が正しくありません。")
    try:
        with transaction.atomic():
            assessment = Assessment.objects.create(
                municipality=case.municipality,
                case=case,
                version_no=current_no + 1,
                person_wish=person_wish,
                summary=summary,
                change_reason=change_reason.strip(),
                created_by=actor,
            )
    except IntegrityError:
        raise StaleEdit() from None
    AssessmentArea.objects.bulk_create(
        AssessmentArea(
            municipality=case.municipality,
            assessment=assessment,
            area=area,
            situation=v.get("situation", ""),
            strengths=v.get("strengths", ""),
            risks=v.get("risks", ""),
        )
        for area, v in areas.items()
        if any((v.get("situation"), v.get("strengths"), v.get("risks")))
    )
    _audit(
        actor,
        "update",
        case,
        ("assessment", assessment.pk),
        version=_change(current_no, assessment.version_no),
    )
    return assessment


@dataclass
class ActionInput:
    description: str
    organization: Organization
    goal_index: int | None = None
    role: str = TeamRole.COOPERATING
    person_in_charge: str = ""
    due_on: dt.date | None = None
    review_on: dt.date | None = None
    status: str = ActionStatus.PLANNED


@dataclass
class GoalInput:
    text: str
    life_area: str = ""
    review_on: dt.date | None = None


@dataclass
class PlanInput:
    overall_goal: str
    goals: list[GoalInput]
    actions: list[ActionInput]
    monitoring_on: dt.date | None = None
    change_reason: str = ""


def _check_plan(actor: Staff, data: PlanInput) -> None:
    if not data.goals or not any(g.text.strip() for g in data.goals):
        raise CaseError("目標を1つ以上入力してください。")
    for a in data.actions:
        _same_city(actor, a.organization)
        if not a.description.strip():
            raise CaseError("支援内容が空の行があります。")
        if a.goal_index is not None and not 0 <= a.goal_index < len(data.goals):
            raise CaseError("支援内容の目標の指定が正しくありません。")
        if a.status not in ActionStatus.values or a.role not in TeamRole.values:
            raise CaseError("支援内容の状況または役割が正しくありません。")


def _write_plan_rows(
    plan: SupportPlan, data: PlanInput, evaluated: dict[str, tuple[str, dt.date | None]] | None = None
) -> None:
    """Write the goal and action rows. `evaluated` (goal text → attainment, day) carries what monitoring
    recorded across an in-place edit of a draft, for the goals whose text did not change."""
    evaluated = evaluated or {}
    goals = [
        PlanGoal.objects.create(
            municipality=plan.municipality,
            plan=plan,
            order=i + 1,
            text=g.text.strip(),
            life_area=g.life_area,
            review_on=g.review_on,
            attainment=evaluated.get(g.text.strip(), ("", None))[0],
            attainment_on=evaluated.get(g.text.strip(), ("", None))[1],
        )
        for i, g in enumerate(data.goals)
        if g.text.strip()
    ]
    PlanAction.objects.bulk_create(
        PlanAction(
            municipality=plan.municipality,
            plan=plan,
            goal=goals[a.goal_index] if a.goal_index is not None and a.goal_index < len(goals) else None,
            description=a.description.strip(),
            organization=a.organization,
            role=a.role,
            person_in_charge=a.person_in_charge,
            due_on=a.due_on,
            review_on=a.review_on,
            status=a.status,
        )
        for a in data.actions
    )


@transaction.atomic(durable=True)
def save_plan(
    *,
    actor: Staff,
    case: Case,
    data: PlanInput,
    plan: SupportPlan | None = None,
    edit_version: int | None = None,
) -> SupportPlan:
    """Create the first plan, edit a draft in place (with its edit version), or revise an agreed plan.

    Revising an agreed (協議済) plan creates a new version with the reason; the old one is kept as 改訂済.
    """
    _same_city(actor, case)  # defence in depth: views already fetch through access
    _require_open(case)
    _check_plan(actor, data)
    current = case.plans.order_by("-version_no").first()
    if plan is None:
        if current is not None:
            raise StaleEdit()
        try:
            # Two first drafts at once: the unique version number lets one in; the other is stale.
            with transaction.atomic():
                new = SupportPlan.objects.create(
                    municipality=case.municipality,
                    case=case,
                    version_no=1,
                    overall_goal=data.overall_goal,
                    monitoring_on=data.monitoring_on,
                    created_by=actor,
                )
        except IntegrityError:
            raise StaleEdit() from None
        _write_plan_rows(new, data)
        _audit(actor, "create", case, ("support_plan", new.pk), version=_change(None, 1))
        return new
    if current is None or plan.pk != current.pk or edit_version is None:
        raise StaleEdit()
    if plan.status == PlanStatus.DRAFT:
        old_monitoring_on = plan.monitoring_on
        updated = SupportPlan.objects.filter(
            pk=plan.pk, edit_version=edit_version, status=PlanStatus.DRAFT
        ).update(
            edit_version=F("edit_version") + 1,
            overall_goal=data.overall_goal,
            monitoring_on=data.monitoring_on,
            change_reason=data.change_reason.strip(),
        )
        if updated != 1:
            raise StaleEdit()
        evaluated = {g.text: (g.attainment, g.attainment_on) for g in plan.goals.all() if g.attainment}
        plan.actions.all().delete()
        plan.goals.all().delete()
        _write_plan_rows(plan, data, evaluated)
        plan.refresh_from_db()
        _audit(
            actor,
            "update",
            case,
            ("support_plan", plan.pk),
            version=plan.version_no,
            edit_version=_change(edit_version, plan.edit_version),
            monitoring_on=_change(old_monitoring_on, plan.monitoring_on),
        )
        return plan
    if not data.change_reason.strip():
        raise CaseError("協議済のプランを改訂する理由を入力してください。")
    if (
        SupportPlan.objects.filter(pk=plan.pk, edit_version=edit_version).update(
            status=PlanStatus.SUPERSEDED, edit_version=F("edit_version") + 1
        )
        != 1
    ):
        raise StaleEdit()
    new = SupportPlan.objects.create(
        municipality=case.municipality,
        case=case,
        version_no=plan.version_no + 1,
        overall_goal=data.overall_goal,
        monitoring_on=data.monitoring_on,
        change_reason=data.change_reason.strip(),
        created_by=actor,
    )
    _write_plan_rows(new, data)
    _audit(
        actor,
        "create",
        case,
        ("support_plan", new.pk),
        ("support_plan", plan.pk),
        version=_change(plan.version_no, new.version_no),
        revised_status=_change(plan.status, PlanStatus.SUPERSEDED),
    )
    return new


@transaction.atomic
def mark_plan_agreed(
    *, actor: Staff, plan: SupportPlan, edit_version: int, meeting_note: str, held_on: dt.date | None = None
) -> SupportPlan:
    """協議済: a meeting approved the plan (the meetings app calls this with the meeting's name and day)."""
    _same_city(actor, plan)  # defence in depth: views already fetch through access
    _require_open(plan.case)
    updated = SupportPlan.objects.filter(
        pk=plan.pk, edit_version=edit_version, status=PlanStatus.DRAFT
    ).update(
        status=PlanStatus.AGREED,
        agreed_at=timezone.now(),
        agreed_on=held_on,
        agreed_note=meeting_note[:200],
        edit_version=F("edit_version") + 1,
    )
    if updated != 1:
        raise StaleEdit()
    plan.refresh_from_db()
    _audit(
        actor,
        "update",
        plan.case,
        ("support_plan", plan.pk),
        status=_change(PlanStatus.DRAFT, PlanStatus.AGREED),
        agreed_on=_change(None, held_on),
        edit_version=_change(edit_version, plan.edit_version),
    )
    return plan


@transaction.atomic(durable=True)
def set_action_status(*, actor: Staff, action: PlanAction, status: str) -> PlanAction:
    _same_city(actor, action)  # defence in depth: views already fetch through access
    _require_open(action.plan.case)
    if status not in ActionStatus.values:
        raise CaseError("状況が正しくありません。")
    if action.status != status:
        old = action.status
        action.status = status
        action.save(update_fields=["status"])
        _audit(actor, "update", action.plan.case, ("plan_action", action.pk), status=_change(old, status))
    return action


# ---- monitoring and closure ----------------------------------------------------------------------


@transaction.atomic  # not durable: meetings' decisions call it inside their own transaction
def record_monitoring(
    *,
    actor: Staff,
    case: Case,
    held_on: dt.date,
    summary: str,
    next_on: dt.date | None,
    attainments: dict[int, str] | None = None,
) -> Monitoring:
    """モニタリング (評価): what happened, the next date, and how far each goal of the plan in force is
    attained (達成状況, goal id → value; goals left out are not judged this time)."""
    _same_city(actor, case)  # defence in depth: views already fetch through access
    _require_open(case)
    plan = plan_in_force(case)
    if plan is None:
        raise CaseError("支援プランがないため、モニタリングを記録できません。")
    if not summary.strip():
        raise CaseError("経過と評価を入力してください。")
    if held_on > timezone.localdate():
        raise CaseError("実施日に未来の日付は入力できません。")
    if next_on is not None and next_on <= held_on:
        raise CaseError("次回モニタリング日は実施日より後にしてください。")
    attainments = {k: v for k, v in (attainments or {}).items() if v}
    if any(v not in dict(ATTAINMENT_CHOICES) for v in attainments.values()):
        raise CaseError("目標の達成状況を選び直してください。")
    goals = {g.pk: g for g in plan.goals.filter(pk__in=list(attainments))}
    if set(goals) != set(attainments):
        raise CaseError(
            "達成状況を記録する目標が、いまのプランの目標ではありません。画面を開き直してください。"
        )
    m = Monitoring.objects.create(
        municipality=case.municipality,
        case=case,
        plan=plan,
        held_on=held_on,
        summary=summary.strip(),
        next_on=next_on,
        recorded_by=actor,
    )
    changes: dict[str, object] = {}
    for pk, value in attainments.items():
        goal = goals[pk]
        changes[f"goal{pk}_attainment"] = _change(goal.attainment, value)
        goal.attainment, goal.attainment_on = value, held_on
        goal.save(update_fields=["attainment", "attainment_on"])
    if next_on is not None:
        changes["monitoring_on"] = _change(plan.monitoring_on, next_on)
        SupportPlan.objects.filter(pk=plan.pk).update(monitoring_on=next_on)
    _audit(actor, "create", case, ("monitoring", m.pk), ("support_plan", plan.pk), **changes)
    return m


@transaction.atomic  # not durable: meetings' decisions call it inside their own transaction
def close_case(
    *,
    actor: Staff,
    case: Case,
    version: int,
    reason: str,
    goal_attainment: str,
    handover_to: Organization | None,
    main_agency_after_closure: Organization | None,
    handover_note: str = "",
) -> Case:
    """終結: with the closure evaluation, hand-over and the main agency that carries the household on."""
    _same_city(actor, case)  # defence in depth: views already fetch through access
    _check_version(case, version)
    if case.status == CaseStatus.CLOSED:
        raise CaseError("このケースはすでに終結しています。")
    if not reason.strip():
        raise CaseError("終結の理由を入力してください。")
    if goal_attainment not in dict(ATTAINMENT_CHOICES):
        raise CaseError("目標の達成状況を選んでください。")
    _same_city(actor, handover_to, main_agency_after_closure)
    if main_agency_after_closure is None:
        raise CaseError("終結後に世帯を見守る主担当機関を選んでください。")
    _bump(case, version)
    old_status = case.status
    case.closure_plan = plan_in_force(case)  # still open here: the newest version not superseded
    CaseTransition.objects.create(
        municipality=case.municipality,
        case=case,
        from_status=case.status,
        to_status=CaseStatus.CLOSED,
        by=actor,
        note=reason.strip(),
    )
    case.status = CaseStatus.CLOSED
    case.closed_at = timezone.now()
    case.closure_reason = reason.strip()
    case.goal_attainment = goal_attainment
    case.handover_to = handover_to
    case.handover_note = handover_note.strip()
    case.main_agency_after_closure = main_agency_after_closure
    case.save(
        update_fields=[
            "status",
            "closed_at",
            "closure_reason",
            "goal_attainment",
            "handover_to",
            "handover_note",
            "main_agency_after_closure",
            "closure_plan",
        ]
    )
    _audit(
        actor,
        "update",
        case,
        status=_change(old_status, CaseStatus.CLOSED),
        version=_change(version, case.version),
        closure_plan=_change(None, case.closure_plan_id),
        closed=True,
    )
    return case


# ---- meeting approval and hand-over between coordinators -------------------------------------------


@transaction.atomic  # not durable: meetings' decisions call it inside their own transaction
def agree_plan_in_meeting(
    *, actor: Staff, plan: SupportPlan, edit_version: int, body: MeetingBody, held_on: dt.date
) -> SupportPlan:
    """Record that a 重層的支援会議 approved the plan (協議済).

    The legal gate: a 重層的支援会議 discusses a person only with consent, so an active consent naming the
    meeting kind 重層的支援会議 must exist on the case; and the body must carry that function. (A 支援会議
    may discuss without consent, but approving the plan is the 重層的支援会議's role.)
    """
    _same_city(actor, plan, body)
    _require_open(plan.case)
    if not body.active or LegalFunction.CONSENTED_CONFERENCE not in body.legal_functions:
        raise CaseError("支援プランを協議できるのは、重層的支援会議の機能を持つ会議体です。")
    if held_on > timezone.localdate():
        raise CaseError("開催日に未来の日付は入力できません。")
    # In force on the meeting day and not withdrawn since (a withdrawal takes back the meeting too).
    consented = consents_in_force_on(held_on).filter(case=plan.case, withdrawn_at__isnull=True)
    if not any(MeetingKind.CONSENTED_CONFERENCE in c.meeting_kinds for c in consented):
        raise CaseError(
            "重層的支援会議での協議には、本人の同意（共有してよい会議に「重層的支援会議」を含むもの）が必要です。"
            "同意がない場合は、支援会議（守秘義務）で検討してください。"
        )
    return mark_plan_agreed(
        actor=actor, plan=plan, edit_version=edit_version, meeting_note=body.name, held_on=held_on
    )


@transaction.atomic(durable=True)
def reassign_coordinator(*, actor: Staff, case: Case, version: int, coordinator: Staff, note: str) -> Case:
    """Hand the case to another 束ね役 (異動・休職など), with the reason, in the history."""
    _same_city(actor, case, coordinator)
    _check_version(case, version)
    _require_open(case)
    if coordinator.role != Role.COORDINATOR or not coordinator.is_active:
        raise CaseError("引き継ぐ先には、在籍している束ね役を選んでください。")
    if coordinator.pk == case.coordinator_id:
        raise CaseError("すでにこの職員が束ね役です。")
    if not note.strip():
        raise CaseError("引継ぎの理由を入力してください。")
    _bump(case, version)
    previous = case.coordinator
    case.coordinator = coordinator
    case.save(update_fields=["coordinator"])
    CaseTransition.objects.create(
        municipality=case.municipality,
        case=case,
        from_status=case.status,
        to_status=case.status,
        by=actor,
        note=f"束ね役の交代: {previous} → {coordinator}（{note.strip()}）",
    )
    _audit(
        actor,
        "update",
        case,
        coordinator=_change(previous.pk, coordinator.pk),
        version=_change(version, case.version),
    )
    return case
