"""Demo participation support (参加支援, 第2号): a few community resources and matches at every stage, so the
demo's window, coordinator and agency logins see work on the participation screens.

The resources this step needs are made by key (`demo-part-…`) when the city's directory has none of that
key — the resource directory's own demo rows are used as they are, never changed. The receiving side of two
of them is the demo agency worker's organization, with the person's participation consent, so that login
sees the 受け入れ先 view. Every match is written through `actions` (stages with their dates, follow-ups,
the receiving side's report); dates are relative to today. Written once: `has_demo_records`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.utils import timezone

from tsunagu.accounts.models import Role, Staff
from tsunagu.core.demo import DemoWorld
from tsunagu.directory.models import Organization
from tsunagu.directory.resource_models import Resource
from tsunagu.municipalities.models import Area, Municipality
from tsunagu.people.models import Person

from . import actions
from .models import Stage, SupportRecord
from .ranking import explanation_text, rank_for

PREFIX = "demo-part-"


@dataclass(frozen=True)
class DemoResource:
    key: str
    name: str
    kind: str
    weekdays: tuple[int, ...]
    time_slots: tuple[str, ...]
    activities: tuple[str, ...]
    group_size: str
    cost_yen: int
    receiving: bool  # run by the demo agency worker's organization
    age_min: int | None = None
    accessibility: tuple[str, ...] = ()
    capacity: int | None = None


RESOURCES = (
    DemoResource(
        "ibasho",
        "まちなか居場所カフェ（架空）",
        "ibasho",
        (1, 3),
        ("afternoon",),
        ("交流", "料理"),
        "small",
        0,
        True,
    ),
    DemoResource(
        "farm",
        "農園での就労体験（架空）",
        "work_experience",
        (0, 2, 4),
        ("morning",),
        ("農作業", "軽作業"),
        "small",
        0,
        True,
    ),
    DemoResource(
        "salon",
        "ふれあいサロン（架空）",
        "salon",
        (2,),
        ("afternoon",),
        ("交流", "体操"),
        "medium",
        100,
        False,
        60,
        ("step_free",),
    ),
    DemoResource(
        "volunteer",
        "子ども食堂ボランティア（架空）",
        "volunteer",
        (5,),
        ("afternoon", "evening"),
        ("料理", "子どもと遊ぶ"),
        "medium",
        0,
        False,
    ),
    DemoResource(
        "study",
        "学び直し教室（架空）",
        "learning",
        (3,),
        ("evening",),
        ("学習",),
        "one_to_one",
        0,
        False,
        None,
        (),
        5,
    ),
)

# (goals, activities, weekdays, time slots, max group size, stages to walk, days ago proposed)
SCENARIOS: tuple[
    tuple[tuple[str, ...], tuple[str, ...], tuple[int, ...], tuple[str, ...], str, tuple[str, ...], int], ...
] = (
    (("ibasho",), ("交流",), (1, 3), ("afternoon",), "small", (), 3),
    (("work_experience",), ("農作業",), (0, 2), ("morning",), "small", (Stage.VISIT,), 12),
    (("ibasho", "meals"), ("料理",), (1, 3, 5), ("afternoon",), "", (Stage.VISIT, Stage.TRIAL), 25),
    (
        ("work_experience",),
        ("軽作業",),
        (0, 4),
        ("morning",),
        "",
        (Stage.VISIT, Stage.TRIAL, Stage.PARTICIPATING),
        60,
    ),
    (("volunteer",), ("料理",), (5,), ("afternoon",), "", (Stage.PARTICIPATING, Stage.INTERRUPTED), 90),
    (("learning",), ("学習",), (3,), ("evening",), "one_to_one", (Stage.VISIT, Stage.ENDED), 40),
)


def has_demo_records(muni: Municipality) -> bool:
    return SupportRecord.objects.filter(municipality=muni, person__synthetic=True).exists()


def ensure_resources(muni: Municipality, receiving: Organization | None) -> list[Resource]:
    """The demo's resources by key: made when missing, left as they are when present."""
    areas = list(
        Area.objects.filter(municipality=muni, active=True).order_by("kind", "sort_order", "key")[:5]
    )
    out = []
    for i, spec in enumerate(RESOURCES):
        resource, _ = Resource.objects.get_or_create(
            municipality=muni,
            key=PREFIX + spec.key,
            defaults={
                "name": spec.name,
                "kind": spec.kind,
                "organization": receiving if spec.receiving else None,
                "operator_name": "" if spec.receiving else "地域の有志（架空）",
                "area": areas[i % len(areas)] if areas else None,
                "weekdays": list(spec.weekdays),
                "time_slots": list(spec.time_slots),
                "activities": list(spec.activities),
                "group_size": spec.group_size,
                "cost_yen": spec.cost_yen,
                "age_min": spec.age_min,
                "accessibility": list(spec.accessibility),
                "capacity": spec.capacity,
                "business_lines": ["2"],
                "sort_order": 900 + i,
            },
        )
        out.append(resource)
    return out


def _persons(muni: Municipality, count: int) -> list[Person]:
    taken = SupportRecord.objects.filter(municipality=muni).values("person_id")
    rows = (
        Person.objects.filter(municipality=muni, synthetic=True, deceased=False, merged_into__isnull=True)
        .exclude(pk__in=taken)
        .filter(birth_date__isnull=False)
        .order_by("pk")
    )
    today = timezone.localdate()
    return [p for p in rows[: count * 4] if (p.age(today) or 0) >= 18][:count]


def generate(muni: Municipality, *, worker: Staff, receiving: Organization | None) -> int:
    """Records and matches for the demo city; returns how many records were written."""
    ensure_resources(muni, receiving)
    today = timezone.localdate()
    made = 0
    for person, (goals, acts, days, slots, group, stages, ago) in zip(
        _persons(muni, len(SCENARIOS)), SCENARIOS, strict=False
    ):
        record, created = actions.open_record(
            actor=worker,
            person=person,
            data=actions.NeedsInput(
                goals=goals,
                activities=acts,
                weekdays=days,
                time_slots=slots,
                max_group_size=group,
                wish="人と話せる場所がほしい（架空）",
            ),
        )
        if not created:
            continue
        made += 1
        ranking = rank_for(record, today)
        if not ranking.ranked:
            continue
        top = ranking.ranked[0]
        resource = Resource.objects.get(pk=top.place.id)
        proposed_on = today - dt.timedelta(days=ago)
        match, _ = actions.propose(
            actor=worker,
            record=record,
            data=actions.ProposalInput(
                resource=resource,
                proposed_on=proposed_on,
                note_to_receiver="初回は担当者が同行します（架空）。",
                rank=top.rank,
                score=top.score,
                explanation=explanation_text(top),
            ),
        )
        if resource.organization is not None:
            actions.record_consent(
                actor=worker,
                record=record,
                organization=resource.organization,
                method="written",
                given_on=proposed_on,
                share_contact=True,
            )
        step = max(1, ago // (len(stages) + 1))
        for n, stage in enumerate(stages, start=1):
            actions.change_stage(
                actor=worker,
                match=match,
                version=match.version,
                to_stage=stage,
                on=proposed_on + dt.timedelta(days=step * n),
                note="",
            )
            match.refresh_from_db()
        if match.stage in (Stage.TRIAL, Stage.PARTICIPATING, Stage.INTERRUPTED):
            actions.record_follow_up(
                actor=worker,
                match=match,
                on=today - dt.timedelta(days=1),
                note="本人に様子を聞いた（架空）。",
                next_on=today + dt.timedelta(days=14),
                token=uuid.uuid4(),
            )
    return made


def demo_step(world: DemoWorld) -> str:
    muni = world.municipality
    if has_demo_records(muni):
        return f"{muni}: 架空の参加支援は既にあります（そのままにします）"
    worker = world.staff.get(Role.WINDOW_WORKER) or world.staff.get(Role.COORDINATOR)
    if worker is None or not worker.is_active or worker.organization_id is None:
        # An account kept as the city made it (no organization) cannot record support: leave it alone.
        return f"{muni}: 所属機関のある相談員のデモ用アカウントがないため、架空の参加支援は作りませんでした"
    agency = world.staff.get(Role.AGENCY_WORKER)
    made = generate(muni, worker=worker, receiving=agency.organization if agency else None)
    return f"{muni}: 架空の参加支援 {made} 件を作成しました（提案から参加開始・中断・終了まで）"
