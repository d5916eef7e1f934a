"""The matcher (matching.py) with known inputs: hard filters with their reasons, the expected order, ties
broken deterministically, and the Japanese explanations staff read (「なぜこの場所か」)."""

from __future__ import annotations

from tsunagu.participation.matching import Areas, Needs, Place, distance_km, rank

# 東地区 (1) and 西地区 (2) inside 中央圏域 (10); 北地区 (3) inside 北部圏域 (20).
AREAS = Areas(
    parents={1: 10, 2: 10, 3: 20, 10: None, 20: None},
    names={1: "東地区", 2: "西地区", 3: "北地区", 10: "中央圏域", 20: "北部圏域"},
)


def place(pid: int, key: str, **kw: object) -> Place:
    kw.setdefault("name", key)
    kw.setdefault("kind", "ibasho")
    return Place(id=pid, key=key, **kw)  # type: ignore[arg-type]


def names(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.place.key for r in result.ranked]


def test_goal_activities_and_proximity_decide_the_order():
    needs = Needs(
        goals=("ibasho",), activities=("料理", "交流"), weekdays=(1,), time_slots=("afternoon",), area_id=1
    )
    places = [
        place(1, "far-ibasho", area_id=3, weekdays=(1,), activities=("交流",)),  # 40 + 15 + 10 + 0
        place(2, "near-ibasho", area_id=1, weekdays=(1,), activities=("料理", "交流")),  # 40 + 30 + 10 + 20
        place(3, "volunteer", kind="volunteer", area_id=1, weekdays=(1,)),  # 0 + 0 + 10 + 20
        place(
            4, "sibling-ibasho", area_id=2, weekdays=(1,), activities=("料理",), cost_yen=0
        ),  # 40+15+10+10+5
    ]
    result = rank(needs, places, AREAS)
    assert names(result) == ["near-ibasho", "sibling-ibasho", "far-ibasho", "volunteer"]
    assert [r.score for r in result.ranked] == [100, 80, 65, 30]
    assert [r.rank for r in result.ranked] == [1, 2, 3, 4]
    first = result.ranked[0]
    assert first.meets == ("希望「居場所」に合う（ibasho）", "やりたいこと「料理・交流」ができる")
    assert "行ける日時に開いている（火の午後）" not in first.respects  # the place gave no time slot
    assert "行ける日時に開いている（火）" in first.respects
    assert first.distance == "同じ地区（東地区）"
    assert result.ranked[1].distance == "近くの地区（西地区・中央圏域内）"
    assert result.ranked[2].distance == "別の地区（北地区）"
    assert "無料" in result.ranked[1].respects
    assert result.excluded == ()


def test_every_hard_filter_excludes_with_its_reason_in_japanese():
    needs = Needs(
        weekdays=(0, 1),
        time_slots=("morning",),
        accessibility=("step_free",),
        languages=("ベトナム語",),
        max_cost_yen=300,
        max_group_size="small",
        age=34,
    )
    ok = dict(
        weekdays=(0,),
        time_slots=("morning",),
        accessibility=("step_free",),
        languages=("日本語", "ベトナム語"),
    )
    places = [
        place(1, "a-inactive", active=False, **ok),
        place(2, "b-no-referrals", accepts_referrals=False, **ok),
        place(3, "c-sunday", **{**ok, "weekdays": (6,)}),
        place(4, "d-evening", **{**ok, "time_slots": ("evening",)}),
        place(5, "e-elderly", age_min=65, **ok),
        place(6, "f-steps", **{**ok, "accessibility": ()}),
        place(7, "g-japanese-only", **{**ok, "languages": ()}),
        place(8, "h-costly", cost_yen=500, **ok),
        place(9, "i-full", capacity=10, participants=10, **ok),
        place(10, "j-large", group_size="large", **ok),
        place(11, "k-fits", group_size="small", cost_yen=300, capacity=10, participants=9, **ok),
    ]
    result = rank(needs, places, AREAS)
    assert names(result) == ["k-fits"]
    reasons = {e.place.key: e.reasons for e in result.excluded}
    assert reasons == {
        "a-inactive": ("現在は活動していません（無効）",),
        "b-no-referrals": ("参加支援の受け入れをしていません",),
        "c-sunday": ("開催曜日（日）に本人の行ける曜日（月・火）がありません",),
        "d-evening": ("時間帯（夕方・夜間）が本人の行ける時間帯（午前）と合いません",),
        "e-elderly": ("対象年齢（65歳以上）に届きません（本人 34歳）",),
        "f-steps": ("必要な配慮（段差なし・車いす可）がありません",),
        "g-japanese-only": ("対応言語（日本語）に本人の使える言語（ベトナム語）がありません",),
        "h-costly": ("費用（500円/回）が本人の上限（300円）を超えます",),
        "i-full": ("定員（10人）に達しています（参加・体験中 10人）",),
        "j-large": ("人数規模（大人数）が本人の上限（少人数）を超えます",),
    }
    fits = result.ranked[0]
    assert "ベトナム語で参加できる" in fits.respects
    assert "費用 300円/回（上限 300円 以内）" in fits.respects
    assert "人数規模が少人数（上限 少人数）" in fits.respects


def test_a_place_failing_several_filters_lists_every_reason():
    needs = Needs(weekdays=(0,), age=80, max_cost_yen=0)
    result = rank(
        needs, [place(1, "x", weekdays=(5,), age_max=39, cost_yen=200, accepts_referrals=False)], AREAS
    )
    assert result.ranked == ()
    assert result.excluded[0].reasons == (
        "参加支援の受け入れをしていません",
        "開催曜日（土）に本人の行ける曜日（月）がありません",
        "対象年齢（39歳まで）を超えています（本人 80歳）",
        "費用（200円/回）が本人の上限（無料）を超えます",
    )


def test_ties_break_by_distance_then_key_then_id():
    needs = Needs(goals=("ibasho",), latitude=35.0, longitude=139.0)
    # Same score (goal 40, nothing else near enough to score): order by distance, unknown last, then key/id.
    places = [
        place(5, "b", latitude=35.1, longitude=139.0),  # ~11.1 km → 0 proximity points
        place(4, "a", latitude=35.2, longitude=139.0),  # ~22.2 km
        place(3, "c"),  # no coordinates
        place(2, "c"),  # same key, lower id
        place(1, "a2", latitude=35.1, longitude=139.0),  # same distance as "b": key "a2" < "b"
    ]
    result = rank(needs, places, AREAS)
    assert {r.score for r in result.ranked} == {40}
    assert [(r.place.key, r.place.id) for r in result.ranked] == [
        ("a2", 1),
        ("b", 5),
        ("a", 4),
        ("c", 2),
        ("c", 3),
    ]
    # The same input in another order gives the same ranking.
    assert names(rank(needs, list(reversed(places)), AREAS)) == names(result)


def test_distance_by_coordinates_scores_and_filters_and_is_explained():
    needs = Needs(goals=("ibasho",), latitude=35.681236, longitude=139.767125, max_distance_km=5)  # 東京駅
    near = place(1, "near", latitude=35.690921, longitude=139.700258)  # about 6.1 km west
    close = place(2, "close", latitude=35.685, longitude=139.77)
    unknown = place(3, "unknown")
    km_near = distance_km(35.681236, 139.767125, 35.690921, 139.700258)
    assert 6.0 < km_near < 6.2
    result = rank(needs, [near, close, unknown], AREAS)
    assert names(result) == ["close", "unknown"]
    assert result.excluded[0].reasons == ("距離（約6.1km）が本人の上限（5km）を超えます",)
    first = result.ranked[0]
    assert first.distance == "約0.5km"
    assert first.score == 40 + 20 - 1  # 0.49 km loses floor(0.49 × 4) = 1 point
    assert "距離の上限（5km）以内" in first.respects
    assert "距離を測れません（本人か場所の位置が未登録）" in result.ranked[1].cautions


def test_same_area_only_keeps_the_area_and_the_areas_inside_it():
    areas = Areas(parents={1: None, 11: 1, 2: None}, names={1: "東地区", 11: "東一丁目", 2: "西地区"})
    needs = Needs(same_area_only=True, area_id=1)
    result = rank(
        needs, [place(1, "inside", area_id=11), place(2, "outside", area_id=2), place(3, "nowhere")], areas
    )
    assert names(result) == ["inside"]
    assert {e.place.key: e.reasons for e in result.excluded} == {
        "nowhere": ("本人の地区（東地区）の外です（地区が未登録）",),
        "outside": ("本人の地区（東地区）の外です（西地区）",),
    }
    assert result.ranked[0].distance == "同じ地区（東一丁目）"


def test_unknowns_are_not_filtered_but_flagged_and_summary_reads_as_a_sentence():
    needs = Needs(
        goals=("work_experience",),
        activities=("農作業",),
        weekdays=(2,),
        max_cost_yen=100,
        max_group_size="small",
        area_id=1,
    )
    result = rank(
        needs,
        [place(1, "farm", kind="work_experience", kind_label="就労体験", activities=("農作業",), area_id=1)],
        AREAS,
    )
    r = result.ranked[0]
    assert r.cautions == (
        "開催日時が登録されていません（確認が必要）",
        "費用が登録されていません",
        "人数規模が登録されていません",
    )
    assert (
        r.summary == "希望「就労体験」に合う（就労体験）、やりたいこと「農作業」ができる、同じ地区（東地区）"
    )
    assert r.score == 40 + 15 + 20


def test_a_place_that_meets_no_wish_says_so_and_an_unknown_home_area_is_not_called_another_area():
    needs = Needs(goals=("ibasho",), weekdays=(1,))
    result = rank(
        needs, [place(1, "farm", kind="work_experience", weekdays=(1,), cost_yen=0, area_id=3)], AREAS
    )
    r = result.ranked[0]
    assert r.meets == ()
    assert r.distance == "北地区（本人の地区は未登録）"
    assert (
        r.summary
        == "希望・やりたいことに直接は合わないが条件は満たす、行ける日時に開いている（火）、北地区（本人の地区は未登録）"
    )
