"""A 支援会議 in Chromium: the member acknowledges 守秘義務 before the agenda appears, the coordinator records
a decision and the case's next monitoring date changes, then a role assignment that puts an action with its
organization and due date into the case's plan. Screenshots are kept under test-artifacts/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.browser import login
from tests.conftest import screenshot
from tsunagu.cases.models import PlanStatus
from tsunagu.core.wareki import wareki
from tsunagu.meetings import actions
from tsunagu.meetings.tests.helpers import make_body, sitting, staffed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple"


def test_a_member_acknowledges_then_the_coordinator_decides_the_monitoring_date(page, live_server):
    s = staffed()
    w = s.world
    body = make_body(
        w,
        "scrum",
        "confidential_conference",
        ["confidential_conference", "case_review"],
        member_selection="per_case",
        name="スクラムネット",
        monitoring_interval_days=60,
        closed=True,
    )
    m = sitting(body)
    m.place = "公民館 第1会議室"
    m.save(update_fields=["place"])
    item = actions.place_item(
        actor=w.coordinator,
        meeting=m,
        case=w.case,
        purpose="roles",
        minutes=20,
        function="confidential_conference",
        organizations=[w.orgs["unnamed"]],
        question="誰が本人に最初に会うか",
    )
    label = f"ケース {w.case.label}"

    login(page, live_server.url, s.unnamed.username, PASSWORD)
    page.goto(f"{live_server.url}/meetings/")
    assert "スクラムネット" in page.content()
    screenshot(page, "meetings-calendar")
    page.click(f"a[href='/meetings/{m.pk}/']")
    assert label not in page.content()
    screenshot(page, "meetings-detail-before-acknowledgement")
    page.click("#ack-link")
    screenshot(page, "meetings-acknowledge")
    page.check("#id_agree")
    page.click("#ack-submit")
    page.wait_for_load_state()
    assert label in page.content()
    screenshot(page, "meetings-detail-after-acknowledgement")

    page.context.clear_cookies()
    login(page, live_server.url, w.coordinator.username, PASSWORD)
    page.goto(f"{live_server.url}/meetings/items/{item.pk}/")
    page.select_option("#id_decision-kind", "monitoring")
    page.fill("#id_decision-note", "2か月後に訪問の結果を確認する")
    page.click("#decision-submit")
    page.wait_for_load_state()
    expected = timezone.localtime(m.starts_at).date() + dt.timedelta(days=60)
    assert page.inner_text("#monitoring-on") == wareki(expected)
    screenshot(page, "meetings-item-after-decision")

    # 役割分担: the organization takes an action by a date, written into the case's plan.
    before = w.case.plans.order_by("-version_no")[0].edit_version
    due = timezone.localtime(m.starts_at).date() + dt.timedelta(days=14)
    page.select_option("#id_decision-kind", "role")
    page.fill("#id_decision-note", "地域包括が受診に同行する")
    page.fill("#id_decision-action_description", "受診同行と主治医への状況説明")
    page.select_option("#id_decision-responsible", str(w.orgs["unnamed"].pk))
    page.fill("#id_decision-follow_up_on", due.isoformat())
    screenshot(page, "meetings-item-role-assignment-form")
    page.click("#decision-submit")
    page.wait_for_load_state()
    row = page.locator("#plan-actions tr", has_text="受診同行と主治医への状況説明")
    assert row.count() == 1 and w.orgs["unnamed"].name in row.inner_text() and wareki(due) in row.inner_text()
    assert "支援プラン第1版に反映" in page.content()
    screenshot(page, "meetings-item-after-role-assignment")
    plan = w.case.plans.order_by("-version_no")[0]
    assert plan.edit_version == before + 1
    assert plan.actions.get(description="受診同行と主治医への状況説明").organization == w.orgs["unnamed"]

    page.goto(f"{live_server.url}/meetings/{m.pk}/minutes/")
    assert "2か月後に訪問の結果を確認する" in page.content()
    assert "支援内容: 受診同行と主治医への状況説明" in page.content()
    screenshot(page, "meetings-minutes")
    plan = w.case.plans.exclude(status=PlanStatus.SUPERSEDED).order_by("-version_no")[0]
    assert plan.monitoring_on == expected
