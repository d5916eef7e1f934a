"""No lost update: staff editing the same record at the same moment with the same version — exactly one
wins, every other gets StaleEdit (or CaseError), and what is stored is the winner's content, whole.

Runs against PostgreSQL, where writers really interleave. SQLite serialises writers (one write
transaction at a time), so it cannot show a lost update either way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.db import connection

from tsunagu.cases import actions
from tsunagu.cases.actions import CaseError, StaleEdit
from tsunagu.cases.models import (
    Assessment,
    AssessmentArea,
    Case,
    CaseStatus,
    CaseTransition,
    PlanAction,
    PlanGoal,
    SupportPlan,
)

from .helpers import World, make_world, plan_input

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (TSUNAGU_DATABASE_URL): SQLite serialises writers, so no race can occur",
    ),
]
THREADS = 4
ROUNDS = 3


def race(calls: list[Callable[[], Any]]) -> tuple[list[tuple[int, Any]], list[tuple[int, Exception]]]:
    """Run the calls at once, each in its own thread with its own database connection."""
    barrier = threading.Barrier(len(calls))
    wins: list[tuple[int, Any]] = []
    losses: list[tuple[int, Exception]] = []
    lock = threading.Lock()

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            result = call()
            with lock:
                wins.append((i, result))
        except Exception as exc:
            with lock:
                losses.append((i, exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    return wins, losses


def exactly_one_winner(
    wins: list[tuple[int, Any]], losses: list[tuple[int, Exception]], expected: type[Exception] = StaleEdit
) -> int:
    assert len(wins) + len(losses) >= 2, "a race needs at least two writers"
    assert len(wins) == 1, f"{len(wins)} winners; losses: {losses!r}"
    for _, exc in losses:
        assert isinstance(exc, expected), f"loser got {exc!r}, expected {expected.__name__}"
    return wins[0][0]


@pytest.fixture
def world() -> World:
    return make_world()


def test_one_of_several_edits_of_the_same_draft_wins_whole(world):
    org = world.orgs["team"]
    plan = SupportPlan.objects.get(pk=world.plan.pk)
    case = Case.objects.get(pk=world.case.pk)
    for rnd in range(ROUNDS):
        version = SupportPlan.objects.get(pk=plan.pk).edit_version
        datas = [plan_input(f"版{rnd}-職員{i}", org) for i in range(THREADS)]
        # Each writer gives several goals so that a mix of two writers' rows would show.
        for i, d in enumerate(datas):
            d.goals += [actions.GoalInput(text=f"版{rnd}-職員{i}-追加{k}") for k in range(3)]
        wins, losses = race(
            [
                partial(
                    actions.save_plan,
                    actor=world.coordinator,
                    case=case,
                    data=d,
                    plan=plan,
                    edit_version=version,
                )
                for d in datas
            ]
        )
        winner = exactly_one_winner(wins, losses)
        stored = SupportPlan.objects.get(pk=plan.pk)
        assert stored.edit_version == version + 1
        assert stored.overall_goal == datas[winner].overall_goal
        assert [g.text for g in PlanGoal.objects.filter(plan=plan)] == [g.text for g in datas[winner].goals]
        assert [a.description for a in PlanAction.objects.filter(plan=plan)] == [
            a.description for a in datas[winner].actions
        ]


def test_two_first_plans_at_once_give_one_plan(world):
    case = Case.objects.create(
        municipality=world.city.muni,
        number=500,
        household=world.other_case.household,
        coordinator=world.coordinator,
        opened_by=world.coordinator,
        status=CaseStatus.PLANNING,  # a closed case would refuse every plan
    )
    org = world.orgs["team"]
    datas = [plan_input(f"最初のプラン{i}", org) for i in range(THREADS)]
    wins, losses = race(
        [partial(actions.save_plan, actor=world.coordinator, case=case, data=d) for d in datas]
    )
    winner = exactly_one_winner(wins, losses)
    plans = list(SupportPlan.objects.filter(case=case))
    assert len(plans) == 1 and plans[0].overall_goal == datas[winner].overall_goal
    assert [g.text for g in plans[0].goals.all()] == [g.text for g in datas[winner].goals]


def test_one_of_several_assessments_on_the_same_version_wins(world):
    case = Case.objects.get(pk=world.case.pk)
    for rnd in range(ROUNDS):
        based_on = Assessment.objects.filter(case=case).count()
        texts = [f"見立て{rnd}-{i}" for i in range(THREADS)]
        wins, losses = race(
            [
                partial(
                    actions.save_assessment,
                    actor=world.coordinator,
                    case=case,
                    based_on=based_on,
                    person_wish=t,
                    summary=t,
                    areas={"health": {"situation": t}, "housing": {"risks": t}},
                    change_reason=f"改訂 {t}",
                )
                for t in texts
            ]
        )
        winner = exactly_one_winner(wins, losses)
        newest = Assessment.objects.filter(case=case).order_by("-version_no").first()
        assert newest is not None and newest.version_no == based_on + 1
        assert newest.summary == texts[winner]
        areas = AssessmentArea.objects.filter(assessment__case=case, assessment__version_no=based_on + 1)
        assert {(a.area, a.situation or a.risks) for a in areas} == {
            ("health", texts[winner]),
            ("housing", texts[winner]),
        }


def close_fresh(*, case_id: int, **kw: Any) -> Case:
    return actions.close_case(case=Case.objects.get(pk=case_id), **kw)


def test_one_of_several_transitions_and_closures_with_the_same_version_wins(world):
    case = Case.objects.get(pk=world.case.pk)
    version = case.version
    transitions_before = CaseTransition.objects.filter(case=case).count()
    calls: list[Callable[[], Any]] = [
        lambda: actions.transition(
            actor=world.coordinator, case=Case.objects.get(pk=case.pk), version=version, to="assessment"
        ),
        lambda: actions.transition(
            actor=world.coordinator,
            case=Case.objects.get(pk=case.pk),
            version=version,
            to="suspended",
            note="入院",
        ),
    ] + [
        partial(
            close_fresh,
            actor=world.coordinator,
            case_id=case.pk,
            version=version,
            reason=f"終結{i}",
            goal_attainment="achieved",
            handover_to=None,
            main_agency_after_closure=world.orgs["team"],
        )
        for i in range(2)
    ]
    wins, losses = race(calls)
    winner = exactly_one_winner(wins, losses)
    stored = Case.objects.get(pk=case.pk)
    assert stored.version == version + 1
    assert stored.status == ["assessment", "suspended", "closed", "closed"][winner]
    assert stored.closure_reason == ("" if winner < 2 else f"終結{winner - 2}")
    assert CaseTransition.objects.filter(case=case).count() == transitions_before + 1


def test_two_coordinators_opening_a_case_for_the_same_household_open_one(world):
    household = world.household
    actions.close_case(
        actor=world.coordinator,
        case=world.case,
        version=world.case.version,
        reason="終結",
        goal_attainment="achieved",
        handover_to=None,
        main_agency_after_closure=world.orgs["team"],
    )
    open_before = Case.objects.filter(household=household).exclude(status="closed").count()
    assert open_before == 0
    wins, losses = race(
        [lambda: actions.open_case(actor=world.coordinator, household=household) for _ in range(THREADS)]
    )
    exactly_one_winner(wins, losses, expected=CaseError)
    assert Case.objects.filter(household=household).exclude(status="closed").count() == 1
