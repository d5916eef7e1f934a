"""Demo referrals between windows (つなぎ) for `manage.py setup_demo`: so that the demo window and the demo
agency each see 「送ったつなぎ」「受けたつなぎ」 in every state on first login — waiting, received, accepted,
overdue, closed by first contact, returned with a reason, and one the resident did not consent to share.

Written from the demo consultations (synthetic households only), with their full event history; the
sending and receiving staff are the demo logins. Deterministic by seed.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tsunagu.accounts.models import Staff
from tsunagu.directory.models import Organization, Window

from .models import Consultation
from .referral_models import (
    ContactBy,
    ContactMethod,
    Referral,
    ReferralConsent,
    ReferralEvent,
    ReferralStatus,
)

DEMO_MARK = "（デモ）"


@dataclass(frozen=True)
class _Plan:
    status: str
    sent_days_ago: int
    shared: bool = True
    reason: str = "介護保険サービスの利用について、専門の窓口で相談を続けてほしい。"


# From the window to the agency, then back: every state, two of them overdue.
PLANS = (
    _Plan(ReferralStatus.SENT, 2),
    _Plan(ReferralStatus.SENT, 20),  # overdue: nobody has answered
    _Plan(ReferralStatus.RECEIVED, 5),
    _Plan(ReferralStatus.ACCEPTED, 18),  # overdue: accepted, but no first contact yet
    _Plan(ReferralStatus.ACCEPTED, 4),
    _Plan(ReferralStatus.CLOSED, 30),
    _Plan(ReferralStatus.RETURNED, 12, reason="家計の立て直しについて相談を続けてほしい。"),
    _Plan(ReferralStatus.SENT, 3, shared=False, reason="本人から連絡してもらう予定。"),
)
BACK = (
    _Plan(ReferralStatus.SENT, 1, reason="手続きの支援をお願いしたい。"),
    _Plan(ReferralStatus.CLOSED, 25),
)


def has_demo_referrals(sender: Staff) -> bool:
    return Referral.objects.filter(municipality=sender.municipality, reason__endswith=DEMO_MARK).exists()


def _org(staff: Staff) -> Organization:
    assert staff.organization is not None
    return staff.organization


def _window(staff: Staff) -> Window | None:
    return Window.objects.filter(organization=_org(staff), active=True).order_by("sort_order", "pk").first()


@transaction.atomic
def generate_referrals(*, sender: Staff, receiver: Staff, seed: int = 2026) -> int:
    """Write the demo referrals from `sender`'s organization to `receiver`'s and a few back; returns the count."""
    muni = sender.municipality
    if muni is None or sender.organization_id is None or receiver.organization_id is None:
        return 0
    if sender.organization_id == receiver.organization_id:
        return 0
    rng = random.Random(seed)
    pool = list(
        Consultation.objects.filter(municipality=muni, household__synthetic=True)
        .order_by("pk")
        .select_related("person", "household")[:200]
    )
    rng.shuffle(pool)
    made = 0
    number = (
        Referral.objects.filter(municipality=muni)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
        or 0
    )
    used: set[int] = set()
    jobs = [(p, sender, receiver) for p in PLANS] + [(p, receiver, sender) for p in BACK]
    now = timezone.now().replace(second=0, microsecond=0)
    for plan, src, dst in jobs:
        consultation = next((c for c in pool if c.person_id not in used), None)
        if consultation is None:
            break
        used.add(consultation.person_id)
        number += 1
        sent_at = now - dt.timedelta(days=plan.sent_days_ago, hours=rng.randint(1, 6))
        shared = plan.shared
        referral = Referral.objects.create(
            municipality=muni,
            number=number,
            person=consultation.person,
            household=consultation.household,
            consultation=consultation if consultation.organization_id == src.organization_id else None,
            from_organization=_org(src),
            from_window=_window(src),
            sent_by=src,
            sent_at=sent_at,
            to_organization=_org(dst),
            to_window=_window(dst),
            reason=plan.reason + DEMO_MARK,
            consent=ReferralConsent.SELF if shared else ReferralConsent.NONE,
            consent_note="書面で同意（相談受付・申込票）" if shared else "",
            contact_by=ContactBy.RECEIVER if shared else ContactBy.RESIDENT,
            due_on=timezone.localdate(sent_at) + dt.timedelta(days=muni.referral_due_days),
            submission_token=uuid.UUID(int=rng.getrandbits(128)),
        )
        steps = [(ReferralStatus.SENT, src, 0, "")]
        if plan.status in (ReferralStatus.RECEIVED,):
            steps.append((ReferralStatus.RECEIVED, dst, 1, ""))
        if plan.status in (ReferralStatus.ACCEPTED, ReferralStatus.CLOSED):
            steps.append((ReferralStatus.ACCEPTED, dst, 1, "担当します。"))
        if plan.status == ReferralStatus.CLOSED:
            steps.append((ReferralStatus.CLOSED, dst, 3, "電話で本人と話し、面談の日を決めた。"))
        if plan.status == ReferralStatus.RETURNED:
            steps.append(
                (ReferralStatus.RETURNED, dst, 2, "担当地区の外のため、地区の窓口へつないでください。")
            )
        before = ""
        fields: dict[str, object] = {"status": plan.status}
        for status, who, after_days, note in steps:
            at = sent_at + dt.timedelta(days=after_days, hours=1)
            ReferralEvent.objects.create(
                municipality=muni,
                referral=referral,
                from_status=before,
                to_status=status,
                at=at,
                by=who,
                organization=_org(who),
                note=note,
            )
            before = status
            if status != ReferralStatus.SENT:
                fields.setdefault("received_at", at)
            if status in (ReferralStatus.ACCEPTED, ReferralStatus.RETURNED):
                fields |= {"responded_at": at, "responded_by": who}
            if status == ReferralStatus.RETURNED:
                fields["return_reason"] = note
            if status == ReferralStatus.CLOSED:
                fields |= {
                    "closed_at": at,
                    "first_contact_on": timezone.localdate(at),
                    "first_contact_method": ContactMethod.PHONE,
                    "first_contact_note": note,
                }
        Referral.objects.filter(pk=referral.pk).update(**fields)
        made += 1
    return made
