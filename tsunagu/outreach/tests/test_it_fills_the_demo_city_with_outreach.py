"""`setup_demo` gives the demo city outreach: lapsed, on time, identified, and one closed per outcome."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tsunagu.municipalities.models import Municipality
from tsunagu.outreach import lapse
from tsunagu.outreach.demo import SCENARIOS
from tsunagu.outreach.models import Engagement, Outcome

pytestmark = pytest.mark.django_db

CITY = "132047"  # 三鷹市, the default demo city


def test_the_demo_city_has_outreach_at_every_stage():
    out = io.StringIO()
    call_command("setup_demo", "--city", CITY, "--households", "60", stdout=out)
    assert "アウトリーチ: 9件" in out.getvalue()
    muni = Municipality.objects.get(code=CITY)
    engagements = Engagement.objects.filter(municipality=muni)
    assert engagements.count() == len(SCENARIOS)
    assert set(engagements.exclude(outcome="").values_list("outcome", flat=True)) == set(Outcome.values)
    active = engagements.filter(status="active")
    lapsed = lapse.lapsed_count(active, muni.outreach_lapse_days)
    assert 0 < lapsed < active.count()
    assert engagements.filter(person__isnull=False, household__isnull=False).count() >= 5
