"""アウトリーチ in Chromium: the 社協 worker starts an engagement known only by a description, records a
visit with the person's response and the next planned date, finds the person and links them; the
coordinator's list shows a lapsed engagement first. Screenshots are kept under test-artifacts/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.browser import login
from tests.conftest import screenshot
from tsunagu.outreach.models import Contact, Engagement
from tsunagu.outreach.tests.helpers import contact, make_world, open_engagement, resident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple"


def test_a_worker_records_an_outreach_visit_and_the_coordinator_sees_lapses_first(page, live_server):
    world = make_world("or")
    person, household = resident(world)
    lapsed = open_engagement(world, started_ago=80, description="雨戸が閉まったままの家の男性")
    contact(world, lapsed, ago=45)
    today = timezone.localdate()
    plan = today + dt.timedelta(days=14)

    login(page, live_server.url, world.a.agency_worker.username, PASSWORD)
    page.goto(f"{live_server.url}/outreach/new/")
    page.fill("#id_description", "隣家の高齢男性（80代くらい）")
    page.select_option("#id_reported_by", "commissioner")
    page.fill("#id_reporter_note", "担当の民生委員から電話")
    page.fill("#id_purpose", "安否の確認と、生活の様子を知ること")
    page.check(f"input[name=workers][value='{world.a.agency_worker.pk}']")
    screenshot(page, "outreach-new")
    page.click("#new-submit")
    page.wait_for_load_state()
    engagement = Engagement.objects.get(description="隣家の高齢男性（80代くらい）")
    assert f"/outreach/{engagement.pk}/" in page.url
    assert "本人未特定" in page.content()

    page.check("input[name=method][value=visit]")
    page.check("input[name=response][value=talked]")
    page.fill("#contact-companions", "民生委員")
    page.fill("#contact-note", "玄関先で10分ほど会話。次は昼に訪ねる約束。")
    page.fill("#contact-next_contact_on", plan.isoformat())
    page.click("#contact-submit")
    page.wait_for_load_state()
    assert "接触を記録しました" in page.content()
    assert "玄関先で10分ほど会話" in page.content()
    screenshot(page, "outreach-detail-after-visit")
    saved = Contact.objects.get(engagement=engagement)
    assert (saved.method, saved.response, saved.on) == ("visit", "talked", today)
    engagement.refresh_from_db()
    assert engagement.next_contact_on == plan

    # A date in the future is refused in Japanese; nothing is recorded.
    page.check("input[name=method][value=phone]")
    page.check("input[name=response][value=absent]")
    page.fill("#contact-on", (today + dt.timedelta(days=3)).isoformat())
    page.click("#contact-submit")
    page.wait_for_load_state()
    assert "未来の日付は入力できません" in page.content()
    assert Contact.objects.filter(engagement=engagement).count() == 1
    screenshot(page, "outreach-detail-refused-date")

    page.goto(f"{live_server.url}/outreach/{engagement.pk}/identify/")
    page.fill("#id_q", "スズキ")
    page.click("#search-submit")
    page.wait_for_load_state()
    screenshot(page, "outreach-identify")
    page.click("text=この人に決める")
    page.wait_for_load_state()
    engagement.refresh_from_db()
    assert (engagement.person_id, engagement.household_id) == (person.pk, household.pk)
    assert person.full_name in page.content()

    page.goto(f"{live_server.url}/people/households/{household.pk}/")
    assert "玄関先で10分ほど会話" in page.content()
    screenshot(page, "outreach-household-timeline")

    page.context.clear_cookies()
    login(page, live_server.url, world.a.coordinator.username, PASSWORD)
    page.goto(f"{live_server.url}/outreach/")
    rows = page.locator("table.outreach tbody tr")
    assert "雨戸が閉まったままの家の男性" in rows.nth(0).inner_text()
    assert "途切れ 15日" in rows.nth(0).inner_text()
    screenshot(page, "outreach-coordinator-list")


def test_closing_with_participation_hands_over_to_the_participation_form(page, live_server):
    from tsunagu.outreach import actions
    from tsunagu.outreach.models import Outcome

    world = make_world(prefix="handover")
    person, _household = resident(world)
    worker = world.a.agency_worker
    engagement = open_engagement(world, actor=worker)
    contact(world, engagement, ago=1, response="rapport")
    engagement = actions.identify_person(
        actor=worker, engagement=engagement, version=engagement.version, person=person
    )
    login(page, live_server.url, worker.username, PASSWORD)
    page.goto(f"{live_server.url}/outreach/{engagement.pk}/")
    page.check(f"#close-outcome input[value={Outcome.PARTICIPATION.value}]")
    page.fill("#close-note", "居場所を一緒に探したい")
    with page.expect_navigation():
        page.click("#close-submit")
    screenshot(page, "outreach-closed-participation")
    with page.expect_navigation():
        page.click("#start-participation")
    assert f"person={person.pk}" in page.url and person.full_name in page.content()
    screenshot(page, "outreach-handover-participation-form")
