"""Every write of participation support (参加支援, 第2号): open or edit a person's record, propose a resource,
move a match through its stages, record follow-ups, consent and the receiving side's reports.

Each action is one transaction with its audit row. Edits of a record or a match check the version the user
read (a stale one is refused). One-shot forms carry a submission token under a unique constraint (follow-
ups, reports); a record is one per person and a proposal one open match per place, so a double submit
finds the first row. The caller fetched records and matches through `policy`; the actions check the city.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tsunagu.access import audit
from tsunagu.access.permissions import CASEWORK
from tsunagu.accounts.models import Staff
from tsunagu.cases.models import Case
from tsunagu.core.dates import DateKind, date_range_error
from tsunagu.directory.models import Organization
from tsunagu.directory.resource_models import Accessibility, GroupSize, Resource, TimeSlot, Weekday
from tsunagu.municipalities.models import Municipality
from tsunagu.people.actions import household_of
from tsunagu.people.models import Person

from .models import (
    OCCUPYING,
    TRANSITIONS,
    Attendance,
    Continuation,
    FollowUp,
    Goal,
    Match,
    ParticipationConsent,
    ReceiverReport,
    RecordStatus,
    Stage,
    StageChange,
    SupportRecord,
)

TEXT_MAX = 4000
LIST_MAX = 20
ITEM_MAX = 40


class ParticipationError(ValueError):
    """A participation write that cannot be done as asked (the message is for the user, in Japanese)."""


class StaleEdit(ParticipationError):
    def __init__(self) -> None:
        super().__init__(
            "画面を開いた後に別の職員が更新しました。最新の内容を確認してから、もう一度操作してください。"
        )


def _city(actor: Staff) -> Municipality:
    muni = actor.municipality
    if muni is None or actor.organization_id is None or actor.role not in CASEWORK or not actor.is_active:
        raise ParticipationError("所属機関のある相談・支援の職員だけが記録できます。")
    return muni


def _same_city(muni: Municipality, *objs: object) -> None:
    for obj in objs:
        if obj is not None and getattr(obj, "municipality_id", None) != muni.pk:
            raise ParticipationError("この自治体の記録から選んでください。")


def _text(value: str, label: str, *, required: bool = False, limit: int = TEXT_MAX) -> str:
    text = value.replace("\x00", "").strip()
    if required and not text:
        raise ParticipationError(f"{label}を入力してください。")
    if len(text) > limit:
        raise ParticipationError(f"{label}は{limit}文字以内で入力してください。")
    return text


def _date(value: dt.date, kind: DateKind, label: str) -> dt.date:
    error = date_range_error(value, kind, label)
    if error:
        raise ParticipationError(error)
    return value


def _choices(values: Sequence[object], allowed: Sequence[object], label: str) -> list[object]:
    out = list(dict.fromkeys(values))
    if any(v not in allowed for v in out):
        raise ParticipationError(f"{label}の値が正しくありません。")
    return out


def _words(values: Sequence[str], label: str) -> list[str]:
    out = [w for w in dict.fromkeys(_text(v, label, limit=ITEM_MAX) for v in values) if w]
    if len(out) > LIST_MAX:
        raise ParticipationError(f"{label}は{LIST_MAX}個までです。")
    return out


def _objects(record: SupportRecord, *extra: tuple[str, int]) -> list[tuple[str, int]]:
    objs: list[tuple[str, int]] = [("supportrecord", record.pk), ("person", record.person_id)]
    if record.household_id:
        objs.append(("household", record.household_id))
    return objs + list(extra)


def _bump(model: type[SupportRecord] | type[Match], obj: SupportRecord | Match, version: int) -> None:
    updated = model.objects.filter(pk=obj.pk, version=version).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if updated != 1:
        raise StaleEdit
    obj.version = version + 1


# ---- the record ---------------------------------------------------------------------------------------


@dataclass
class NeedsInput:
    """Needs, interests and constraints as a form gives them."""

    goals: Sequence[str] = ()
    activities: Sequence[str] = ()
    wish: str = ""
    weekdays: Sequence[int] = ()
    time_slots: Sequence[str] = ()
    accessibility: Sequence[str] = ()
    languages: Sequence[str] = ()
    max_group_size: str = ""
    max_cost_yen: int | None = None
    same_area_only: bool = False
    max_distance_km: int | None = None
    constraints_note: str = ""
    case: Case | None = None
    origin_latitude: Decimal | None = None
    origin_longitude: Decimal | None = None


def _apply_needs(muni: Municipality, record: SupportRecord, data: NeedsInput) -> list[str]:
    _same_city(muni, data.case)
    if data.case is not None and not data.case.persons.filter(pk=record.person_id).exists():
        if data.case.household_id != record.household_id:
            raise ParticipationError("本人の世帯のケースを選んでください。")
    if data.max_cost_yen is not None and not 0 <= data.max_cost_yen <= 1_000_000:
        raise ParticipationError("費用の上限は0〜1,000,000円で入力してください。")
    if data.max_distance_km is not None and not 0 < data.max_distance_km <= 200:
        raise ParticipationError("距離の上限は1〜200kmで入力してください。")
    if (data.origin_latitude is None) != (data.origin_longitude is None):
        raise ParticipationError("出発地は緯度と経度の両方を入力してください。")
    if data.origin_latitude is not None and not (
        20 <= data.origin_latitude <= 46 and 122 <= data.origin_longitude <= 154  # type: ignore[operator]
    ):
        raise ParticipationError("出発地の緯度・経度が日本の範囲にありません（緯度20〜46、経度122〜154）。")
    if data.max_group_size and data.max_group_size not in GroupSize.values:
        raise ParticipationError("人数の上限の値が正しくありません。")
    values = {
        "goals": _choices(data.goals, Goal.values, "参加の目的"),
        "activities": _words(data.activities, "やりたいこと"),
        "wish": _text(data.wish, "本人の思い"),
        "weekdays": sorted(_choices(data.weekdays, Weekday.values, "行ける曜日")),  # type: ignore[type-var]
        "time_slots": _choices(data.time_slots, TimeSlot.values, "行ける時間帯"),
        "accessibility": _choices(data.accessibility, Accessibility.values, "必要な配慮"),
        "languages": _words(data.languages, "使える言語"),
        "max_group_size": data.max_group_size,
        "max_cost_yen": data.max_cost_yen,
        "same_area_only": data.same_area_only,
        "max_distance_km": data.max_distance_km,
        "constraints_note": _text(data.constraints_note, "配慮・制約（補足）"),
        "origin_latitude": data.origin_latitude,
        "origin_longitude": data.origin_longitude,
        "case": data.case,
    }
    changed = [name for name, value in values.items() if getattr(record, name) != value]
    for name, value in values.items():
        setattr(record, name, value)
    return changed


@transaction.atomic
def open_record(*, actor: Staff, person: Person, data: NeedsInput) -> tuple[SupportRecord, bool]:
    """Open the person's participation support record, run by the actor's organization with the actor as
    worker. One per person: if it exists, it is returned unchanged (created False)."""
    muni = _city(actor)
    _same_city(muni, person)
    existing = SupportRecord.objects.filter(municipality=muni, person=person).first()
    if existing is not None:
        return existing, False
    record = SupportRecord(
        municipality=muni,
        person=person,
        household=household_of(person),
        organization_id=int(actor.organization_id or 0),
        worker=actor,
        created_by=actor,
    )
    _apply_needs(muni, record, data)
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        return SupportRecord.objects.get(municipality=muni, person=person), False
    audit.record(actor=actor, action="create", objects=_objects(record), detail={"operation": "open"})
    return record, True


@transaction.atomic
def update_needs(*, actor: Staff, record: SupportRecord, version: int, data: NeedsInput) -> list[str]:
    """Change the record's needs and constraints; returns the names of the changed fields."""
    muni = _city(actor)
    _same_city(muni, record)
    record = SupportRecord.objects.select_for_update().get(pk=record.pk)
    _bump(SupportRecord, record, version)
    changed = _apply_needs(muni, record, data)
    if changed:
        record.save(update_fields=[*changed, "updated_at"])
    audit.record(
        actor=actor,
        action="update",
        objects=_objects(record),
        detail={"operation": "needs", "fields": changed},
    )
    return changed


@transaction.atomic
def close_record(*, actor: Staff, record: SupportRecord, version: int) -> None:
    """終了: the record stays readable; open matches must be ended first."""
    muni = _city(actor)
    _same_city(muni, record)
    if record.status == RecordStatus.CLOSED:
        raise ParticipationError("この参加支援は既に終了しています。")
    if record.matches.exclude(stage=Stage.ENDED).exists():
        raise ParticipationError("終了していないマッチングがあります。先にそれぞれを終了してください。")
    _bump(SupportRecord, record, version)
    record.status = RecordStatus.CLOSED
    record.save(update_fields=["status", "updated_at"])
    audit.record(actor=actor, action="update", objects=_objects(record), detail={"operation": "close"})


# ---- proposals and stages ------------------------------------------------------------------------------


@dataclass
class ProposalInput:
    resource: Resource
    proposed_on: dt.date
    note_to_receiver: str = ""
    rank: int | None = None
    score: int | None = None
    explanation: str = ""


def occupancy(resource_ids: Sequence[int], *, besides: SupportRecord | None = None) -> dict[int, int]:
    """People in 体験 or 参加 at each resource now (for the capacity filter), not counting `besides`'s own
    matches (a person already there does not fill the place against themselves)."""
    counts: dict[int, int] = {}
    rows = Match.objects.filter(resource_id__in=resource_ids, stage__in=OCCUPYING)
    if besides is not None:
        rows = rows.exclude(record=besides)
    for rid in rows.values_list("resource_id", flat=True):
        counts[rid] = counts.get(rid, 0) + 1
    return counts


@transaction.atomic
def propose(*, actor: Staff, record: SupportRecord, data: ProposalInput) -> tuple[Match, bool]:
    """提案: propose a resource to the person. One open match per place: a repeat returns the first."""
    muni = _city(actor)
    _same_city(muni, record, data.resource)
    if record.status != RecordStatus.ACTIVE:
        raise ParticipationError("終了した参加支援には提案できません。")
    resource = Resource.objects.select_for_update().get(pk=data.resource.pk)
    if not resource.active or not resource.accepts_referrals:
        raise ParticipationError("この社会資源は現在、参加支援の受け入れをしていません。")
    existing = Match.objects.filter(record=record, resource=resource).exclude(stage=Stage.ENDED).first()
    if existing is not None:
        return existing, False
    match = Match(
        municipality=muni,
        record=record,
        resource=resource,
        proposed_on=_date(data.proposed_on, DateKind.EVENT, "提案日"),
        note_to_receiver=_text(data.note_to_receiver, "受け入れ先への連絡事項"),
        rank_at_proposal=data.rank,
        score_at_proposal=data.score,
        explanation=_text(data.explanation, "提案の理由"),
        created_by=actor,
    )
    try:
        with transaction.atomic():
            match.save()
    except IntegrityError:
        return Match.objects.get(
            record=record, resource=resource, stage__in=[s for s in Stage.values if s != Stage.ENDED]
        ), False
    StageChange.objects.create(
        municipality=muni, match=match, from_stage="", to_stage=Stage.PROPOSED, on=match.proposed_on, by=actor
    )
    audit.record(
        actor=actor,
        action="create",
        objects=_objects(record, ("match", match.pk)),
        detail={"operation": "propose", "resource": resource.pk, "rank": data.rank or 0},
    )
    return match, True


def transition_error(match: Match, to_stage: str) -> str | None:
    """The Japanese reason a move is refused, or None when it is allowed."""
    if to_stage not in Stage.values:
        return "段階の値が正しくありません。"
    if to_stage not in TRANSITIONS[match.stage]:
        allowed = "・".join(str(Stage(s).label) for s in Stage.values if s in TRANSITIONS[match.stage])
        here = Stage(match.stage).label
        if not allowed:
            return f"「{here}」のマッチングは、これ以上段階を変えられません。"
        return f"「{here}」から「{Stage(to_stage).label}」には進めません（進める段階: {allowed}）。"
    return None


@transaction.atomic
def change_stage(
    *, actor: Staff, match: Match, version: int, to_stage: str, on: dt.date, note: str = ""
) -> StageChange:
    """Move a match to `to_stage` on day `on` (見学, 体験, 参加開始, 中断, 終了), checked against TRANSITIONS.
    The first 参加開始 fixes `first_participation_on` (the days from proposal are measured from it)."""
    muni = _city(actor)
    _same_city(muni, match)
    match = Match.objects.select_for_update().select_related("record").get(pk=match.pk)
    if match.version != version:
        raise StaleEdit
    error = transition_error(match, to_stage)
    if error:
        raise ParticipationError(error)
    _date(on, DateKind.EVENT, "日付")
    if on < match.proposed_on:
        raise ParticipationError("提案日より前の日付は記録できません。")
    if (
        to_stage == Stage.PARTICIPATING
        and match.resource.capacity is not None
        and match.stage not in OCCUPYING
    ):
        if occupancy([match.resource_id]).get(match.resource_id, 0) >= match.resource.capacity:
            raise ParticipationError("この社会資源は定員に達しています。")
    _bump(Match, match, version)
    fields = ["stage", "updated_at"]
    before = match.stage
    match.stage = to_stage
    if to_stage == Stage.PARTICIPATING and match.first_participation_on is None:
        match.first_participation_on = on
        fields.append("first_participation_on")
    if to_stage == Stage.ENDED:
        match.ended_on = on
        fields.append("ended_on")
    match.save(update_fields=fields)
    change = StageChange.objects.create(
        municipality=muni,
        match=match,
        from_stage=before,
        to_stage=to_stage,
        on=on,
        note=_text(note, "記録"),
        by=actor,
    )
    audit.record(
        actor=actor,
        action="update",
        objects=_objects(match.record, ("match", match.pk)),
        detail={"operation": "stage", "stage": [before, to_stage]},
    )
    return change


@transaction.atomic
def record_follow_up(
    *, actor: Staff, match: Match, on: dt.date, note: str, next_on: dt.date | None, token: uuid.UUID
) -> tuple[FollowUp, bool]:
    """フォローアップ: the worker's check with the person or the place. A repeated token returns the first."""
    muni = _city(actor)
    _same_city(muni, match)
    existing = FollowUp.objects.filter(municipality=muni, submission_token=token).first()
    if existing is not None:
        return existing, False
    follow = FollowUp(
        municipality=muni,
        match=match,
        on=_date(on, DateKind.EVENT, "実施日"),
        note=_text(note, "内容", required=True),
        next_on=_date(next_on, DateKind.SCHEDULE, "次回予定") if next_on else None,
        by=actor,
        submission_token=token,
    )
    if follow.next_on is not None and follow.next_on < follow.on:
        raise ParticipationError("次回予定は実施日より後の日付にしてください。")
    follow.save()
    audit.record(
        actor=actor,
        action="create",
        objects=_objects(match.record, ("match", match.pk)),
        detail={"operation": "follow_up", "follow_up": follow.pk},
    )
    return follow, True


# ---- consent and the receiving side ----------------------------------------------------------------


@transaction.atomic
def record_consent(
    *,
    actor: Staff,
    record: SupportRecord,
    organization: Organization,
    method: str,
    given_on: dt.date,
    share_contact: bool = False,
    expires_on: dt.date | None = None,
) -> ParticipationConsent:
    """本人同意 to share the match with one receiving organization (name always; phone if said)."""
    muni = _city(actor)
    _same_city(muni, record, organization)
    if method not in ("written", "oral"):
        raise ParticipationError("同意の方法を選んでください。")
    _date(given_on, DateKind.EVENT, "同意日")
    if expires_on is not None:
        _date(expires_on, DateKind.SCHEDULE, "有効期限")
        if expires_on < given_on:
            raise ParticipationError("有効期限は同意日より後の日付にしてください。")
    consent = ParticipationConsent.objects.create(
        municipality=muni,
        record=record,
        organization=organization,
        share_contact=share_contact,
        method=method,
        given_on=given_on,
        expires_on=expires_on,
        recorded_by=actor,
    )
    audit.record(
        actor=actor,
        action="create",
        objects=_objects(record, ("participationconsent", consent.pk)),
        detail={"operation": "consent", "organization": organization.pk, "contact": share_contact},
    )
    return consent


@transaction.atomic
def withdraw_consent(*, actor: Staff, consent: ParticipationConsent) -> None:
    """撤回: takes effect at once; the receiving side no longer sees the person."""
    muni = _city(actor)
    _same_city(muni, consent)
    updated = ParticipationConsent.objects.filter(pk=consent.pk, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )
    if updated:
        audit.record(
            actor=actor,
            action="update",
            objects=_objects(consent.record, ("participationconsent", consent.pk)),
            detail={"operation": "withdraw_consent"},
        )


@transaction.atomic
def record_receiver_report(
    *,
    actor: Staff,
    match: Match,
    on: dt.date,
    attendance: str,
    observation: str,
    continuation: str,
    token: uuid.UUID,
) -> tuple[ReceiverReport, bool]:
    """What the receiving side saw (来所・様子・継続の意向). The caller fetched `match` through
    `policy.get_received_match_for`, so the actor's organization runs the resource."""
    muni = _city(actor)
    _same_city(muni, match)
    if match.resource.organization_id != actor.organization_id:
        raise ParticipationError("受け入れ先の職員だけが記録できます。")
    existing = ReceiverReport.objects.filter(municipality=muni, submission_token=token).first()
    if existing is not None:
        return existing, False
    if attendance not in Attendance.values:
        raise ParticipationError("来所したかどうかを選んでください。")
    if continuation and continuation not in Continuation.values:
        raise ParticipationError("継続の意向の値が正しくありません。")
    report = ReceiverReport.objects.create(
        municipality=muni,
        match=match,
        on=_date(on, DateKind.EVENT, "日付"),
        attendance=attendance,
        observation=_text(observation, "体験・参加の様子"),
        continuation=continuation,
        organization_id=int(actor.organization_id or 0),
        by=actor,
        submission_token=token,
    )
    audit.record(
        actor=actor,
        action="create",
        objects=[("match", match.pk), ("person", match.record.person_id), ("receiverreport", report.pk)],
        detail={"operation": "receiver_report"},
    )
    return report, True
