"""What the case screens show, shaped from the models: the sharing panel, the plan grid, and the plan
form's rows (initial values, more rows, and the action input built from them)."""

from __future__ import annotations

from typing import Any

from tsunagu.core.numbers import parse_int

from . import actions
from .forms import ACTION_ROWS_EMPTY, GOAL_ROWS_EMPTY, MIN_ACTION_ROWS, MIN_GOAL_ROWS, PlanForm
from .models import Case, CaseTeamMember, PlanAction, PlanGoal, SupportPlan
from .policy import active_consents


def share_panel(case: Case, team: list[CaseTeamMember]) -> list[dict[str, Any]]:
    """今、共有できる機関: per organization, whether an active consent names it now, for whom, until when."""
    panel: dict[int, dict[str, Any]] = {}
    for consent in active_consents().filter(case=case).prefetch_related("organizations", "persons"):
        for org in consent.organizations.all():
            row = panel.setdefault(
                org.pk,
                {
                    "organization": org,
                    "persons": {},
                    "meetings": set(),
                    "until": None,
                    "open_ended": False,
                    "team_role": None,
                },
            )
            for p in consent.persons.all():
                row["persons"][p.pk] = p.full_name
            row["meetings"].update(consent.meeting_kind_labels())
            if consent.expires_on is None:
                row["open_ended"] = True
            elif row["until"] is None or consent.expires_on > row["until"]:
                row["until"] = consent.expires_on
    for member in team:
        if member.organization_id in panel:
            panel[member.organization_id]["team_role"] = member.get_role_display()
    rows = list(panel.values())
    for row in rows:
        row["persons"] = list(row["persons"].values())
        row["meetings"] = sorted(row["meetings"])
    covered = set(panel)
    missing = [
        {"organization": m.organization, "team_role": m.get_role_display(), "missing": True}
        for m in team
        if m.organization_id not in covered
    ]
    return sorted(rows, key=lambda r: r["organization"].name) + missing


def plan_grid(plan: SupportPlan) -> list[dict[str, Any]]:
    """One row per action, grouped under its goal (goals without actions get a row of their own)."""
    goals = list(plan.goals.all())
    acts = list(plan.actions.select_related("organization").all())
    rows: list[dict[str, Any]] = []
    for goal in goals:
        mine = [a for a in acts if a.goal_id == goal.pk]
        for i, a in enumerate(mine or [None]):
            rows.append({"goal": goal, "first": i == 0, "span": max(len(mine), 1), "action": a})
    orphans = [a for a in acts if a.goal_id is None]
    for i, a in enumerate(orphans):
        rows.append({"goal": None, "first": i == 0, "span": len(orphans), "action": a})
    return rows


def plan_initial(
    plan: SupportPlan | None,
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    if plan is None:
        head: dict[str, Any] = {}
        goals: list[dict[str, Any]] = []
        acts: list[dict[str, Any]] = []
    else:
        head = {
            "overall_goal": plan.overall_goal,
            "monitoring_on": plan.monitoring_on,
            "edit_version": plan.edit_version,
            "plan_id": plan.pk,
        }
        goal_list: list[PlanGoal] = list(plan.goals.all())
        numbers = {g.pk: i + 1 for i, g in enumerate(goal_list)}
        goals = [{"text": g.text, "life_area": g.life_area, "review_on": g.review_on} for g in goal_list]
        action_list: list[PlanAction] = list(plan.actions.all())
        acts = [
            {
                "goal_no": numbers.get(a.goal_id) if a.goal_id else None,
                "description": a.description,
                "organization": a.organization_id,
                "role": a.role,
                "person_in_charge": a.person_in_charge,
                "due_on": a.due_on,
                "review_on": a.review_on,
                "status": a.status,
            }
            for a in action_list
        ]
    goals += [{}] * max(GOAL_ROWS_EMPTY, MIN_GOAL_ROWS - len(goals))
    acts += [{}] * max(ACTION_ROWS_EMPTY, MIN_ACTION_ROWS - len(acts))
    return head, goals, acts


def with_more_rows(data: Any) -> Any:
    """「行を増やす」: the same POST with three more empty goal and action rows (no JavaScript needed)."""
    data = data.copy()
    for prefix in ("goals", "actions"):
        key = f"{prefix}-TOTAL_FORMS"
        n = parse_int(data.get(key, "0"), minimum=0, maximum=60) or 0
        data[key] = str(min(n + 3, 60))
    return data


def plan_input(form: PlanForm, goal_fs: Any, action_fs: Any) -> actions.PlanInput:
    """Build the action input from the rows; blank rows are skipped and goal numbers re-indexed."""
    index: dict[int, int] = {}
    goals: list[actions.GoalInput] = []
    for row_no, gf in enumerate(goal_fs.forms, start=1):
        text = (gf.cleaned_data.get("text") or "").strip()
        if text:
            index[row_no] = len(goals)
            goals.append(
                actions.GoalInput(
                    text=text,
                    life_area=gf.cleaned_data.get("life_area") or "",
                    review_on=gf.cleaned_data.get("review_on"),
                )
            )
    acts: list[actions.ActionInput] = []
    for af in action_fs.forms:
        if af.is_blank():
            continue
        d = af.cleaned_data
        goal_no = d.get("goal_no")
        if goal_no is not None and goal_no not in index:
            raise actions.CaseError(f"支援内容が、空の目標（目標{goal_no}）を指しています。")
        acts.append(
            actions.ActionInput(
                description=d["description"],
                organization=d["organization"],
                goal_index=index[goal_no] if goal_no is not None else None,
                role=d["role"],
                person_in_charge=d.get("person_in_charge") or "",
                due_on=d.get("due_on"),
                review_on=d.get("review_on"),
                status=d["status"],
            )
        )
    return actions.PlanInput(
        overall_goal=form.cleaned_data.get("overall_goal") or "",
        goals=goals,
        actions=acts,
        monitoring_on=form.cleaned_data.get("monitoring_on"),
        change_reason=form.cleaned_data.get("change_reason") or "",
    )
