"""Every write of intake data: record a consultation, edit it, request escalation, handle a request.

Each action runs in one transaction with its audit record; a stale edit is refused, never merged silently.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tsunagu.access import audit
from tsunagu.accounts.models import Staff
from tsunagu.core import removal
from tsunagu.core.removal import RetentionStep
from tsunagu.directory.models import EscalationRule, Organization, Window
from tsunagu.municipalities.models import ConcernType, Municipality
from tsunagu.people import actions as people_actions
from tsunagu.people.actions import PersonInput
from tsunagu.people.models import Household, HouseholdMember, Person, Relationship

from . import referrals
from .models import (
    ActionKind,
    ConcernSubject,
    Consultation,
    ConsultationStatus,
    EscalationRequest,
    EscalationStatus,
)
from .policy import ESCALATION_HANDLER_ROLES

T = TypeVar("T")


class StaleEdit(Exception):
    """Someone else saved the record after this form was opened."""

    message = "この記録は、画面を開いた後に別の職員が更新しました。最新の内容を確認してから、もう一度入力してください。"


class IntakeError(Exception):
    """A consultation that cannot be recorded as submitted (the message is for the user, in Japanese)."""


@dataclass
class ConsultationInput:
    window: Window
    received_at: dt.datetime
    channel: str
    consulter_kind: str
    business_line: str
    sharing_consent: str
    submission_token: uuid.UUID
    person: Person | None = None
    new_person: PersonInput | None = None
    household: Household | None = None
    relationship: str = Relationship.HEAD
    consulter_note: str = ""
    concerns: list[ConcernType] = field(default_factory=list)
    note: str = ""
    actions: list[str] = field(default_factory=list)
    referred_to: Organization | None = None
    follow_up_on: dt.date | None = None
    # 誰についての相談か: {concern id: household member} for concerns not about the person consulting.
    subjects: dict[int, Person] = field(default_factory=dict)
    escalation_reason: str = ""  # with the action 多機関協働へ: why (a default names the concerns)


def _people(action: Callable[..., T], **kwargs: Any) -> T:
    """Call a people action, turning its refusal into intake's (the form shows the message)."""
    try:
        return action(**kwargs)
    except people_actions.PeopleError as exc:
        raise IntakeError(str(exc)) from exc


@transaction.atomic
def record_consultation(*, actor: Staff, data: ConsultationInput) -> tuple[Consultation, bool]:
    """Record a consultation at a window; a new person, household and membership are created through
    people's actions (each audited) in the same transaction. With the action 多機関協働へ the
    household's escalation request is made in the same transaction too (one pending request per
    household: an existing one is kept, not doubled).

    Returns (consultation, created). A repeated submission of the same form (same submission token)
    returns the first record and creates nothing.
    """
    muni = actor.municipality
    assert muni is not None
    existing = Consultation.objects.filter(municipality=muni, submission_token=data.submission_token).first()
    if existing is not None:
        return existing, False
    if data.window.municipality_id != muni.pk:
        raise IntakeError("この窓口は選べません。")
    if actor.organization is None:
        raise IntakeError("所属機関が設定されていない職員は相談を記録できません。管理者に連絡してください。")

    person = data.person
    created_person = False
    if person is None:
        if data.new_person is None:
            raise IntakeError("本人を選ぶか、新しく登録してください。")
        person = _people(people_actions.create_person, actor=actor, data=data.new_person)
        created_person = True
    elif person.municipality_id != muni.pk:
        raise IntakeError("この本人は選べません。")

    household = data.household or people_actions.household_of(person)
    if household is None:
        household = _people(
            people_actions.create_household, actor=actor, address=person.address, area=person.area
        )
    elif household.municipality_id != muni.pk:
        raise IntakeError("この世帯は選べません。")
    _people(
        people_actions.add_member,
        actor=actor,
        household=household,
        person=person,
        relationship=data.relationship,
    )

    consultation = Consultation(
        municipality=muni,
        received_at=data.received_at,
        window=data.window,
        organization=actor.organization,
        staff=actor,
        channel=data.channel,
        consulter_kind=data.consulter_kind,
        consulter_note=data.consulter_note,
        person=person,
        household=household,
        note=data.note,
        actions=list(data.actions),
        referred_to=data.referred_to,
        follow_up_on=data.follow_up_on,
        business_line=data.business_line,
        sharing_consent=data.sharing_consent,
        submission_token=data.submission_token,
    )
    try:
        with transaction.atomic():
            consultation.save()
    except IntegrityError:
        # A concurrent duplicate submission won the race: hand back its record.
        first = Consultation.objects.get(municipality=muni, submission_token=data.submission_token)
        return first, False
    consultation.concerns.set(data.concerns)
    _send_referral(actor, consultation)
    objects: list[tuple[str, int]] = [("consultation", consultation.pk), ("household", household.pk)]
    objects.append(("person", person.pk))
    objects += _record_subjects(consultation, data, person)
    audit.record(
        actor=actor,
        action="create",
        channel="view",
        objects=objects,
        detail={"created_person": created_person},
    )
    if ActionKind.MULTI_AGENCY in data.actions:
        names = "・".join(c.name for c in data.concerns)
        reason = data.escalation_reason.strip() or f"相談受付で対応「多機関協働へ」を選択（課題: {names}）"
        request_escalation(
            actor=actor, household=household, reason=reason, person=person, consultation=consultation
        )
    return consultation, True


def _record_subjects(
    consultation: Consultation, data: ConsultationInput, person: Person
) -> list[tuple[str, int]]:
    """Store whom each concern is about when it is another member of the household (none: the person
    consulting). A member of another household, or a concern not recorded, is refused."""
    chosen = {cid: p for cid, p in data.subjects.items() if p.pk != person.pk}
    if not chosen:
        return []
    concern_ids = {c.pk for c in data.concerns}
    members = set(
        HouseholdMember.objects.filter(household_id=consultation.household_id).values_list(
            "person_id", flat=True
        )
    )
    if not set(chosen) <= concern_ids or any(p.pk not in members for p in chosen.values()):
        raise IntakeError("「誰についての相談か」には、この世帯の人を選んでください。")
    ConcernSubject.objects.bulk_create(
        ConcernSubject(
            municipality_id=consultation.municipality_id, consultation=consultation, concern_id=cid, person=p
        )
        for cid, p in sorted(chosen.items())
    )
    return [("person", p.pk) for p in chosen.values()]


def _send_referral(actor: Staff, consultation: Consultation) -> None:
    """つなぎ先 with 対応「つなぎ」 sends a tracked referral in the same save (intake/referrals.py)."""
    try:
        referrals.send_from_consultation(actor=actor, consultation=consultation)
    except referrals.ReferralError as exc:
        raise IntakeError(str(exc)) from exc


@transaction.atomic
def update_consultation(
    *, actor: Staff, consultation: Consultation, version: int, changes: dict[str, Any]
) -> Consultation:
    """Edit a consultation if nobody saved it since `version` was read; otherwise raise StaleEdit."""
    allowed = {
        "note",
        "actions",
        "referred_to",
        "follow_up_on",
        "status",
        "sharing_consent",
        "channel",
        "consulter_kind",
        "consulter_note",
        "business_line",
    }
    unknown = set(changes) - allowed - {"concerns"}
    if unknown:
        raise IntakeError("変更できない項目が含まれています。")
    concerns = changes.pop("concerns", None)
    updated = Consultation.objects.filter(pk=consultation.pk, version=version).update(
        version=F("version") + 1, updated_at=timezone.now(), **changes
    )
    if updated != 1:
        raise StaleEdit(StaleEdit.message)
    if concerns is not None:
        consultation.concerns.set(concerns)
    consultation.refresh_from_db()
    audit.record(
        actor=actor,
        action="update",
        channel="view",
        objects=[("consultation", consultation.pk)],
        detail={"fields": sorted([*changes, *(["concerns"] if concerns is not None else [])])},
    )
    return consultation


@transaction.atomic
def request_escalation(
    *,
    actor: Staff,
    household: Household,
    reason: str,
    person: Person | None = None,
    consultation: Consultation | None = None,
    rule: EscalationRule | None = None,
) -> tuple[EscalationRequest, bool]:
    """Ask for the household to go to 多機関協働. One pending request per household; a repeat returns it."""
    muni = actor.municipality
    assert muni is not None
    if household.municipality_id != muni.pk or actor.organization is None:
        raise IntakeError("この世帯はつなげません。")
    if not reason.strip():
        raise IntakeError("つなぐ理由を入力してください。")
    pending = EscalationRequest.objects.filter(
        municipality=muni, household=household, status=EscalationStatus.PENDING
    ).first()
    if pending is not None:
        return pending, False
    req = EscalationRequest(
        municipality=muni,
        household=household,
        person=person,
        consultation=consultation,
        rule=rule,
        to_body=rule.to_body if rule else None,
        organization=actor.organization,
        requested_by=actor,
        reason=reason.strip(),
    )
    try:
        with transaction.atomic():
            req.save()
    except IntegrityError:
        return EscalationRequest.objects.get(
            municipality=muni, household=household, status=EscalationStatus.PENDING
        ), False
    audit.record(
        actor=actor,
        action="create",
        channel="view",
        objects=[("escalation_request", req.pk), ("household", household.pk)],
    )
    return req, True


@transaction.atomic
def accept_escalation(*, actor: Staff, request: EscalationRequest, note: str = "") -> EscalationRequest:
    """受理: the request is taken into 多機関協働.

    Accepting and opening the case are one decision: this is called only by cases' `open_case`, inside
    the transaction that opens the household's case (or links the one already open), so a request can
    never be accepted without a case nor a case opened from a request left pending. A request accepted
    before (with no case yet) is returned unchanged; a declined one is refused.
    """
    if request.municipality_id != actor.municipality_id:
        raise IntakeError("別の自治体のつなぎ依頼は扱えません。")
    if actor.role not in ESCALATION_HANDLER_ROLES:
        raise IntakeError("つなぎ依頼を受理できるのは束ね役です。")
    updated = EscalationRequest.objects.filter(pk=request.pk, status=EscalationStatus.PENDING).update(
        status=EscalationStatus.ACCEPTED,
        handled_by=actor,
        handled_at=timezone.now(),
        handling_note=note.strip()[:500],
        version=F("version") + 1,
    )
    request.refresh_from_db()
    if updated != 1:
        if request.status == EscalationStatus.DECLINED:
            raise IntakeError("見送ったつなぎ依頼からはケースを開けません。")
        return request
    audit.record(
        actor=actor,
        action="update",
        channel="view",
        objects=[("escalation_request", request.pk), ("household", request.household_id)],
        detail={"status": [EscalationStatus.PENDING.value, EscalationStatus.ACCEPTED.value]},
    )
    return request


@transaction.atomic
def decline_escalation(
    *, actor: Staff, request: EscalationRequest, version: int, note: str
) -> EscalationRequest:
    """見送り: a coordinator decides the household does not go to 多機関協働 now, and says why."""
    if request.municipality_id != actor.municipality_id:
        raise IntakeError("別の自治体のつなぎ依頼は扱えません。")
    if actor.role not in ESCALATION_HANDLER_ROLES:
        raise IntakeError("つなぎ依頼を見送れるのは束ね役です。")
    if not note.strip():
        raise IntakeError("見送る理由を対応メモに入力してください。依頼した窓口に伝わります。")
    updated = EscalationRequest.objects.filter(
        pk=request.pk, version=version, status=EscalationStatus.PENDING
    ).update(
        status=EscalationStatus.DECLINED,
        handled_by=actor,
        handled_at=timezone.now(),
        handling_note=note.strip(),
        version=F("version") + 1,
    )
    if updated != 1:
        raise StaleEdit(StaleEdit.message)
    request.refresh_from_db()
    audit.record(
        actor=actor,
        action="update",
        channel="view",
        objects=[("escalation_request", request.pk), ("household", request.household_id)],
        detail={"status": [EscalationStatus.PENDING.value, EscalationStatus.DECLINED.value]},
    )
    return request


# ------------------------------------------------------------------------------------------ retention

RETAINED_WITH_CASE = "世帯に保存中のケースがある相談"
RETAINED_REFERENCED = "相談が他の記録から参照されている"
# Rows a consultation's removal may not take with it: the people it is about (people's own retention step
# decides on them) and a case (which has its own period).
KEEP_FOR_CONSULTATIONS = frozenset({"people.Person", "people.Household", "cases.Case"})


@transaction.atomic
def apply_retention(
    *, actor: Staff | None, municipality: Municipality, cutoff: dt.date, keep_households: set[int]
) -> RetentionStep:
    """Intake's retention step: delete the closed consultations of `municipality` last changed before
    `cutoff`, with what hangs on them (concern subjects, referrals, escalation requests), and audit every
    removed id. A consultation of a household in `keep_households` stays (the caller keeps a case there
    whose history is read with the consultations that led to it), as does one something else points at.
    Called by cases' retention run inside its transaction; `actor` None is the scheduled command."""
    expired = Consultation.objects.filter(
        municipality=municipality,
        status=ConsultationStatus.CLOSED,
        updated_at__lt=removal.start_of(cutoff),
    ).order_by("pk")
    with_case = sorted(expired.filter(household__in=keep_households).values_list("pk", flat=True))
    done, blocked, objects = removal.remove_each(
        expired.exclude(household__in=keep_households),
        keep=KEEP_FOR_CONSULTATIONS,
        label="intake.Consultation",
        objects="consultation",
    )
    audit.record_retention(
        actor=actor, municipality=municipality, objects=objects, cutoff=cutoff, counts=done.counts()
    )
    return RetentionStep(removal=done, kept={RETAINED_WITH_CASE: with_case, RETAINED_REFERENCED: blocked})
