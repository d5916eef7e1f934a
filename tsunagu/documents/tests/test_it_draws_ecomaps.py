"""Ecomaps: the household in the centre, 1 to 15 entities around it without overlap, the tie styles
and the arrows of support, checked on the SVG itself."""

from __future__ import annotations

import pytest

from tsunagu.documents.ecomap import EcoEntity, Ecomap, EcomapError, EcoMember, Flow, Tie, render_ecomap

from .svgcheck import eco_problems, parse_ecomap

MEMBERS = (
    EcoMember("山田 健一", 54, subject=True),
    EcoMember("山田 トシ子", 82, caption="母"),
    EcoMember("山田 翔", 20, caption="長男"),
)
POOL = (
    EcoEntity(
        "hokatsu",
        "地域包括支援センター東部",
        "福祉・介護",
        "担当 佐藤（月1回訪問）",
        Tie.STRONG,
        Flow.TO_HOUSEHOLD,
    ),
    EcoEntity("jiritsu", "生活困窮者自立相談支援機関", "行政", "就労準備支援", Tie.NORMAL, Flow.TO_HOUSEHOLD),
    EcoEntity("kaigo", "市役所 介護保険課", "行政", "", Tie.WEAK, Flow.NONE),
    EcoEntity("clinic", "○○クリニック（内科）", "医療", "母の主治医", Tie.NORMAL, Flow.TO_HOUSEHOLD),
    EcoEntity("minsei", "民生委員", "地域", "見守り", Tie.WEAK, Flow.TO_HOUSEHOLD),
    EcoEntity("neighbour", "近隣住民", "地域", "ごみ出しで苦情", Tie.STRESSFUL, Flow.BOTH),
    EcoEntity("sister", "妹（田中 由美）", "家族・親族", "月1回来訪", Tie.NORMAL, Flow.BOTH),
    EcoEntity("hellowork", "ハローワーク", "就労", "", Tie.WEAK, Flow.NONE),
    EcoEntity(
        "shakyo", "社会福祉協議会", "福祉・介護", "日常生活自立支援事業", Tie.NORMAL, Flow.TO_HOUSEHOLD
    ),
    EcoEntity("power", "電力会社", "その他", "料金滞納", Tie.STRESSFUL, Flow.NONE),
    EcoEntity("ex", "元妻", "家族・親族", "", Tie.STRESSFUL, Flow.NONE),
    EcoEntity("helper", "訪問介護事業所 ひまわり", "福祉・介護", "週2回", Tie.STRONG, Flow.TO_HOUSEHOLD),
    EcoEntity("psych", "精神科病院", "医療", "本人 通院中断", Tie.WEAK, Flow.NONE),
    EcoEntity("shokudo", "子ども食堂", "地域", "", Tie.NORMAL, Flow.FROM_HOUSEHOLD),
    EcoEntity("hoken", "保健センター", "行政", "保健師", Tie.NORMAL, Flow.TO_HOUSEHOLD),
)


@pytest.mark.parametrize("n", range(1, 16))
def test_it_places_one_to_fifteen_entities_without_overlap(n):
    d = parse_ecomap(render_ecomap(Ecomap(members=MEMBERS, entities=POOL[:n])))
    assert eco_problems(d) == []
    assert set(d.entities) == {e.key for e in POOL[:n]} == set(d.ties)


def test_it_draws_each_tie_and_direction_of_support():
    svg = render_ecomap(Ecomap(members=MEMBERS, entities=POOL))
    d = parse_ecomap(svg)
    ties = d.ties
    assert float(ties["hokatsu"].style["stroke-width"]) > 2.5  # strong: thick
    assert (
        float(ties["jiritsu"].style["stroke-width"]) < 2 and "stroke-dasharray" not in ties["jiritsu"].style
    )
    assert "stroke-dasharray" in ties["kaigo"].style  # weak: dashed
    assert ties["neighbour"].hatches >= 3 and ties["power"].hatches >= 3  # stressful: hatched
    assert ties["jiritsu"].hatches == 0
    assert ties["hokatsu"].arrows == ["arrow-to-household"]
    assert sorted(ties["neighbour"].arrows) == ["arrow-to-entity", "arrow-to-household"]
    assert ties["shokudo"].arrows == ["arrow-to-entity"]
    assert ties["kaigo"].arrows == []
    # Arrowheads touch the shape they point at.
    tip = ties["hokatsu"].arrow_tips[0]
    assert d.centre.on_outline(tip)
    assert d.entities["shokudo"].on_outline(ties["shokudo"].arrow_tips[0])
    # Labels in Japanese, long names in two balanced lines, notes under them.
    assert d.entities["hokatsu"].texts == ["地域包括支援", "センター東部", "担当 佐藤（月1回訪問）"]
    assert d.entities["jiritsu"].texts[:2] == ["生活困窮者自立", "相談支援機関"]
    assert d.entities["clinic"].texts[:2] == ["○○クリニック", "（内科）"]
    # The household lists its members, 本人 marked.
    assert d.centre.texts[0] == "世帯（3人）"
    assert d.centre.texts[1].startswith("◎山田 健一（54）")
    assert d.centre.texts[2] == "・山田 トシ子（82） 母"
    # Entities of one category sit next to each other, in the order categories first appear.
    cats = [e.attrs["data-category"] for e in d.entities.values()]
    assert cats == sorted(cats, key=[e.category for e in POOL].index)
    legend = svg.split("class='legend'")[1]
    for label in ("強い関係", "普通の関係", "弱い関係", "ストレス・対立のある関係", "支援・働きかけの向き"):
        assert label in legend


def test_it_fits_fifteen_entities_on_a_landscape_half_page():
    d = parse_ecomap(render_ecomap(Ecomap(members=MEMBERS, entities=POOL)))
    # 180 mm = 510 pt wide: the natural width may be scaled by at most about 0.85 (labels stay ≥ 7 pt).
    assert d.width <= 600 and d.height <= 400


def test_a_large_household_is_listed_in_part():
    members = tuple(EcoMember(f"山田 {i}郎", 40 - i) for i in range(11))
    d = parse_ecomap(render_ecomap(Ecomap(members=members, entities=POOL[:3])))
    assert d.centre.texts[0] == "世帯（11人）" and d.centre.texts[-1] == "ほか3人"
    assert eco_problems(d) == []


def test_an_ecomap_without_entities_is_the_household_alone():
    d = parse_ecomap(render_ecomap(Ecomap(members=MEMBERS)))
    assert d.entities == {} and eco_problems(d) == []


def test_duplicate_entity_keys_are_refused():
    with pytest.raises(EcomapError):
        render_ecomap(Ecomap(members=MEMBERS, entities=(POOL[0], POOL[0])))
