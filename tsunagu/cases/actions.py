"""Every write of case data. Each action is one transaction with its audit record.

Edits carry the version the user read; a stale one raises StaleEdit and changes nothing. The actions a
screen calls are durable transactions (`durable=True`): they commit when they return, and calling one
inside another transaction is an error rather than a write that a later rollback could undo after its
audit row said it happened. `open_case` and `mark_plan_agreed` are called by other actions and are not.
Audit details of a change say old → new (`_change`) for fields that are not personal data.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from tsunagu.accounts.models import Role, Staff
from tsunagu.directory.models import Organization
from tsunagu.intake import actions as intake_actions
from tsunagu.intake.models import EscalationRequest, EscalationStatus
from tsunagu.people.models import Household, HouseholdMember, Person

from .action_base import (  # noqa: F401
    CLOSED_MESSAGE,
    CaseClosed,
    CaseError,
    StaleEdit,
    _audit,
    _bump,
    _change,
    _check_version,
    _require_open,
    _same_city,
)
from .current import plan_in_force
from .models import (
    ATTAINMENT_CHOICES,
    OPEN_STATUSES,
    TRANSITIONS,
    Case,
    CaseStatus,
    CaseTeamMember,
    CaseTransition,
    TeamRole,
)

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
    _require_open(case, version)
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


# ---- closure and hand-over between coordinators ---------------------------------------------------


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


# ---- hand-over between coordinators ---------------------------------------------------------------


@transaction.atomic(durable=True)
def reassign_coordinator(*, actor: Staff, case: Case, version: int, coordinator: Staff, note: str) -> Case:
    """Hand the case to another 束ね役 (異動・休職など), with the reason, in the history."""
    _same_city(actor, case, coordinator)
    _check_version(case, version)
    _require_open(case, version)
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


# The consent and plan actions live in their own modules; callers keep importing them from here.
from .consent_actions import ConsentInput as ConsentInput  # noqa: E402
from .consent_actions import record_consent as record_consent  # noqa: E402
from .consent_actions import withdraw_consent as withdraw_consent  # noqa: E402
from .plan_actions import ActionInput as ActionInput  # noqa: E402
from .plan_actions import GoalInput as GoalInput  # noqa: E402
from .plan_actions import PlanInput as PlanInput  # noqa: E402
from .plan_actions import agree_plan_in_meeting as agree_plan_in_meeting  # noqa: E402
from .plan_actions import mark_plan_agreed as mark_plan_agreed  # noqa: E402
from .plan_actions import record_monitoring as record_monitoring  # noqa: E402
from .plan_actions import save_assessment as save_assessment  # noqa: E402
from .plan_actions import save_plan as save_plan  # noqa: E402
from .plan_actions import save_plan_within as save_plan_within  # noqa: E402
from .plan_actions import set_action_status as set_action_status  # noqa: E402
