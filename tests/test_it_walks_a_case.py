"""A coordinator walks one case from the escalation request to closure: open, consent, assessment, plan
(agreed by a meeting, simulated here), monitoring and the closure evaluation — screenshot at every step."""

from __future__ import annotations

import pytest

from tests.browser import login
from tests.case_walk import walk_case_to_closure
from tests.conftest import screenshot
from tsunagu.cases.models import Case
from tsunagu.directory.models import MeetingBody
from tsunagu.intake import actions as intake_actions
from tsunagu.intake.tests.helpers import make_city, record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple"


def test_a_coordinator_walks_a_case_from_request_to_closure(live_server, page):
    city = make_city()
    MeetingBody.objects.create(
        municipality=city.muni,
        key="tsunagaru",
        name="つながる会議",
        kind="consented_conference",
        legal_functions=["consented_conference", "case_review"],
        frequency="quarterly",
    )
    c = record(
        city,
        city.window_worker,
        "consented",
        concerns=("care", "poverty", "hikikomori"),
        note="80代の母と二人暮らし。本人は外出していない。",
    )
    intake_actions.request_escalation(
        actor=city.window_worker,
        household=c.household,
        reason="3分野の課題（介護・困窮・ひきこもり）",
        consultation=c,
    )
    login(page, live_server.url, city.coordinator.username, PASSWORD)

    # 1. The escalation list links to opening a case.
    page.goto(f"{live_server.url}/intake/escalations/")
    with page.expect_navigation():
        page.click('a.button:has-text("受理してケースを開く")')
    page.check(f"input[name=persons][value='{c.person_id}']")
    page.fill("#id_title", "母子の見守り")
    screenshot(page, "case-1-open-from-request")
    with page.expect_navigation():
        page.click("#open-submit")
    page.wait_for_selector("text=を開始しました")
    case = Case.objects.get()
    walk_case_to_closure(page, city, c.person, case)
