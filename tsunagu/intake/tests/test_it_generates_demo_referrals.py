"""The demo city's window and agency see referrals (つなぎ) in every state on first login."""

import itertools

import pytest
from django.conf import settings
from django.utils import timezone

from tests.factories import make_organization, make_staff
from tsunagu.accounts.models import Role
from tsunagu.directory.profiles import load_profile
from tsunagu.intake.demo import generate_consultations
from tsunagu.intake.referral_demo import generate_referrals, has_demo_referrals
from tsunagu.intake.referral_models import Referral, ReferralEvent, ReferralStatus
from tsunagu.intake.referral_policy import received_referrals, sent_referrals
from tsunagu.people.demo import generate

pytestmark = pytest.mark.django_db


def test_demo_referrals_cover_every_state_with_a_consistent_history():
    muni = load_profile(settings.PROFILES_DIR / "komaki.toml").municipality
    generate(muni, households=120, seed=7)
    generate_consultations(muni, seed=7)
    window = make_staff(muni, Role.WINDOW_WORKER, make_organization(muni, name="福祉総合相談窓口"))
    agency = make_staff(muni, Role.AGENCY_WORKER, make_organization(muni, name="地域包括支援センター"))
    assert not has_demo_referrals(window)
    made = generate_referrals(sender=window, receiver=agency, seed=7)
    assert made == Referral.objects.count() == 10 and has_demo_referrals(window)
    assert {r.status for r in sent_referrals(window)} == {
        ReferralStatus.SENT,
        ReferralStatus.RECEIVED,
        ReferralStatus.ACCEPTED,
        ReferralStatus.CLOSED,
        ReferralStatus.RETURNED,
    }
    today = timezone.localdate()
    for qs in (sent_referrals(window), received_referrals(agency)):
        assert any(r.overdue_days(today) for r in qs)
    assert received_referrals(window).count() == 2 and not received_referrals(window).filter(
        pk__in=sent_referrals(window)
    )
    assert Referral.objects.filter(consent="none", contact_by="resident").count() == 1
    for r in Referral.objects.all():
        events = list(ReferralEvent.objects.filter(referral=r).order_by("at", "pk"))
        assert events[0].to_status == "sent" and events[-1].to_status == r.status
        assert all(a.to_status == b.from_status for a, b in itertools.pairwise(events))
        assert r.person.synthetic and r.from_organization_id != r.to_organization_id
    numbers = sorted(Referral.objects.values_list("number", flat=True))
    assert numbers == list(range(1, 11))
