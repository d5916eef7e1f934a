"""Demo community resources (社会資源): fifteen varied, invented places in the demo city, so participation
support has something to rank and the resource screens something to show.

Kinds, days, time slots, ages, costs, group sizes and accessibility differ on purpose (a person uneasy in
groups, one who can only go in the evening, one who needs step-free access each find some and miss
others). Areas are the city's own, taken in turn; the operator is the city's 社会福祉協議会 when its
profile has one, else a named 有志の会. Every row is written through resource_actions (audited), keys
start with `demo-`, and a row already there is left alone, so `setup_demo` can run again and again.
Registered at order 50: before the apps above (participation's matches) that use the resources.
"""

from __future__ import annotations

from typing import Any

from tsunagu.core.demo import DemoWorld
from tsunagu.municipalities.models import Area

from .models import Organization, OrganizationKind
from .resource_actions import create_resource
from .resource_models import Resource

COUNCIL = "council"  # stands for the city's 社会福祉協議会 in the table below

# (key, name, kind, weekdays, time slots, age range, cost, group size, accessibility, activities, extra)
DEMO_RESOURCES: list[dict[str, Any]] = [
    dict(
        key="salon-hidamari",
        name="ひだまりサロン（デモ）",
        kind="salon",
        weekdays=[2],
        time_slots=["afternoon"],
        age_min=65,
        cost_yen=100,
        cost_note="お茶代",
        group_size="medium",
        accessibility=["step_free", "accessible_toilet"],
        activities=["交流", "体操"],
        welcomes="おおむね65歳以上の方",
        operator=COUNCIL,
        schedule_text="毎週水曜 13:30〜15:30",
    ),
    dict(
        key="kodomo-shokudo",
        name="みんなの子ども食堂（デモ）",
        kind="children_cafeteria",
        weekdays=[4],
        time_slots=["evening"],
        age_max=18,
        cost_yen=0,
        cost_note="子どもは無料・大人300円",
        group_size="large",
        accessibility=["step_free"],
        activities=["食事", "交流"],
        welcomes="子どもと保護者、地域のだれでも",
        schedule_text="第2・第4金曜 17:00〜19:00",
    ),
    dict(
        key="ibasho-wakaba",
        name="若者の居場所わかば（デモ）",
        kind="ibasho",
        weekdays=[1, 3],
        time_slots=["afternoon", "evening"],
        age_min=15,
        age_max=39,
        cost_yen=0,
        group_size="small",
        activities=["ゲーム", "料理", "交流"],
        welcomes="ひきこもりや不登校の経験がある15〜39歳の方",
        operator=COUNCIL,
        schedule_text="火・木 14:00〜20:00",
    ),
    dict(
        key="work-farm",
        name="農園の就労体験（デモ）",
        kind="work_experience",
        weekdays=[0, 2, 4],
        time_slots=["morning"],
        age_min=18,
        age_max=64,
        cost_yen=0,
        group_size="small",
        accessibility=["parking", "pick_up"],
        activities=["農作業", "軽作業"],
        welcomes="働くことに不安のある方",
        schedule_text="月・水・金 9:00〜12:00",
    ),
    dict(
        key="work-cafe",
        name="カフェでの中間的就労（デモ）",
        kind="intermediate_work",
        weekdays=[0, 1, 2, 3, 4],
        time_slots=["morning", "afternoon"],
        age_min=18,
        cost_yen=0,
        group_size="small",
        accessibility=["near_station", "step_free"],
        activities=["接客", "調理"],
        welcomes="生活困窮者自立支援の利用者",
        schedule_text="平日 10:00〜15:00（時間は相談）",
    ),
    dict(
        key="volunteer-library",
        name="図書館の本の修理ボランティア（デモ）",
        kind="volunteer",
        weekdays=[5],
        time_slots=["morning"],
        cost_yen=0,
        group_size="one_to_one",
        accessibility=["step_free", "accessible_toilet", "near_station"],
        activities=["軽作業", "読書"],
        welcomes="どなたでも（一人で黙々と作業できます）",
        schedule_text="土曜 10:00〜12:00",
    ),
    dict(
        key="kayoi-taiso",
        name="いきいき体操の通いの場（デモ）",
        kind="kayoi_no_ba",
        weekdays=[1],
        time_slots=["morning"],
        age_min=65,
        cost_yen=0,
        group_size="medium",
        accessibility=["step_free"],
        activities=["体操", "交流"],
        welcomes="65歳以上の方",
        operator=COUNCIL,
        schedule_text="毎週火曜 10:00〜11:00",
    ),
    dict(
        key="learning-support",
        name="中学生の学習支援教室（デモ）",
        kind="learning",
        weekdays=[2, 5],
        time_slots=["evening"],
        age_min=12,
        age_max=15,
        cost_yen=0,
        group_size="small",
        activities=["学習"],
        welcomes="生活に困りごとのある世帯の中学生",
        schedule_text="水・土 18:00〜20:00",
    ),
    dict(
        key="peer-family",
        name="ひきこもり家族の会（デモ）",
        kind="peer_group",
        weekdays=[6],
        time_slots=["afternoon"],
        cost_yen=300,
        cost_note="会場費",
        group_size="small",
        accessibility=["hearing_support"],
        activities=["話し合い"],
        welcomes="ひきこもりの方のご家族",
        schedule_text="毎月第3日曜 14:00〜16:00",
    ),
    dict(
        key="salon-men",
        name="男の料理サロン（デモ）",
        kind="salon",
        weekdays=[3],
        time_slots=["morning"],
        age_min=60,
        cost_yen=500,
        cost_note="材料費",
        group_size="small",
        accessibility=["parking"],
        activities=["料理", "交流"],
        welcomes="60歳以上の男性",
        schedule_text="第1木曜 10:00〜13:00",
    ),
    dict(
        key="ibasho-multilingual",
        name="外国ルーツの親子のひろば（デモ）",
        kind="ibasho",
        weekdays=[5],
        time_slots=["afternoon"],
        cost_yen=0,
        group_size="medium",
        accessibility=["step_free", "near_station"],
        languages=["ja", "en", "zh", "vi"],
        activities=["日本語", "交流"],
        welcomes="外国にルーツのある親子",
        schedule_text="第1・第3土曜 13:00〜16:00",
    ),
    dict(
        key="volunteer-snow",
        name="ちょっとした困りごとボランティア（デモ）",
        kind="volunteer",
        weekdays=[0, 1, 2, 3, 4, 5, 6],
        time_slots=["morning", "afternoon"],
        cost_yen=0,
        group_size="one_to_one",
        activities=["買い物", "ごみ出し", "見守り"],
        welcomes="活動したい方・手助けがほしい方",
        operator=COUNCIL,
        schedule_text="随時（登録制）",
    ),
    dict(
        key="salon-disability",
        name="障がいのある方の日中サロン（デモ）",
        kind="salon",
        weekdays=[0, 3],
        time_slots=["afternoon"],
        age_min=18,
        cost_yen=200,
        group_size="small",
        accessibility=["step_free", "accessible_toilet", "pick_up", "hearing_support"],
        activities=["手芸", "交流"],
        welcomes="障がいのある方とその家族",
        schedule_text="月・木 13:00〜16:00",
    ),
    dict(
        key="kodomo-morning",
        name="朝ごはん食堂（デモ）",
        kind="children_cafeteria",
        weekdays=[0, 2, 4],
        time_slots=["morning"],
        age_max=15,
        cost_yen=0,
        group_size="medium",
        activities=["食事"],
        welcomes="小中学生",
        schedule_text="月・水・金 7:00〜8:00",
        accepts_referrals=False,
    ),
    dict(
        key="work-office",
        name="事務作業の就労体験（デモ）",
        kind="work_experience",
        weekdays=[1, 2, 3],
        time_slots=["afternoon"],
        age_min=18,
        cost_yen=0,
        group_size="one_to_one",
        accessibility=["near_station", "step_free"],
        activities=["パソコン", "軽作業"],
        welcomes="人の多い場所が苦手な方も相談できます",
        operator=COUNCIL,
        schedule_text="火〜木 13:00〜16:00",
    ),
]


def _council(muni: Any) -> Organization | None:
    return (
        Organization.objects.filter(
            municipality=muni, active=True, kind=OrganizationKind.SOCIAL_WELFARE_COUNCIL
        )
        .order_by("sort_order", "key")
        .first()
    )


def demo_step(world: DemoWorld) -> str:
    """`setup_demo`'s step: the demo resources, registered by the demo coordinator, once per key."""
    muni = world.municipality
    actor = world.staff.get("coordinator")
    if actor is None or not actor.is_active:
        return f"{muni}: 束ね役のデモ用アカウントがないため、社会資源は作りませんでした"
    have = set(
        Resource.objects.filter(municipality=muni, key__startswith="demo-").values_list("key", flat=True)
    )
    areas = list(Area.objects.filter(municipality=muni, active=True).order_by("kind", "sort_order", "key"))
    council = _council(muni)
    made = 0
    for i, spec in enumerate(DEMO_RESOURCES):
        values = dict(spec)
        key = f"demo-{values.pop('key')}"
        if key in have:
            continue
        if values.pop("operator", None) == COUNCIL and council is not None:
            values["organization"] = council
        else:
            values["operator_name"] = "地域の有志の会（架空）"
        # Every third resource serves the whole city; the others sit in the city's areas in turn.
        values["area"] = areas[i % len(areas)] if areas and i % 3 else None
        create_resource(actor=actor, key=key, values=values)
        made += 1
    if not made:
        return f"{muni}: 架空の社会資源は既にあります（そのままにします）"
    return f"{muni}: 架空の社会資源 {made} 件を登録しました（居場所・サロン・子ども食堂・就労体験など）"
