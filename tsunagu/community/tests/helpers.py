"""A community world on intake's city (the persona base): a salon run by the agency (地域包括支援センター),
a network nobody runs, a points program of the agency, and factories for sittings, needs and volunteers."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from tests.factories import make_area
from tsunagu.directory.models import CommunityGroup, PointsProgram
from tsunagu.intake.tests.helpers import City, make_city
from tsunagu.municipalities.models import Area
from tsunagu.people.actions import PersonInput

from .. import actions
from ..models import Sitting, SurfacedNeed, Volunteer


@dataclass
class World:
    city: City
    area: Area
    salon: CommunityGroup  # 相談サロン, 第3号（困窮）, run by the agency
    network: CommunityGroup  # ほのぼのネット, no line, nobody runs it (束ね役 only)
    program: PointsProgram


def make_world(code: str = "011002", name: str = "テスト市", **program: int | None) -> World:
    city = make_city(code=code, name=name)
    area = make_area(city.muni, "東地区")
    salon = CommunityGroup.objects.create(
        municipality=city.muni,
        key="salon",
        name="相談サロン",
        kind="consultation_salon",
        business_line="3hardship",
        organization=city.agency_org,
        venue="東コミュニティ・センター",
    )
    salon.areas.set([area])
    network = CommunityGroup.objects.create(
        municipality=city.muni, key="net", name="ほのぼのネット", kind="watch_network", sites=28
    )
    points = PointsProgram.objects.create(
        municipality=city.muni,
        key="points",
        name="支え合いいきいきポイント",
        business_line="3i",
        organization=city.agency_org,
        reward="市内限定商品券",
        **program,
    )
    return World(city, area, salon, network, points)


def sit(
    world: World, group: CommunityGroup | None = None, on: dt.date | None = None, **counts: Any
) -> Sitting:
    sitting, _ = actions.record_sitting(
        actor=world.city.coordinator,
        group=group or world.salon,
        data=actions.SittingInput(held_on=on or dt.date.today(), submission_token=uuid.uuid4(), **counts),
    )
    return sitting


def surface(world: World, sitting: Sitting, text: str = "一人暮らしの方が最近来ない") -> SurfacedNeed:
    need, _ = actions.record_need(
        actor=world.city.coordinator, sitting=sitting, text=text, submission_token=uuid.uuid4()
    )
    return need


def enrol(world: World) -> Volunteer:
    volunteer, _ = actions.register_volunteer(
        actor=world.city.agency_worker,
        program=world.program,
        registered_on=dt.date(2025, 4, 1),
        new_person=PersonInput(
            family_name="里山", given_name="はな", family_kana="サトヤマ", estimated_age=70
        ),
    )
    return volunteer
