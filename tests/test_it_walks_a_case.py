"""A coordinator walks one case from the escalation request to closure: open, consent, assessment, plan
(agreed by a meeting, simulated here), monitoring and the closure evaluation — screenshot at every step."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.browser import login
from tests.conftest import screenshot
from tsunagu.cases.models import Case, CaseStatus, PlanStatus
from tsunagu.directory.models import MeetingBody
from tsunagu.intake import actions as intake_actions
from tsunagu.intake.tests.helpers import make_city, record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple"


def test_a_coordinator_walks_a_case_from_request_to_closure(live_server, page):
    city = make_city()
    MeetingBody.objects.create(
        municipality=city.muni, key="tsunagaru", name="つながる会議", kind="consented_conference",
        legal_functions=["consented_conference", "case_review"], frequency="quarterly",
    )  # fmt: skip
    c = record(city, city.window_worker, "consented", concerns=("care", "poverty", "hikikomori"),
               note="80代の母と二人暮らし。本人は外出していない。")  # fmt: skip
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
    base = f"{live_server.url}/cases/{case.pk}/"

    # 2. Team: 地域包括 as 主担当.
    page.select_option("#id_organization", label=city.agency_org.name)
    page.select_option("#id_role", "lead")
    with page.expect_navigation():
        page.click("text=チームに加える")
    screenshot(page, "case-2-detail-with-team")

    # 3. Consent, with the team preselected.
    page.goto(base + "consents/new/")
    page.select_option("#id_given_by", str(c.person_id))
    page.check("input[name=method][value=written]")
    page.check("input[name=meeting_kinds][value=consented_conference]")  # may be discussed at 重層的支援会議
    page.fill("#id_expires_on", "2030-03-31")  # within the 10 years a consent may run (core.dates)
    screenshot(page, "case-3-consent-form")
    with page.expect_navigation():
        page.click("#consent-submit")
    page.wait_for_selector("text=本人同意を記録しました")
    assert page.is_visible(".share-yes >> text=地域包括支援センター")
    screenshot(page, "case-4-consent-recorded")

    # 4. Status → アセスメント, then the assessment.
    with page.expect_navigation():
        page.click("button[name=to][value=assessment]")
    page.goto(base + "assessment/")
    page.fill("#id_person_wish", "母と一緒に家で暮らしたい。少しずつ外に出たい。")
    page.fill("[name=health-situation]", "母は要介護2。本人は通院していない。")
    page.fill("[name=economy-risks]", "母の年金のみ。家賃の滞納が2か月。")
    page.fill("[name=participation-strengths]", "ゲームが得意。夜は外出できる。")
    screenshot(page, "case-5-assessment-form")
    with page.expect_navigation():
        page.click("#assessment-submit")
    page.wait_for_selector("text=アセスメント第1版を保存しました")

    # 5. Status → プラン作成, and the plan.
    with page.expect_navigation():
        page.click("button[name=to][value=planning]")
    page.goto(base + "plan/")
    page.fill("#id_overall_goal", "母子で安心して暮らし続ける")
    page.fill("#id_monitoring_on", "R8.6.30")
    page.fill("#id_goals-0-text", "母の介護サービスを使い始める")
    page.select_option("#id_goals-0-life_area", "care")
    page.fill("#id_goals-1-text", "家賃の滞納を解消する")
    page.select_option("#id_actions-0-goal_no", "1")
    page.fill("#id_actions-0-description", "要介護認定の更新とケアプラン作成")
    page.select_option("#id_actions-0-organization", label=city.agency_org.name)
    page.select_option("#id_actions-0-role", "lead")
    page.fill("#id_actions-0-person_in_charge", "包括 田中")
    page.fill("#id_actions-0-due_on", "R8.5.31")
    page.select_option("#id_actions-1-goal_no", "2")
    page.fill("#id_actions-1-description", "住居確保給付金の申請支援")
    page.select_option("#id_actions-1-organization", label="福祉総合窓口")
    screenshot(page, "case-6-plan-form")
    with page.expect_navigation():
        page.click("#plan-submit")
    page.wait_for_selector("text=支援プラン第1版を保存しました")
    # The 重層的支援会議 approves the plan; the gate checks the consent names that meeting kind.
    page.locator("details.agree summary").click()
    page.select_option("#id_body", label="つながる会議")
    page.fill("#id_held_on", timezone.localdate().isoformat())
    page.locator("details.agree").scroll_into_view_if_needed()
    screenshot(page, "case-6b-plan-agree-form")
    with page.expect_navigation():
        page.click("details.agree button[type=submit]")
    page.wait_for_selector("text=支援プランを協議済にしました。")
    with page.expect_navigation():
        page.click("button[name=to][value=support]")
    page.locator("#plan").scroll_into_view_if_needed()
    assert page.is_visible("#plan >> text=協議済")
    screenshot(page, "case-7-detail-with-plan")

    # 6. Monitoring.
    page.goto(base + "monitoring/")
    page.fill("#id_held_on", timezone.localdate().isoformat())
    page.fill("#id_summary", "介護サービスの利用が始まった。本人は週1回、夜に外出している。")
    screenshot(page, "case-8-monitoring-form")
    with page.expect_navigation():
        page.click("#monitoring-submit")
    page.wait_for_selector("text=モニタリングを記録しました")

    # 7. Closure.
    with page.expect_navigation():
        page.click("button[name=to][value=evaluation]")
    with page.expect_navigation():
        page.click("text=終結の評価へ")
    page.check("input[name=goal_attainment][value=partly]")
    page.fill("#id_reason", "介護サービスが定着し、家賃の滞納も解消した。")
    page.select_option("#id_main_agency_after_closure", label=city.agency_org.name)
    screenshot(page, "case-9-closure-form")
    with page.expect_navigation():
        page.click("#close-submit")
    page.wait_for_selector("text=ケースを終結しました")
    screenshot(page, "case-10-closed")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.main_agency_after_closure == city.agency_org
    assert case.plans.get().status == PlanStatus.AGREED
    assert case.monitorings.count() == 1
    assert list(case.transitions.values_list("to_status", flat=True)) == [
        "intake", "assessment", "planning", "support", "evaluation", "closed",
    ]  # fmt: skip
