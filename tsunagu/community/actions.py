"""Every write of the community pillar: sittings, needs (and the consultation a need becomes), volunteer
registrations and points ledger lines. One transaction each, with its audit record; a repeated form
submission (same submission token) returns the first record.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from tsunagu.access import audit
from tsunagu.accounts.models import Staff
from tsunagu.core.wareki import fiscal_year
from tsunagu.directory.models import CommunityGroup, PointsProgram
from tsunagu.intake import actions as intake_actions
from tsunagu.intake.models import Consultation
from tsunagu.municipalities.models import Area
from tsunagu.people import actions as people_actions
from tsunagu.people.actions import PersonInput
from tsunagu.people.models import Person

from . import policy
from .models import EntryKind, PointEntry, Sitting, SurfacedNeed, Urgency, Volunteer


class CommunityError(Exception):
    """A write refused as submitted (the message is for the user, in Japanese)."""


def _city(actor: Staff, *objs: object) -> int:
    muni_id = actor.municipality_id
    if not muni_id or any(o is not None and getattr(o, "municipality_id", muni_id) != muni_id for o in objs):
        raise CommunityError("この記録は選べません。")
    return int(muni_id)


@dataclass
class SittingInput:
    held_on: dt.date
    submission_token: uuid.UUID
    place: str = ""
    area: Area | None = None
    residents: int = 0
    professionals: int = 0
    volunteers: int = 0
    others: int = 0
    topics: str = ""


@transaction.atomic
def record_sitting(*, actor: Staff, group: CommunityGroup, data: SittingInput) -> tuple[Sitting, bool]:
    """Record a sitting (開催) of `group` with its participant counts. Returns (sitting, created)."""
    muni_id = _city(actor, group, data.area)
    existing = Sitting.objects.filter(municipality_id=muni_id, submission_token=data.submission_token).first()
    if existing is not None:
        return existing, False
    if not policy.may_record(actor, group):
        raise CommunityError("この団体の開催を記録できるのは、運営機関の職員と束ね役です。")
    area = data.area
    if area is None:
        areas = list(group.areas.all()[:2])
        area = areas[0] if len(areas) == 1 else None
    sitting = Sitting.objects.create(
        municipality_id=muni_id,
        group=group,
        held_on=data.held_on,
        place=data.place.strip() or group.venue,
        area=area,
        residents=data.residents,
        professionals=data.professionals,
        volunteers=data.volunteers,
        others=data.others,
        topics=data.topics.strip(),
        recorded_by=actor,
        submission_token=data.submission_token,
    )
    audit.record(actor=actor, action="create", objects=[("community_sitting", sitting.pk)])
    return sitting, True


COUNTS = ("residents", "professionals", "volunteers", "others")
CORRECTABLE = ("held_on", "place", "area", "residents", "professionals", "volunteers", "others", "topics")


@transaction.atomic
def correct_sitting(
    *, actor: Staff, sitting: Sitting, version: int, data: SittingInput, reason: str
) -> Sitting:
    """Correct a sitting after the fact (訂正: the date, place, area, counts, topics). Refused when someone
    changed it since the form was opened (`version`), or when nothing changes; the sitting keeps who, when
    and why, the audit row the changed fields (date and counts from → to). `data.submission_token` is not
    used (the version guards a correction)."""
    muni_id = _city(actor, sitting, data.area)
    sitting = (
        Sitting.objects.select_for_update()
        .select_related("group")
        .get(pk=sitting.pk, municipality_id=muni_id)
    )
    if not policy.may_record(actor, sitting.group):
        raise CommunityError("この団体の開催を訂正できるのは、運営機関の職員と束ね役です。")
    if sitting.version != version:
        raise CommunityError("この開催は他の人が先に訂正しました。画面を開き直して確認してください。")
    if not reason.strip():
        raise CommunityError("訂正の理由を入力してください。")
    new = {
        "held_on": data.held_on,
        "place": data.place.strip() or sitting.group.venue,
        "area": data.area if data.area is not None else sitting.area,
        "residents": data.residents,
        "professionals": data.professionals,
        "volunteers": data.volunteers,
        "others": data.others,
        "topics": data.topics.strip(),
    }
    changed = {f: (getattr(sitting, f), v) for f, v in new.items() if getattr(sitting, f) != v}
    if not changed:
        raise CommunityError("訂正する内容がありません（入力が今の記録と同じです）。")
    for field, (_old, value) in changed.items():
        setattr(sitting, field, value)
    sitting.version += 1
    sitting.corrected_by = actor
    sitting.corrected_at = timezone.now()
    sitting.correction_reason = reason.strip()
    sitting.save(update_fields=[*changed, "version", "corrected_by", "corrected_at", "correction_reason"])
    # Field names always; from → to only for the date and the counts (free text stays out of the audit).
    detail: dict[str, object] = {"corrected": sorted(changed), "version": sitting.version}
    for field, (before, after) in changed.items():
        if field == "held_on" or field in COUNTS:
            detail[f"{field}_from"], detail[f"{field}_to"] = _plain(before), _plain(after)
    audit.record(actor=actor, action="update", objects=[("community_sitting", sitting.pk)], detail=detail)
    return sitting


def _plain(value: object) -> object:
    """A date as ISO text for the audit detail (JSON); counts as they are."""
    return value.isoformat() if isinstance(value, dt.date) else value


@transaction.atomic
def record_need(
    *,
    actor: Staff,
    sitting: Sitting,
    text: str,
    submission_token: uuid.UUID,
    urgency: str = Urgency.SOON,
    area: Area | None = None,
) -> tuple[SurfacedNeed, bool]:
    """Record a need (気づき) surfaced at `sitting`; its area defaults to the sitting's."""
    muni_id = _city(actor, sitting, area)
    existing = SurfacedNeed.objects.filter(municipality_id=muni_id, submission_token=submission_token).first()
    if existing is not None:
        return existing, False
    if not policy.may_record(actor, sitting.group):
        raise CommunityError("この団体の気づきを記録できるのは、運営機関の職員と束ね役です。")
    if not text.strip():
        raise CommunityError("気づきの内容を入力してください。")
    if urgency not in Urgency.values:
        raise CommunityError("緊急度を選んでください。")
    need = SurfacedNeed.objects.create(
        municipality_id=muni_id,
        sitting=sitting,
        text=text.strip(),
        area=area or sitting.area,
        urgency=urgency,
        recorded_by=actor,
        submission_token=submission_token,
    )
    audit.record(
        actor=actor,
        action="create",
        objects=[("community_need", need.pk), ("community_sitting", sitting.pk)],
    )
    return need, True


NEED_EDITABLE = ("text", "urgency", "area")


@transaction.atomic
def edit_need(
    *, actor: Staff, need: SurfacedNeed, version: int, text: str, urgency: str, area: Area | None
) -> SurfacedNeed:
    """Edit a recorded need (気づき): its text, urgency and area. Refused when someone edited it since the
    form was opened (`version`), or when nothing changes; the need keeps who and when, the audit row the
    changed fields (the urgency from → to; the free text stays out of the audit)."""
    muni_id = _city(actor, need, area)
    need = (
        SurfacedNeed.objects.select_for_update()
        .select_related("sitting__group")
        .get(pk=need.pk, municipality_id=muni_id)
    )
    if not policy.may_record(actor, need.sitting.group):
        raise CommunityError("この団体の気づきを直せるのは、運営機関の職員と束ね役です。")
    if need.version != version:
        raise CommunityError("この気づきは他の人が先に直しました。画面を開き直して確認してください。")
    if not text.strip():
        raise CommunityError("気づきの内容を入力してください。")
    if urgency not in Urgency.values:
        raise CommunityError("緊急度を選んでください。")
    new: dict[str, object] = {
        "text": text.strip(),
        "urgency": urgency,
        "area": area if area is not None else need.sitting.area,
    }
    changed = {f: (getattr(need, f), v) for f, v in new.items() if getattr(need, f) != v}
    if not changed:
        raise CommunityError("直す内容がありません（入力が今の記録と同じです）。")
    for field, (_old, value) in changed.items():
        setattr(need, field, value)
    need.version += 1
    need.edited_by = actor
    need.edited_at = timezone.now()
    need.save(update_fields=[*changed, "version", "edited_by", "edited_at"])
    detail: dict[str, object] = {"changed": sorted(changed), "version": need.version}
    if "urgency" in changed:
        detail["urgency_from"], detail["urgency_to"] = changed["urgency"]
    if "area" in changed:
        before, after = changed["area"]
        detail["area_from"] = getattr(before, "pk", None)
        detail["area_to"] = getattr(after, "pk", None)
    audit.record(
        actor=actor,
        action="update",
        objects=[("community_need", need.pk), ("community_sitting", need.sitting_id)],
        detail=detail,
    )
    return need


@transaction.atomic
def consultation_from_need(
    *, actor: Staff, need: SurfacedNeed, data: intake_actions.ConsultationInput
) -> tuple[Consultation, bool]:
    """Take the need in as a consultation (intake's own action, in this transaction) and keep the link.

    Refused when the need already became a consultation. A repeated submission of the same intake form
    returns the consultation it made. Raises intake's IntakeError for what intake refuses.
    """
    _city(actor, need)
    need = SurfacedNeed.objects.select_for_update().get(pk=need.pk)
    if need.consultation_id is not None:
        first = Consultation.objects.filter(
            municipality_id=need.municipality_id, submission_token=data.submission_token
        ).first()
        if first is not None and first.pk == need.consultation_id:
            return first, False
        raise CommunityError("この気づきはすでに相談として受け付けられています。")
    consultation, created = intake_actions.record_consultation(actor=actor, data=data)
    need.consultation = consultation
    need.linked_at = timezone.now()
    need.save(update_fields=["consultation", "linked_at"])
    audit.record(
        actor=actor,
        action="update",
        objects=[("community_need", need.pk), ("consultation", consultation.pk)],
        detail={"linked": "consultation"},
    )
    return consultation, created


# ---------------------------------------------------------------------------------------------
# Volunteer points (支え合いいきいきポイント …)


@transaction.atomic
def register_volunteer(
    *,
    actor: Staff,
    program: PointsProgram,
    registered_on: dt.date,
    person: Person | None = None,
    new_person: PersonInput | None = None,
) -> tuple[Volunteer, bool]:
    """Register a resident in a points program; a new person is created through people's action."""
    muni_id = _city(actor, program, person)
    if not policy.may_keep_ledger(actor, program):
        raise CommunityError("この制度の台帳を扱えるのは、所管・運営機関の職員と束ね役です。")
    if person is None:
        if new_person is None:
            raise CommunityError("ボランティアを選ぶか、新しく登録してください。")
        try:
            person = people_actions.create_person(actor=actor, data=new_person)
        except people_actions.PeopleError as exc:
            raise CommunityError(str(exc)) from exc
    existing = Volunteer.objects.filter(municipality_id=muni_id, program=program, person=person).first()
    if existing is not None:
        return existing, False
    volunteer = Volunteer.objects.create(
        municipality_id=muni_id,
        program=program,
        person=person,
        registered_on=registered_on,
        registered_by=actor,
    )
    audit.record(
        actor=actor, action="create", objects=[("community_volunteer", volunteer.pk), ("person", person.pk)]
    )
    return volunteer, True


def balance(volunteer: Volunteer) -> int:
    """The balance: the sum of the ledger's signed lines."""
    return int(PointEntry.objects.filter(volunteer=volunteer).aggregate(s=Sum("points"))["s"] or 0)


def earned_in_year(volunteer: Volunteer, year: int) -> int:
    """Points earned in 年度 `year` (April–March), net of reversed earnings: what the yearly cap counts."""
    start, end = dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
    earned = PointEntry.objects.filter(volunteer=volunteer, kind=EntryKind.EARN, on__range=(start, end))
    undone = PointEntry.objects.filter(
        volunteer=volunteer,
        kind=EntryKind.REVERSAL,
        reverses__kind=EntryKind.EARN,
        reverses__on__range=(start, end),
    )
    total = earned.aggregate(s=Sum("points"))["s"] or 0
    return int(total + (undone.aggregate(s=Sum("points"))["s"] or 0))


def _locked(
    actor: Staff, volunteer: Volunteer, submission_token: uuid.UUID
) -> tuple[Volunteer, PointEntry | None]:
    """The volunteer row locked for this write (ledger lines are serialised per volunteer), and the line
    an earlier submission of the same form made, if any."""
    _city(actor, volunteer)
    volunteer = Volunteer.objects.select_for_update().select_related("program").get(pk=volunteer.pk)
    if not policy.may_keep_ledger(actor, volunteer.program):
        raise CommunityError("この制度の台帳を扱えるのは、所管・運営機関の職員と束ね役です。")
    done = PointEntry.objects.filter(
        municipality_id=volunteer.municipality_id, submission_token=submission_token
    ).first()
    return volunteer, done


def _append(
    actor: Staff, volunteer: Volunteer, token: uuid.UUID, kind: str, on: dt.date, points: int, **extra: object
) -> PointEntry:
    after = balance(volunteer) + points
    if after < 0:
        raise CommunityError(f"残高が足りません（残高 {after - points} ポイント）。")
    entry = PointEntry.objects.create(
        municipality_id=volunteer.municipality_id,
        volunteer=volunteer,
        kind=kind,
        on=on,
        points=points,
        balance_after=after,
        recorded_by=actor,
        submission_token=token,
        **extra,
    )
    audit.record(
        actor=actor,
        action="create",
        objects=[("community_point_entry", entry.pk), ("community_volunteer", volunteer.pk)],
        detail={"kind": kind, "points": points},
    )
    return entry


@transaction.atomic
def earn_points(
    *,
    actor: Staff,
    volunteer: Volunteer,
    on: dt.date,
    activity: str,
    submission_token: uuid.UUID,
    activities: int = 1,
    points: int | None = None,
) -> tuple[PointEntry, bool]:
    """Credit points for an activity (付与). With the program's points per activity set, the points are
    activities × that value (entered points are refused); otherwise they are entered. The yearly cap, if
    set, counts the 年度 of `on`."""
    volunteer, done = _locked(actor, volunteer, submission_token)
    if done is not None:
        return done, False
    program = volunteer.program
    if not activity.strip():
        raise CommunityError("活動の内容を入力してください。")
    if activities < 1:
        raise CommunityError("活動回数は1以上にしてください。")
    if program.points_per_activity:
        if points is not None and points != activities * program.points_per_activity:
            raise CommunityError(
                f"この制度のポイントは1回 {program.points_per_activity} ポイントです（入力は不要です）。"
            )
        points = activities * program.points_per_activity
    if points is None or points < 1:
        raise CommunityError("付与するポイントを1以上で入力してください。")
    if program.yearly_cap:
        year = fiscal_year(on)
        used = earned_in_year(volunteer, year)
        if used + points > program.yearly_cap:
            raise CommunityError(
                f"年度の上限（{program.yearly_cap} ポイント）を超えます（この年度の付与済み {used} ポイント）。"
            )
    entry = _append(
        actor,
        volunteer,
        submission_token,
        EntryKind.EARN,
        on,
        points,
        activity=activity.strip(),
        activities=activities,
    )
    return entry, True


@transaction.atomic
def redeem_points(
    *,
    actor: Staff,
    volunteer: Volunteer,
    on: dt.date,
    points: int,
    submission_token: uuid.UUID,
    note: str = "",
) -> tuple[PointEntry, bool]:
    """Exchange points (交換): never more than the balance, in multiples of the program's unit if set."""
    volunteer, done = _locked(actor, volunteer, submission_token)
    if done is not None:
        return done, False
    unit = volunteer.program.redemption_unit
    if points < 1:
        raise CommunityError("交換するポイントを1以上で入力してください。")
    if unit and points % unit:
        raise CommunityError(f"交換は {unit} ポイント単位です。")
    entry = _append(actor, volunteer, submission_token, EntryKind.REDEEM, on, -points, activity=note.strip())
    return entry, True


@transaction.atomic
def reverse_entry(
    *, actor: Staff, entry: PointEntry, submission_token: uuid.UUID, on: dt.date | None = None
) -> tuple[PointEntry, bool]:
    """Undo a ledger line by appending its opposite (取消). A line is reversed once; a reversal itself is
    not reversed; undoing points already exchanged is refused (the balance may not go below zero)."""
    volunteer, done = _locked(actor, entry.volunteer, submission_token)
    if done is not None:
        return done, False
    entry = PointEntry.objects.get(pk=entry.pk)
    if entry.kind == EntryKind.REVERSAL:
        raise CommunityError("取消の行は取り消せません。")
    if PointEntry.objects.filter(reverses=entry).exists():
        raise CommunityError("この行はすでに取り消されています。")
    label = "付与" if entry.kind == EntryKind.EARN else "交換"
    reversal = _append(
        actor,
        volunteer,
        submission_token,
        EntryKind.REVERSAL,
        on or timezone.localdate(),
        -entry.points,
        activity=f"{label}の取消（{entry.on}）",
        reverses=entry,
    )
    return reversal, True
