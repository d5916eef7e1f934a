"""A small synthetic city A (two 圏域, one with a 地区 inside) and a city B, for the directory views."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.factories import make_area, make_municipality, make_organization
from tests.personas import staff_city
from tsunagu.municipalities.models import Area

from .makers import make_body, make_post, make_program, make_rule, make_window


@pytest.fixture
def city(db):
    a = make_municipality("Ａ市", code="011002")
    b = make_municipality("Ｂ市", code="012025")
    north = make_area(a, "北圏域", kind="圏域")
    south = make_area(a, "南圏域", kind="圏域")
    north1 = Area.objects.create(municipality=a, key="north-1", name="北一地区", kind="地区", parent=north)

    elderly_dept = make_organization(a, "高齢支援課", domains=["elderly"])
    hardship_dept = make_organization(a, "生活福祉課", domains=["hardship"])
    hokatsu_north = make_organization(
        a,
        "北地域包括支援センター",
        kind="community_general_support_center",
        operation="contracted",
        department=elderly_dept,
        business_lines=["1i"],
        domains=["elderly"],
        sites=2,
    )
    hokatsu_north.areas.set([north])
    hokatsu_south = make_organization(
        a,
        "南地域包括支援センター",
        kind="community_general_support_center",
        operation="direct",
        department=elderly_dept,
        business_lines=["1i"],
        domains=["elderly"],
        sites=1,
    )
    hokatsu_south.areas.set([south])
    jiritsu = make_organization(
        a,
        "くらし相談センター",
        kind="self_reliance_support",
        operation="contracted",
        department=hardship_dept,
        business_lines=["1ni"],
        domains=["hardship"],
        sites=1,
    )

    w_north = make_window(
        a, "北包括 相談窓口", hokatsu_north, domains=["elderly"], business_lines=["1i"], areas=[north1]
    )
    w_south = make_window(
        a, "南包括 相談窓口", hokatsu_south, domains=["elderly"], business_lines=["1i"], areas=[south]
    )
    w_kurashi = make_window(
        a,
        "くらしとしごとの相談窓口",
        jiritsu,
        domains=["hardship"],
        business_lines=["1ni"],
        concerns=["poverty"],
        serves="生活に困りごとのある方",
    )

    p_hokatsu = make_program(
        a,
        "地域包括支援センターの運営",
        business_lines=["1i"],
        domains=["elderly"],
        organization=hokatsu_north,
        department=elderly_dept,
        operation="contracted",
        sites=3,
    )
    p_jiritsu = make_program(
        a,
        "自立相談支援事業",
        business_lines=["1ni"],
        domains=["hardship"],
        organization=jiritsu,
        department=hardship_dept,
        operation="contracted",
        sites=1,
    )
    p_salon = make_program(
        a,
        "相談サロン",
        business_lines=["3hardship"],
        domains=["hardship"],
        department=hardship_dept,
        sites=4,
        areas=[south],
    )

    post_north = make_post(
        a,
        "地域福祉コーディネーター（北）",
        organization=hardship_dept,
        area=north,
        count=2,
        business_lines=["4"],
        is_bundler=True,
    )
    post_life = make_post(
        a, "生活支援コーディネーター", organization=elderly_dept, count=3, business_lines=["3ro"]
    )

    core = make_body(
        a,
        "スクラム会議",
        kind="confidential_conference",
        legal_functions=["confidential_conference"],
        confidentiality_duty=True,
        tier=1,
        members=[hokatsu_north, jiritsu],
        secretariat=hardship_dept,
    )
    top = make_body(
        a,
        "ふれあい調整会議",
        kind="consented_conference",
        legal_functions=["consented_conference"],
        frequency="bimonthly",
        tier=2,
        members=[hokatsu_north, hokatsu_south],
    )
    r_up = make_rule(
        a, "支援会議で解決しない事例を上げる", from_body=core, to_body=top, target="meeting_body"
    )
    r_in = make_rule(
        a,
        "3分野以上の課題",
        trigger="domains_at_least",
        min_domains=3,
        to_body=core,
        target="meeting_body",
        from_windows=[w_kurashi],
    )

    # City B: same kinds of names, so leaks would show.
    b_org = make_organization(b, "Ｂ市地域包括支援センター", kind="community_general_support_center")
    b_window = make_window(b, "Ｂ市 包括 相談窓口", b_org, domains=["elderly"], business_lines=["1i"])
    b_program = make_program(b, "Ｂ市の地域包括支援センターの運営", business_lines=["1i"], organization=b_org)
    b_body = make_body(b, "Ｂ市支援会議", legal_functions=["confidential_conference"], tier=1)
    b_post = make_post(b, "Ｂ市コーディネーター", count=9)

    # The persona base (tests/personas.py): the window worker at the northern 包括, the coordinator (and
    # manager) in 生活福祉課, the auditor in 高齢支援課; city B's twin supplies the outsider.
    staff = staff_city(
        a,
        window_org=hokatsu_north,
        coordination_org=hardship_dept,
        agency_org=jiritsu,
        organizations={"auditor": elderly_dept},
    )
    b_staff = staff_city(b, window_org=b_org, coordination_org=b_org, agency_org=b_org)

    return SimpleNamespace(
        a=a,
        b=b,
        north=north,
        south=south,
        north1=north1,
        elderly_dept=elderly_dept,
        hardship_dept=hardship_dept,
        hokatsu_north=hokatsu_north,
        hokatsu_south=hokatsu_south,
        jiritsu=jiritsu,
        w_north=w_north,
        w_south=w_south,
        w_kurashi=w_kurashi,
        p_hokatsu=p_hokatsu,
        p_jiritsu=p_jiritsu,
        p_salon=p_salon,
        post_north=post_north,
        post_life=post_life,
        core=core,
        top=top,
        r_up=r_up,
        r_in=r_in,
        b_org=b_org,
        b_window=b_window,
        b_program=b_program,
        b_body=b_body,
        b_post=b_post,
        worker=staff.window_worker,
        coordinator=staff.coordinator,
        manager=staff.manager,
        auditor=staff.auditor,
        outsider=b_staff.coordinator,
    )
