"""`setup_demo` gives the demo city its community year (issue 12 part 7) through the community actions:
sittings of every profile group over the last year, needs, one taken in as a consultation, and — where the
profile has a points program (小牧) — a ledger; written once."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tsunagu.community import actions
from tsunagu.community.models import PointEntry, Sitting, SurfacedNeed, Volunteer
from tsunagu.directory.models import CommunityGroup

pytestmark = pytest.mark.django_db


def test_the_demo_city_gets_sittings_needs_an_intake_and_a_ledger_once():
    out = io.StringIO()
    call_command("setup_demo", "--city", "komaki", "--households", "60", stdout=out)
    groups = CommunityGroup.objects.filter(municipality__name="小牧市", active=True)
    sittings = Sitting.objects.filter(group__in=groups)
    assert groups.exists() and sittings.count() == 6 * groups.count()
    assert all(s.participants > 0 for s in sittings)
    needs = SurfacedNeed.objects.filter(sitting__in=sittings)
    linked = needs.filter(consultation__isnull=False)
    assert needs.count() >= 3 and linked.count() == 1
    consultation = linked.get().consultation
    assert consultation is not None and consultation.household_id is not None
    volunteer = Volunteer.objects.get(program__key="sasaeai-ikiiki")
    kinds = list(PointEntry.objects.filter(volunteer=volunteer).values_list("kind", flat=True))
    assert kinds.count("earn") == 4 and "redeem" in kinds
    assert actions.balance(volunteer) == sum(
        PointEntry.objects.filter(volunteer=volunteer).values_list("points", flat=True)
    )
    assert "地域づくりの開催" in out.getvalue()

    counts = (Sitting.objects.count(), SurfacedNeed.objects.count(), PointEntry.objects.count())
    call_command("setup_demo", "--city", "komaki", "--households", "60", stdout=io.StringIO())
    assert (Sitting.objects.count(), SurfacedNeed.objects.count(), PointEntry.objects.count()) == counts
