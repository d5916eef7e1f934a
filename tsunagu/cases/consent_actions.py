"""Consent (本人同意): recording and withdrawing it, with the legal basis when there is none."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from tsunagu.accounts.models import Staff
from tsunagu.directory.models import MeetingKind, Organization
from tsunagu.people.models import HouseholdMember, Person

from .action_base import (
    CaseError,
    _audit,
    _change,
    _require_open,
    _same_city,
)
from .models import (
    ADULT_AGE,
    Case,
    Consent,
    ConsentBasis,
    ConsentMethod,
)

# ---- consent -------------------------------------------------------------------------------------


@dataclass
class ConsentInput:
    given_by: Person
    persons: list[Person]
    organizations: list[Organization]
    method: str
    given_on: dt.date
    meeting_kinds: list[str] = field(default_factory=list)
    expires_on: dt.date | None = None
    given_by_note: str = ""
    basis: str = ConsentBasis.SELF
    submission_token: uuid.UUID | None = None


def _check_basis(data: ConsentInput) -> None:
    """Agreeing for someone else needs an authority: a parent for a minor child (親権者), a guardian
    (成年後見人等) or an agent the person appointed (代理人) for an adult. 本人 agrees for themselves only."""
    if data.basis not in ConsentBasis.values:
        raise CaseError("同意の根拠（本人・親権者・成年後見人等・代理人）を選んでください。")
    others = [p for p in data.persons if p.pk != data.given_by.pk]
    if data.basis == ConsentBasis.SELF:
        if others:
            raise CaseError(
                "本人以外の人について同意を記録するには、同意の根拠（未成年の子なら親権者、成人なら"
                "成年後見人等または代理人）を選んでください。本人の同意は、本人の分だけ記録できます。"
            )
        return
    if not others:
        raise CaseError("同意した人が自分の分だけ同意したときは、同意の根拠に「本人」を選んでください。")
    if data.basis == ConsentBasis.PARENT:
        ages = [p.age(data.given_on) for p in others]
        if any(age is None or age >= ADULT_AGE for age in ages):
            raise CaseError(
                "親権者として同意できるのは、未成年（18歳未満）の子の分だけです。"
                "成人（または年齢の分からない人）の分は、成年後見人等または本人から委任された代理人の同意が必要です。"
            )


@transaction.atomic(durable=True)
def record_consent(*, actor: Staff, case: Case, data: ConsentInput, document: object = None) -> Consent:
    """Record 本人同意: who, for which persons, to which organizations and meeting kinds, until when.

    Idempotent per form: a repeated submission (same `submission_token`) returns the first record and
    records nothing more, also when two submissions race (the unique constraint decides)."""
    _same_city(actor, case)  # defence in depth: views already fetch through access
    _same_city(actor, data.given_by, *data.persons, *data.organizations)
    _require_open(case)
    member_ids = set(
        HouseholdMember.objects.filter(household=case.household).values_list("person_id", flat=True)
    )
    if data.given_by.pk not in member_ids and not data.given_by_note.strip():
        raise CaseError("同意した人が世帯員でない場合は、代理人などの続柄を補足に書いてください。")
    if not data.persons or any(p.pk not in member_ids for p in data.persons):
        raise CaseError("同意の対象となる人を、世帯員から1人以上選んでください。")
    if not data.organizations:
        raise CaseError("共有してよい機関を1つ以上選んでください。")
    if data.method not in ConsentMethod.values:
        raise CaseError("同意の方法を選んでください。")
    if any(k not in MeetingKind.values for k in data.meeting_kinds):
        raise CaseError("会議の種類が正しくありません。")
    if data.given_on > timezone.localdate():
        raise CaseError("同意日に未来の日付は入力できません。")
    if data.expires_on is not None and data.expires_on < data.given_on:
        raise CaseError("有効期限は同意日より後の日付にしてください。")
    _check_basis(data)
    if (first := _submitted(case, data.submission_token)) is not None:
        return first
    try:
        with transaction.atomic():
            consent = _create(actor, case, data, document)
    except IntegrityError:
        first = _submitted(case, data.submission_token)
        if first is None:  # the token belongs to another case's form: never one of ours
            raise CaseError(
                "この送信は処理できません。画面を開き直して、もう一度入力してください。"
            ) from None
        return first
    consent.persons.set(data.persons)
    consent.organizations.set(data.organizations)
    _audit(actor, "create", case, ("consent", consent.pk))
    return consent


def _submitted(case: Case, token: uuid.UUID | None) -> Consent | None:
    if token is None:
        return None
    return Consent.objects.filter(
        municipality_id=case.municipality_id, case=case, submission_token=token
    ).first()


def _create(actor: Staff, case: Case, data: ConsentInput, document: object) -> Consent:
    return Consent.objects.create(
        municipality=case.municipality,
        case=case,
        given_by=data.given_by,
        given_by_note=data.given_by_note.strip(),
        basis=data.basis,
        meeting_kinds=list(dict.fromkeys(data.meeting_kinds)),
        method=data.method,
        given_on=data.given_on,
        expires_on=data.expires_on,
        recorded_by=actor,
        submission_token=data.submission_token,
        **({"document": document} if document else {}),
    )


@transaction.atomic(durable=True)
def withdraw_consent(*, actor: Staff, consent: Consent, note: str) -> Consent:
    """撤回: takes effect at once — from this moment nothing more is shared on its strength."""
    _same_city(actor, consent)  # defence in depth: views already fetch through access
    if not note.strip():
        raise CaseError("撤回の経緯を記録してください。")
    n = Consent.objects.filter(pk=consent.pk, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now(), withdrawn_by=actor, withdrawal_note=note.strip()
    )
    if n != 1:
        raise CaseError("この同意はすでに撤回されています。")
    consent.refresh_from_db()
    _audit(
        actor,
        "update",
        consent.case,
        ("consent", consent.pk),
        withdrawn=_change(False, True),
        withdrawn_at=_change(None, consent.withdrawn_at),
    )
    return consent
