"""Demo outreach (第4号) for `make demo`: engagements in the demo city at every stage — lapsed by the
interval and by a missed plan, on time, identified, and closed with each outcome.

Written through `tsunagu.outreach.actions` (versions and audit rows); afterwards each contact's recording
time is set back to its day, so the household timeline reads as the months went. Dates are relative to
today, so what is lapsed stays lapsed. Runs once: nothing is written when the city has engagements.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass

from django.utils import timezone

from tsunagu.accounts.models import Role, Staff
from tsunagu.core.demo import DemoWorld
from tsunagu.directory.models import Organization
from tsunagu.municipalities.models import Area
from tsunagu.people.models import HouseholdMember, Person

from . import actions
from .models import Contact, Engagement, Outcome

# (days ago, method, response, note)
Step = tuple[int, str, str, str]


@dataclass(frozen=True)
class Scenario:
    description: str
    reported_by: str
    reporter_note: str
    purpose: str
    age: int  # days since the engagement started
    contacts: tuple[Step, ...]
    next_in: int | None  # days from today of the next planned contact (negative: missed)
    identify: bool = False
    outcome: str = ""
    outcome_note: str = ""


SCENARIOS = (
    Scenario(
        "隣家の高齢男性（80代くらい・一人暮らし）",
        "neighbour",
        "隣の住民から「新聞がたまっている」と電話",
        "安否の確認と、生活の様子を知ること",
        75,
        (
            (70, "visit", "absent", "呼び鈴に応答なし。メモを投函。"),
            (55, "letter", "no_response", "訪問のお知らせを郵送。"),
            (40, "visit", "absent", "電気メーターは回っている。再度メモを投函。"),
        ),
        None,
    ),
    Scenario(
        "10年以上外出していない40代の息子",
        "family",
        "母親（70代）が地域包括支援センターで相談",
        "本人と顔を合わせ、話ができる関係をつくる",
        60,
        (
            (58, "via_others", "talked", "母親から家での様子を聞き取り。本人には母親から伝えてもらう。"),
            (45, "visit", "refused", "部屋から出てこず。母親経由で手紙を渡す。"),
            (20, "visit", "brief", "ドア越しに短いあいさつ。"),
        ),
        -5,
        identify=True,
    ),
    Scenario(
        "ごみがたまっている一軒家の女性",
        "commissioner",
        "担当の民生委員から連絡",
        "セルフネグレクトの状況確認と、受け入れられる支援を探る",
        20,
        (
            (18, "visit", "absent", "不在。民生委員と同行。"),
            (10, "accompanied", "talked", "民生委員と同行訪問。玄関先で10分ほど会話。"),
        ),
        7,
        identify=True,
    ),
    Scenario(
        "日中も雨戸が閉まったままの家の若い男性",
        "community",
        "ほのぼのネットの見守り活動で気づき",
        "本人の困りごとを知り、居場所につなぐ",
        90,
        (
            (85, "letter", "no_response", "自己紹介の手紙。"),
            (60, "phone", "brief", "本人が電話に出る。数分の会話。"),
            (30, "visit", "talked", "玄関で30分ほど話す。ゲームの話題。"),
            (9, "visit", "rapport", "部屋に上がって話す。次回の約束ができた。"),
        ),
        14,
        identify=True,
    ),
    Scenario(
        "アパートの高齢女性（家賃の滞納）",
        "agency",
        "管理会社から市へ連絡",
        "生活の立て直しの相談先につなぐ",
        35,
        (),
        None,
    ),
    Scenario(
        "認知症が疑われる一人暮らしの女性",
        "neighbour",
        "自治会長から連絡",
        "介護保険サービスの窓口につなぐ",
        120,
        (
            (115, "visit", "talked", "本人と会話。物忘れの自覚あり。"),
            (100, "accompanied", "rapport", "地域包括支援センターの職員と同行訪問。"),
        ),
        None,
        identify=True,
        outcome=Outcome.CONNECTED,
        outcome_note="地域包括支援センターが継続して支援",
    ),
    Scenario(
        "仕事を辞めて家にいる30代の女性",
        "family",
        "父親から相談",
        "社会とのつながりを取り戻すきっかけをつくる",
        150,
        (
            (140, "phone", "talked", "本人と電話。外出はできる。"),
            (120, "visit", "rapport", "居場所の話に関心。"),
        ),
        None,
        identify=True,
        outcome=Outcome.PARTICIPATION,
        outcome_note="参加支援（居場所の見学）へ",
    ),
    Scenario(
        "介護と借金を抱える世帯の50代男性",
        "commissioner",
        "民生委員から連絡",
        "世帯全体の課題を整理する",
        100,
        (
            (95, "visit", "talked", "母親の介護と借金の話。"),
            (80, "visit", "rapport", "支援を受けることに同意。"),
        ),
        None,
        identify=True,
        outcome=Outcome.COLLABORATION,
        outcome_note="複数の課題があり、多機関協働で支援方針を決める",
    ),
    Scenario(
        "公園で寝泊まりしている男性",
        "other",
        "公園の管理者から連絡",
        "安全の確認と住まいの相談",
        80,
        ((78, "visit", "refused", "声かけに応じず。"),),
        None,
        outcome=Outcome.ENDED,
        outcome_note="市外へ移ったことを確認したため終了",
    ),
)


def _persons(world: DemoWorld, count: int) -> list[Person]:
    """Synthetic adults with a household, chosen deterministically for the seed."""
    ids = list(
        HouseholdMember.objects.filter(municipality=world.municipality, person__merged_into__isnull=True)
        .order_by("person_id")
        .values_list("person_id", flat=True)
        .distinct()[:400]
    )
    random.Random(world.seed + 4).shuffle(ids)
    return list(Person.objects.filter(pk__in=ids[:count]).order_by("pk"))


def demo_step(world: DemoWorld) -> str:
    muni = world.municipality
    if Engagement.objects.filter(municipality=muni).exists():
        return "アウトリーチ: 既にあります"
    actor: Staff | None = world.staff.get(Role.AGENCY_WORKER) or world.staff.get(Role.WINDOW_WORKER)
    if actor is None or actor.organization_id is None:
        return "アウトリーチ: 担当の職員がいないため作りません"
    today = timezone.localdate()
    rng = random.Random(world.seed + 40)
    areas = list(Area.objects.filter(municipality=muni, active=True).order_by("sort_order", "pk"))
    persons = _persons(world, sum(1 for s in SCENARIOS if s.identify))
    others = list(
        Organization.objects.filter(municipality=muni, active=True)
        .exclude(pk=actor.organization_id)
        .order_by("pk")
    )
    workers = [actor] + ([world.staff[Role.WINDOW_WORKER]] if Role.WINDOW_WORKER in world.staff else [])
    made = 0
    for scenario in SCENARIOS:
        started = today - dt.timedelta(days=scenario.age)
        first_plan = (
            started + dt.timedelta(days=3) if not scenario.contacts and scenario.next_in is not None else None
        )
        engagement, _ = actions.open_engagement(
            actor=actor,
            data=actions.EngagementInput(
                description=scenario.description,
                reported_by=scenario.reported_by,
                reporter_note=scenario.reporter_note,
                purpose=scenario.purpose,
                started_on=started,
                next_contact_on=first_plan,
                area=rng.choice(areas) if areas else None,
                workers=workers[: 1 + made % 2],
                submission_token=uuid.uuid5(uuid.NAMESPACE_URL, f"tsunagu-demo-outreach-{muni.code}-{made}"),
            ),
        )
        last = len(scenario.contacts) - 1
        for i, (ago, method, response, note) in enumerate(scenario.contacts):
            on = today - dt.timedelta(days=ago)
            plan = None
            if i < last:
                plan = today - dt.timedelta(days=scenario.contacts[i + 1][0])
            elif scenario.next_in is not None:
                plan = today + dt.timedelta(days=scenario.next_in)
            contact, _ = actions.record_contact(
                actor=actor,
                engagement=engagement,
                version=engagement.version,
                data=actions.ContactInput(
                    on=on,
                    method=method,
                    response=response,
                    note=note,
                    next_contact_on=plan,
                    submission_token=uuid.uuid5(
                        uuid.NAMESPACE_URL, f"tsunagu-demo-outreach-{muni.code}-{made}-{i}"
                    ),
                ),
            )
            # The demo's history: recorded on its day, not at the moment the demo is written.
            recorded = timezone.make_aware(dt.datetime.combine(on, dt.time(15, 0)))
            Contact.objects.filter(pk=contact.pk).update(recorded_at=recorded)
        if scenario.identify and persons:
            actions.identify_person(
                actor=actor, engagement=engagement, version=engagement.version, person=persons.pop(0)
            )
        if scenario.outcome:
            closed_on = today - dt.timedelta(
                days=max(scenario.contacts[-1][0] - 5, 1) if scenario.contacts else 1
            )
            if (
                scenario.outcome in (Outcome.PARTICIPATION, Outcome.COLLABORATION)
                and engagement.household_id is None
            ):
                continue
            actions.close_engagement(
                actor=actor,
                engagement=engagement,
                version=engagement.version,
                data=actions.CloseInput(
                    outcome=scenario.outcome,
                    closed_on=closed_on,
                    note=scenario.outcome_note,
                    organization=others[0] if others and scenario.outcome == Outcome.CONNECTED else None,
                ),
            )
        made += 1
    return f"アウトリーチ: {made}件（途切れ・予定どおり・本人特定・各結果の終了を含む）"
