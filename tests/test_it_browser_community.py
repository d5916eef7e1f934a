"""A salon's surfaced need becomes an intake (issue 12 "Done when"): the running organization's worker
records a sitting with counts and a need, takes the need in through intake's form (prefilled from the
need), and finds it on the household timeline; the overview counts it. Screenshots under
test-artifacts/community-*.png."""

from __future__ import annotations

import pytest

from tests.browser import login
from tests.conftest import screenshot
from tsunagu.community.models import SurfacedNeed
from tsunagu.community.tests.helpers import make_world
from tsunagu.intake.models import Consultation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple"


def test_a_salons_need_becomes_an_intake(live_server, page):
    world = make_world()
    c = world.city
    login(page, live_server.url, c.agency_worker.username, PASSWORD)
    page.goto(f"{live_server.url}/community/")
    page.get_by_role("link", name="相談サロン").click()
    page.fill("#id_residents", "12")
    page.fill("#id_professionals", "2")
    page.fill("#id_volunteers", "3")
    page.fill("#id_topics", "季節の茶話会と見守りの振り返り")
    screenshot(page, "community-group")
    with page.expect_navigation():
        page.get_by_role("button", name="開催を記録する").click()
    assert "計 17 人" in page.locator("dl.facts").inner_text()
    page.fill("#id_text", "一人暮らしの高齢の方が最近サロンに来なくなり、近所の人が心配している")
    page.select_option("#id_urgency", "urgent")
    with page.expect_navigation():
        page.get_by_role("button", name="気づきを記録する").click()
    screenshot(page, "community-sitting")
    with page.expect_navigation():
        page.get_by_role("link", name="相談として受け付ける").click()
    assert "地域の気づき（相談サロン" in page.locator(".notice").inner_text()
    assert "近所の人が心配している" in page.locator("#id_note").input_value()
    page.locator("input[name=person_choice][value=new]").check()
    page.fill("#id_family_name", "山本")
    page.fill("#id_family_kana", "ヤマモト")
    page.fill("#id_estimated_age", "80")
    page.check(f"#concern-list input[value='{c.concerns['care'].pk}']")
    page.check("input[name=actions][value=listening]")
    screenshot(page, "community-need-intake")
    with page.expect_navigation():
        page.click("#submit-intake")
    consultation = Consultation.objects.get()
    assert f"/people/households/{consultation.household_id}/" in page.url
    assert SurfacedNeed.objects.get().consultation == consultation
    timeline = page.locator("#timeline").inner_text()
    assert "地域の気づき" in timeline and "相談サロン" in timeline
    screenshot(page, "community-household")
    page.goto(f"{live_server.url}/community/")
    overview = page.locator("table").first.inner_text()
    assert "東地区" in overview
    screenshot(page, "community-overview")


def test_a_volunteers_ledger_on_screen(live_server, page):
    world = make_world(redemption_unit=100)
    login(page, live_server.url, world.city.agency_worker.username, PASSWORD)
    page.goto(f"{live_server.url}/community/points/")
    page.fill("#id_family_name", "里山")
    page.fill("#id_family_kana", "サトヤマ")
    with page.expect_navigation():
        page.get_by_role("button", name="登録する").click()
    page.fill("#id_activity", "サロンのお手伝い")
    page.fill("#id_points", "250")
    with page.expect_navigation():
        page.get_by_role("button", name="付与する").click()
    assert page.locator("#balance").inner_text() == "250"
    page.fill("#redeem_points", "300")
    with page.expect_navigation():
        page.get_by_role("button", name="交換する").click()
    assert "残高が足りません" in page.locator(".error-box").inner_text()
    page.fill("#redeem_points", "200")
    with page.expect_navigation():
        page.get_by_role("button", name="交換する").click()
    assert page.locator("#balance").inner_text() == "50"
    screenshot(page, "community-ledger")


def test_an_existing_resident_becomes_a_volunteer_and_a_sitting_is_corrected(live_server, page):
    import datetime as dt

    from tests.factories import make_person
    from tsunagu.community.models import Sitting, Volunteer
    from tsunagu.community.tests.helpers import sit

    world = make_world()
    make_person(
        world.city.muni, family_name="佐藤", given_name="花子", family_kana="サトウ", given_kana="ハナコ"
    )
    s = sit(world, on=dt.date(2025, 6, 1), residents=12, professionals=2, topics="茶話会")
    login(page, live_server.url, world.city.agency_worker.username, PASSWORD)
    page.goto(f"{live_server.url}/community/points/")
    with page.expect_navigation():
        page.get_by_role("link", name="登録済みの住民から選ぶ").click()
    page.fill("#id_q", "さとう")
    with page.expect_navigation():
        page.get_by_role("button", name="探す").click()
    screenshot(page, "community-volunteer-pick")
    with page.expect_navigation():
        page.get_by_role("button", name="この人を登録する").click()
    assert Volunteer.objects.get().person.family_name == "佐藤"

    page.goto(f"{live_server.url}/community/sittings/{s.pk}/")
    with page.expect_navigation():
        page.get_by_role("link", name="開催の記録を訂正する").click()
    page.fill("#id_residents", "15")
    page.fill("#id_reason", "参加者数の数え違い")
    screenshot(page, "community-sitting-correct")
    with page.expect_navigation():
        page.get_by_role("button", name="訂正する").click()
    assert "計 17 人" in page.locator("dl.facts").inner_text()
    assert Sitting.objects.get().residents == 15
    screenshot(page, "community-sitting-corrected")
