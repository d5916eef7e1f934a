"""参加支援 in Chromium: the window worker records a person's wishes and constraints, reads the ranked places
with 「なぜこの場所か」 and what was left out, proposes the first, records consent for the receiving
organization and walks the match 見学 → 体験 → 参加開始; the receiving side then sees only its part and
records how it went. Screenshots are kept under test-artifacts/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.browser import login
from tests.conftest import screenshot
from tsunagu.participation.models import Match, ReceiverReport, Stage
from tsunagu.participation.tests.helpers import make_resource, make_world, resident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple"


def _stage(page, match_id: int, stage: str, day: dt.date) -> None:  # type: ignore[no-untyped-def]
    page.select_option(f"#stage-{match_id}", stage)
    page.fill(f"#stage-on-{match_id}", day.isoformat())
    with page.expect_navigation():
        page.click(f"#match-{match_id} form[action$='/stage/'] button")


def test_a_match_through_to_first_participation(page, live_server):
    world = make_world("pb")
    person = resident(world, "松本", phone="090-0000-1234")
    make_resource(
        world,
        "cafe",
        name="まちなか居場所カフェ",
        weekdays=[1, 3],
        time_slots=["afternoon"],
        activities=["料理", "交流"],
        group_size="small",
        cost_yen=0,
        area=world.east,
    )
    make_resource(
        world,
        "farm",
        name="農園の就労体験",
        kind="work_experience",
        weekdays=[1],
        activities=["農作業"],
        cost_yen=0,
    )
    make_resource(world, "hall", name="大ホールの交流会", weekdays=[1], group_size="large", cost_yen=500)
    make_resource(world, "sunday", name="日曜サロン", kind="salon", weekdays=[6])
    today = timezone.localdate()

    login(page, live_server.url, world.a.window_worker.username, PASSWORD)
    page.goto(f"{live_server.url}/participation/new/?person={person.pk}")
    page.check("input[name=goals][value=ibasho]")
    page.fill("#id_activities", "料理、交流")
    page.check("input[name=weekdays][value='1']")
    page.check("input[name=time_slots][value=afternoon]")
    page.select_option("#id_max_group_size", "small")
    page.fill("#id_max_cost_yen", "300")
    page.fill("#id_wish", "家以外で落ち着ける場所がほしい")
    screenshot(page, "participation-needs-form")
    with page.expect_navigation():
        page.click("#needs-submit")
    html = page.content()
    assert "1位 まちなか居場所カフェ" in html
    assert "希望「居場所」に合う（居場所）" in html and "やりたいこと「料理・交流」ができる" in html
    page.click("#excluded summary")
    html = page.content()
    assert "日曜サロン" in html and "開催曜日（日）に本人の行ける曜日（火）がありません" in html
    assert "大ホールの交流会" in html and "人数規模（大人数）が本人の上限（少人数）を超えます" in html
    screenshot(page, "participation-ranking")

    cafe_id = world.receiving_org.resources.get(key="cafe").pk
    page.fill(f"#p-on-{cafe_id}", (today - dt.timedelta(days=14)).isoformat())
    page.fill(f"#p-note-{cafe_id}", "初回は担当が同行します")
    with page.expect_navigation():
        page.click(f"#rank-{cafe_id} button")
    match = Match.objects.get(record__person=person)
    assert match.rank_at_proposal == 1

    page.select_option("#id_organization", str(world.receiving_org.pk))
    page.fill("#id_given_on", today.isoformat())
    page.check("#id_share_contact")
    with page.expect_navigation():
        page.click("#consents form.inline-form:last-of-type button")
    assert "本人同意あり（受け入れ先が見られます）" in page.content()

    _stage(page, match.pk, Stage.VISIT, today - dt.timedelta(days=10))
    _stage(page, match.pk, Stage.TRIAL, today - dt.timedelta(days=7))
    _stage(page, match.pk, Stage.PARTICIPATING, today - dt.timedelta(days=3))
    assert page.inner_text("#days-to-first") == "11日"
    screenshot(page, "participation-detail-participating")
    match.refresh_from_db()
    assert (match.stage, match.days_to_first_participation()) == (Stage.PARTICIPATING, 11)

    page.goto(f"{live_server.url}/participation/?stage=participating")
    assert "松本" in page.content()
    screenshot(page, "participation-list")

    # The receiving side: the 社会福祉協議会 runs the cafe.
    page.context.clear_cookies()
    login(page, live_server.url, world.a.agency_worker.username, PASSWORD)
    page.goto(f"{live_server.url}/participation/received/")
    screenshot(page, "participation-received-list")
    with page.expect_navigation():
        page.click("text=松本")
    html = page.content()
    assert "090-0000-1234" in html and "初回は担当が同行します" in html and "参加開始" in html
    assert "家以外で落ち着ける場所" not in html and "料理" not in html
    page.check("input[name=attendance][value=came]")
    page.fill("#id_observation", "調理を手伝ってくれた")
    page.select_option("#id_continuation", "yes")
    with page.expect_navigation():
        page.click("#report-submit")
    assert "調理を手伝ってくれた" in page.content()
    screenshot(page, "participation-received-detail")
    assert ReceiverReport.objects.filter(match=match, continuation="yes").exists()
