"""The household page's read of consultations (`policy.visible_consultations_of_household`) returns
exactly what the general rule (`policy.visible_consultations(staff, at).filter(household=…)`) returns,
for every kind of reader and every way in: the narrowed rules (`access.registry.widen(within=…)`) only
read less, they never decide differently."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import make_staff
from tsunagu.access.models import BreakGlassGrant
from tsunagu.access.registry import visibility_rules
from tsunagu.accounts.models import Role
from tsunagu.cases.tests.helpers import BREAK_GLASS_REASON, make_world
from tsunagu.intake.models import Consultation
from tsunagu.intake.policy import (
    CONSULTATION,
    visible_consultations,
    visible_consultations_of_household,
)
from tsunagu.people.models import Household

from .helpers import record
from .referral_helpers import send

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def test_every_reader_sees_the_same_consultations_of_every_household_as_the_general_rule():
    world = make_world()
    city = world.city
    # More ways in and out: a consented record in another household; p1 (shared by the case consent)
    # consulted again under another household; a referral with content shared brings p2's record to the
    # agency, one without consent brings nothing; a break-glass grant on the household.
    shared = record(city, city.window_worker, "consented")
    elsewhere = record(city, city.window_worker, "not_consented")
    p1_elsewhere = record(city, city.window_worker, "not_consented", person=world.consultation_p1.person)
    Consultation.objects.filter(pk=p1_elsewhere.pk).update(household=elsewhere.household)
    send(city, world.consultation_p2, consent="self")
    send(city, elsewhere, consent="none", contact_by="resident")
    breaker = make_staff(city.muni, Role.AGENCY_WORKER, world.orgs["unnamed"], mfa=False)
    BreakGlassGrant.objects.create(
        municipality=city.muni,
        staff=breaker,
        obj_type="household",
        obj_id=world.household.pk,
        reason=BREAK_GLASS_REASON,
        expires_at=timezone.now() + DAY,
    )
    readers = {
        "window staff (recording organization)": city.window_worker,
        "window colleague": city.colleague,
        "coordinator": city.coordinator,
        "case team member, active consent (and referral receiver)": city.agency_worker,
        "break-glass holder": breaker,
        "auditor": city.auditor,
        "manager": city.manager,
        "other city": world.other.coordinator,
        **{
            f"team organization {key}": make_staff(city.muni, Role.AGENCY_WORKER, org, mfa=False)
            for key, org in world.orgs.items()
        },
    }
    households = [
        world.household,
        shared.household,
        elsewhere.household,
        Household.objects.get(pk=world.other_case.household_id),
    ]
    moments = [None, timezone.now() - 2 * DAY, timezone.now() + 2 * DAY]
    seen_any = set()
    for name, staff in readers.items():
        for household in households:
            for at in moments:
                general = set(visible_consultations(staff, at).filter(household=household))
                narrowed = set(visible_consultations_of_household(staff, household, at))
                assert narrowed == general, (name, household.pk, at)
                seen_any |= {(name, c.pk) for c in narrowed}
    # The comparison is not vacuous: the readers see different records through different ways in.
    agency = "case team member, active consent (and referral receiver)"
    assert (agency, world.consultation_p1.pk) in seen_any  # case consent
    assert (agency, world.consultation_p2.pk) in seen_any  # referral with content shared
    assert (agency, p1_elsewhere.pk) in seen_any  # case consent, in another household
    assert (agency, elsewhere.pk) not in seen_any  # referral without consent
    assert ("break-glass holder", world.consultation_p2.pk) in seen_any
    assert ("break-glass holder", elsewhere.pk) not in seen_any
    assert not any(name in {"auditor", "manager"} for name, _ in seen_any)
    assert ("other city", shared.pk) not in seen_any


def test_every_registered_consultation_rule_has_a_narrowed_form():
    """Otherwise the household page would build that rule's city-wide sub-select again (the page's
    speed at 3,000,000 consultations rests on it; docs/performance.md)."""
    rules = visibility_rules(CONSULTATION)
    assert rules
    assert [r.name for r in rules if r.narrowed is None] == []
