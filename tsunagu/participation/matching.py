"""Matching a person to community resources (参加支援, 第2号): hard filters first, then a ranking by fit,
each rank explained in Japanese — and every place left out, with the reasons, so staff see why a place
they know is missing.

Pure: plain dataclasses in, plain dataclasses out, no database and no clock (the caller passes the age
and the occupancy). `participation.views` builds the inputs from `directory.Resource` rows and the
person's `SupportRecord`; the tests here feed known inputs and check the order and the words.

Hard filters (any one excludes the place; all failing reasons are listed):
    inactive, not accepting referrals (受け入れなし), no common weekday, no common time slot, age outside
    the place's range, an accessibility need the place does not meet, no common language, cost over the
    person's limit, full (定員), group larger than the person can bear (集団が苦手), outside the person's
    area when they go only within it, farther than their distance limit (when both sides have coordinates).
Score (integers, so the order never depends on float rounding):
    a goal the place's kind serves +40; each wanted activity it offers +15 (at most 3); a schedule known
    to fit +10; proximity up to +20 (same area 20, the area's parent 10 — or by distance: 20 − 4 per km,
    whichever is larger); free +5; a small or one-to-one place for someone uneasy in groups +5; the
    person's language when it is not Japanese +5.
Order: score (high first), distance (near first; unknown last), then the resource key, then the id.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

JAPANESE = "日本語"

# Goals (参加の目的) and the kinds of place that serve them (directory.resource_models.ResourceKind).
GOAL_LABELS: dict[str, str] = {
    "ibasho": "居場所",
    "work_experience": "就労体験",
    "volunteer": "ボランティア",
    "learning": "学び",
    "health": "健康づくり・介護予防",
    "peer": "同じ立場の人とのつながり",
    "meals": "食事・交流",
}
GOAL_KINDS: dict[str, frozenset[str]] = {
    "ibasho": frozenset({"ibasho", "salon", "kayoi_no_ba", "children_cafeteria", "peer_group"}),
    "work_experience": frozenset({"work_experience", "intermediate_work"}),
    "volunteer": frozenset({"volunteer"}),
    "learning": frozenset({"learning"}),
    "health": frozenset({"kayoi_no_ba", "salon"}),
    "peer": frozenset({"peer_group"}),
    "meals": frozenset({"children_cafeteria", "salon"}),
}
WEEKDAY_LABELS = ("月", "火", "水", "木", "金", "土", "日")
TIME_SLOT_LABELS = {"morning": "午前", "afternoon": "午後", "evening": "夕方・夜間"}
# Smallest first: a person's limit admits every size up to it.
GROUP_SIZES = ("one_to_one", "small", "medium", "large")
GROUP_SIZE_LABELS = {"one_to_one": "個別", "small": "少人数", "medium": "中人数", "large": "大人数"}
ACCESSIBILITY_LABELS = {
    "step_free": "段差なし・車いす可",
    "accessible_toilet": "多目的トイレ",
    "parking": "駐車場",
    "near_station": "駅・バス停から近い",
    "pick_up": "送迎あり",
    "hearing_support": "筆談・手話対応",
}

GOAL_POINTS = 40
ACTIVITY_POINTS = 15
ACTIVITY_MAX = 3
SCHEDULE_POINTS = 10
NEAR_POINTS = 20
PARENT_AREA_POINTS = 10
POINTS_LOST_PER_KM = 4
FREE_POINTS = 5
SMALL_GROUP_POINTS = 5
LANGUAGE_POINTS = 5


@dataclass(frozen=True)
class Place:
    """A community resource as matching sees it (from `directory.Resource`)."""

    id: int
    key: str
    name: str
    kind: str
    kind_label: str = ""
    active: bool = True
    accepts_referrals: bool = True
    area_id: int | None = None
    weekdays: tuple[int, ...] = ()
    time_slots: tuple[str, ...] = ()
    age_min: int | None = None
    age_max: int | None = None
    activities: tuple[str, ...] = ()
    accessibility: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()  # empty: Japanese only
    group_size: str = ""
    capacity: int | None = None
    participants: int = 0  # people in 体験 or 参加 there now (the caller counts them)
    cost_yen: int | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Needs:
    """A person's needs, interests and constraints (from `SupportRecord` and the person's age and area)."""

    goals: tuple[str, ...] = ()
    activities: tuple[str, ...] = ()
    weekdays: tuple[int, ...] = ()  # empty: any day
    time_slots: tuple[str, ...] = ()  # empty: any time
    accessibility: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()  # languages the person can use; empty: Japanese
    max_group_size: str = ""  # empty: no limit
    max_cost_yen: int | None = None
    same_area_only: bool = False
    max_distance_km: int | None = None
    age: int | None = None
    area_id: int | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Areas:
    """The city's area tree: parent and name of each area id."""

    parents: Mapping[int, int | None] = field(default_factory=dict)
    names: Mapping[int, str] = field(default_factory=dict)

    def name(self, area_id: int | None) -> str:
        return self.names.get(area_id, "") if area_id is not None else ""

    def lineage(self, area_id: int | None) -> list[int]:
        """The area and its ancestors, nearest first (a cycle in bad data stops the walk)."""
        out: list[int] = []
        current = area_id
        while current is not None and current not in out:
            out.append(current)
            current = self.parents.get(current)
        return out


@dataclass(frozen=True)
class Ranked:
    place: Place
    rank: int
    score: int
    meets: tuple[str, ...]  # needs and interests it meets
    respects: tuple[str, ...]  # constraints it respects
    distance: str  # how far, in words
    distance_km: float | None
    cautions: tuple[str, ...] = ()  # what is not known and should be asked

    @property
    def summary(self) -> str:
        """「なぜこの場所か」 in one sentence."""
        parts = list(self.meets[:2]) or [
            "希望・やりたいことに直接は合わないが条件は満たす",
            *self.respects[:1],
        ]
        return "、".join(p for p in [*parts, self.distance] if p)


@dataclass(frozen=True)
class Excluded:
    place: Place
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Ranking:
    ranked: tuple[Ranked, ...]
    excluded: tuple[Excluded, ...]


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (haversine; Japan's scale makes the error irrelevant)."""
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


def _days(days: Sequence[int]) -> str:
    return "・".join(WEEKDAY_LABELS[d] for d in sorted(set(days)) if 0 <= d < len(WEEKDAY_LABELS))


def _slots(slots: Sequence[str]) -> str:
    order = list(TIME_SLOT_LABELS)
    return "・".join(TIME_SLOT_LABELS[s] for s in sorted(set(slots), key=order.index) if s in order)


def _yen(value: int) -> str:
    return "無料" if value == 0 else f"{value:,}円"


def _place_km(needs: Needs, place: Place) -> float | None:
    if None in (needs.latitude, needs.longitude, place.latitude, place.longitude):
        return None
    return distance_km(needs.latitude, needs.longitude, place.latitude, place.longitude)  # type: ignore[arg-type]


def _area_relation(needs: Needs, place: Place, areas: Areas) -> str:
    """ "same" (the place's area is the person's or inside it), "parent" (they share the person's parent
    area), "" (neither or unknown)."""
    if needs.area_id is None or place.area_id is None:
        return ""
    if needs.area_id in areas.lineage(place.area_id):
        return "same"
    parent = areas.parents.get(needs.area_id)
    if parent is not None and parent in areas.lineage(place.area_id):
        return "parent"
    return ""


def exclusion_reasons(needs: Needs, place: Place, areas: Areas) -> list[str]:
    """Every hard filter the place fails for this person, in Japanese (empty: it passes)."""
    reasons: list[str] = []
    if not place.active:
        reasons.append("現在は活動していません（無効）")
    if not place.accepts_referrals:
        reasons.append("参加支援の受け入れをしていません")
    if needs.weekdays and place.weekdays and not set(needs.weekdays) & set(place.weekdays):
        reasons.append(
            f"開催曜日（{_days(place.weekdays)}）に本人の行ける曜日（{_days(needs.weekdays)}）がありません"
        )
    if needs.time_slots and place.time_slots and not set(needs.time_slots) & set(place.time_slots):
        reasons.append(
            f"時間帯（{_slots(place.time_slots)}）が本人の行ける時間帯（{_slots(needs.time_slots)}）と合いません"
        )
    if needs.age is not None:
        if place.age_min is not None and needs.age < place.age_min:
            reasons.append(f"対象年齢（{place.age_min}歳以上）に届きません（本人 {needs.age}歳）")
        if place.age_max is not None and needs.age > place.age_max:
            reasons.append(f"対象年齢（{place.age_max}歳まで）を超えています（本人 {needs.age}歳）")
    missing = [a for a in needs.accessibility if a not in place.accessibility]
    if missing:
        labels = "・".join(ACCESSIBILITY_LABELS.get(a, a) for a in missing)
        reasons.append(f"必要な配慮（{labels}）がありません")
    person_langs = set(needs.languages) or {JAPANESE}
    place_langs = set(place.languages) or {JAPANESE}
    if not person_langs & place_langs:
        reasons.append(
            f"対応言語（{'・'.join(sorted(place_langs))}）に本人の使える言語（{'・'.join(sorted(person_langs))}）がありません"
        )
    if needs.max_cost_yen is not None and place.cost_yen is not None and place.cost_yen > needs.max_cost_yen:
        reasons.append(
            f"費用（{_yen(place.cost_yen)}/回）が本人の上限（{_yen(needs.max_cost_yen)}）を超えます"
        )
    if place.capacity is not None and place.participants >= place.capacity:
        reasons.append(f"定員（{place.capacity}人）に達しています（参加・体験中 {place.participants}人）")
    if needs.max_group_size in GROUP_SIZES and place.group_size in GROUP_SIZES:
        if GROUP_SIZES.index(place.group_size) > GROUP_SIZES.index(needs.max_group_size):
            reasons.append(
                f"人数規模（{GROUP_SIZE_LABELS[place.group_size]}）が本人の上限"
                f"（{GROUP_SIZE_LABELS[needs.max_group_size]}）を超えます"
            )
    if needs.same_area_only and needs.area_id is not None and _area_relation(needs, place, areas) != "same":
        where = areas.name(place.area_id) or "地区が未登録"
        reasons.append(f"本人の地区（{areas.name(needs.area_id)}）の外です（{where}）")
    km = _place_km(needs, place)
    if needs.max_distance_km is not None and km is not None and km > needs.max_distance_km:
        reasons.append(f"距離（約{km:.1f}km）が本人の上限（{needs.max_distance_km}km）を超えます")
    return reasons


def _score(needs: Needs, place: Place, areas: Areas) -> Ranked:
    score = 0
    meets: list[str] = []
    respects: list[str] = []
    cautions: list[str] = []
    goals = [g for g in needs.goals if place.kind in GOAL_KINDS.get(g, ())]
    if goals:
        score += GOAL_POINTS
        kind = place.kind_label or place.kind
        meets.append(f"希望「{'・'.join(GOAL_LABELS.get(g, g) for g in goals)}」に合う（{kind}）")
    activities = [a for a in needs.activities if a in place.activities][:ACTIVITY_MAX]
    if activities:
        score += ACTIVITY_POINTS * len(activities)
        meets.append(f"やりたいこと「{'・'.join(activities)}」ができる")
    # Schedule: known to fit only when both sides say something.
    common_days = sorted(set(needs.weekdays) & set(place.weekdays)) if needs.weekdays else []
    common_slots = [s for s in needs.time_slots if s in place.time_slots] if needs.time_slots else []
    if common_days or common_slots:
        score += SCHEDULE_POINTS
        when = _days(common_days) + (f"の{_slots(common_slots)}" if common_slots and common_days else "")
        respects.append(f"行ける日時に開いている（{when or _slots(common_slots)}）")
    elif (needs.weekdays and not place.weekdays) or (needs.time_slots and not place.time_slots):
        cautions.append("開催日時が登録されていません（確認が必要）")
    # Proximity: by the area tree and by coordinates, whichever says nearer.
    relation = _area_relation(needs, place, areas)
    area_points = {"same": NEAR_POINTS, "parent": PARENT_AREA_POINTS}.get(relation, 0)
    km = _place_km(needs, place)
    km_points = max(0, NEAR_POINTS - math.floor(km * POINTS_LOST_PER_KM)) if km is not None else 0
    score += max(area_points, km_points)
    where: list[str] = []
    if relation == "same":
        where.append(f"同じ地区（{areas.name(place.area_id)}）")
    elif relation == "parent":
        parent = areas.parents.get(needs.area_id) if needs.area_id is not None else None
        where.append(f"近くの地区（{areas.name(place.area_id)}・{areas.name(parent)}内）")
    elif place.area_id is not None and needs.area_id is None:
        where.append(f"{areas.name(place.area_id)}（本人の地区は未登録）")
    elif place.area_id is not None:
        where.append(f"別の地区（{areas.name(place.area_id)}）")
    if km is not None:
        where.append(f"約{km:.1f}km")
    distance = "・".join(where)
    if needs.max_distance_km is not None and km is None:
        cautions.append("距離を測れません（本人か場所の位置が未登録）")
    if needs.max_distance_km is not None and km is not None:
        respects.append(f"距離の上限（{needs.max_distance_km}km）以内")
    # Cost, group, language, accessibility.
    if place.cost_yen == 0:
        score += FREE_POINTS
        respects.append("無料")
    elif place.cost_yen is not None and needs.max_cost_yen is not None:
        respects.append(f"費用 {_yen(place.cost_yen)}/回（上限 {_yen(needs.max_cost_yen)} 以内）")
    elif place.cost_yen is None:
        cautions.append("費用が登録されていません")
    if needs.max_group_size in GROUP_SIZES:
        if place.group_size in GROUP_SIZES:
            if GROUP_SIZES.index(place.group_size) <= GROUP_SIZES.index("small"):
                score += SMALL_GROUP_POINTS
            respects.append(
                f"人数規模が{GROUP_SIZE_LABELS[place.group_size]}（上限 {GROUP_SIZE_LABELS[needs.max_group_size]}）"
            )
        else:
            cautions.append("人数規模が登録されていません")
    foreign = [lang for lang in needs.languages if lang != JAPANESE and lang in place.languages]
    if foreign:
        score += LANGUAGE_POINTS
        respects.append(f"{'・'.join(foreign)}で参加できる")
    if needs.accessibility:
        respects.append(
            f"配慮あり（{'・'.join(ACCESSIBILITY_LABELS.get(a, a) for a in needs.accessibility)}）"
        )
    if needs.age is not None and (place.age_min is not None or place.age_max is not None):
        respects.append("対象年齢に合う")
    return Ranked(
        place=place,
        rank=0,
        score=score,
        meets=tuple(meets),
        respects=tuple(respects),
        distance=distance,
        distance_km=km,
        cautions=tuple(cautions),
    )


def _order(r: Ranked) -> tuple[int, float, str, int]:
    return (-r.score, r.distance_km if r.distance_km is not None else math.inf, r.place.key, r.place.id)


def rank(needs: Needs, places: Sequence[Place], areas: Areas | None = None) -> Ranking:
    """Filter, score and order `places` for `needs` (see the module docstring)."""
    areas = areas or Areas()
    kept: list[Ranked] = []
    excluded: list[Excluded] = []
    for place in places:
        reasons = exclusion_reasons(needs, place, areas)
        if reasons:
            excluded.append(Excluded(place, tuple(reasons)))
        else:
            kept.append(_score(needs, place, areas))
    kept.sort(key=_order)
    ranked = tuple(
        Ranked(r.place, i, r.score, r.meets, r.respects, r.distance, r.distance_km, r.cautions)
        for i, r in enumerate(kept, start=1)
    )
    excluded.sort(key=lambda e: (e.place.key, e.place.id))
    return Ranking(ranked=ranked, excluded=tuple(excluded))
