"""Every write of outreach (アウトリーチ, 第4号): open an engagement, assign its workers, record a contact,
identify the person, close with an outcome.

Each action is one transaction that checks the version the user read (a stale one is refused), saves only
the changed columns and records an audit row. One-shot forms (a new engagement, a contact) carry a
submission token guarded by a unique constraint: a double submit returns the first record.
The caller fetched the engagement through `policy.get_engagement_to_work`; the actions check the city.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from tsunagu.access import audit
from tsunagu.access.permissions import CASEWORK
from tsunagu.accounts.models import Staff
from tsunagu.core.dates import DateKind, date_range_error
from tsunagu.directory.models import Organization
from tsunagu.intake.actions import IntakeError, request_escalation
from tsunagu.municipalities.models import Area, Municipality
from tsunagu.people.actions import household_of
from tsunagu.people.models import Person

from .models import (
    Contact,
    ContactMethod,
    ContactResponse,
    Engagement,
    EngagementStatus,
    EngagementWorker,
    Outcome,
    Reporter,
)

DESCRIPTION_MAX = 200
TEXT_MAX = 4000
# A planned contact further out than this is a typo, not a plan.
PLAN_MAX_DAYS = 365


class OutreachError(ValueError):
    """An outreach write that cannot be done as asked (the message is for the user, in Japanese)."""


class StaleEngagement(OutreachError):
    def __init__(self) -> None:
        super().__init__(
            "このアウトリーチは、画面を開いた後に別の職員が更新しました。最新の内容を確認してから、もう一度操作してください。"
        )


def _city(actor: Staff) -> Municipality:
    muni = actor.municipality
    if muni is None or actor.organization is None or actor.role not in CASEWORK:
        raise OutreachError("所属機関のある相談・支援の職員だけが記録できます。")
    return muni


def _organization(actor: Staff) -> Organization:
    assert actor.organization is not None  # checked by _city
    return actor.organization


def _same_city(muni: Municipality, *objs: object) -> None:
    for obj in objs:
        if obj is not None and getattr(obj, "municipality_id", None) != muni.pk:
            raise OutreachError("この自治体の記録から選んでください。")


def _text(value: str, label: str, limit: int = TEXT_MAX, *, required: bool = False) -> str:
    text = value.replace("\x00", "").strip()
    if required and not text:
        raise OutreachError(f"{label}を入力してください。")
    if len(text) > limit:
        raise OutreachError(f"{label}は{limit}文字以内で入力してください。")
    return text


def _date(value: dt.date, kind: DateKind, label: str) -> dt.date:
    error = date_range_error(value, kind, label)
    if error:
        raise OutreachError(error)
    return value


def _bump(engagement: Engagement, version: int) -> None:
    """Check the version read and bump it in the database (refuses a stale edit)."""
    updated = Engagement.objects.filter(pk=engagement.pk, version=version).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if updated != 1:
        raise StaleEngagement
    engagement.version = version + 1


def _audit(actor: Staff, action: str, engagement: Engagement, operation: str, **detail: object) -> None:
    objects: list[tuple[str, int]] = [("outreach_engagement", engagement.pk)]
    if engagement.person_id:
        objects.append(("person", engagement.person_id))
    if engagement.household_id:
        objects.append(("household", engagement.household_id))
    audit.record(
        actor=actor,
        action=action,
        channel="view",
        objects=objects,
        detail={"operation": operation, **detail},
    )


def _check_workers(muni: Municipality, workers: Sequence[Staff]) -> list[Staff]:
    unique = list({w.pk: w for w in workers}.values())
    for w in unique:
        if w.municipality_id != muni.pk or not w.is_active or w.role not in CASEWORK:
            raise OutreachError("担当者は、この自治体の相談・支援の職員から選んでください。")
    return unique


# ---- open --------------------------------------------------------------------------------------------


@dataclass
class EngagementInput:
    description: str
    reported_by: str
    purpose: str
    started_on: dt.date
    submission_token: uuid.UUID
    reporter_note: str = ""
    area: Area | None = None
    next_contact_on: dt.date | None = None
    workers: Sequence[Staff] = field(default_factory=list)


def _next_number(muni: Municipality) -> int:
    return (Engagement.objects.filter(municipality=muni).aggregate(n=Max("number"))["n"] or 0) + 1


@transaction.atomic
def open_engagement(*, actor: Staff, data: EngagementInput) -> tuple[Engagement, bool]:
    """Open an engagement run by the actor's organization, known at first by a description.

    Returns (engagement, created); a repeated submission (same token) returns the first engagement."""
    muni = _city(actor)
    existing = Engagement.objects.filter(municipality=muni, submission_token=data.submission_token).first()
    if existing is not None:
        return existing, False
    _same_city(muni, data.area)
    if data.reported_by not in Reporter.values:
        raise OutreachError("把握のきっかけを一覧から選んでください。")
    started = _date(data.started_on, DateKind.EVENT, "開始日")
    plan = data.next_contact_on
    if plan is not None:
        _date(plan, DateKind.SCHEDULE, "次回の接触予定日")
        if plan < started or plan > started + dt.timedelta(days=PLAN_MAX_DAYS):
            raise OutreachError("次回の接触予定日は、開始日から1年以内の日付にしてください。")
    workers = _check_workers(muni, data.workers)
    engagement = Engagement(
        municipality=muni,
        description=_text(data.description, "対象者の様子・呼び名", DESCRIPTION_MAX, required=True),
        reported_by=data.reported_by,
        reporter_note=_text(data.reporter_note, "連絡してきた人・経緯", DESCRIPTION_MAX),
        area=data.area,
        purpose=_text(data.purpose, "目的", required=True),
        organization=_organization(actor),
        started_on=started,
        next_contact_on=plan,
        created_by=actor,
        submission_token=data.submission_token,
    )
    # Numbers run per municipality; a concurrent writer that takes the same number retries.
    for _attempt in range(3):
        engagement.number = _next_number(muni)
        try:
            with transaction.atomic():
                engagement.save()
            break
        except IntegrityError:
            again = Engagement.objects.filter(
                municipality=muni, submission_token=data.submission_token
            ).first()
            if again is not None:
                return again, False
    else:
        raise OutreachError("番号の採番が重なりました。もう一度保存してください。")
    EngagementWorker.objects.bulk_create(
        [EngagementWorker(municipality=muni, engagement=engagement, staff=w) for w in workers]
    )
    _audit(actor, "create", engagement, "open", workers=[w.pk for w in workers])
    return engagement, True


@transaction.atomic
def assign_workers(
    *, actor: Staff, engagement: Engagement, version: int, workers: Sequence[Staff]
) -> Engagement:
    """Replace the engagement's assigned workers (担当者) with `workers`."""
    muni = _city(actor)
    _same_city(muni, engagement)
    if not engagement.is_active:
        raise OutreachError("終了したアウトリーチの担当者は変えられません。")
    chosen = _check_workers(muni, workers)
    _bump(engagement, version)
    before = set(EngagementWorker.objects.filter(engagement=engagement).values_list("staff_id", flat=True))
    after = {w.pk for w in chosen}
    EngagementWorker.objects.filter(engagement=engagement, staff_id__in=before - after).delete()
    EngagementWorker.objects.bulk_create(
        [
            EngagementWorker(municipality=muni, engagement=engagement, staff=w)
            for w in chosen
            if w.pk not in before
        ]
    )
    _audit(
        actor,
        "update",
        engagement,
        "assign_workers",
        added=sorted(after - before),
        removed=sorted(before - after),
    )
    return engagement


# ---- contacts ----------------------------------------------------------------------------------------


@dataclass
class ContactInput:
    on: dt.date
    method: str
    response: str
    submission_token: uuid.UUID
    note: str = ""
    companions: str = ""
    next_contact_on: dt.date | None = None


@transaction.atomic
def record_contact(
    *, actor: Staff, engagement: Engagement, version: int, data: ContactInput
) -> tuple[Contact, bool]:
    """Record one attempt or contact and the next planned contact date (empty: none planned).

    Returns (contact, created); a repeated submission (same token) returns the first contact."""
    muni = _city(actor)
    _same_city(muni, engagement)
    existing = Contact.objects.filter(municipality=muni, submission_token=data.submission_token).first()
    if existing is not None:
        return existing, False
    if not engagement.is_active:
        raise OutreachError("終了したアウトリーチには接触を記録できません。")
    if data.method not in ContactMethod.values:
        raise OutreachError("接触の方法を一覧から選んでください。")
    if data.response not in ContactResponse.values:
        raise OutreachError("本人の反応を一覧から選んでください。")
    on = _date(data.on, DateKind.EVENT, "接触日")
    if on < engagement.started_on:
        raise OutreachError("接触日は、アウトリーチの開始日以降の日付にしてください。")
    plan = data.next_contact_on
    if plan is not None:
        _date(plan, DateKind.SCHEDULE, "次回の接触予定日")
        if plan < on or plan > on + dt.timedelta(days=PLAN_MAX_DAYS):
            raise OutreachError("次回の接触予定日は、接触日から1年以内の日付にしてください。")
    _bump(engagement, version)
    contact = Contact.objects.create(
        municipality=muni,
        engagement=engagement,
        on=on,
        method=data.method,
        response=data.response,
        companions=_text(data.companions, "同行者・仲介した人", DESCRIPTION_MAX),
        note=_text(data.note, "記録"),
        by=actor,
        organization=_organization(actor),
        submission_token=data.submission_token,
    )
    engagement.next_contact_on = plan
    engagement.save(update_fields=["next_contact_on"])
    _audit(actor, "create", engagement, "record_contact", contact=contact.pk, next_contact_on=str(plan or ""))
    return contact, True


# ---- identify ----------------------------------------------------------------------------------------


@transaction.atomic
def identify_person(*, actor: Staff, engagement: Engagement, version: int, person: Person) -> Engagement:
    """Name the person the engagement is about (a person the actor found through people's search), and
    their household; from then on its contacts appear on the household timeline."""
    muni = _city(actor)
    _same_city(muni, engagement, person)
    if person.merged_into_id is not None:
        raise OutreachError("この本人の記録は名寄せで統合されています。統合先の記録を選んでください。")
    if engagement.person_id == person.pk:
        return engagement
    _bump(engagement, version)
    before = engagement.person_id
    engagement.person = person
    engagement.household = household_of(person)
    engagement.identified_at = timezone.now()
    engagement.save(update_fields=["person", "household", "identified_at"])
    _audit(actor, "update", engagement, "identify", previous_person=before)
    return engagement


# ---- close -------------------------------------------------------------------------------------------


@dataclass
class CloseInput:
    outcome: str
    closed_on: dt.date
    note: str = ""
    organization: Organization | None = None


@transaction.atomic
def close_engagement(*, actor: Staff, engagement: Engagement, version: int, data: CloseInput) -> Engagement:
    """Close with an outcome. つながった機関 names the organization; 多機関協働へ asks for the household's
    escalation through intake's action (the person must be identified); 終了 needs a reason."""
    muni = _city(actor)
    _same_city(muni, engagement, data.organization)
    if not engagement.is_active:
        raise OutreachError("このアウトリーチはすでに終了しています。")
    if data.outcome not in Outcome.values:
        raise OutreachError("結果を一覧から選んでください。")
    closed_on = _date(data.closed_on, DateKind.EVENT, "終了日")
    if closed_on < engagement.started_on:
        raise OutreachError("終了日は、アウトリーチの開始日以降の日付にしてください。")
    note = _text(data.note, "終了の理由・引き継ぎ")
    organization = data.organization if data.outcome == Outcome.CONNECTED else None
    if data.outcome == Outcome.CONNECTED and organization is None:
        raise OutreachError("つながった機関を選んでください。")
    if organization is not None and not organization.active:
        raise OutreachError("この機関は現在使われていません。")
    if data.outcome == Outcome.ENDED and not note:
        raise OutreachError("終了の理由を入力してください。")
    if data.outcome in (Outcome.COLLABORATION, Outcome.PARTICIPATION) and engagement.household_id is None:
        raise OutreachError(
            "本人を特定してから、参加支援・多機関協働へつないでください（「本人を特定する」）。"
        )
    _bump(engagement, version)
    if data.outcome == Outcome.COLLABORATION:
        assert engagement.household is not None
        try:
            request, _created = request_escalation(
                actor=actor,
                household=engagement.household,
                person=engagement.person,
                reason=note or f"アウトリーチ No.{engagement.number} から多機関協働へ",
            )
        except IntakeError as exc:
            raise OutreachError(str(exc)) from None
        engagement.escalation_request = request
    engagement.status = EngagementStatus.CLOSED
    engagement.outcome = data.outcome
    engagement.outcome_organization = organization
    engagement.outcome_note = note
    engagement.closed_on = closed_on
    engagement.closed_by = actor
    engagement.next_contact_on = None
    engagement.save(
        update_fields=[
            "status",
            "outcome",
            "outcome_organization",
            "outcome_note",
            "closed_on",
            "closed_by",
            "next_contact_on",
            "escalation_request",
        ]
    )
    _audit(actor, "update", engagement, "close", outcome=data.outcome)
    return engagement
