"""business_line_counts and area_overview: sittings, participants and needs per 第3号 line and per area,
inside the period only, with needs that became consultations counted apart."""

from __future__ import annotations

import datetime as dt

import pytest

from tsunagu.community import figures
from tsunagu.community.models import SurfacedNeed
from tsunagu.intake.models import SharingConsent
from tsunagu.intake.tests.helpers import record

from .helpers import make_world, sit, surface

pytestmark = pytest.mark.django_db

START, END = dt.date(2025, 4, 1), dt.date(2026, 3, 31)


def test_counts_per_business_line_in_the_period():
    world = make_world()
    a = sit(world, on=dt.date(2025, 4, 1), residents=10, professionals=2)
    b = sit(world, on=dt.date(2026, 3, 31), residents=5, volunteers=3, others=1)
    sit(world, on=dt.date(2026, 4, 1), residents=99)  # next 年度: not counted
    n = sit(world, world.network, on=dt.date(2025, 10, 1), residents=7)
    surface(world, a)
    linked = surface(world, b)
    surface(world, n)
    consultation = record(world.city, world.city.agency_worker, SharingConsent.UNCONFIRMED)
    SurfacedNeed.objects.filter(pk=linked.pk).update(
        consultation=consultation, linked_at=consultation.received_at
    )

    rows = {c.line: c for c in figures.business_line_counts(world.city.muni, START, END)}
    assert [c.line for c in figures.business_line_counts(world.city.muni, START, END)] == [
        "3i",
        "3ro",
        "3ha",
        "3ni",
        "3hardship",
        "",
    ]
    hardship = rows["3hardship"]
    assert (hardship.sittings, hardship.participants, hardship.needs, hardship.needs_to_consultation) == (
        2,
        21,
        2,
        1,
    )
    assert (rows[""].sittings, rows[""].participants, rows[""].needs, rows[""].label) == (
        1,
        7,
        1,
        "区分の記載なし",
    )
    assert all(rows[k].sittings == 0 for k in ("3i", "3ro", "3ha", "3ni"))


def test_overview_per_area():
    world = make_world()
    s = sit(world, on=dt.date(2025, 5, 1), residents=4)
    surface(world, s)
    sit(world, world.network, on=dt.date(2025, 5, 2), residents=3)
    rows = {r.label: r for r in figures.area_overview(world.city.muni, START, END)}
    east = rows["東地区"]
    assert (east.groups, east.sittings, east.participants, east.needs) == (1, 1, 4, 1)
    loose = rows["地区の指定なし"]
    assert (loose.groups, loose.sittings, loose.participants, loose.needs) == (1, 1, 3, 0)
    assert loose.group_names == ["ほのぼのネット"]
