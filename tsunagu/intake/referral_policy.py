"""Who may read which referrals between windows (つなぎ), and how much of each.

- Only casework staff of the referral's municipality read anything (`access.scope.casework`).
- A referral is *listed* for the staff of the organization that sent it and of the organization it is
  addressed to (「送ったつなぎ」「受けたつなぎ」). Nobody else sees it exists.
- Its *content* — who it is about, the reason, the consultation it came from — is read by the sending
  organization always, and by the receiving organization only while the resident's consent to the
  provision (本人・代理人の同意, or the emergency exception) stands and the referral has not been returned or
  withdrawn. Without consent the receiver sees only that a referral exists, its number, its dates and
  how to reach the sending window; the resident contacts the receiving window themselves.
- Through the registry (`access.registry`, kind "consultation") a referral with content shared opens the
  consultation it came from to the receiving organization, under the same conditions.
Missing and forbidden look the same: `Http404`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from tsunagu.access.scope import Casework, casework, get_for
from tsunagu.accounts.models import Staff

from .referral_models import SHARING_CONSENTS, Referral, ReferralStatus

# States in which a receiver with consent still reads the content (not after returning it, nor after the
# sender withdrew it).
RECEIVER_READS = (
    ReferralStatus.SENT,
    ReferralStatus.RECEIVED,
    ReferralStatus.ACCEPTED,
    ReferralStatus.CLOSED,
)

CONSULTATION_RULE = "intake.referral_consent"
CONSULTATION_RULE_LABEL = "窓口間のつなぎ（本人の同意による情報提供）"


def visible_referrals(staff: Staff) -> QuerySet[Referral]:
    """Referrals the staff member's organization sent or received (their existence, not their content)."""
    cw = casework(staff)
    if cw is None:
        return Referral.objects.none()
    return Referral.objects.filter(municipality_id=cw.municipality_id).filter(
        Q(from_organization_id=cw.organization_id) | Q(to_organization_id=cw.organization_id)
    )


def sent_referrals(staff: Staff) -> QuerySet[Referral]:
    cw = casework(staff)
    if cw is None:
        return Referral.objects.none()
    return Referral.objects.filter(
        municipality_id=cw.municipality_id, from_organization_id=cw.organization_id
    )


def received_referrals(staff: Staff) -> QuerySet[Referral]:
    cw = casework(staff)
    if cw is None:
        return Referral.objects.none()
    return Referral.objects.filter(municipality_id=cw.municipality_id, to_organization_id=cw.organization_id)


def _content_q(organization_id: int) -> Q:
    return Q(from_organization_id=organization_id) | Q(
        to_organization_id=organization_id, consent__in=SHARING_CONSENTS, status__in=RECEIVER_READS
    )


def referrals_with_content(staff: Staff) -> QuerySet[Referral]:
    """Referrals whose content (person, reason, consultation) the staff member may read."""
    cw = casework(staff)
    if cw is None:
        return Referral.objects.none()
    return Referral.objects.filter(municipality_id=cw.municipality_id).filter(_content_q(cw.organization_id))


def get_referral_for(staff: Staff, referral_id: object) -> Referral:
    return get_for(visible_referrals(staff), referral_id)


def may_read_content(staff: Staff, referral: Referral) -> bool:
    cw = casework(staff)
    if cw is None or referral.municipality_id != cw.municipality_id:
        return False
    if referral.from_organization_id == cw.organization_id:
        return True
    return (
        referral.to_organization_id == cw.organization_id
        and referral.shares_content
        and referral.status in RECEIVER_READS
    )


def is_sender(staff: Staff, referral: Referral) -> bool:
    cw = casework(staff)
    return cw is not None and referral.from_organization_id == cw.organization_id


def is_receiver(staff: Staff, referral: Referral) -> bool:
    cw = casework(staff)
    return cw is not None and referral.to_organization_id == cw.organization_id


def _referred(cw: Casework, at: dt.datetime) -> QuerySet[Referral]:
    return Referral.objects.filter(
        municipality_id=cw.municipality_id,
        to_organization_id=cw.organization_id,
        consent__in=SHARING_CONSENTS,
        status__in=RECEIVER_READS,
        consultation__isnull=False,
        sent_at__lte=at,
    )


def referred_consultations(staff: Staff, at: dt.datetime) -> Q | None:
    """Registry contributor for the record kind "consultation": the consultations that referrals with
    content shared have brought to the staff member's organization."""
    cw = casework(staff)
    if cw is None:
        return None
    return Q(pk__in=_referred(cw, at).values("consultation_id"))


def referred_consultations_within(staff: Staff, at: dt.datetime, within: QuerySet[Any]) -> Q | None:
    """`referred_consultations` for a query limited to the consultations `within` (one household's): only
    the referrals of those consultations are read, not every referral the organization ever received."""
    cw = casework(staff)
    if cw is None:
        return None
    referred = _referred(cw, at).filter(consultation_id__in=within.values("pk"))
    return Q(pk__in=referred.values("consultation_id"))
