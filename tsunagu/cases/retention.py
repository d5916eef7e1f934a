"""Retention (ASVS 14.2.7; docs/operations.md "保存期間"): remove what a city keeps no longer.

Per municipality, from its profile (`[municipality] case_retention_years`, `consultation_retention_years`,
default 5):
- a closed case (終結) whose `closed_at` is older than the period is deleted with everything that hangs on
  it (transitions, team, consents, assessments, plans with goals and actions, monitoring, meeting access,
  and rows of upper apps that point at it);
- a closed consultation (終了) whose last change is older than the period is deleted with what hangs on it,
  unless its household still has a case that is kept (open, 中断, or closed within the period): the
  case's history is read with the consultations that led to it;
- a household whose last case and consultation this run removes goes with its members, unless anything
  outside an allow-list (a consent, a relationship, another household, a meeting record) points at them;
- the audit log is never touched (append-only, and it holds ids, never names).
One run of one municipality is one transaction with one audit row that lists every deleted id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from tsunagu.access import audit
from tsunagu.access.models import AuditAction, AuditChannel
from tsunagu.core import removal
from tsunagu.intake.models import Consultation, ConsultationStatus
from tsunagu.municipalities.models import Municipality
from tsunagu.people.models import Household, HouseholdMember, Person

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
# What may go with a household and its members; anything else pointing at them keeps them.
PEOPLE_ONLY = frozenset(
    {"people.Household", "people.HouseholdMember", "people.Person", "people.PersonMatchCandidate"}
)
KEEP_FOR_CONSULTATIONS = frozenset({"people.Person", "people.Household", "cases.Case"})


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass
class RetentionPlan:
    municipality: Municipality
    today: dt.date
    case_cutoff: dt.date
    consultation_cutoff: dt.date
    removal: removal.Removal = field(default_factory=removal.Removal)
    kept: dict[str, list[int]] = field(default_factory=dict)  # past retention but kept, with why

    def counts(self) -> dict[str, int]:
        return dict(sorted(self.removal.counts().items()))

    def ids(self, label: str) -> list[int]:
        return self.removal.ids(label)

    def describe(self) -> list[str]:
        m = self.municipality
        lines = [
            f"{m.prefecture}{m.name}（{m.code}）: ケースは {self.case_cutoff} より前に終結したもの、"
            f"相談は {self.consultation_cutoff} より前に最後に更新され終了したもの"
        ]
        for label, n in self.counts().items():
            name = KIND_LABELS.get(label, label)
            lines.append(f"  {name}（{label}）{n}件: {', '.join(map(str, self.ids(label)))}")
        for why, ids in self.kept.items():
            if ids:
                lines.append(f"  残す（{why}）{len(ids)}件: {', '.join(map(str, ids))}")
        if not self.removal.rows:
            lines.append("  期限を過ぎた記録はありません")
        return lines


def plan_for(municipality: Municipality, today: dt.date) -> RetentionPlan:
    """What a run on `today` would remove in `municipality` (reads only)."""
    p = RetentionPlan(
        municipality=municipality,
        today=today,
        case_cutoff=years_before(today, municipality.case_retention_years),
        consultation_cutoff=years_before(today, municipality.consultation_retention_years),
    )
    expired_cases = Case.objects.filter(
        municipality=municipality, status=CaseStatus.CLOSED, closed_at__lt=_start_of(p.case_cutoff)
    ).order_by("pk")
    blocked_cases: list[int] = []
    for case in expired_cases:
        try:
            removal.collect([case], keep=KEEP_FOR_CASES, into=p.removal)
        except removal.Blocked:
            blocked_cases.append(case.pk)
    p.kept["ケースが他の記録から参照されている"] = blocked_cases
    removed_cases = set(p.ids("cases.Case"))
    kept_case_households = set(
        Case.objects.filter(municipality=municipality)
        .exclude(pk__in=removed_cases)
        .values_list("household_id", flat=True)
    )
    expired = Consultation.objects.filter(
        municipality=municipality,
        status=ConsultationStatus.CLOSED,
        updated_at__lt=_start_of(p.consultation_cutoff),
    ).order_by("pk")
    with_case: list[int] = []
    blocked: list[int] = []
    for consultation in expired:
        if consultation.household_id in kept_case_households:
            with_case.append(consultation.pk)
            continue
        try:
            removal.collect([consultation], keep=KEEP_FOR_CONSULTATIONS, into=p.removal)
        except removal.Blocked:
            blocked.append(consultation.pk)
    p.kept["世帯に保存中のケースがある相談"] = with_case
    p.kept["相談が他の記録から参照されている"] = blocked
    _plan_households(p)
    return p


def _plan_households(p: RetentionPlan) -> None:
    """A household whose last case and consultation this run removes goes too, with its members, unless a
    member belongs to another household or anything else (a consent, a relationship, a meeting record)
    still points at them: then the household and its persons are kept."""
    touched = set(Case.objects.filter(pk__in=p.ids("cases.Case")).values_list("household_id", flat=True))
    touched |= set(
        Consultation.objects.filter(pk__in=p.ids("intake.Consultation")).values_list(
            "household_id", flat=True
        )
    )
    kept: list[int] = []
    for household in Household.objects.filter(pk__in=touched).order_by("pk"):
        persons = list(Person.objects.filter(memberships__household=household).order_by("pk").distinct())
        elsewhere = HouseholdMember.objects.filter(person__in=persons).exclude(household=household).exists()
        try:
            if elsewhere:
                raise removal.Blocked("people.HouseholdMember")
            removal.collect([household, *persons], only=PEOPLE_ONLY, into=p.removal)
        except removal.Blocked:
            kept.append(household.pk)
    p.kept["世帯・人に他の記録が残っている"] = kept


def apply(municipality: Municipality, today: dt.date) -> RetentionPlan:
    """Remove what is past retention in one transaction, with one audit row naming every removed id."""
    with transaction.atomic():
        p = plan_for(Municipality.objects.select_for_update().get(pk=municipality.pk), today)
        objects = [
            (label.split(".")[1].lower(), pk)
            for label in ("cases.Case", "intake.Consultation", "people.Household", "people.Person")
            for pk in p.ids(label)
        ]
        removal.execute(p.removal)
        detail: dict[str, str | int | bool] = {
            "retention": True,
            "today": today.isoformat(),
            "case_cutoff": p.case_cutoff.isoformat(),
            "consultation_cutoff": p.consultation_cutoff.isoformat(),
        }
        for label, n in p.counts().items():
            detail[f"deleted {label}"] = n
        audit.record(
            actor=None,
            action=AuditAction.DELETE,
            channel=AuditChannel.SYSTEM,
            municipality=municipality,
            objects=objects,
            detail=detail,
        )
    return p
