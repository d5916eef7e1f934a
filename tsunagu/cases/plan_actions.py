"""Assessment, support plan (支援プラン), its actions and goals, monitoring, and the plan agreed in a
重層的支援会議. Same rules as cases.actions: one transaction and one audit record per action."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tsunagu.accounts.models import Staff
from tsunagu.directory.models import LegalFunction, MeetingBody, MeetingKind, Organization

from .action_base import (
    CaseError,
    StaleEdit,
    _audit,
    _change,
    _require_open,
    _same_city,
)
from .current import plan_in_force
from .models import (
    ATTAINMENT_CHOICES,
    ActionStatus,
    Assessment,
    AssessmentArea,
    Case,
    LifeArea,
    Monitoring,
    PlanAction,
    PlanGoal,
    PlanStatus,
    SupportPlan,
    TeamRole,
)
from .policy import consents_in_force_on

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
    return save_plan_within(actor=actor, case=case, data=data, plan=plan, edit_version=edit_version)


@transaction.atomic  # not durable: the 連絡帳 (meetings) writes its link to the plan in the same transaction
def save_plan_within(
    *,
    actor: Staff,
    case: Case,
    data: PlanInput,
    plan: SupportPlan | None = None,
    edit_version: int | None = None,
) -> SupportPlan:
    """`save_plan` for a caller that writes its own row about the change in the same transaction (a
    連絡帳 post that became this plan change): a rollback of the caller undoes the plan and its audit."""
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
    submission_token: uuid.UUID | None = None,
) -> Monitoring:
    """モニタリング (評価): what happened, the next date, and how far each goal of the plan in force is
    attained (達成状況, goal id → value; goals left out are not judged this time).

    A repeated submission of the same form (same `submission_token`) returns the first record."""
    _same_city(actor, case)  # defence in depth: views already fetch through access
    if (first := _monitoring_submitted(case, submission_token)) is not None:
        return first
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
    try:
        with transaction.atomic():
            m = Monitoring.objects.create(
                municipality=case.municipality,
                case=case,
                plan=plan,
                held_on=held_on,
                summary=summary.strip(),
                next_on=next_on,
                recorded_by=actor,
                submission_token=submission_token,
            )
    except IntegrityError:  # a concurrent submit of the same form won the race
        if (first := _monitoring_submitted(case, submission_token)) is None:
            raise CaseError(
                "この送信は処理できません。画面を開き直して、もう一度入力してください。"
            ) from None
        return first
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


def _monitoring_submitted(case: Case, token: uuid.UUID | None) -> Monitoring | None:
    if token is None:
        return None
    return Monitoring.objects.filter(
        municipality_id=case.municipality_id, case=case, submission_token=token
    ).first()


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
