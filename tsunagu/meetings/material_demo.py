"""Materials for the demo city's coming sittings (issue 11 part 9), written through `materials`.

The next sitting of the demo body has its packet ready: the 束ね役 asked every organization selected for
each item for its part (機関の記入) and each organization filled it (a staff member who passes the item's
gate; for a 支援会議 item after their own 守秘義務 acknowledgement). The sitting after it (called for
the body if its calendar has none) has items whose parts are still missing, one of them overdue: its
request is dated back after `request_parts` the way the cases' demo dates its history, since a request
can only be made for a due date still to come. Registered after the meetings' year (order 205);
written once (a city that already has parts is left as it is).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tsunagu.accounts.models import Role, Staff
from tsunagu.cases.models import Case
from tsunagu.core.demo import DemoWorld
from tsunagu.directory.models import Organization
from tsunagu.municipalities.models import Municipality

from . import actions, materials
from .demo import _body, _call, _place, item_members, open_cases
from .material_models import AgencyPart
from .models import DUTY_FUNCTIONS, AgendaItem, ItemStatus, Meeting, MeetingStatus, Purpose
from .policy import can_see_item

DUE_BEFORE_DAYS = 3  # parts are due this many days before the sitting (never before today)
MISSING_ITEMS = 2
OVERDUE_BY_DAYS = 3
PART = {
    "situation": "本人は日中ほぼ自宅で過ごしています。先月から母の通院の付き添いが負担になっています。",
    "done": "月1回の訪問と電話連絡を続け、介護保険の申請手続きを一緒に進めました。",
    "question": "母の介護サービスの利用開始後、本人の就労準備をどの機関が支えるかを相談したいです。",
}


def _due(meeting: Meeting, today: dt.date) -> dt.date:
    day = timezone.localtime(meeting.starts_at).date()
    return max(today, day - dt.timedelta(days=DUE_BEFORE_DAYS))


def _filler(part: AgencyPart) -> Staff | None:
    """A staff member of the part's organization who may see the item (守秘義務 acknowledged if needed)."""
    item = part.item
    for staff in Staff.objects.filter(
        municipality_id=part.municipality_id, organization_id=part.organization_id, is_active=True
    ).order_by("pk"):
        if item.legal_function in DUTY_FUNCTIONS and not can_see_item(staff, item):
            try:
                actions.acknowledge_duty(actor=staff, meeting=item.meeting)
            except actions.MeetingError:
                continue
        if can_see_item(staff, item):
            return staff
    return None


def _ready(coordinator: Staff, meeting: Meeting, today: dt.date) -> int:
    """Ask for every item's parts and fill them all; returns the parts filled."""
    filled = 0
    for item in AgendaItem.objects.filter(meeting=meeting, status=ItemStatus.PLACED).order_by("sort_order"):
        parts = materials.request_parts(
            actor=coordinator,
            item=item,
            organizations=list(item.organizations.all()),
            due_on=_due(meeting, today),
        )
        for part in parts:
            staff = _filler(part)
            if staff is None:
                continue
            materials.submit_part(actor=staff, part=part, version=part.version, **PART)
            filled += 1
    return filled


def _missing(
    coordinator: Staff, meeting: Meeting, cases: list[Case], orgs: list[Organization], today: dt.date
) -> list[AgencyPart]:
    """Items with their parts asked for and not filled; the first part's request dated back to overdue."""
    asked: list[AgencyPart] = []
    for case in cases:
        if len(asked) >= MISSING_ITEMS:
            break
        item = _place(coordinator, meeting, case, orgs, Purpose.SHARING)
        if item is None:
            continue
        asked += materials.request_parts(
            actor=coordinator,
            item=item,
            organizations=list(item.organizations.all()),
            due_on=_due(meeting, today),
        )
    if asked:
        overdue = asked[0]
        requested = timezone.now() - dt.timedelta(days=14)
        AgencyPart.objects.filter(pk=overdue.pk).update(
            due_on=today - dt.timedelta(days=OVERDUE_BY_DAYS), requested_at=requested
        )
    return asked


def generate_materials(
    muni: Municipality, *, coordinator: Staff, agency: Organization | None
) -> tuple[int, int]:
    """Returns (parts filled for the next sitting, parts still missing on the one after)."""
    body = _body(muni)
    if body is None:
        return 0, 0
    now = timezone.now()
    today = timezone.localdate(now)
    coming = list(
        Meeting.objects.filter(body=body, status=MeetingStatus.PLANNED, starts_at__gte=now).order_by(
            "starts_at"
        )
    )
    if not coming:
        return 0, 0
    if len(coming) < 2:  # the calendar ends before the next sitting but one: call it as the secretariat would
        try:
            coming.append(_call(coordinator, body, coming[0].starts_at + dt.timedelta(days=28)))
        except actions.MeetingError:
            return _ready(coordinator, coming[0], today), 0
    filled = _ready(coordinator, coming[0], today)
    on_agenda = set(AgendaItem.objects.filter(meeting__in=coming[:2]).values_list("case_id", flat=True))
    cases = list(open_cases(muni).exclude(pk__in=on_agenda))
    missing = _missing(coordinator, coming[1], cases, item_members(body, agency), today)
    return filled, len(missing)


def demo_step(world: DemoWorld) -> str:
    muni = world.municipality
    if AgencyPart.objects.filter(municipality=muni).exists():
        return f"{muni}: 会議資料の記入は既にあります（そのままにします）"
    coordinator = world.staff.get(Role.COORDINATOR)
    if coordinator is None or not coordinator.is_active:
        return f"{muni}: 束ね役のデモ用アカウントがないため、会議資料は作りませんでした"
    agency = world.staff[Role.AGENCY_WORKER].organization if Role.AGENCY_WORKER in world.staff else None
    filled, missing = generate_materials(muni, coordinator=coordinator, agency=agency)
    return (
        f"{muni}: 次回の会議の機関記入 {filled} 件（資料完成）・その次の会議の未提出 {missing} 件（うち期限切れ"
        f" {1 if missing else 0} 件）を作成しました"
    )
