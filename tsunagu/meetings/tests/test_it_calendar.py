"""The calendar from a body's rhythm: per-area bodies sit once per area, per_year spreads sittings over
the 年度, bodies without a countable rhythm get no invented dates, and an ad hoc call names its area."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tsunagu.meetings import actions
from tsunagu.meetings.actions import MeetingError, scheduled_months
from tsunagu.meetings.ics import meeting_ics
from tsunagu.municipalities.models import Area

from .helpers import make_body, staffed

pytestmark = pytest.mark.django_db


def _areas(muni, n):
    return [Area.objects.create(municipality=muni, key=f"ku-{i}", name=f"第{i}区") for i in range(1, n + 1)]


def test_a_body_held_per_area_sits_once_in_each_area():
    s = staffed()
    w = s.world
    body = make_body(
        w,
        "ku-shien",
        "confidential_conference",
        ["confidential_conference"],
        frequency="quarterly",
        also_ad_hoc=True,
    )
    areas = _areas(w.city.muni, 3)
    body.areas.set(areas)
    made = actions.generate_calendar(actor=w.coordinator, body=body, year=2027)
    assert len(made) == 12 and {m.area for m in made} == set(areas)
    assert "（第1区）" in next(m for m in made if m.area == areas[0]).title()
    with pytest.raises(MeetingError, match="地区を選んで"):
        actions.call_meeting(
            actor=w.coordinator, body=body, kind="ad_hoc", starts_at=timezone.now(), minutes=60, reason="x"
        )
    m = actions.call_meeting(
        actor=w.coordinator,
        body=body,
        kind="ad_hoc",
        starts_at=timezone.now(),
        minutes=60,
        reason="x",
        area=areas[1],
    )
    assert m.area == areas[1]


def test_per_year_spreads_the_sittings_and_unknown_rhythms_invent_nothing():
    s = staffed()
    w = s.world
    assert scheduled_months(
        make_body(w, "a", "internal", ["coordination"], frequency="per_year", per_year_min=2)
    ) == [7, 1]
    assert scheduled_months(
        make_body(w, "b", "internal", ["coordination"], frequency="per_year", per_year_min=1)
    ) == [10]
    assert (
        len(
            set(
                scheduled_months(
                    make_body(w, "c", "internal", ["coordination"], frequency="per_year", per_year_min=4)
                )
            )
        )
        == 4
    )
    for freq in ("regular", "ad_hoc", "unspecified"):
        assert (
            scheduled_months(
                make_body(w, f"x-{freq}".replace("_", "-"), "internal", ["coordination"], frequency=freq)
            )
            == []
        )
    monthly = make_body(w, "m", "internal", ["coordination"], frequency="monthly", referral_only=True)
    assert scheduled_months(monthly) == []


def test_the_ics_folds_long_names_at_75_octets():
    s = staffed()
    body = make_body(
        s.world,
        "long",
        "internal",
        ["coordination"],
        name="包括的相談支援体制整備に関する庁内推進チーム会議" * 3,
    )
    start = timezone.now() + dt.timedelta(days=1)
    m = actions.call_meeting(
        actor=s.world.coordinator, body=body, kind="ad_hoc", starts_at=start, minutes=60, reason="x"
    )
    text = meeting_ics(m, "tsunagu.example:8000")
    lines = text.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    unfolded = text.replace("\r\n ", "")
    assert f"SUMMARY:{body.name}【随時】" in unfolded and "UID:meeting-" in unfolded
