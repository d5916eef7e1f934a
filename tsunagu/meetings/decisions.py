"""Minutes as data: the review of last time's actions, and decisions that move the case through cases'
own actions (plan 協議済, next monitoring date, up or down the city's ladder, closure).

The meetings app never writes a cases table: it calls `agree_plan_in_meeting`, `record_monitoring` and
`close_case`, which carry their own checks, history and audit.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from tsunagu.access import audit
from tsunagu.accounts.models import Staff
from tsunagu.cases import actions as case_actions
from tsunagu.cases.current import plan_in_force
from tsunagu.cases.models import PlanAction, PlanStatus
from tsunagu.core.wareki import wareki
from tsunagu.directory.models import MeetingBody, Organization

from .actions import MeetingError, item_functions, place_item
from .decision_plan import PlanChange, decide_into_plan
from .models import (
    PLAN_DECISIONS,
    ActionReview,
    AgendaItem,
    Decision,
    DecisionKind,
    ItemFunction,
    ItemStatus,
    Meeting,
    MeetingStatus,
    ReviewOutcome,
)


def _held_on(item: AgendaItem) -> dt.date:
    return timezone.localtime(item.meeting.starts_at).date()


def _check_open(actor: Staff, item: AgendaItem) -> None:
    if item.municipality_id != actor.municipality_id:
        raise MeetingError("別の自治体の記録は扱えません。")
    if item.status == ItemStatus.WITHDRAWN:
        raise MeetingError("取り下げた議題には記録できません。")
    if item.meeting.starts_at > timezone.now():
        raise MeetingError("会議が始まる前に議事録は記録できません。")


def actions_to_review(item: AgendaItem) -> list[PlanAction]:
    """The case's current plan's actions: what was agreed last time, to be reviewed first."""
    plan = plan_in_force(item.case)
    return list(plan.actions.select_related("organization").order_by("pk")) if plan else []


@transaction.atomic
def record_review(
    *, actor: Staff, item: AgendaItem, action: PlanAction, outcome: str, note: str = ""
) -> ActionReview:
    """前回の役割分担の振り返り: done, circumstances changed, or the agency did not act — kept apart."""
    _check_open(actor, item)
    if outcome not in ReviewOutcome.values:
        raise MeetingError("振り返りの結果を選んでください。")
    if action.pk not in {a.pk for a in actions_to_review(item)}:
        raise MeetingError("このケースの支援プランの支援内容ではありません。")
    if outcome != ReviewOutcome.DONE and not note.strip():
        raise MeetingError("実施されなかった理由や変わった状況を入力してください。")
    try:
        with transaction.atomic():
            review = ActionReview.objects.create(
                municipality_id=item.municipality_id,
                item=item,
                action=action,
                outcome=outcome,
                note=note.strip(),
                recorded_by=actor,
            )
    except IntegrityError:
        raise MeetingError("この支援内容はすでに振り返りました。") from None
    audit.record(
        actor=actor,
        action="create",
        objects=[("agenda_item", item.pk), ("plan_action", action.pk)],
        detail={"outcome": outcome},
    )
    return review


def default_next_monitoring(item: AgendaItem) -> dt.date:
    """The body's default interval from the sitting's date (profile `monitoring_interval_days`)."""
    return _held_on(item) + item.meeting.body.monitoring_interval()


def default_closure_review(item: AgendaItem) -> dt.date | None:
    """The decision form's default 終結の見直し予定日: the body's interval from the sitting's date (profile
    `closure_review_interval_days`), offered once per item (an item whose decision already set one, or a
    終結評価 item, gets none); None when the city set no interval."""
    interval = item.meeting.body.closure_review_interval()
    if interval is None or item.purpose == "closure":
        return None
    if item.decisions.filter(closure_review_on__isnull=False).exists():
        return None
    return _held_on(item) + interval


def next_sitting(body: MeetingBody, after: dt.datetime) -> Meeting | None:
    return (
        Meeting.objects.filter(body=body, status=MeetingStatus.PLANNED, starts_at__gt=after)
        .order_by("starts_at")
        .first()
    )


@transaction.atomic
def decide(
    *,
    actor: Staff,
    item: AgendaItem,
    kind: str,
    note: str,
    next_monitoring_on: dt.date | None = None,
    to_body: MeetingBody | None = None,
    to_function: str = "",
    responsible: Organization | None = None,
    follow_up_on: dt.date | None = None,
    closure_review_on: dt.date | None = None,
    goal_attainment: str = "",
    main_agency_after_closure: Organization | None = None,
    plan_change: PlanChange | None = None,
    submission_token: uuid.UUID | None = None,
) -> Decision:
    """Record one decision and carry it out through cases' actions in the same transaction. A role
    assignment or plan change (`plan_change`: what the form showed and said) is written into the case's
    plan (decision_plan.py). The same `submission_token` again returns the first decision."""
    _check_open(actor, item)
    if kind not in DecisionKind.values:
        raise MeetingError("決定の種類を選んでください。")
    if not note.strip():
        raise MeetingError("決定の内容を入力してください。")
    body = item.meeting.body
    case = item.case
    held_on = _held_on(item)
    if kind in PLAN_DECISIONS:
        return decide_into_plan(
            actor=actor,
            item=item,
            kind=kind,
            note=note,
            held_on=held_on,
            change=plan_change or PlanChange(plan_id=None, edit_version=None),
            responsible=responsible,
            follow_up_on=follow_up_on,
            next_monitoring_on=next_monitoring_on,
            closure_review_on=closure_review_on,
            submission_token=submission_token,
        )
    if submission_token is not None:
        first = Decision.objects.filter(
            municipality_id=item.municipality_id, submission_token=submission_token
        ).first()
        if first is not None:
            if first.item_id != item.pk or first.recorded_by_id != actor.pk:
                raise MeetingError("この画面は古くなっています。画面を開き直してから決定してください。")
            return first
    try:
        if kind == DecisionKind.PLAN_AGREED:
            if item.legal_function != ItemFunction.CONSENTED_CONFERENCE:
                raise MeetingError(
                    "支援プランを協議済みにできるのは、重層的支援会議（本人同意）として検討した議題です。"
                )
            plan = case.plans.filter(status=PlanStatus.DRAFT).order_by("-version_no").first()
            if plan is None:
                raise MeetingError("協議する支援プラン（作成中のもの）がありません。")
            case_actions.agree_plan_in_meeting(
                actor=actor, plan=plan, edit_version=plan.edit_version, body=body, held_on=held_on
            )
        elif kind == DecisionKind.MONITORING:
            next_on = next_monitoring_on or default_next_monitoring(item)
            case_actions.record_monitoring(
                actor=actor,
                case=case,
                held_on=held_on,
                summary=f"{wareki(held_on)} {body.name}: {note.strip()}",
                next_on=next_on,
            )
            next_monitoring_on = next_on
        elif kind == DecisionKind.MOVE:
            _move(actor, item, to_body, to_function, note)
        elif kind == DecisionKind.CLOSE:
            if item.purpose != "closure":
                raise MeetingError("終結は、目的が「終結評価」の議題で決めてください。")
            case_actions.close_case(
                actor=actor,
                case=case,
                version=case.version,
                reason=f"{body.name}で終結と決定: {note.strip()}",
                goal_attainment=goal_attainment,
                handover_to=None,
                main_agency_after_closure=main_agency_after_closure,
            )
    except case_actions.CaseError as e:
        raise MeetingError(str(e)) from None
    if responsible is not None and responsible.municipality_id != actor.municipality_id:
        raise MeetingError("別の自治体の機関は選べません。")
    if follow_up_on is not None and (responsible is None or follow_up_on < held_on):
        raise MeetingError("対応の期限は、担当機関を選び、会議の日以降の日にしてください。")
    if closure_review_on is not None and (kind == DecisionKind.CLOSE or closure_review_on <= held_on):
        raise MeetingError("終結の見直し予定日は、終結しない決定に、会議の日より後の日で入れてください。")
    try:
        with transaction.atomic():
            decision = Decision.objects.create(
                municipality_id=item.municipality_id,
                item=item,
                kind=kind,
                note=note.strip(),
                next_monitoring_on=next_monitoring_on,
                to_body=to_body if kind == DecisionKind.MOVE else None,
                responsible=responsible,
                follow_up_on=follow_up_on,
                closure_review_on=closure_review_on,
                submission_token=submission_token,
                recorded_by=actor,
            )
    except IntegrityError:  # the same form sent twice at once: the first stands, this one is undone
        raise MeetingError("この決定はすでに記録しました。画面を開き直して確かめてください。") from None
    audit.record(
        actor=actor,
        action="create",
        objects=[("agenda_item", item.pk), ("case", case.pk), ("decision", decision.pk)],
        detail={"kind": kind},
    )
    return decision


def ladder_direction(item: AgendaItem, to_body: MeetingBody) -> str:
    """上げる / 下げる / 移す by the bodies' tiers in the city's ladder."""
    here, there = item.meeting.body.tier, to_body.tier
    if here is None or there is None or here == there:
        return "移す"
    return "上げる" if there > here else "下げる"


def _move(actor: Staff, item: AgendaItem, to_body: MeetingBody | None, to_function: str, note: str) -> None:
    """The case goes up or down the city's ladder: onto the next planned sitting of the other body."""
    if to_body is None or not to_body.active or to_body.municipality_id != item.municipality_id:
        raise MeetingError("検討する会議体を選んでください。")
    if to_body.pk == item.meeting.body_id:
        raise MeetingError("同じ会議体には移せません。次回の会議の議題にしてください。")
    function = to_function or item.legal_function
    if function not in item_functions(to_body):
        offered = "、".join(str(ItemFunction(f).label) for f in item_functions(to_body)) or "なし"
        raise MeetingError(f"{to_body.name}で検討する根拠を選んでください（選べるもの: {offered}）。")
    target = next_sitting(to_body, item.meeting.starts_at)
    if target is None:
        raise MeetingError(
            f"{to_body.name}の予定された会議がありません。先に会議を予定または招集してください。"
        )
    selected = list(item.organizations.all())
    from .actions import eligible_organizations

    allowed = {o.pk for o in eligible_organizations(to_body)}
    keep = [o for o in selected if o.pk in allowed] or eligible_organizations(to_body)
    place_item(
        actor=actor,
        meeting=target,
        case=item.case,
        purpose=item.purpose,
        minutes=item.minutes,
        function=function,
        organizations=keep,
        question=note,
        escalated_from=item,
    )
