"""Decisions that write into the case's plan (issue 11 part 6): a role assignment (which organization does
which action, by when) and a plan change (a goal added or reworded, the next monitoring date).

The meeting never writes a cases table: the decision builds the plan as it stands plus the change and
saves it through cases' own `save_plan_within` (a draft is edited in place; an agreed plan gets a new
version with the decision as its reason), then, where the decision approves it under 重層的支援会議, marks it
協議済 through `agree_plan_in_meeting`. The Decision row (this app's own) links to the saved version in
the same transaction. The form carries the plan version and edit version it showed (a stale form is
refused) and a submission token, unique on the decision, so a double submit returns the first decision.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from tsunagu.access import audit
from tsunagu.accounts.models import Staff
from tsunagu.cases import actions as case_actions
from tsunagu.cases.current import newest_plan
from tsunagu.cases.models import PlanAction, PlanGoal, SupportPlan
from tsunagu.core.wareki import wareki
from tsunagu.directory.models import Organization

from .actions import MeetingError
from .models import AgendaItem, Decision, DecisionKind, ItemFunction

REASON_MAX_CHARS = 200  # cases' SupportPlan.change_reason
STALE = "支援プランは、この画面を開いた後に変更されました。画面を開き直して、いまのプランを確かめてから決定してください。"


@dataclass(frozen=True)
class PlanChange:
    """What the decision form said about the plan. `plan_id` / `edit_version`: the version it showed."""

    plan_id: int | None
    edit_version: int | None
    description: str = ""  # role: the action (支援内容); blank when reassigning keeps the old text
    action_id: int | None = None  # role: an action of the plan to reassign (None: a new action)
    goal_id: int | None = None  # role: the goal the action serves; plan change: the goal to reword
    goal_text: str = ""  # plan change: the goal to add (or the new wording of `goal_id`)
    approve: bool = False  # 協議済とする (only under 重層的支援会議)


def plan_to_change(item: AgendaItem) -> SupportPlan | None:
    """The plan a decision changes: the case's newest version (draft or agreed)."""
    return newest_plan(item.case)


def _reason(item: AgendaItem, held_on: dt.date, note: str) -> str:
    text = f"{item.meeting.body.name}（{wareki(held_on)}）の決定: " + " ".join(note.split())
    return text if len(text) <= REASON_MAX_CHARS else text[: REASON_MAX_CHARS - 1] + "…"


def _plan_input(
    plan: SupportPlan,
    kind: str,
    change: PlanChange,
    responsible: Organization | None,
    due_on: dt.date | None,
    next_monitoring_on: dt.date | None,
    reason: str,
) -> tuple[case_actions.PlanInput, str]:
    """The plan as it stands with the decision's change, and the action's text (role) for the minutes."""
    goals: list[PlanGoal] = list(plan.goals.order_by("order", "pk"))
    index = {g.pk: i for i, g in enumerate(goals)}
    if change.goal_id is not None and change.goal_id not in index:
        raise MeetingError("選んだ目標が、いまの支援プランの目標ではありません。画面を開き直してください。")
    goal_inputs = [
        case_actions.GoalInput(text=g.text, life_area=g.life_area, review_on=g.review_on) for g in goals
    ]
    rows: list[case_actions.ActionInput] = []
    described = ""
    existing: list[PlanAction] = list(plan.actions.select_related("organization").order_by("pk"))
    if kind == DecisionKind.ROLE and change.action_id is not None:
        if change.action_id not in {a.pk for a in existing}:
            raise MeetingError(
                "役割を変える支援内容が、いまの支援プランにありません。画面を開き直してください。"
            )
    for a in existing:
        row = case_actions.ActionInput(
            description=a.description,
            organization=a.organization,
            goal_index=index.get(a.goal_id) if a.goal_id is not None else None,
            role=a.role,
            person_in_charge=a.person_in_charge,
            due_on=a.due_on,
            review_on=a.review_on,
            status=a.status,
        )
        if kind == DecisionKind.ROLE and a.pk == change.action_id:
            assert responsible is not None
            row.description = change.description.strip() or a.description
            if responsible.pk != a.organization_id:
                row.organization, row.person_in_charge = responsible, ""
            row.due_on = due_on
            if change.goal_id is not None:
                row.goal_index = index[change.goal_id]
            described = row.description
        rows.append(row)
    monitoring_on = plan.monitoring_on
    if kind == DecisionKind.ROLE and change.action_id is None:
        assert responsible is not None
        if not change.description.strip():
            raise MeetingError("役割分担の支援内容を入力してください。")
        described = change.description.strip()
        rows.append(
            case_actions.ActionInput(
                description=described,
                organization=responsible,
                goal_index=index.get(change.goal_id) if change.goal_id is not None else None,
                due_on=due_on,
            )
        )
    if kind == DecisionKind.PLAN_CHANGE:
        text = change.goal_text.strip()
        if not text and next_monitoring_on is None:
            raise MeetingError(
                "変更する内容（追加または書き換える目標、次回モニタリング日）を入力してください。"
            )
        if text and change.goal_id is not None:
            goal_inputs[index[change.goal_id]].text = text
        elif text:
            goal_inputs.append(case_actions.GoalInput(text=text))
        monitoring_on = next_monitoring_on or monitoring_on
    data = case_actions.PlanInput(
        overall_goal=plan.overall_goal,
        goals=goal_inputs,
        actions=rows,
        monitoring_on=monitoring_on,
        change_reason=reason,
    )
    return data, described


def _submitted(item: AgendaItem, token: uuid.UUID) -> Decision | None:
    return Decision.objects.filter(municipality_id=item.municipality_id, submission_token=token).first()


def _same_submission(first: Decision, actor: Staff, item: AgendaItem) -> Decision:
    if first.recorded_by_id != actor.pk or first.item_id != item.pk:
        raise MeetingError("この画面は古くなっています。画面を開き直してから決定してください。")
    return first


def decide_into_plan(
    *,
    actor: Staff,
    item: AgendaItem,
    kind: str,
    note: str,
    held_on: dt.date,
    change: PlanChange,
    responsible: Organization | None,
    follow_up_on: dt.date | None,
    next_monitoring_on: dt.date | None,
    closure_review_on: dt.date | None,
    submission_token: uuid.UUID | None,
) -> Decision:
    """Write the role assignment or plan change into the case's plan and record the decision, in the
    caller's transaction (decisions.decide has checked the item is open and the note is given)."""
    if submission_token is None:
        raise MeetingError("この画面は古くなっています。画面を開き直してから決定してください。")
    if (first := _submitted(item, submission_token)) is not None:
        return _same_submission(first, actor, item)
    case = item.case
    if case.coordinator_id != actor.pk:
        raise MeetingError("このケースの支援プランを会議の決定で変更できるのは、ケースの束ね役だけです。")
    if kind == DecisionKind.ROLE:
        if responsible is None or follow_up_on is None:
            raise MeetingError("役割分担には、担当機関と期限（対応の期限）を入れてください。")
        if follow_up_on < held_on:
            raise MeetingError("役割分担の期限は、会議の日以降の日にしてください。")
    if follow_up_on is not None and (responsible is None or follow_up_on < held_on):
        raise MeetingError("対応の期限は、担当機関を選び、会議の日以降の日にしてください。")
    if responsible is not None and responsible.municipality_id != actor.municipality_id:
        raise MeetingError("別の自治体の機関は選べません。")
    if next_monitoring_on is not None and next_monitoring_on <= held_on:
        raise MeetingError("次回モニタリング日は、会議の日より後の日にしてください。")
    if closure_review_on is not None and closure_review_on <= held_on:
        raise MeetingError("終結の見直し予定日は、会議の日より後の日で入れてください。")
    if change.approve and item.legal_function != ItemFunction.CONSENTED_CONFERENCE:
        raise MeetingError(
            "支援プランを協議済みにできるのは、重層的支援会議（本人同意）として検討した議題です。"
            "協議済みにしないで記録してください。"
        )
    plan = plan_to_change(item)
    if plan is None:
        raise MeetingError(
            "このケースには支援プランがまだありません。先にケースで支援プランを作成してください。"
        )
    if change.plan_id != plan.pk or change.edit_version is None:
        raise MeetingError(STALE)
    data, described = _plan_input(
        plan, kind, change, responsible, follow_up_on, next_monitoring_on, _reason(item, held_on, note)
    )
    try:
        with transaction.atomic():
            saved = case_actions.save_plan_within(
                actor=actor, case=case, data=data, plan=plan, edit_version=change.edit_version
            )
            if change.approve:
                saved = case_actions.agree_plan_in_meeting(
                    actor=actor,
                    plan=saved,
                    edit_version=saved.edit_version,
                    body=item.meeting.body,
                    held_on=held_on,
                )
            decision = Decision.objects.create(
                municipality_id=item.municipality_id,
                item=item,
                kind=kind,
                note=note.strip(),
                next_monitoring_on=next_monitoring_on if kind == DecisionKind.PLAN_CHANGE else None,
                responsible=responsible,
                follow_up_on=follow_up_on if responsible is not None else None,
                closure_review_on=closure_review_on,
                plan=saved,
                action_description=described,
                plan_agreed=change.approve,
                submission_token=submission_token,
                recorded_by=actor,
            )
    except (IntegrityError, case_actions.StaleEdit) as e:
        # The same form sent twice at once: the first request's decision stands (the second found the
        # plan's edit version taken, or the token on the decision).
        if (first := _submitted(item, submission_token)) is not None:
            return _same_submission(first, actor, item)
        if isinstance(e, IntegrityError):
            raise
        raise MeetingError(STALE) from None
    except case_actions.CaseError as e:
        raise MeetingError(str(e)) from None
    audit.record(
        actor=actor,
        action="create",
        objects=[
            ("agenda_item", item.pk),
            ("case", case.pk),
            ("decision", decision.pk),
            ("support_plan", saved.pk),
        ],
        reason=item.legal_basis(),
        detail={"kind": kind, "version": saved.version_no, "agreed": change.approve},
    )
    return decision
