"""The demo city's community year (issue 12 part 7), written through the community app's actions.

Every active community group of the city's profile gets a sitting every other month over the last
twelve months with participant counts; some sittings surface a need, and the latest need of a group run
by an organization is taken in as a consultation (intake's action, linked). When the profile has a points
program, one volunteer gets a ledger: activities credited, one exchange, one reversal. Written once.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid

from django.utils import timezone

from tsunagu.accounts.models import Role, Staff
from tsunagu.core.demo import DemoWorld
from tsunagu.directory.models import CommunityGroup, PointsProgram, Window
from tsunagu.intake.actions import ConsultationInput
from tsunagu.intake.models import ActionKind, Channel, ConsulterKind, SharingConsent
from tsunagu.municipalities.models import ConcernType, Municipality
from tsunagu.people.actions import PersonInput
from tsunagu.people.models import HouseholdMember

from . import actions
from .models import Sitting, SurfacedNeed

MONTHS_BACK = (11, 9, 7, 5, 3, 1)
NEEDS = [
    "最近サロンに来なくなった一人暮らしの高齢の方がいて、近所の人が心配している。",
    "子育て中の母親から、夜眠れず家事が回らないという話が出た。",
    "家賃の支払いが遅れているらしい世帯の話題が出た。",
]
TOPICS = ["季節の行事の準備", "見守り活動の振り返り", "地域の困りごとの共有", "健康体操と茶話会"]


def _sittings(coordinator: Staff, muni: Municipality, rng: random.Random) -> tuple[int, list[SurfacedNeed]]:
    today = timezone.localdate()
    made, needs = 0, []
    for g in CommunityGroup.objects.filter(municipality=muni, active=True).order_by("sort_order", "pk"):
        for i, back in enumerate(MONTHS_BACK):
            day = (today.replace(day=1) - dt.timedelta(days=30 * back)).replace(day=10)
            sitting, _ = actions.record_sitting(
                actor=coordinator,
                group=g,
                data=actions.SittingInput(
                    held_on=day,
                    submission_token=uuid.uuid4(),
                    residents=rng.randint(6, 25),
                    professionals=rng.randint(1, 4),
                    volunteers=rng.randint(0, 6),
                    topics=TOPICS[(i + g.pk) % len(TOPICS)],
                ),
            )
            made += 1
            if i % 2 == 1:
                need, _ = actions.record_need(
                    actor=coordinator,
                    sitting=sitting,
                    text=NEEDS[(i // 2 + g.pk) % len(NEEDS)],
                    submission_token=uuid.uuid4(),
                )
                needs.append(need)
    return made, needs


def _take_in(coordinator: Staff, muni: Municipality, needs: list[SurfacedNeed]) -> bool:
    """The latest need of a group with a running organization becomes a consultation of a demo resident."""
    run = [n for n in needs if n.sitting.group.organization_id]
    window = Window.objects.filter(municipality=muni, active=True).order_by("sort_order", "pk").first()
    concern = ConcernType.objects.filter(municipality=muni, active=True).order_by("sort_order", "pk").first()
    member = HouseholdMember.objects.filter(municipality_id=muni.pk).order_by("pk").first()
    if not run or window is None or concern is None or member is None:
        return False
    need = run[-1]
    data = ConsultationInput(
        window=window,
        received_at=timezone.now() - dt.timedelta(days=20),
        channel=Channel.OUTREACH,
        consulter_kind=ConsulterKind.OTHER,
        consulter_note=need.sitting.group.name,
        business_line=window.business_lines[0] if window.business_lines else "1ni",
        sharing_consent=SharingConsent.UNCONFIRMED,
        submission_token=uuid.uuid4(),
        person=member.person,
        household=member.household,
        relationship=member.relationship,
        concerns=[concern],
        note=f"【地域の気づき】{need.text}",
        actions=[ActionKind.LISTENING],
    )
    actions.consultation_from_need(actor=coordinator, need=need, data=data)
    return True


def _ledger(coordinator: Staff, muni: Municipality) -> str:
    program = (
        PointsProgram.objects.filter(municipality=muni, active=True).order_by("sort_order", "pk").first()
    )
    if program is None:
        return "ポイント制度はプロファイルにないため、台帳は作りませんでした"
    today = timezone.localdate()
    volunteer, _ = actions.register_volunteer(
        actor=coordinator,
        program=program,
        registered_on=today - dt.timedelta(days=200),
        new_person=PersonInput(
            family_name="里山", given_name="はな", family_kana="サトヤマ", given_kana="ハナ", estimated_age=68
        ),
    )
    per = program.points_per_activity
    first = None
    for days in (180, 120, 60, 30):
        entry, _ = actions.earn_points(
            actor=coordinator,
            volunteer=volunteer,
            on=today - dt.timedelta(days=days),
            activity="サロンでのお手伝い",
            points=None if per else 100,
            submission_token=uuid.uuid4(),
        )
        first = first or entry
    unit = program.redemption_unit or 100
    if actions.balance(volunteer) >= unit:
        actions.redeem_points(
            actor=coordinator,
            volunteer=volunteer,
            on=today - dt.timedelta(days=20),
            points=unit,
            note=program.reward,
            submission_token=uuid.uuid4(),
        )
    if first is not None:
        try:
            actions.reverse_entry(actor=coordinator, entry=first, submission_token=uuid.uuid4())
        except actions.CommunityError:
            pass  # already exchanged: the ledger keeps the line
    return f"ポイント台帳 1 人（残高 {actions.balance(volunteer)} ポイント）"


def demo_step(world: DemoWorld) -> str:
    muni = world.municipality
    if Sitting.objects.filter(municipality=muni).exists():
        return f"{muni}: 地域づくりの記録は既にあります（そのままにします）"
    coordinator = world.staff.get(Role.COORDINATOR)
    if coordinator is None or not coordinator.is_active:
        return f"{muni}: 束ね役のデモ用アカウントがないため、地域づくりの記録は作りませんでした"
    rng = random.Random(world.seed)
    made, needs = _sittings(coordinator, muni, rng)
    linked = _take_in(coordinator, muni, needs)
    ledger = _ledger(coordinator, muni)
    return f"{muni}: 地域づくりの開催 {made} 回・気づき {len(needs)} 件（相談へ {int(linked)} 件）・{ledger}"
