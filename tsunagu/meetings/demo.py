"""A year of meetings for the demo city (issue 11 part 9), written through the meetings app's actions.

The body that discusses cases (重層的支援会議 first, else a 支援会議) gets its regular calendar for last
年度 and this one (`generate_calendar`); the past sittings have their attendance recorded, and the most
recent ones discussed demo cases with a decision each (minutes as data; the latest a 役割分担 written into
the case's plan); the next sitting has its agenda
placed. Registered as a `setup_demo` step after the cases (order 200); written once.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import QuerySet
from django.utils import timezone

from tsunagu.accounts.models import Role, Staff
from tsunagu.cases.models import Case, CaseStatus
from tsunagu.core.demo import DemoWorld
from tsunagu.directory.models import MeetingBody, Organization
from tsunagu.municipalities.models import Municipality

from . import actions, decision_plan, decisions
from .models import AgendaItem, DecisionKind, ItemFunction, Meeting, MeetingKindOfSitting, Purpose

AD_HOC_DAYS = [-330, -270, -210, -150, -90, -30, 14]  # days from today, for a body without a calendar
PAST_WITH_ITEMS = 6  # the latest past sittings that discussed cases
FOLLOW_UP_IN_DAYS = 3  # the latest decision's follow-up: due within the dashboard's week
UPCOMING_ITEMS = 3
DECISIONS = [
    "役割分担を確認し、主担当機関が月1回の訪問を続けることとした。",
    "家計の見直しの進み具合を次回の会議で報告することとした。",
    "本人の思いを改めて聞き取り、プランの見直しを検討することとした。",
]
ROLE_DECISION = "受診の同行と家計の見直しの確認を分担することとした。"
ROLE_ACTION = "受診に同行し、家計の見直しの進み具合を確認する"


def _body(muni: Municipality) -> MeetingBody | None:
    """The body that discusses cases on a regular calendar, 重層的支援会議 first."""
    bodies = [
        b
        for b in MeetingBody.objects.filter(municipality=muni, active=True).order_by("sort_order", "pk")
        if actions.item_functions(b)
    ]
    bodies.sort(
        key=lambda b: (
            ItemFunction.CONSENTED_CONFERENCE not in actions.item_functions(b),
            not actions.scheduled_months(b),
        )
    )
    return bodies[0] if bodies else None


def _call(coordinator: Staff, body: MeetingBody, day: dt.datetime) -> Meeting:
    starts = day.astimezone(timezone.get_current_timezone()).replace(
        hour=14, minute=0, second=0, microsecond=0
    )
    area = body.areas.order_by("pk").first()
    return actions.call_meeting(
        actor=coordinator,
        body=body,
        kind=MeetingKindOfSitting.AD_HOC,
        starts_at=starts,
        minutes=90,
        reason="支援中のケースの進み具合の確認と役割分担",
        place="庁舎 会議室",
        area=area,
    )


def _place(
    coordinator: Staff, meeting: Meeting, case: Case, orgs: list[Organization], purpose: str
) -> AgendaItem | None:
    """Place the case under the first function whose gate lets it in (consent first, else 支援会議)."""
    for function in actions.item_functions(meeting.body):
        try:
            return actions.place_item(
                actor=coordinator,
                meeting=meeting,
                case=case,
                purpose=purpose,
                minutes=20,
                function=function,
                organizations=orgs,
                question="支援の進み具合と役割分担の確認",
            )
        except actions.MeetingError:
            continue
    return None


def open_cases(muni: Municipality) -> QuerySet[Case]:
    """The demo city's cases under support, planning or evaluation, in number order."""
    return Case.objects.filter(
        municipality=muni, status__in=[CaseStatus.SUPPORT, CaseStatus.EVALUATION, CaseStatus.PLANNING]
    ).order_by("number")


def item_members(body: MeetingBody, agency: Organization | None) -> list[Organization]:
    """The organizations selected for a demo item: the demo agency worker's, else the body's first."""
    eligible = actions.eligible_organizations(body)
    if agency is not None and agency.pk in {o.pk for o in eligible}:
        return [agency]
    return eligible[:1]


def _decide_role(coordinator: Staff, item: AgendaItem, org: Organization, due: dt.date) -> bool:
    """The latest sitting's 役割分担, written into the case's plan (a new action for `org`, due in a few
    days); False when the case has no plan or another 束ね役 (a note is recorded instead)."""
    plan = decision_plan.plan_to_change(item)
    if plan is None or item.case.coordinator_id != coordinator.pk:
        return False
    decisions.decide(
        actor=coordinator,
        item=item,
        kind=DecisionKind.ROLE,
        note=ROLE_DECISION,
        responsible=org,
        follow_up_on=due,
        plan_change=decision_plan.PlanChange(
            plan_id=plan.pk, edit_version=plan.edit_version, description=ROLE_ACTION
        ),
        submission_token=uuid.uuid5(uuid.NAMESPACE_URL, f"tsunagu-demo-decision-{item.pk}"),
    )
    return True


# Not one transaction: the actions are durable (each commits when it returns, as on screen).
def generate_meetings(
    muni: Municipality, *, coordinator: Staff, agency: Organization | None
) -> tuple[int, int]:
    """Returns (sittings, agenda items)."""
    body = _body(muni)
    if body is None:
        return 0, 0
    now = timezone.now()
    today = timezone.localdate(now)
    fiscal = today.year if today.month >= 4 else today.year - 1
    if actions.scheduled_months(body):
        made = actions.generate_calendar(actor=coordinator, body=body, year=fiscal - 1)
        made += actions.generate_calendar(actor=coordinator, body=body, year=fiscal)
    else:  # 定例 without a count in the profile: called every two months, as the secretariat would
        made = [_call(coordinator, body, now + dt.timedelta(days=days)) for days in AD_HOC_DAYS]
    meetings = sorted(made, key=lambda m: m.starts_at)
    past = [m for m in meetings if m.starts_at < now]
    coming = [m for m in meetings if m.starts_at >= now]
    cases = list(open_cases(muni))
    orgs = item_members(body, agency)
    items = 0
    recent = past[-PAST_WITH_ITEMS:]
    for i, meeting in enumerate(past):
        item = None
        if meeting in recent and cases:
            item = _place(coordinator, meeting, cases[i % len(cases)], orgs, Purpose.ROLES)
        meeting.refresh_from_db()
        actions.record_attendance(
            actor=coordinator,
            meeting=meeting,
            version=meeting.version,
            present=list(meeting.invitations.values_list("pk", flat=True)),
        )
        if item is not None:
            item.refresh_from_db()
            item = actions.mark_discussed(actor=coordinator, item=item, version=item.version)
            # The latest sitting's decision leaves its responsible organization a follow-up due in a few
            # days: it shows on that agency's and the 束ね役's cases dashboard and in meeting_reminders.
            latest = meeting == recent[-1] and bool(orgs)
            if latest and _decide_role(
                coordinator, item, orgs[0], today + dt.timedelta(days=FOLLOW_UP_IN_DAYS)
            ):
                items += 1
                continue
            decisions.decide(
                actor=coordinator,
                item=item,
                kind=DecisionKind.NOTE,
                note=DECISIONS[i % len(DECISIONS)],
                responsible=orgs[0] if latest else None,
                follow_up_on=today + dt.timedelta(days=FOLLOW_UP_IN_DAYS) if latest else None,
            )
            items += 1
    if coming:
        for case in cases[:UPCOMING_ITEMS]:
            items += _place(coordinator, coming[0], case, orgs, Purpose.SHARING) is not None
    return len(meetings), items


def demo_step(world: DemoWorld) -> str:
    muni = world.municipality
    if Meeting.objects.filter(municipality=muni).exists():
        return f"{muni}: 会議の記録は既にあります（そのままにします）"
    coordinator = world.staff.get(Role.COORDINATOR)
    if coordinator is None or not coordinator.is_active:
        return f"{muni}: 束ね役のデモ用アカウントがないため、会議は作りませんでした"
    agency = world.staff[Role.AGENCY_WORKER].organization if Role.AGENCY_WORKER in world.staff else None
    sittings, items = generate_meetings(muni, coordinator=coordinator, agency=agency)
    return f"{muni}: 会議 {sittings} 回（過去1年と今年度の予定）・議題 {items} 件を作成しました"
