"""What is due or overdue on cases: monitoring dates, plan action due/review dates, consent expiry — and
what other apps register as due on cases (a meeting's follow-ups, materials owed to a coming sitting).

Shared by the dashboard and the daily digest. Every function starts from `visible_cases(staff)`, so a
list never holds a case its reader may not open.

Cases does not import the apps above it. An app that has dates due on cases registers a *due source* in
its AppConfig.ready() (as people's timeline does):

    register_due_source(DueSource(key="meetings.follow_up", label="会議で決まった対応",
                                  counts=follow_up_counts, items=follow_up_items))

`counts(staff, today, until)` answers with one SQL aggregate how many of the reader's items are overdue
and how many fall due by `until`; `items(staff, today, until, limit)` returns at most `limit` of them,
soonest first. Both are **filtered by the app's own policy**: a reader who may not see an item gets
neither the item nor a count. The dashboard lists them overdue first; `DueLists.audit_objects()` names
every record shown (cases and the sources' own rows) for its audit row. The daily digest leaves them out
(`sources=False`): each app mails its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Count, Q, QuerySet

from tsunagu.accounts.models import Role, Staff
from tsunagu.core.wareki import wareki

from .current import plans_in_force_query
from .models import ActionStatus, Case, CaseStatus, CaseTeamMember, Consent, PlanAction
from .policy import active_consents, visible_cases

DASHBOARD_LIMIT = 50  # items per list on the dashboard; the rest are counted, not loaded
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


# ---- due sources registered by other apps -------------------------------------------------------

SOURCE_ITEM_LIMIT = 30  # per source on the dashboard; the counts say how many more there are


@dataclass(frozen=True)
class SourceItem:
    """One item a registered source found due for the reader."""

    case: Case
    on: dt.date
    url: str  # where the reader acts on it (the source's own screen)
    what: str = ""  # a short description, shown on screen only
    organization: str = ""
    audit_objects: tuple[tuple[str, int], ...] = ()  # the source's own records this item shows
    kind_label: str = ""  # filled from the source's label by `due_for`
    overdue: bool = False  # filled by `due_for`


@dataclass(frozen=True)
class SourceCounts:
    overdue: int = 0
    upcoming: int = 0

    @property
    def total(self) -> int:
        return self.overdue + self.upcoming


CountsFn = Callable[[Staff, dt.date, dt.date], SourceCounts]
ItemsFn = Callable[[Staff, dt.date, dt.date, int], Sequence[SourceItem]]


@dataclass(frozen=True)
class DueSource:
    key: str  # "<app>.<what>", e.g. "meetings.follow_up"
    label: str  # the kind label on screen, e.g. 「会議で決まった対応」
    counts: CountsFn
    items: ItemsFn
    more_url: str = ""  # the app's own list of all of them (shown when more than the limit are due)


_DUE_SOURCES: dict[str, DueSource] = {}


def register_due_source(source: DueSource) -> None:
    """Add a source of due items on cases (idempotent for the same source object)."""
    if not source.key or "." not in source.key:
        raise ValueError(f"bad due source key {source.key!r}")
    existing = _DUE_SOURCES.get(source.key)
    if existing is not None and existing != source:
        raise ValueError(f"due source {source.key!r} is already registered")
    _DUE_SOURCES[source.key] = source


def due_sources() -> list[DueSource]:
    return [_DUE_SOURCES[k] for k in sorted(_DUE_SOURCES)]


@dataclass(frozen=True)
class SourceSection:
    """A source's counts for the reader, and the items shown (at most SOURCE_ITEM_LIMIT)."""

    source: DueSource
    counts: SourceCounts
    items: tuple[SourceItem, ...]

    @property
    def not_shown(self) -> int:
        return max(self.counts.total - len(self.items), 0)


@dataclass
class DueLists:
    today: dt.date
    coordinator: list[DueItem] = field(default_factory=list)
    organization: list[DueItem] = field(default_factory=list)
    sections: list[SourceSection] = field(default_factory=list)

    def source_items(self) -> list[SourceItem]:
        """Every registered source's items shown, overdue first, then soonest first."""
        items = [i for s in self.sections for i in s.items]
        return sorted(items, key=lambda i: (not i.overdue, i.on, i.case.number, i.kind_label))

    def case_ids(self) -> list[int]:
        shown = self.coordinator + self.organization
        return sorted({i.case.pk for i in shown} | {i.case.pk for s in self.sections for i in s.items})

    def audit_objects(self) -> list[tuple[str, int]]:
        """What the dashboard shows: the cases, and each source's own records (decisions, parts ...)."""
        own = sorted({o for s in self.sections for i in s.items for o in i.audit_objects})
        return [("case", pk) for pk in self.case_ids()] + own

    def __bool__(self) -> bool:
        return bool(self.coordinator or self.organization or self.sections)


# Suspended cases wait for 再開; closed ones are done: neither has anything due.
ACTIVE_STATUSES = [s for s in CaseStatus.values if s not in (CaseStatus.CLOSED, CaseStatus.SUSPENDED)]


@dataclass(frozen=True)
class KindCount:
    """How many items of one kind are due for the reader (counted by one SQL aggregate)."""

    kind: str
    total: int
    overdue: int

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


class DueList(list[DueItem]):
    """The items shown (at most `limit`, soonest first) and, per kind, how many exist in all.

    A plain list to everything that iterates it (the digest, the templates); `counts` and `not_shown`
    say what a bounded list left out, so a screen never stops silently."""

    def __init__(self, items: list[DueItem], counts: list[KindCount]) -> None:
        super().__init__(items)
        self.counts = counts

    @property
    def total(self) -> int:
        return sum(c.total for c in self.counts)

    @property
    def overdue(self) -> int:
        return sum(c.overdue for c in self.counts)

    @property
    def not_shown(self) -> int:
        return max(self.total - len(self), 0)


def _count(qs: QuerySet[Any], kind: str, day: str, today: dt.date) -> KindCount:
    # Every source query has one row per item (no join that repeats it): a plain COUNT suffices.
    row = qs.order_by().aggregate(total=Count("pk"), overdue=Count("pk", filter=Q(**{f"{day}__lt": today})))
    return KindCount(kind, row["total"], row["overdue"])


def consent_scope(consent: Consent) -> str:
    """Which consent a due row is about, as recorded: when it was given and how, and what it lets the
    team share with whom (a case often holds several consents expiring the same day — one per
    organization or meeting). No names of persons: the due lists name cases only."""
    orgs = "、".join(sorted(o.name for o in consent.organizations.all())) or "なし"
    kinds = "、".join(consent.meeting_kind_labels()) or "なし"
    return (
        f"{wareki(consent.given_on)}の同意（{consent.get_method_display()}）　共有先: {orgs}／会議: {kinds}"
    )


def _items(
    cases: QuerySet[Case],
    today: dt.date,
    *,
    monitoring: bool,
    action_filter: dict[str, object],
    consent_org_id: int | None,
    limit: int | None = None,
) -> DueList:
    """The due items of `cases`, soonest (most overdue) first: at most `limit` of them (all with None),
    each kind read by its own bounded query and counted by an SQL aggregate — no case, plan or action
    beyond those shown is loaded into Python."""
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    active = cases.filter(status__in=ACTIVE_STATUSES).order_by().values("pk")
    plans = plans_in_force_query(active)
    sources: list[tuple[str, str, QuerySet[Any]]] = []
    if monitoring:
        sources.append(
            ("monitoring", "monitoring_on", plans.filter(monitoring_on__lte=soon).select_related("case"))
        )
    actions = (
        PlanAction.objects.filter(plan__in=plans.values("pk"), **action_filter)
        .exclude(status__in=[ActionStatus.DONE, ActionStatus.CANCELLED])
        .select_related("organization", "plan__case")
    )
    sources.append(("action_due", "due_on", actions.filter(due_on__lte=soon)))
    sources.append(("action_review", "review_on", actions.filter(review_on__lte=soon)))
    consents = active_consents().filter(
        case__in=active,
        expires_on__isnull=False,
        expires_on__lte=today + dt.timedelta(days=CONSENT_SOON_DAYS),
    )
    if consent_org_id is not None:
        # Naming the organization through a subquery keeps one row per consent (no join, no DISTINCT).
        consents = consents.filter(
            pk__in=Consent.organizations.through.objects.filter(organization_id=consent_org_id).values(
                "consent_id"
            )
        )
    sources.append(
        ("consent_expiry", "expires_on", consents.select_related("case").prefetch_related("organizations"))
    )
    counts: list[KindCount] = []
    items: list[DueItem] = []
    for kind, day, qs in sources:
        count = _count(qs, kind, day, today)
        if not count.total:
            continue
        counts.append(count)
        rows = qs.order_by(
            day, "case__number" if kind in ("monitoring", "consent_expiry") else "plan__case__number", "pk"
        )
        for row in rows if limit is None else rows[:limit]:
            on = getattr(row, day)
            if kind.startswith("action_"):
                case = row.plan.case
                items.append(DueItem(case, kind, on, on < today, row.description[:40], row.organization.name))
            elif kind == "consent_expiry":
                items.append(DueItem(row.case, kind, on, on < today, consent_scope(row)))
            else:
                items.append(DueItem(row.case, kind, on, on < today))
    items.sort(key=lambda i: (i.on, i.case.number, i.kind))
    return DueList(items if limit is None else items[:limit], counts)


def _sections(staff: Staff, today: dt.date) -> list[SourceSection]:
    until = today + dt.timedelta(days=DUE_SOON_DAYS)
    out = []
    for source in due_sources():
        counts = source.counts(staff, today, until)
        if counts.total == 0:
            continue  # nothing, not even a count, for a reader the source has nothing for
        items = tuple(
            replace(i, kind_label=source.label, overdue=i.on < today)
            for i in source.items(staff, today, until, SOURCE_ITEM_LIMIT)
        )
        out.append(SourceSection(source=source, counts=counts, items=items))
    return out


def due_for(
    staff: Staff,
    today: dt.date,
    at: dt.datetime | None = None,
    *,
    sources: bool = True,
    limit: int | None = None,
) -> DueLists:
    """Due items for `staff`: as coordinator (cases they hold) and for their organization (actions it
    carries and consents naming it, on cases it is on the team of) — both inside visible_cases — and,
    with `sources`, what the registered due sources find for them. With `limit` (the dashboard) each list holds at most
    that many, the soonest, and counts the rest."""
    visible = visible_cases(staff, at)
    lists = DueLists(today=today, sections=_sections(staff, today) if sources else [])
    if staff.role == Role.COORDINATOR:
        lists.coordinator = _items(
            visible.filter(coordinator=staff),
            today,
            monitoring=True,
            action_filter={},
            consent_org_id=None,
            limit=limit,
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
            limit=limit,
        )
    return lists


def digest_text(staff: Staff, lists: DueLists) -> str:
    """The digest as plain text. Case numbers, kinds and dates only: no names (it may be mailed or logged)."""

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
