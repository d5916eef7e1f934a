"""The points ledger's arithmetic: earn, redeem, overdraw refused, yearly cap, redemption unit, points per
activity, reversal, double submission; the database refuses a negative balance by itself."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import IntegrityError, transaction

from tsunagu.access.models import AuditEvent
from tsunagu.community import actions
from tsunagu.community.models import EntryKind, PointEntry

from .helpers import enrol, make_world

pytestmark = pytest.mark.django_db

D = dt.date(2025, 6, 1)


def earn(world, volunteer, points=None, on=D, activities=1, token=None):
    return actions.earn_points(
        actor=world.city.agency_worker,
        volunteer=volunteer,
        on=on,
        activity="サロンのお手伝い",
        activities=activities,
        points=points,
        submission_token=token or uuid.uuid4(),
    )[0]


def redeem(world, volunteer, points, token=None):
    return actions.redeem_points(
        actor=world.city.agency_worker,
        volunteer=volunteer,
        on=D,
        points=points,
        submission_token=token or uuid.uuid4(),
    )[0]


def test_earn_and_redeem_keep_a_running_balance():
    world = make_world()
    v = enrol(world)
    earn(world, v, 300)
    earn(world, v, 200)
    r = redeem(world, v, 450)
    assert actions.balance(v) == 50
    assert [
        (e.kind, e.points, e.balance_after) for e in PointEntry.objects.filter(volunteer=v).order_by("pk")
    ] == [
        (EntryKind.EARN, 300, 300),
        (EntryKind.EARN, 200, 500),
        (EntryKind.REDEEM, -450, 50),
    ]
    assert AuditEvent.objects.filter(
        action="create", object_index__contains=f" community_point_entry:{r.pk} "
    ).exists()


def test_redeeming_more_than_the_balance_is_refused_and_writes_nothing():
    world = make_world()
    v = enrol(world)
    earn(world, v, 100)
    with pytest.raises(actions.CommunityError, match="残高が足りません"):
        redeem(world, v, 101)
    assert actions.balance(v) == 100
    assert PointEntry.objects.filter(volunteer=v).count() == 1


def test_the_database_refuses_a_line_that_would_overdraw():
    world = make_world()
    v = enrol(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        PointEntry.objects.create(
            municipality=world.city.muni,
            volunteer=v,
            kind=EntryKind.REDEEM,
            on=D,
            points=-1,
            balance_after=-1,
            recorded_by=world.city.agency_worker,
            submission_token=uuid.uuid4(),
        )
    with pytest.raises(IntegrityError), transaction.atomic():  # an 付与 line with negative points
        PointEntry.objects.create(
            municipality=world.city.muni,
            volunteer=v,
            kind=EntryKind.EARN,
            on=D,
            points=-5,
            balance_after=0,
            recorded_by=world.city.agency_worker,
            submission_token=uuid.uuid4(),
        )


def test_the_yearly_cap_counts_the_fiscal_year_of_the_activity():
    world = make_world(yearly_cap=500)
    v = enrol(world)
    earn(world, v, 400, on=dt.date(2025, 4, 1))
    with pytest.raises(actions.CommunityError, match="年度の上限（500 ポイント）"):
        earn(world, v, 101, on=dt.date(2026, 3, 31))
    earn(world, v, 100, on=dt.date(2026, 3, 31))  # exactly up to the cap
    earn(world, v, 500, on=dt.date(2026, 4, 1))  # the next 年度 starts afresh
    assert actions.balance(v) == 1000
    assert actions.earned_in_year(v, 2025) == 500


def test_reversing_an_earning_frees_the_cap_and_a_line_is_reversed_once():
    world = make_world(yearly_cap=300)
    v = enrol(world)
    first = earn(world, v, 300)
    reversal, created = actions.reverse_entry(
        actor=world.city.agency_worker, entry=first, submission_token=uuid.uuid4()
    )
    assert created and reversal.points == -300 and reversal.balance_after == 0 and reversal.reverses == first
    assert actions.earned_in_year(v, 2025) == 0
    earn(world, v, 300)
    with pytest.raises(actions.CommunityError, match="すでに取り消されています"):
        actions.reverse_entry(actor=world.city.agency_worker, entry=first, submission_token=uuid.uuid4())
    with pytest.raises(actions.CommunityError, match="取消の行は取り消せません"):
        actions.reverse_entry(actor=world.city.agency_worker, entry=reversal, submission_token=uuid.uuid4())


def test_reversing_points_already_exchanged_is_refused_and_reversing_a_redemption_restores_them():
    world = make_world()
    v = enrol(world)
    e = earn(world, v, 200)
    r = redeem(world, v, 150)
    with pytest.raises(actions.CommunityError, match="残高が足りません"):
        actions.reverse_entry(actor=world.city.agency_worker, entry=e, submission_token=uuid.uuid4())
    actions.reverse_entry(actor=world.city.agency_worker, entry=r, submission_token=uuid.uuid4())
    assert actions.balance(v) == 200


def test_points_per_activity_and_the_redemption_unit_come_from_the_program():
    world = make_world(points_per_activity=50, redemption_unit=100)
    v = enrol(world)
    assert earn(world, v, activities=3).points == 150
    with pytest.raises(actions.CommunityError, match="1回 50 ポイント"):
        earn(world, v, 70)
    with pytest.raises(actions.CommunityError, match="100 ポイント単位"):
        redeem(world, v, 50)
    redeem(world, v, 100)
    assert actions.balance(v) == 50


def test_a_repeated_submission_writes_one_line():
    world = make_world()
    v = enrol(world)
    token = uuid.uuid4()
    a = earn(world, v, 100, token=token)
    b = earn(world, v, 100, token=token)
    assert a.pk == b.pk and actions.balance(v) == 100


def test_staff_outside_the_programs_organization_may_not_keep_its_ledger():
    world = make_world()
    v = enrol(world)
    with pytest.raises(actions.CommunityError, match="所管・運営機関"):
        actions.earn_points(
            actor=world.city.window_worker,
            volunteer=v,
            on=D,
            activity="x",
            points=10,
            submission_token=uuid.uuid4(),
        )
    # 束ね役 keep every program's ledger.
    actions.earn_points(
        actor=world.city.coordinator,
        volunteer=v,
        on=D,
        activity="x",
        points=10,
        submission_token=uuid.uuid4(),
    )
    assert actions.balance(v) == 10
