"""Retention (ASVS 14.2.7; docs/operations.md "保存期間"): remove what a city keeps no longer.

Per municipality, from its profile (`[municipality] case_retention_years`, `consultation_retention_years`,
default 5), one run is one transaction of three steps, each app removing its own rows through its own
action with its own audit row (ids, counts, cutoff):
1. cases (here): a closed case (終結) whose `closed_at` is older than the period is deleted with everything
   that hangs on it (transitions, team, consents, assessments, plans with goals and actions, monitoring,
   meeting access, and rows of upper apps that point at it);
2. intake (`intake.actions.apply_retention`): a closed consultation (終了) whose last change is older than
   the period is deleted with what hangs on it, unless its household still has a case that is kept (open,
   中断, or closed within the period): the case's history is read with the consultations that led to it;
3. people (`people.actions.apply_retention`, people/retention.py): households and persons nothing outside
   people points at any more are deleted, or anonymised when a relationship or another household keeps
   them; households emptied by an earlier run are looked at again.
The audit log is never touched (append-only, and it holds ids, never names). A dry run is the same run
rolled back at its end: it lists exactly what the run would do and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction

from tsunagu.access import audit
from tsunagu.core import removal
from tsunagu.core.removal import RetentionStep
from tsunagu.intake import actions as intake_actions
from tsunagu.municipalities.models import Municipality
from tsunagu.people import actions as people_actions

from .models import Case, CaseStatus

# Labels reported per kind, in the order a dry run prints them.
KIND_LABELS = {
    "cases.Case": "ケース",
    "cases.CaseTransition": "ケースの状態履歴",
    "cases.CaseTeamMember": "チーム",
    "cases.Consent": "同意",
    "cases.Assessment": "アセスメント",
    "cases.AssessmentArea": "アセスメントの領域",
    "cases.SupportPlan": "支援プラン",
    "cases.PlanGoal": "プランの目標",
    "cases.PlanAction": "プランの支援内容",
    "cases.Monitoring": "モニタリング",
    "intake.Consultation": "相談",
    "intake.EscalationRequest": "会議への依頼",
    "people.Household": "世帯",
    "people.HouseholdMember": "世帯の構成",
    "people.Person": "人",
}
KEEP_FOR_CASES = frozenset({"people.Person", "people.Household"})
KEPT_CASE_REFERENCED = "ケースが他の記録から参照されている"


@dataclass
class RetentionPlan:
    municipality: Municipality
    today: dt.date
    case_cutoff: dt.date
    consultation_cutoff: dt.date
    steps: list[RetentionStep] = field(default_factory=list)  # cases, intake, people
    dry_run: bool = False

    def counts(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for step in self.steps:
            for label, n in step.removal.counts().items():
                total[label] = total.get(label, 0) + n
        return dict(sorted(total.items()))

    def ids(self, label: str) -> list[int]:
        return sorted(pk for step in self.steps for pk in step.removal.ids(label))

    def anonymised(self, label: str) -> list[int]:
        return sorted(pk for step in self.steps for pk in step.anonymised.get(label, []))

    @property
    def kept(self) -> dict[str, list[int]]:
        return {why: ids for step in self.steps for why, ids in step.kept.items()}

    def describe(self) -> list[str]:
        m = self.municipality
        lines = [
            f"{m.prefecture}{m.name}（{m.code}）: ケースは {self.case_cutoff} より前に終結したもの、"
            f"相談は {self.consultation_cutoff} より前に最後に更新され終了したもの"
        ]
        for label, n in self.counts().items():
            name = KIND_LABELS.get(label, label)
            lines.append(f"  {name}（{label}）{n}件: {', '.join(map(str, self.ids(label)))}")
        for label in ("people.Household", "people.Person"):
            if ids := self.anonymised(label):
                name = KIND_LABELS[label]
                lines.append(f"  匿名化する{name}（{label}）{len(ids)}件: {', '.join(map(str, ids))}")
        for why, ids in self.kept.items():
            if ids:
                lines.append(f"  残す（{why}）{len(ids)}件: {', '.join(map(str, ids))}")
        if not any(step.removal.rows or any(step.anonymised.values()) for step in self.steps):
            lines.append("  期限を過ぎた記録はありません")
        return lines


class _DryRun(Exception):
    """Raised at the end of a dry run so that its transaction rolls back."""


@transaction.atomic
def remove_expired_cases(*, actor: object, municipality: Municipality, cutoff: dt.date) -> RetentionStep:
    """Cases' step: delete the closed cases of `municipality` closed before `cutoff` with all their
    children, one audit row naming every removed case; a case something else points at is kept."""
    expired = Case.objects.filter(
        municipality=municipality, status=CaseStatus.CLOSED, closed_at__lt=removal.start_of(cutoff)
    ).order_by("pk")
    done, blocked, objects = removal.remove_each(
        expired, keep=KEEP_FOR_CASES, label="cases.Case", objects="case"
    )
    audit.record_retention(
        actor=actor, municipality=municipality, objects=objects, cutoff=cutoff, counts=done.counts()
    )
    return RetentionStep(removal=done, kept={KEPT_CASE_REFERENCED: blocked})


def apply(municipality: Municipality, today: dt.date, *, dry_run: bool = False) -> RetentionPlan:
    """Run the three steps in one transaction; with `dry_run` roll it back and only report."""
    p = RetentionPlan(
        municipality=municipality,
        today=today,
        case_cutoff=removal.years_before(today, municipality.case_retention_years),
        consultation_cutoff=removal.years_before(today, municipality.consultation_retention_years),
        dry_run=dry_run,
    )
    try:
        with transaction.atomic():
            muni = Municipality.objects.select_for_update().get(pk=municipality.pk)
            p.steps.append(remove_expired_cases(actor=None, municipality=muni, cutoff=p.case_cutoff))
            kept_case_households = set(
                Case.objects.filter(municipality=muni).values_list("household_id", flat=True)
            )
            p.steps.append(
                intake_actions.apply_retention(
                    actor=None,
                    municipality=muni,
                    cutoff=p.consultation_cutoff,
                    keep_households=kept_case_households,
                )
            )
            p.steps.append(
                people_actions.apply_retention(
                    actor=None, municipality=muni, cutoff=p.consultation_cutoff, today=today
                )
            )
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return p
