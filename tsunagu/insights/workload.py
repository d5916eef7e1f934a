"""The city's workload for 管理職 (and 束ね役): counts only, never a person.

Every figure is a count over one municipality's rows: open cases by status and by organization, overdue
monitoring, escalation requests waiting and their age, consultations per window per month of a 年度.
No name, case number, household or person id leaves this module — only labels of statuses,
organizations and windows (which are public facts of the city's structure) and integers.
Counts are staff-internal and are not suppressed; the public side (navigator) has its own suppressed
aggregates.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from tsunagu.cases.current import plans_in_force
from tsunagu.cases.due import ACTIVE_STATUSES
from tsunagu.cases.models import OPEN_STATUSES, Case, CaseStatus, CaseTeamMember, TeamRole
from tsunagu.core.wareki import fiscal_year, fiscal_year_label
from tsunagu.directory.models import Organization, Window
from tsunagu.intake.models import Consultation, EscalationRequest, EscalationStatus
from tsunagu.municipalities.models import Municipality

# Age buckets of waiting escalation requests (days since requested, inclusive bounds).
REQUEST_AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("当日", 0, 0),
    ("1〜3日", 1, 3),
    ("4〜7日", 4, 7),
    ("8〜14日", 8, 14),
    ("15日以上", 15, None),
)
# How far past its date an overdue monitoring is.
OVERDUE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("1〜7日", 1, 7),
    ("8〜30日", 8, 30),
    ("31日以上", 31, None),
)
MONITORING_SOON_DAYS = 7
FISCAL_MONTHS = (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)


@dataclass(frozen=True)
class Bucket:
    label: str
    n: int


def _bucket(days: int, buckets: tuple[tuple[str, int, int | None], ...]) -> str:
    for label, low, high in buckets:
        if days >= low and (high is None or days <= high):
            return label
    return buckets[-1][0]


def _buckets(counter: Counter[str], buckets: tuple[tuple[str, int, int | None], ...]) -> list[Bucket]:
    return [Bucket(label, counter.get(label, 0)) for label, _, _ in buckets]


@dataclass
class OrganizationRow:
    name: str
    by_status: list[int]
    lead: int
    total: int


@dataclass
class CaseCounts:
    statuses: list[tuple[str, str]]  # (value, label) of the open statuses, in lifecycle order
    by_status: list[int]
    total: int
    by_organization: list[OrganizationRow]
    without_team: int


@dataclass
class MonitoringCounts:
    active: int
    overdue: int
    overdue_by_age: list[Bucket]
    due_soon: int
    support_without_date: int
    soon_days: int = MONITORING_SOON_DAYS


@dataclass
class WaitingRow:
    name: str
    n: int
    oldest_days: int


@dataclass
class EscalationCounts:
    waiting: int
    by_age: list[Bucket]
    oldest_days: int | None
    by_organization: list[WaitingRow]


@dataclass
class WindowRow:
    name: str
    months: list[int]
    total: int


@dataclass
class ConsultationCounts:
    fiscal_year: int
    label: str
    months: list[str]  # 4月 … 3月
    rows: list[WindowRow]
    month_totals: list[int]
    total: int
    months_elapsed: int  # months of the 年度 that have begun (the rest are future, shown as "—")


@dataclass
class Workload:
    today: dt.date
    cases: CaseCounts
    monitoring: MonitoringCounts
    escalations: EscalationCounts
    consultations: ConsultationCounts
    fiscal_years: list[int] = field(default_factory=list)


def case_counts(municipality: Municipality) -> CaseCounts:
    """Open cases (every state but 終結) by status, and by the organizations on their active teams."""
    statuses = [(s, str(CaseStatus(s).label)) for s in OPEN_STATUSES]
    open_cases = Case.objects.filter(municipality=municipality, status__in=OPEN_STATUSES)
    per_status = dict(open_cases.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    by_status = [per_status.get(s, 0) for s, _ in statuses]
    # One row per (organization, case) on an active team; a case counts once per organization.
    cases_of: dict[int, dict[int, str]] = defaultdict(dict)
    lead_of: dict[int, set[int]] = defaultdict(set)
    members = CaseTeamMember.objects.filter(
        municipality=municipality, removed_at__isnull=True, case__in=open_cases
    ).values_list("organization_id", "case_id", "case__status", "role")
    for org_id, case_id, status, role in members:
        cases_of[org_id][case_id] = status
        if role == TeamRole.LEAD:
            lead_of[org_id].add(case_id)
    names = dict(
        Organization.objects.filter(municipality=municipality, pk__in=list(cases_of)).values_list(
            "pk", "name"
        )
    )
    org_rows = []
    for org_id, cases in cases_of.items():
        per = Counter(cases.values())
        row_counts = [per.get(s, 0) for s, _ in statuses]
        org_rows.append(OrganizationRow(names.get(org_id, ""), row_counts, len(lead_of[org_id]), len(cases)))
    org_rows.sort(key=lambda r: (-r.total, r.name))
    with_team = {case_id for cases in cases_of.values() for case_id in cases}
    without_team = sum(by_status) - len(with_team)
    return CaseCounts(statuses, by_status, sum(by_status), org_rows, without_team)


def monitoring_counts(municipality: Municipality, today: dt.date) -> MonitoringCounts:
    """Monitoring dates of the current plans of active cases (not 終結, not 中断 — those have nothing due)."""
    active = Case.objects.filter(municipality=municipality, status__in=ACTIVE_STATUSES)
    plans = plans_in_force(active)
    overdue: Counter[str] = Counter()
    due_soon = 0
    for plan in plans.values():
        if plan.monitoring_on is None:
            continue
        if plan.monitoring_on < today:
            overdue[_bucket((today - plan.monitoring_on).days, OVERDUE_BUCKETS)] += 1
        elif plan.monitoring_on <= today + dt.timedelta(days=MONITORING_SOON_DAYS):
            due_soon += 1
    in_support = set(active.filter(status=CaseStatus.SUPPORT).values_list("pk", flat=True))
    without_date = sum(1 for pk in in_support if pk not in plans or plans[pk].monitoring_on is None)
    return MonitoringCounts(
        active=active.count(),
        overdue=sum(overdue.values()),
        overdue_by_age=_buckets(overdue, OVERDUE_BUCKETS),
        due_soon=due_soon,
        support_without_date=without_date,
    )


def escalation_counts(municipality: Municipality, today: dt.date) -> EscalationCounts:
    """Requests to 多機関協働 still waiting for the 束ね役's decision, by age and by requesting organization."""
    waiting = EscalationRequest.objects.filter(municipality=municipality, status=EscalationStatus.PENDING)
    ages: Counter[str] = Counter()
    per_org: dict[int, list[int]] = defaultdict(list)
    for org_id, requested_at in waiting.values_list("organization_id", "requested_at"):
        days = max(0, (today - timezone.localtime(requested_at).date()).days)
        ages[_bucket(days, REQUEST_AGE_BUCKETS)] += 1
        per_org[org_id].append(days)
    names = dict(
        Organization.objects.filter(municipality=municipality, pk__in=list(per_org)).values_list("pk", "name")
    )
    rows = sorted(
        (WaitingRow(names.get(org_id, ""), len(days), max(days)) for org_id, days in per_org.items()),
        key=lambda r: (-r.oldest_days, r.name),
    )
    all_days = [d for days in per_org.values() for d in days]
    return EscalationCounts(
        waiting=len(all_days),
        by_age=_buckets(ages, REQUEST_AGE_BUCKETS),
        oldest_days=max(all_days) if all_days else None,
        by_organization=rows,
    )


def fiscal_year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """[April 1 of `year`, April 1 of the next year) in local time."""
    tz = timezone.get_current_timezone()
    return (
        dt.datetime(year, 4, 1, tzinfo=tz),
        dt.datetime(year + 1, 4, 1, tzinfo=tz),
    )


def consultation_counts(municipality: Municipality, year: int, today: dt.date) -> ConsultationCounts:
    """Consultations received per window per month of the 年度 `year` (April to March)."""
    start, end = fiscal_year_bounds(year)
    rows_qs = (
        Consultation.objects.filter(municipality=municipality, received_at__gte=start, received_at__lt=end)
        .annotate(month=TruncMonth("received_at", tzinfo=timezone.get_current_timezone()))
        .values("window_id", "month")
        # COUNT(*), not COUNT(id): the 年度 is then read from the consultation_received index alone.
        .annotate(n=Count("*"))
        .order_by()
    )
    grid: dict[int, list[int]] = defaultdict(lambda: [0] * 12)
    for row in rows_qs:
        month = row["month"]
        grid[row["window_id"]][FISCAL_MONTHS.index(month.month)] += row["n"]
    # Every active window (a window with no consultation is a fact too) and any inactive one with data.
    windows = Window.objects.filter(Q(pk__in=list(grid)) | Q(active=True), municipality=municipality)
    rows = [
        WindowRow(w.name, list(grid.get(w.pk, [0] * 12)), sum(grid.get(w.pk, [])))
        for w in windows.order_by("sort_order", "key")
    ]
    month_totals = [sum(r.months[i] for r in rows) for i in range(12)]
    if today >= end.date():
        elapsed = 12
    elif today < start.date():
        elapsed = 0
    else:
        elapsed = FISCAL_MONTHS.index(today.month) + 1
    return ConsultationCounts(
        fiscal_year=year,
        label=fiscal_year_label(year),
        months=[f"{m}月" for m in FISCAL_MONTHS],
        rows=rows,
        month_totals=month_totals,
        total=sum(month_totals),
        months_elapsed=elapsed,
    )


def fiscal_years_with_data(municipality: Municipality, today: dt.date) -> list[int]:
    """From the 年度 of the first consultation to the current one, newest first."""
    current = fiscal_year(today)
    first = (
        Consultation.objects.filter(municipality=municipality)
        .order_by("received_at")
        .values_list("received_at", flat=True)
        .first()
    )
    start = min(current, fiscal_year(timezone.localtime(first).date())) if first else current
    return list(range(current, start - 1, -1))


def workload(municipality: Municipality, *, today: dt.date, year: int, years: list[int]) -> Workload:
    return Workload(
        today=today,
        cases=case_counts(municipality),
        monitoring=monitoring_counts(municipality, today),
        escalations=escalation_counts(municipality, today),
        consultations=consultation_counts(municipality, year, today),
        fiscal_years=years,
    )
