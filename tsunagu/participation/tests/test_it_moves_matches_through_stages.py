"""Stages of a match (提案 → 見学 → 体験 → 参加開始 → 中断 / 終了): allowed moves, refused ones in Japanese,
the days from proposal to first participation, audit rows, and the 第2号 figures."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from tsunagu.access.models import AuditEvent
from tsunagu.participation import actions
from tsunagu.participation.figures import business_line_counts
from tsunagu.participation.models import Stage, StageChange
from tsunagu.participation.ranking import rank_for

from .helpers import make_resource, make_world, move, open_record, propose, resident

pytestmark = pytest.mark.django_db


def test_a_match_walks_to_participation_and_the_days_are_measured():
    world = make_world()
    record = open_record(world, goals=["ibasho"])
    match = propose(world, record, make_resource(world, "cafe"), ago=20)
    move(world, match, Stage.VISIT, ago=15)
    move(world, match, Stage.TRIAL, ago=10)
    match = move(world, match, Stage.PARTICIPATING, ago=6)
    assert match.first_participation_on == timezone.localdate() - dt.timedelta(days=6)
    assert match.days_to_first_participation() == 14
    # Interrupted and back: the first participation day does not move.
    move(world, match, Stage.INTERRUPTED, ago=3)
    match = move(world, match, Stage.PARTICIPATING, ago=1)
    assert match.days_to_first_participation() == 14
    assert list(StageChange.objects.filter(match=match).values_list("to_stage", flat=True)) == [
        "proposed",
        "visit",
        "trial",
        "participating",
        "interrupted",
        "participating",
    ]
    ops = [e.detail.get("operation") for e in AuditEvent.objects.filter(actor=world.a.window_worker)]
    assert ops.count("stage") == 5 and "propose" in ops and "open" in ops


def test_invalid_moves_are_refused_in_japanese_and_change_nothing():
    world = make_world()
    record = open_record(world)
    match = propose(world, record, make_resource(world, "cafe"))
    with pytest.raises(
        actions.ParticipationError,
        match="「提案」から「中断」には進めません（進める段階: 見学・体験・参加開始・終了）",
    ):
        actions.change_stage(
            actor=world.a.window_worker,
            match=match,
            version=match.version,
            to_stage=Stage.INTERRUPTED,
            on=timezone.localdate(),
        )
    match = move(world, match, Stage.ENDED, ago=0)
    with pytest.raises(
        actions.ParticipationError, match="「終了」のマッチングは、これ以上段階を変えられません"
    ):
        actions.change_stage(
            actor=world.a.window_worker,
            match=match,
            version=match.version,
            to_stage=Stage.PARTICIPATING,
            on=timezone.localdate(),
        )
    match.refresh_from_db()
    assert match.stage == Stage.ENDED and match.first_participation_on is None
    # A date before the proposal, and a stale version, are refused too.
    other = propose(world, record, make_resource(world, "farm"), ago=5)
    with pytest.raises(actions.ParticipationError, match="提案日より前"):
        actions.change_stage(
            actor=world.a.window_worker,
            match=other,
            version=other.version,
            to_stage=Stage.VISIT,
            on=timezone.localdate() - dt.timedelta(days=9),
        )
    with pytest.raises(actions.StaleEdit):
        actions.change_stage(
            actor=world.a.window_worker,
            match=other,
            version=other.version + 1,
            to_stage=Stage.VISIT,
            on=timezone.localdate(),
        )


def test_proposing_twice_finds_the_first_and_refused_places_are_not_proposed():
    world = make_world()
    record = open_record(world)
    cafe = make_resource(world, "cafe")
    first = propose(world, record, cafe)
    again, created = actions.propose(
        actor=world.a.window_worker,
        record=record,
        data=actions.ProposalInput(resource=cafe, proposed_on=timezone.localdate()),
    )
    assert (again.pk, created) == (first.pk, False)
    closed = make_resource(world, "closed", accepts_referrals=False)
    with pytest.raises(actions.ParticipationError, match="受け入れをしていません"):
        actions.propose(
            actor=world.a.window_worker,
            record=record,
            data=actions.ProposalInput(resource=closed, proposed_on=timezone.localdate()),
        )


def test_full_capacity_refuses_participation():
    world = make_world()
    small = make_resource(world, "small", capacity=1)
    m1 = propose(world, open_record(world, resident(world, "佐藤")), small)
    move(world, m1, Stage.PARTICIPATING, ago=1)
    m2 = propose(world, open_record(world, resident(world, "田中")), small)
    # The ranking counts the place full for others, never for the person already there.
    today = timezone.localdate()
    assert [r.place.key for r in rank_for(m1.record, today).ranked] == ["small"]
    excluded = rank_for(m2.record, today).excluded
    assert [(e.place.key, e.reasons) for e in excluded] == [
        ("small", ("定員（1人）に達しています（参加・体験中 1人）",))
    ]
    with pytest.raises(actions.ParticipationError, match="定員に達しています"):
        actions.change_stage(
            actor=world.a.window_worker,
            match=m2,
            version=m2.version,
            to_stage=Stage.PARTICIPATING,
            on=timezone.localdate(),
        )


def test_follow_up_double_submit_is_one_row():
    world = make_world()
    match = propose(world, open_record(world), make_resource(world, "cafe"))
    token = uuid.uuid4()
    kw = dict(
        actor=world.a.window_worker,
        match=match,
        on=timezone.localdate(),
        note="様子を聞いた",
        next_on=None,
        token=token,
    )
    f1, c1 = actions.record_follow_up(**kw)  # type: ignore[arg-type]
    f2, c2 = actions.record_follow_up(**kw)  # type: ignore[arg-type]
    assert (c1, c2, f1.pk) == (True, False, f2.pk)
    with pytest.raises(actions.ParticipationError, match="内容を入力してください"):
        actions.record_follow_up(**{**kw, "note": " \x00 ", "token": uuid.uuid4()})  # type: ignore[arg-type]


def test_business_line_counts():
    world = make_world()
    today = timezone.localdate()
    cafe, farm = make_resource(world, "cafe"), make_resource(world, "farm")
    a = open_record(world, resident(world, "佐藤"))
    b = open_record(world, resident(world, "田中"))
    open_record(world, resident(world, "高橋"))  # supported, nothing proposed yet
    m1 = propose(world, a, cafe, ago=30)
    move(world, m1, Stage.VISIT, ago=25)
    move(world, m1, Stage.PARTICIPATING, ago=20)  # 10 days
    m2 = propose(world, a, farm, ago=12)
    move(world, m2, Stage.TRIAL, ago=8)
    move(world, m2, Stage.PARTICIPATING, ago=2)  # 10 days
    m3 = propose(world, b, cafe, ago=40)
    move(world, m3, Stage.PARTICIPATING, ago=10)  # 30 days
    m4 = propose(world, b, farm, ago=100)  # before the period
    move(world, m4, Stage.ENDED, ago=90)
    counts = business_line_counts(world.muni, today - dt.timedelta(days=60), today)
    assert counts.business_line == "2"
    assert counts.people_supported == 3
    assert counts.proposals == 3
    assert counts.visits == 1 and counts.trials == 1
    assert counts.first_participations == 3
    assert counts.persons_participating == 2
    assert counts.median_days_to_first_participation == 10
    older = business_line_counts(world.muni, today - dt.timedelta(days=120), today - dt.timedelta(days=61))
    assert (older.proposals, older.first_participations, older.median_days_to_first_participation) == (
        1,
        0,
        None,
    )
    with pytest.raises(ValueError):
        business_line_counts(world.muni, today, today - dt.timedelta(days=1))
