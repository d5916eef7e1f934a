"""What is due or overdue on cases: monitoring dates, plan action due/review dates, consent expiry.

Shared by the dashboard and the daily digest. Every function starts from `visible_cases(staff)`, so a
list never holds a case its reader may not open.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet

from tsunagu.accounts.models import Role, Staff

from .current import plans_in_force
from .models import ActionStatus, Case, CaseStatus, CaseTeamMember, PlanAction
from .policy import active_consents, visible_cases

DUE_SOON_DAYS = 7  # monitoring and plan actions: shown from a week ahead
CONSENT_SOON_DAYS = 30  # consent expiry: a month ahead, to renew it in time

KIND_LABELS = {
    "monitoring": "モニタリング予定日",
    "action_due": "支援の期限",
    "action_review": "支援の確認日",
    "consent_expiry": "同意の有効期限",
}


@dataclass(frozen=True)
class DueItem:
    case: Case
    kind: str
    on: dt.date
    overdue: bool
    what: str = ""  # e.g. the action's description; shown on screen, never in the digest text
    organization: str = ""

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass
class DueLists:
    today: dt.date
    coordinator: list[DueItem] = field(default_factory=list)
    organization: list[DueItem] = field(default_factory=list)

    def case_ids(self) -> list[int]:
        return sorted({i.case.pk for i in self.coordinator + self.organization})

    def __bool__(self) -> bool:
        return bool(self.coordinator or self.organization)


# Suspended cases wait for 再開; closed ones are done: neither has anything due.
ACTIVE_STATUSES = [s for s in CaseStatus.values if s not in (CaseStatus.CLOSED, CaseStatus.SUSPENDED)]


def _items(
    cases: QuerySet[Case],
    today: dt.date,
    *,
    monitoring: bool,
    action_filter: dict[str, object],
    consent_org_id: int | None,
) -> list[DueItem]:
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    cases = cases.filter(status__in=ACTIVE_STATUSES)
    by_pk = {c.pk: c for c in cases}
    if not by_pk:
        return []
    items: list[DueItem] = []
    plans = plans_in_force(cases)
    if monitoring:
        for plan in plans.values():
            if plan.monitoring_on is not None and plan.monitoring_on <= soon:
                items.append(
                    DueItem(by_pk[plan.case_id], "monitoring", plan.monitoring_on, plan.monitoring_on < today)
                )
    actions = (
        PlanAction.objects.filter(plan__in=[p.pk for p in plans.values()], **action_filter)
        .exclude(status__in=[ActionStatus.DONE, ActionStatus.CANCELLED])
        .select_related("organization", "plan")
    )
    for a in actions:
        case = by_pk[a.plan.case_id]
        for kind, day in (("action_due", a.due_on), ("action_review", a.review_on)):
            if day is not None and day <= soon:
                items.append(DueItem(case, kind, day, day < today, a.description[:40], a.organization.name))
    consents = active_consents().filter(
        case__in=list(by_pk),
        expires_on__isnull=False,
        expires_on__lte=today + dt.timedelta(days=CONSENT_SOON_DAYS),
    )
    if consent_org_id is not None:
        consents = consents.filter(organizations=consent_org_id)
    for c in consents.distinct():
        assert c.expires_on is not None
        items.append(DueItem(by_pk[c.case_id], "consent_expiry", c.expires_on, c.expires_on < today))
    items.sort(key=lambda i: (i.on, i.case.number, i.kind))
    return items


def due_for(staff: Staff, today: dt.date, at: dt.datetime | None = None) -> DueLists:
    """Due items for `staff`: as coordinator (cases they hold) and for their organization (actions it
    carries and consents naming it, on cases it is on the team of) — both inside visible_cases."""
    visible = visible_cases(staff, at)
    lists = DueLists(today=today)
    if staff.role == Role.COORDINATOR:
        lists.coordinator = _items(
            visible.filter(coordinator=staff), today, monitoring=True, action_filter={}, consent_org_id=None
        )
    if staff.organization_id:
        on_team = CaseTeamMember.objects.filter(
            organization_id=staff.organization_id, removed_at__isnull=True
        ).values("case_id")
        lists.organization = _items(
            visible.filter(pk__in=on_team),
            today,
            monitoring=False,
            action_filter={"organization_id": staff.organization_id},
            consent_org_id=staff.organization_id,
        )
    return lists


def digest_text(staff: Staff, lists: DueLists) -> str:
    """The digest as plain text. Case numbers, kinds and dates only: no names (it may be mailed or logged)."""
    from tsunagu.core.wareki import wareki

    def lines(items: list[DueItem]) -> list[str]:
        return [
            f"- {'【期限切れ】' if i.overdue else ''}ケース {i.case.label} {i.kind_label} {wareki(i.on)}"
            + (f"（{i.organization}）" if i.organization else "")
            for i in items
        ]

    out = [f"つなぐ 日次のお知らせ {wareki(lists.today)}", f"宛先: {staff}（{staff.role_label}）"]
    if lists.coordinator:
        out += ["", "■ 束ね役として担当するケース", *lines(lists.coordinator)]
    if lists.organization:
        org = staff.organization.name if staff.organization else ""
        out += ["", f"■ {org} が担当する支援・同意", *lines(lists.organization)]
    return "\n".join(out)
