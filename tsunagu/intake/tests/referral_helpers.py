"""Builders for the referral (つなぎ) tests: a city with a sending window and a receiving agency."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from tsunagu.accounts.models import Staff
from tsunagu.intake import referrals
from tsunagu.intake.models import Consultation
from tsunagu.intake.referral_models import Referral

from .helpers import City

SECRET = "秘密の相談メモXYZ"


def send(
    city: City,
    consultation: Consultation,
    *,
    consent: str = "self",
    contact_by: str = "receiver",
    actor: Staff | None = None,
    due_on: dt.date | None = None,
    consent_note: str = "",
    reason: str = f"介護保険の申請を手伝ってほしい {SECRET}",
) -> Referral:
    referral, created = referrals.send_referral(
        actor=actor or city.window_worker,
        data=referrals.ReferralInput(
            person=consultation.person,
            household=consultation.household,
            to_organization=city.agency_org,
            consent=consent,
            consent_note=consent_note,
            contact_by=contact_by,
            reason=reason,
            submission_token=uuid.uuid4(),
            from_window=city.window,
            consultation=consultation,
            due_on=due_on,
        ),
    )
    assert created
    return referral


def make_overdue(referral: Referral, days: int = 3) -> Referral:
    """Move a referral back in time so that its due date passed `days` days ago."""
    today = timezone.localdate()
    Referral.objects.filter(pk=referral.pk).update(
        sent_at=timezone.now() - dt.timedelta(days=days + 14), due_on=today - dt.timedelta(days=days)
    )
    referral.refresh_from_db()
    return referral
