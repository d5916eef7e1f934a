"""Every write of a referral between windows (つなぎ): send, receive, accept, return, first contact,
withdraw, and the consent behind it.

    送付 (sent) ─► 受信確認 (received) ─► 受け入れ (accepted) ─► 完了・初回連絡済み (closed)
        │               │                     │
        └───────────────┴─────────────────────┴─► 差し戻し (returned, with a reason; receiver)
                                                └─► 取り下げ (withdrawn, with a reason; sender)

The receiving organization receives, accepts, returns and records the first contact (which closes the
referral; recorded before accepting, it accepts too). The sending organization withdraws and records the
resident's consent. Each step is one transaction: the version the user read is checked (a stale one is
refused), the version bumped, a `ReferralEvent` written, only the changed columns saved and an audit
row recorded with the old and new state.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from tsunagu.access import audit
from tsunagu.accounts.models import Staff
from tsunagu.core.dates import DateKind, date_range_error
from tsunagu.directory.models import Organization, Window
from tsunagu.municipalities.models import Municipality
from tsunagu.people.models import Household, HouseholdMember, Person

from .models import ActionKind, Consultation, SharingConsent
from .referral_models import (
    DUE_CHANGE_PREFIX,
    OPEN_REFERRAL_STATUSES,
    ContactBy,
    ContactMethod,
    Referral,
    ReferralConsent,
    ReferralEvent,
    ReferralStatus,
)

REASON_MAX = 2000
NOTE_MAX = 200
# A due date further out than this is a typo, not a plan.
DUE_MAX_DAYS = 365
# Deterministic submission tokens for referrals a consultation creates (its つなぎ先).
_CONSULTATION_TOKENS = uuid.UUID("6f1d7c2e-3a51-4d0c-9b8e-2f7a1c5e9d40")


class ReferralError(Exception):
    """A referral step that cannot be done as asked (the message is for the user, in Japanese)."""


class StaleReferral(ReferralError):
    def __init__(self) -> None:
        super().__init__(
            "このつなぎは、画面を開いた後に別の職員が更新しました。最新の内容を確認してから、もう一度操作してください。"
        )


@dataclass
class ReferralInput:
    person: Person
    household: Household
    to_organization: Organization
    consent: str
    contact_by: str
    submission_token: uuid.UUID
    reason: str = ""
    consent_note: str = ""
    to_window: Window | None = None
    from_window: Window | None = None
    consultation: Consultation | None = None
    due_on: dt.date | None = None


def default_due_on(municipality: Municipality, sent_on: dt.date) -> dt.date:
    """The first-contact due date: the sending day plus the city's interval (profile `referral_due_days`)."""
    return sent_on + dt.timedelta(days=municipality.referral_due_days)


def _same_city(actor: Staff, *objs: object) -> None:
    for obj in objs:
        if obj is not None and getattr(obj, "municipality_id", None) != actor.municipality_id:
            raise ReferralError("別の自治体の記録は扱えません。")


def _check_consent(consent: str, consent_note: str, contact_by: str) -> None:
    if consent not in ReferralConsent.values:
        raise ReferralError("情報提供への同意を選んでください。")
    if contact_by not in ContactBy.values:
        raise ReferralError("初回連絡のしかたを選んでください。")
    if len(consent_note) > NOTE_MAX:
        raise ReferralError(f"同意の確認方法・理由は{NOTE_MAX}文字以内で入力してください。")
    if consent == ReferralConsent.EMERGENCY and not consent_note.strip():
        raise ReferralError(
            "同意を得ずに提供する場合は、その理由（生命・身体・財産の保護に必要で、本人の同意を得ることが困難な事情）を入力してください。"
        )
    if consent == ReferralConsent.NONE and contact_by != ContactBy.RESIDENT:
        raise ReferralError(
            "本人の同意がないときは、つなぎ先に本人のことを伝えられません。「本人からつなぎ先へ連絡する」を選んでください。"
        )


def _next_number(muni: Municipality) -> int:
    return (Referral.objects.filter(municipality=muni).aggregate(n=Max("number"))["n"] or 0) + 1


def _event(actor: Staff, referral: Referral, from_status: str, to_status: str, note: str = "") -> None:
    assert actor.organization_id is not None
    ReferralEvent.objects.create(
        municipality_id=referral.municipality_id,
        referral=referral,
        from_status=from_status,
        to_status=to_status,
        by=actor,
        organization_id=actor.organization_id,
        note=note,
    )


def _audit(actor: Staff, action: str, referral: Referral, **detail: Any) -> None:
    audit.record(
        actor=actor,
        action=action,
        channel="view",
        objects=[
            ("referral", referral.pk),
            ("household", referral.household_id),
            ("person", referral.person_id),
        ],
        detail=detail or None,
    )


@transaction.atomic
def send_referral(*, actor: Staff, data: ReferralInput) -> tuple[Referral, bool]:
    """Send a referral from the actor's organization. Returns (referral, created): a repeated submission
    (same token), or an open referral of the same person to the same organization, returns that one."""
    muni = actor.municipality
    if muni is None or actor.organization is None:
        raise ReferralError("所属機関が設定されていない職員はつなぎを送れません。管理者に連絡してください。")
    existing = Referral.objects.filter(municipality=muni, submission_token=data.submission_token).first()
    if existing is not None:
        return existing, False
    _same_city(actor, data.person, data.household, data.to_organization, data.to_window, data.from_window)
    _same_city(actor, data.consultation)
    if not data.to_organization.active:
        raise ReferralError("このつなぎ先は現在使われていません。")
    if data.to_organization.pk == actor.organization_id:
        raise ReferralError("自分の機関へはつなげません。つなぎ先には別の機関を選んでください。")
    if data.to_window is not None and data.to_window.organization_id != data.to_organization.pk:
        raise ReferralError("つなぎ先の窓口は、つなぎ先の機関の窓口から選んでください。")
    if data.from_window is not None and data.from_window.organization_id != actor.organization_id:
        raise ReferralError("つなぎ元の窓口は、自分の機関の窓口から選んでください。")
    if not HouseholdMember.objects.filter(household=data.household, person=data.person).exists():
        raise ReferralError("本人は、この世帯の世帯員から選んでください。")
    if data.consultation is not None and (
        data.consultation.person_id != data.person.pk
        or data.consultation.organization_id != actor.organization_id
    ):
        raise ReferralError("もとの相談は、この本人について自分の機関が記録した相談から選んでください。")
    reason = data.reason.strip()
    if len(reason) > REASON_MAX:
        raise ReferralError(f"つなぐ理由は{REASON_MAX}文字以内で入力してください。")
    _check_consent(data.consent, data.consent_note, data.contact_by)
    now = timezone.now()
    today = timezone.localdate(now)
    due_on = data.due_on or default_due_on(muni, today)
    if due_on < today or due_on > today + dt.timedelta(days=DUE_MAX_DAYS):
        raise ReferralError("初回連絡の期限は、今日から1年以内の日付にしてください。")
    open_one = Referral.objects.filter(
        municipality=muni,
        person=data.person,
        to_organization=data.to_organization,
        status__in=OPEN_REFERRAL_STATUSES,
    ).first()
    if open_one is not None:
        return open_one, False
    referral = Referral(
        municipality=muni,
        person=data.person,
        household=data.household,
        consultation=data.consultation,
        from_organization=actor.organization,
        from_window=data.from_window,
        sent_by=actor,
        sent_at=now,
        to_organization=data.to_organization,
        to_window=data.to_window,
        reason=reason,
        consent=data.consent,
        consent_note=data.consent_note.strip(),
        contact_by=data.contact_by,
        due_on=due_on,
        submission_token=data.submission_token,
    )
    # Numbers run per municipality; a concurrent sender that takes the same number retries.
    for _attempt in range(3):
        referral.number = _next_number(muni)
        try:
            with transaction.atomic():
                referral.save()
            break
        except IntegrityError:
            again = (
                Referral.objects.filter(municipality=muni, submission_token=data.submission_token).first()
                or Referral.objects.filter(
                    municipality=muni,
                    person=data.person,
                    to_organization=data.to_organization,
                    status__in=OPEN_REFERRAL_STATUSES,
                ).first()
            )
            if again is not None:
                return again, False
            referral.pk = None
    else:
        raise ReferralError("つなぎ番号を割り当てられませんでした。もう一度操作してください。")
    _event(actor, referral, "", ReferralStatus.SENT)
    _audit(actor, "create", referral, to=ReferralStatus.SENT, consent=referral.consent)
    return referral, True


def send_from_consultation(*, actor: Staff, consultation: Consultation) -> Referral | None:
    """The referral a consultation's つなぎ先 sends (called by `record_consultation` in its transaction).

    Consent follows the consultation's 情報共有への同意: 同意あり is the person's own consent; otherwise
    nothing about the person goes to the receiver, and the resident contacts it themselves. Nothing is
    sent when no つなぎ先 is chosen or it is the recording organization itself."""
    target = consultation.referred_to
    if target is None or ActionKind.REFERRAL not in consultation.actions:
        return None
    if target.pk == consultation.organization_id:
        return None
    consented = consultation.sharing_consent == SharingConsent.CONSENTED
    referral, _created = send_referral(
        actor=actor,
        data=ReferralInput(
            person=consultation.person,
            household=consultation.household,
            to_organization=target,
            consent=ReferralConsent.SELF if consented else ReferralConsent.NONE,
            consent_note="相談受付で「同意あり」" if consented else "",
            contact_by=ContactBy.RECEIVER if consented else ContactBy.RESIDENT,
            submission_token=uuid.uuid5(_CONSULTATION_TOKENS, str(consultation.submission_token)),
            from_window=consultation.window
            if consultation.window.organization_id == actor.organization_id
            else None,
            consultation=consultation,
        ),
    )
    return referral


# ---- the state machine ---------------------------------------------------------------------------

SENDER, RECEIVER = "sender", "receiver"


def _guard(
    actor: Staff, referral: Referral, version: int, side: str, allowed_from: tuple[str, ...], verb: str
) -> None:
    """Who acts (the right side's organization), the version read, then the state."""
    _same_city(actor, referral)
    org_id = referral.to_organization_id if side == RECEIVER else referral.from_organization_id
    if actor.organization_id != org_id:
        who = "つなぎ先" if side == RECEIVER else "つなぎ元"
        raise ReferralError(f"{verb}のは{who}の機関の職員です。")
    if referral.version != version:
        raise StaleReferral()
    if referral.status not in allowed_from:
        raise ReferralError(f"「{ReferralStatus(referral.status).label}」のつなぎは{verb}ことができません。")


def _move(
    *,
    actor: Staff,
    referral: Referral,
    version: int,
    to: str,
    side: str,
    allowed_from: tuple[str, ...],
    verb: str,
    note: str = "",
    fields: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> Referral:
    """Guard; then bump the version, save only the changed columns, write the event and the audit row."""
    _guard(actor, referral, version, side, allowed_from, verb)
    if Referral.objects.filter(pk=referral.pk, version=version).update(version=F("version") + 1) != 1:
        raise StaleReferral()
    referral.version = version + 1
    before = referral.status
    changed = dict(fields or {})
    if to != before:
        changed["status"] = to
    for name, value in changed.items():
        setattr(referral, name, value)
    referral.save(update_fields=[*changed, "updated_at"])
    _event(actor, referral, before, to, note)
    _audit(actor, "update", referral, **{"from": before, "to": to, **(detail or {})})
    return referral


@transaction.atomic
def receive_referral(*, actor: Staff, referral: Referral, version: int) -> Referral:
    """受信確認: the receiving organization has seen the referral (not yet decided)."""
    return _move(
        actor=actor,
        referral=referral,
        version=version,
        to=ReferralStatus.RECEIVED,
        side=RECEIVER,
        allowed_from=(ReferralStatus.SENT,),
        verb="受信確認する",
        fields={"received_at": timezone.now()},
    )


@transaction.atomic
def accept_referral(*, actor: Staff, referral: Referral, version: int, note: str = "") -> Referral:
    """受け入れ: the receiving organization takes the resident on; the actor becomes its contact."""
    now = timezone.now()
    return _move(
        actor=actor,
        referral=referral,
        version=version,
        to=ReferralStatus.ACCEPTED,
        side=RECEIVER,
        allowed_from=(ReferralStatus.SENT, ReferralStatus.RECEIVED),
        verb="受け入れる",
        note=note.strip(),
        fields={"received_at": referral.received_at or now, "responded_at": now, "responded_by": actor},
    )


@transaction.atomic
def return_referral(*, actor: Staff, referral: Referral, version: int, reason: str) -> Referral:
    """差し戻し: the receiving organization cannot take it on; the reason goes back to the sender."""
    reason = reason.strip()
    if not reason:
        raise ReferralError(
            "差し戻す理由を入力してください（つなぎ元が次のつなぎ先を考える手がかりになります）。"
        )
    if len(reason) > REASON_MAX:
        raise ReferralError(f"差し戻す理由は{REASON_MAX}文字以内で入力してください。")
    now = timezone.now()
    return _move(
        actor=actor,
        referral=referral,
        version=version,
        to=ReferralStatus.RETURNED,
        side=RECEIVER,
        allowed_from=OPEN_REFERRAL_STATUSES,
        verb="差し戻す",
        note=reason,
        fields={
            "return_reason": reason,
            "responded_at": now,
            "responded_by": actor,
            "received_at": referral.received_at or now,
        },
    )


@transaction.atomic
def record_first_contact(
    *, actor: Staff, referral: Referral, version: int, on: dt.date, method: str, note: str = ""
) -> Referral:
    """初回連絡: the receiving window has reached the resident; this closes the referral. Recorded before
    accepting, it accepts in the same step (both appear in the history)."""
    if method not in ContactMethod.values:
        raise ReferralError("初回連絡の方法を選んでください。")
    range_error = date_range_error(on, DateKind.EVENT, "初回連絡日")
    if range_error:
        raise ReferralError(range_error)
    if on < timezone.localdate(referral.sent_at):
        raise ReferralError("初回連絡日は、つなぎを送った日より後の日付にしてください。")
    if len(note) > REASON_MAX:
        raise ReferralError(f"初回連絡の記録は{REASON_MAX}文字以内で入力してください。")
    now = timezone.now()
    fields: dict[str, Any] = {
        "first_contact_on": on,
        "first_contact_method": method,
        "first_contact_note": note.strip(),
        "closed_at": now,
        "received_at": referral.received_at or now,
    }
    verb = "初回連絡を記録する"
    _guard(actor, referral, version, RECEIVER, OPEN_REFERRAL_STATUSES, verb)
    original = referral.status
    if original in (ReferralStatus.SENT, ReferralStatus.RECEIVED):
        fields |= {"responded_at": now, "responded_by": actor}
        _event(actor, referral, original, ReferralStatus.ACCEPTED, "初回連絡の記録とあわせて受け入れ")
        referral.status = ReferralStatus.ACCEPTED  # saved as 完了 below, in the same transaction
    return _move(
        actor=actor,
        referral=referral,
        version=version,
        to=ReferralStatus.CLOSED,
        side=RECEIVER,
        allowed_from=OPEN_REFERRAL_STATUSES,
        verb=verb,
        note=note.strip(),
        fields=fields,
        detail={"from": original},
    )


@transaction.atomic
def withdraw_referral(*, actor: Staff, referral: Referral, version: int, reason: str) -> Referral:
    """取り下げ: the sending organization takes the referral back (the resident declined, went elsewhere…)."""
    reason = reason.strip()
    if not reason:
        raise ReferralError("取り下げる理由を入力してください。")
    if len(reason) > REASON_MAX:
        raise ReferralError(f"取り下げる理由は{REASON_MAX}文字以内で入力してください。")
    return _move(
        actor=actor,
        referral=referral,
        version=version,
        to=ReferralStatus.WITHDRAWN,
        side=SENDER,
        allowed_from=OPEN_REFERRAL_STATUSES,
        verb="取り下げる",
        note=reason,
        fields={"withdraw_reason": reason},
    )


@transaction.atomic
def change_consent(
    *, actor: Staff, referral: Referral, version: int, consent: str, consent_note: str = ""
) -> Referral:
    """The sending window records the resident's consent as it now stands (given later by phone, or
    withdrawn). Withdrawn consent hides the content from the receiver at once."""
    consent_note = consent_note.strip()
    contact_by = referral.contact_by
    if referral.is_open and consent == ReferralConsent.NONE and contact_by != ContactBy.RESIDENT:
        raise ReferralError(
            "つなぎ先から本人へ連絡する約束のつなぎです。同意なしにするときは、いったん取り下げて、"
            "「本人からつなぎ先へ連絡する」で送り直してください。"
        )
    _check_consent(
        consent, consent_note, ContactBy.RESIDENT if consent == ReferralConsent.NONE else contact_by
    )
    if consent == referral.consent and consent_note == referral.consent_note:
        raise ReferralError("同意の記録が変わっていません。")
    old = referral.consent
    label = f"同意の記録: {ReferralConsent(old).label} → {ReferralConsent(consent).label}"
    return _move(
        actor=actor,
        referral=referral,
        version=version,
        to=referral.status,
        side=SENDER,
        allowed_from=tuple(s for s in ReferralStatus.values if s != ReferralStatus.WITHDRAWN),
        verb="同意を記録する",
        note=label,
        fields={"consent": consent, "consent_note": consent_note},
        detail={"consent_from": old, "consent_to": consent},
    )


@transaction.atomic
def change_due_on(*, actor: Staff, referral: Referral, version: int, due_on: dt.date, note: str) -> Referral:
    """期限の変更: either side moves the first-contact due date of an open referral (the resident asked
    for a later meeting, the receiver is closed for a week …), with the reason in the history."""
    note = note.strip()
    if not note:
        raise ReferralError("期限を変える理由を入力してください。")
    if len(note) > NOTE_MAX:
        raise ReferralError(f"期限を変える理由は{NOTE_MAX}文字以内で入力してください。")
    today = timezone.localdate()
    if due_on < today or due_on > today + dt.timedelta(days=DUE_MAX_DAYS):
        raise ReferralError("初回連絡の期限は、今日から1年以内の日付にしてください。")
    if due_on == referral.due_on:
        raise ReferralError("期限が変わっていません。")
    side = RECEIVER if actor.organization_id == referral.to_organization_id else SENDER
    old = referral.due_on
    return _move(
        actor=actor,
        referral=referral,
        version=version,
        to=referral.status,
        side=side,
        allowed_from=OPEN_REFERRAL_STATUSES,
        verb="期限を変える",
        note=f"{DUE_CHANGE_PREFIX}: {old:%Y-%m-%d} → {due_on:%Y-%m-%d}（{note}）",
        fields={"due_on": due_on},
        detail={"due_from": old.isoformat(), "due_to": due_on.isoformat()},
    )
