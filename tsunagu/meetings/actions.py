"""Every write of meeting data: the calendar, calling a meeting, invitations, 守秘義務 acknowledgements,
attendance, agenda items under their legal gate, and the follow-up access a 支援会議 item opens.

Each action is one transaction with its audit record. Minutes and decisions are in decisions.py.
"""

from __future__ import annotations

import calendar as cal
import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tsunagu.access import audit
from tsunagu.accounts.models import Staff
from tsunagu.cases.models import OPEN_STATUSES, Case
from tsunagu.directory.models import (
    Acknowledgement as AckMode,
)
from tsunagu.directory.models import (
    Frequency,
    LegalFunction,
    MeetingBody,
    MemberSelection,
    Organization,
    OrganizationKind,
)
from tsunagu.municipalities.models import Area

from .models import (
    DUTY_FUNCTIONS,
    Acknowledgement,
    AgendaItem,
    FollowUpAccess,
    Invitation,
    ItemFunction,
    ItemStatus,
    Meeting,
    MeetingKindOfSitting,
    MeetingStatus,
)
from .policy import acknowledged_at, consent_covers, fiscal_year, is_invited


class MeetingError(Exception):
    """A meeting action that cannot be done as asked (message in Japanese, for the user)."""


class StaleMeeting(MeetingError):
    def __init__(self) -> None:
        super().__init__(
            "この会議は、画面を開いた後に別の職員が更新しました。最新の内容を確認してから操作してください。"
        )


def _same_city(actor: Staff, *objs: object) -> None:
    for obj in objs:
        if (
            obj is not None
            and getattr(obj, "municipality_id", actor.municipality_id) != actor.municipality_id
        ):
            raise MeetingError("別の自治体の記録は扱えません。")


def _bump(meeting: Meeting, version: int) -> None:
    if Meeting.objects.filter(pk=meeting.pk, version=version).update(version=F("version") + 1) != 1:
        raise StaleMeeting()
    meeting.version = version + 1


# ---- the calendar ---------------------------------------------------------------------------------

# Months of a 年度 (April to March) a body sits in, by rhythm; per_year spreads n sittings evenly.
_MONTHS_BY_FREQUENCY = {
    Frequency.MONTHLY: [4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3],
    Frequency.BIMONTHLY: [4, 6, 8, 10, 12, 2],
    Frequency.QUARTERLY: [5, 8, 11, 2],
}
FISCAL_MONTHS = [4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3]
DEFAULT_START = dt.time(14, 0)
DEFAULT_LENGTH = dt.timedelta(hours=2)


def scheduled_months(body: MeetingBody) -> list[int]:
    """The months a body's regular sittings fall in, in fiscal-year order: the months the profile names
    (`sitting_months`, any frequency), else spread by the frequency's count; empty when the profile gives
    no countable rhythm (随時, 定例 without a count or months, no rhythm in the sources, or a body that sits
    only when referred)."""
    if body.referral_only:
        return []
    if body.sitting_months:
        return sorted({int(m) for m in body.sitting_months}, key=FISCAL_MONTHS.index)
    if body.frequency in _MONTHS_BY_FREQUENCY:
        return _MONTHS_BY_FREQUENCY[Frequency(body.frequency)]
    if body.frequency == Frequency.PER_YEAR and body.per_year_min:
        n = body.per_year_min
        return [FISCAL_MONTHS[(i * 12) // n + (12 // n) // 2] for i in range(n)]
    return []


def _sitting_day(year: int, month: int, weekday: int = 2) -> dt.date:
    """The third given weekday (default Wednesday) of the month: a rhythm people can remember."""
    first = dt.date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    day = first + dt.timedelta(days=offset + 14)
    return day if day.day <= cal.monthrange(year, month)[1] else first


@transaction.atomic
def generate_calendar(*, actor: Staff, body: MeetingBody, year: int) -> list[Meeting]:
    """The body's regular sittings for 年度 `year`, one per area for a per-area body, with its fixed members
    invited. Running it again adds nothing (the sittings' unique constraint)."""
    _same_city(actor, body)
    if not body.active:
        raise MeetingError("この会議体は現在使われていません。")
    months = scheduled_months(body)
    if not months:
        raise MeetingError(
            f"{body.name}は定例の開催回数が決まっていないため、予定を自動で作れません。随時の会議として招集してください。"
        )
    areas: list[Area | None] = list(body.areas.all()) or [None]
    made = []
    tz = timezone.get_current_timezone()
    for month in months:
        y = year if month >= 4 else year + 1
        starts = dt.datetime.combine(_sitting_day(y, month), DEFAULT_START, tzinfo=tz)
        for area in areas:
            if Meeting.objects.filter(
                body=body, area=area, starts_at=starts, kind=MeetingKindOfSitting.SCHEDULED
            ).exists():
                continue
            m = Meeting.objects.create(
                municipality=body.municipality,
                body=body,
                area=area,
                kind=MeetingKindOfSitting.SCHEDULED,
                starts_at=starts,
                ends_at=starts + DEFAULT_LENGTH,
                called_by=actor,
            )
            _invite_fixed_members(actor, m)
            made.append(m)
    if made:
        audit.record(
            actor=actor, action="create", objects=[("meeting", m.pk) for m in made], detail={"calendar": year}
        )
    return made


def _invite_fixed_members(actor: Staff, meeting: Meeting) -> None:
    if meeting.body.member_selection != MemberSelection.FIXED:
        return
    for org in meeting.body.members.filter(active=True):
        Invitation.objects.get_or_create(
            municipality_id=meeting.municipality_id,
            meeting=meeting,
            organization=org,
            staff=None,
            item=None,
            defaults={"invited_by": actor},
        )


@transaction.atomic
def call_meeting(
    *,
    actor: Staff,
    body: MeetingBody,
    kind: str,
    starts_at: dt.datetime,
    minutes: int,
    reason: str,
    place: str = "",
    area: Area | None = None,
) -> Meeting:
    """招集: a 随時 or 緊急 meeting, by a role the body's profile allows (`ad_hoc_callers`)."""
    _same_city(actor, body, area)
    if kind not in (MeetingKindOfSitting.AD_HOC, MeetingKindOfSitting.EMERGENCY):
        raise MeetingError("招集できるのは随時または緊急の会議です。")
    if not body.active:
        raise MeetingError("この会議体は現在使われていません。")
    if actor.role not in (body.ad_hoc_callers or ["coordinator"]):
        raise MeetingError(f"{body.name}を招集できる役割ではありません。")
    if kind == MeetingKindOfSitting.EMERGENCY and not body.emergency:
        raise MeetingError(f"{body.name}は緊急会議として開く会議体ではありません。")
    if kind == MeetingKindOfSitting.AD_HOC and not (
        body.also_ad_hoc
        or body.referral_only
        or body.emergency
        or body.frequency in (Frequency.AD_HOC, Frequency.REGULAR, Frequency.UNSPECIFIED)
    ):
        raise MeetingError(f"{body.name}は随時の開催をしない会議体です（定例の予定から開いてください）。")
    if not reason.strip():
        raise MeetingError("招集の理由を入力してください。")
    if not 15 <= minutes <= 480:
        raise MeetingError("会議の時間は15分から480分の間で入力してください。")
    if area is not None and not body.areas.filter(pk=area.pk).exists():
        raise MeetingError("この会議体はその地区では開かれません。")
    if area is None and body.areas.exists():
        raise MeetingError("地区ごとに開く会議体です。地区を選んでください。")
    m = Meeting.objects.create(
        municipality=body.municipality,
        body=body,
        area=area,
        kind=kind,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=minutes),
        place=place.strip(),
        reason=reason.strip(),
        called_by=actor,
    )
    _invite_fixed_members(actor, m)
    audit.record(actor=actor, action="create", objects=[("meeting", m.pk)], detail={"kind": kind})
    return m


@transaction.atomic
def invite(
    *,
    actor: Staff,
    meeting: Meeting,
    organization: Organization | None = None,
    staff: Staff | None = None,
    guest_post: str = "",
    guest_name: str = "",
    item: AgendaItem | None = None,
) -> Invitation:
    """Invite an organization, a staff member, or an individual by post (主治医, 民生委員 …) — for the
    whole sitting or, with `item`, for that case only."""
    _same_city(actor, meeting, organization, staff)
    if meeting.status != MeetingStatus.PLANNED:
        raise MeetingError("予定中の会議にだけ招待できます。")
    if item is not None and item.meeting_id != meeting.pk:
        raise MeetingError("この会議の議題ではありません。")
    if sum(bool(x) for x in (organization, staff, guest_post.strip())) != 1:
        raise MeetingError("招待する機関・職員・個人（職・立場）のいずれか1つを選んでください。")
    if staff is not None and not staff.is_active:
        raise MeetingError("在籍している職員を選んでください。")
    if (
        organization is not None
        and item is None
        and meeting.body.member_selection == MemberSelection.PER_CASE
    ):
        raise MeetingError("事案ごとに構成員を選ぶ会議体です。機関は議題ごとに選んでください。")
    try:
        with transaction.atomic():
            inv = Invitation.objects.create(
                municipality_id=meeting.municipality_id,
                meeting=meeting,
                item=item,
                organization=organization,
                staff=staff,
                guest_post=guest_post.strip(),
                guest_name=guest_name.strip(),
                invited_by=actor,
            )
    except IntegrityError:
        raise MeetingError("すでに招待しています。") from None
    audit.record(actor=actor, action="create", objects=[("meeting", meeting.pk), ("invitation", inv.pk)])
    return inv


@transaction.atomic
def acknowledge_duty(*, actor: Staff, meeting: Meeting) -> Acknowledgement:
    """守秘義務の確認 by the staff member themself, before they see anything of the sitting's items.
    Per meeting, or once for the body's 年度 when the city sets `acknowledgement = "per_term"`."""
    _same_city(actor, meeting)
    if not is_invited(actor, meeting):
        raise MeetingError("この会議に招かれていないため、確認できません。")
    existing = acknowledged_at(actor, meeting)
    if existing is not None:
        return Acknowledgement.objects.filter(staff=actor, body_id=meeting.body_id).order_by(
            "acknowledged_at"
        )[0]
    per_term = meeting.body.acknowledgement == AckMode.PER_TERM
    ack, _ = Acknowledgement.objects.get_or_create(
        staff=actor,
        body=meeting.body,
        meeting=None if per_term else meeting,
        fiscal_year=fiscal_year(meeting.starts_at) if per_term else None,
        defaults={"municipality": meeting.municipality},
    )
    audit.record(
        actor=actor,
        action="create",
        objects=[("meeting", meeting.pk)],
        detail={"acknowledgement": meeting.body.acknowledgement},
    )
    return ack


@transaction.atomic
def record_guest_acknowledgement(*, actor: Staff, invitation: Invitation) -> Invitation:
    """The secretariat records the signed acknowledgement of an invited individual without an account."""
    _same_city(actor, invitation.meeting)
    if not invitation.guest_post:
        raise MeetingError("職員は自分で守秘義務を確認します。")
    if invitation.guest_duty_acknowledged_at is None:
        invitation.guest_duty_acknowledged_at = timezone.now()
        invitation.save(update_fields=["guest_duty_acknowledged_at"])
        audit.record(actor=actor, action="update", objects=[("invitation", invitation.pk)])
    return invitation


@transaction.atomic
def record_attendance(*, actor: Staff, meeting: Meeting, version: int, present: Iterable[int]) -> Meeting:
    """出欠: the invitations present; every other invitation of the sitting is recorded absent."""
    _same_city(actor, meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise MeetingError("中止した会議の出欠は記録できません。")
    if meeting.starts_at > timezone.now():
        raise MeetingError("会議が始まる前に出欠は記録できません。")
    _bump(meeting, version)
    present = set(present)
    invitations = list(meeting.invitations.all())
    if present - {i.pk for i in invitations}:
        raise MeetingError("この会議の招待ではない出席者が含まれています。")
    for inv in invitations:
        inv.attended = inv.pk in present
        inv.save(update_fields=["attended"])
    meeting.status = MeetingStatus.HELD
    meeting.held_at = meeting.held_at or timezone.now()
    meeting.save(update_fields=["status", "held_at"])
    audit.record(
        actor=actor, action="update", objects=[("meeting", meeting.pk)], detail={"attendance": len(present)}
    )
    return meeting


# ---- agenda items and their legal gate ------------------------------------------------------------

# The body's legal function each item function needs.
_BODY_FUNCTION = {
    ItemFunction.CONSENTED_CONFERENCE: LegalFunction.CONSENTED_CONFERENCE,
    ItemFunction.CONFIDENTIAL_CONFERENCE: LegalFunction.CONFIDENTIAL_CONFERENCE,
    ItemFunction.LONELINESS_COUNCIL: LegalFunction.LONELINESS_COUNCIL,
    ItemFunction.INTERNAL: LegalFunction.COORDINATION,
}


def item_functions(body: MeetingBody) -> list[str]:
    """The item functions a body may discuss under (a body with several offers each of them)."""
    found = [f for f, needed in _BODY_FUNCTION.items() if needed in body.legal_functions]
    if ItemFunction.CONFIDENTIAL_CONFERENCE in found and not body.confidentiality_duty:
        found.remove(ItemFunction.CONFIDENTIAL_CONFERENCE)
    return [str(f) for f in found]


def eligible_organizations(body: MeetingBody) -> list[Organization]:
    """Who may be selected for an item: the fixed members, or the 別表 (empty 別表: every organization)."""
    # A fixed body whose profile lists no members (the sources do not say) chooses per case as well.
    fixed = list(body.members.filter(active=True))
    if body.member_selection == MemberSelection.FIXED and fixed:
        return fixed
    listed = list(body.eligible_members.filter(active=True))
    return listed or list(Organization.objects.filter(municipality_id=body.municipality_id, active=True))


def attending_organizations(meeting: Meeting, selected: Iterable[Organization]) -> set[int]:
    """The organizations that would hear an item: those selected for it and those invited to the sitting."""
    ids = {o.pk for o in selected}
    ids |= set(
        meeting.invitations.filter(item__isnull=True, organization__isnull=False).values_list(
            "organization_id", flat=True
        )
    )
    ids |= set(
        meeting.invitations.filter(item__isnull=True, staff__isnull=False).values_list(
            "staff__organization_id", flat=True
        )
    )
    return {i for i in ids if i is not None}


def check_gate(meeting: Meeting, case: Case, function: str, organizations: Sequence[Organization]) -> None:
    """Raise MeetingError unless the item may be discussed under `function` with these organizations."""
    body = meeting.body
    if function not in item_functions(body):
        raise MeetingError(f"{body.name}では「{ItemFunction(function).label}」として検討できません。")
    if not organizations:
        raise MeetingError("この事案を検討する構成機関を選んでください。")
    allowed = {o.pk for o in eligible_organizations(body)}
    outside = [o.name for o in organizations if o.pk not in allowed]
    if outside:
        raise MeetingError(f"{body.name}の構成員（候補）ではありません: {'、'.join(outside)}")
    if function == ItemFunction.CONSENTED_CONFERENCE:
        missing = [
            o.name
            for o in Organization.objects.filter(pk__in=attending_organizations(meeting, organizations))
            if not (consent_covers(case.pk, o.pk) and consent_covers(case.pk, o.pk, meeting.ends_at))
        ]
        if missing:
            raise MeetingError(
                "本人の同意（共有してよい会議に「重層的支援会議」を含み、出席する機関を含むもの）が会議の日まで"
                f"有効ではありません: {'、'.join(missing)}。同意がない場合は、支援会議（守秘義務）として検討してください。"
            )
    if function == ItemFunction.INTERNAL:
        outside = [o.name for o in organizations if o.kind != OrganizationKind.DEPARTMENT]
        if outside:
            raise MeetingError(
                f"庁内の連携調整に加われるのは{body.municipality.kind_label}の所管課だけです: {'、'.join(outside)}"
            )


@transaction.atomic
def place_item(
    *,
    actor: Staff,
    meeting: Meeting,
    case: Case,
    purpose: str,
    minutes: int,
    function: str,
    organizations: Sequence[Organization] = (),
    question: str = "",
    escalated_from: AgendaItem | None = None,
) -> AgendaItem:
    """Put a case on a sitting's agenda under one legal function (the gate follows the item)."""
    _same_city(actor, meeting, case, *organizations)
    body = meeting.body
    if meeting.status != MeetingStatus.PLANNED:
        raise MeetingError("予定中の会議にだけ議題を加えられます。")
    if case.status not in OPEN_STATUSES:
        raise MeetingError("終結・中断していないケースだけを議題にできます。")
    if function not in ItemFunction.values:
        raise MeetingError("検討の根拠を選んでください。")
    if not 1 <= minutes <= 240:
        raise MeetingError("時間は1分から240分の間で入力してください。")
    if body.screened_by_id and (
        escalated_from is None or escalated_from.meeting.body_id != body.screened_by_id
    ):
        raise MeetingError(f"{body.name}の議題は、先に{body.screened_by.name}で協議したものだけです。")  # type: ignore[union-attr]
    if not organizations and body.member_selection == MemberSelection.FIXED and body.members.exists():
        organizations = eligible_organizations(body)
    check_gate(meeting, case, function, organizations)
    try:
        with transaction.atomic():
            item = AgendaItem.objects.create(
                municipality=meeting.municipality,
                meeting=meeting,
                case=case,
                purpose=purpose,
                minutes=minutes,
                legal_function=function,
                question=question.strip(),
                proposed_by=actor,
                escalated_from=escalated_from,
                sort_order=meeting.items.count() + 1,
            )
    except IntegrityError:
        raise MeetingError("このケースはすでにこの会議の議題です。") from None
    item.organizations.set(organizations, through_defaults={"municipality_id": item.municipality_id})
    audit.record(
        actor=actor,
        action="create",
        objects=[("agenda_item", item.pk), ("case", case.pk), ("meeting", meeting.pk)],
        detail={"legal_function": function, "purpose": purpose},
    )
    return item


@transaction.atomic
def withdraw_item(*, actor: Staff, item: AgendaItem, version: int) -> AgendaItem:
    _same_city(actor, item)
    if item.status == ItemStatus.DISCUSSED:
        raise MeetingError("協議済みの議題は取り下げられません。")
    if (
        AgendaItem.objects.filter(pk=item.pk, version=version).update(
            version=F("version") + 1, status=ItemStatus.WITHDRAWN
        )
        != 1
    ):
        raise StaleMeeting()
    item.refresh_from_db()
    audit.record(actor=actor, action="update", objects=[("agenda_item", item.pk)], detail={"withdrawn": True})
    return item


def record_disclosure(
    *, actor: Staff, item: AgendaItem, request: object = None, channel: str = "view"
) -> None:
    """Every showing of an item's case is audited with its legal basis (for 支援会議: 法第106条の6)."""
    audit.record(
        actor=actor,
        action="view",
        channel=channel,
        request=request,
        objects=[("agenda_item", item.pk), ("case", item.case_id), ("meeting", item.meeting_id)],
        reason=item.legal_basis(),
        detail={"legal_function": item.legal_function},
    )


def _duty_holders(item: AgendaItem) -> list[tuple[Staff, dt.datetime]]:
    """Staff who heard the item under a duty: selected for it (their organization or by name), invited,
    present unless recorded absent, and who acknowledged 守秘義務 for the sitting."""
    meeting = item.meeting
    absent_orgs = set(
        meeting.invitations.filter(
            attended=False, organization__isnull=False, staff__isnull=True
        ).values_list("organization_id", flat=True)
    )
    candidates = Staff.objects.filter(municipality_id=item.municipality_id, is_active=True).filter(
        pk__in=Acknowledgement.objects.filter(body_id=meeting.body_id).values("staff_id")
    )
    selected_orgs = set(item.organizations.values_list("pk", flat=True))
    named = set(
        Invitation.objects.filter(item=item, staff__isnull=False)
        .exclude(attended=False)
        .values_list("staff_id", flat=True)
    )
    found = []
    for s in candidates:
        if s.pk not in named and (s.organization_id not in selected_orgs or s.organization_id in absent_orgs):
            continue
        when = acknowledged_at(s, meeting)
        if when is not None:
            found.append((s, when))
    return found


@transaction.atomic
def mark_discussed(*, actor: Staff, item: AgendaItem, version: int) -> AgendaItem:
    """協議済み. For a 支援会議 (or 地域協議会) item, every member who heard it under the duty may read the case
    until the body's follow-up window ends (FollowUpAccess, read by cases' policy through the registry)."""
    _same_city(actor, item)
    if item.status != ItemStatus.PLACED:
        raise MeetingError("議題に決定しているものだけを協議済みにできます。")
    if item.meeting.starts_at > timezone.now():
        raise MeetingError("会議が始まる前に協議済みにはできません。")
    now = timezone.now()
    if (
        AgendaItem.objects.filter(pk=item.pk, version=version).update(
            version=F("version") + 1, status=ItemStatus.DISCUSSED, discussed_at=now
        )
        != 1
    ):
        raise StaleMeeting()
    item.refresh_from_db()
    granted = 0
    if item.legal_function in DUTY_FUNCTIONS:
        until = now + item.meeting.body.follow_up_window()
        for staff, acked in _duty_holders(item):
            FollowUpAccess.objects.get_or_create(
                item=item,
                staff=staff,
                defaults={
                    "municipality": item.municipality,
                    "case": item.case,
                    "duty_acknowledged_at": acked,
                    "valid_from": now,
                    "valid_until": until,
                },
            )
            granted += 1
    audit.record(
        actor=actor,
        action="update",
        objects=[("agenda_item", item.pk), ("case", item.case_id)],
        reason=item.legal_basis(),
        detail={"discussed": True, "follow_up": granted},
    )
    return item
