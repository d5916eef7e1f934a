"""The coordinator's walk through an open case to closure, shared by the browser walks: team, consent,
assessment, plan (agreed by a 重層的支援会議), monitoring, evaluation and closure. Every step is reached
by a link or button on the page before it — a missing link is a dead end and fails the walk — and every
step is kept as a screenshot (test-artifacts/<prefix>-*.png)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from tests.conftest import screenshot
from tsunagu.cases.models import Case, CaseStatus, PlanStatus
from tsunagu.people.models import Person


def click_to(page: Any, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def walk_case_to_closure(page: Any, city: Any, person: Person, case: Case, prefix: str = "case") -> None:
    """From the case page (the browser is on it) to 終結."""
    # Team: 地域包括 as 主担当.
    page.select_option("#id_organization", label=city.agency_org.name)
    page.select_option("#id_role", "lead")
    click_to(page, "text=チームに加える")
    screenshot(page, f"{prefix}-2-detail-with-team")

    # Consent, with the team preselected: reached from the case page.
    click_to(page, "a.button:has-text('同意を記録する')")
    page.select_option("#id_given_by", str(person.pk))
    page.check("input[name=method][value=written]")
    page.check("input[name=meeting_kinds][value=consented_conference]")  # may be discussed at 重層的支援会議
    page.fill("#id_expires_on", "2030-03-31")  # within the 10 years a consent may run (core.dates)
    screenshot(page, f"{prefix}-3-consent-form")
    click_to(page, "#consent-submit")
    page.wait_for_selector("text=本人同意を記録しました")
    assert page.is_visible(".share-yes >> text=地域包括支援センター")
    screenshot(page, f"{prefix}-4-consent-recorded")

    # Status → アセスメント, then the assessment.
    click_to(page, "button[name=to][value=assessment]")
    click_to(page, "a.button:has-text('アセスメントを記録する')")
    page.fill("#id_person_wish", "母と一緒に家で暮らしたい。少しずつ外に出たい。")
    page.fill("[name=health-situation]", "母は要介護2。本人は通院していない。")
    page.fill("[name=economy-risks]", "母の年金のみ。家賃の滞納が2か月。")
    page.fill("[name=participation-strengths]", "ゲームが得意。夜は外出できる。")
    screenshot(page, f"{prefix}-5-assessment-form")
    click_to(page, "#assessment-submit")
    page.wait_for_selector("text=アセスメント第1版を保存しました")

    # Status → プラン作成, and the plan.
    click_to(page, "button[name=to][value=planning]")
    click_to(page, "a.button:has-text('プランを作る')")
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
    page.select_option("#id_actions-1-organization", label=city.window_org.name)
    screenshot(page, f"{prefix}-6-plan-form")
    click_to(page, "#plan-submit")
    page.wait_for_selector("text=支援プラン第1版を保存しました")
    # The 重層的支援会議 approves the plan; the gate checks the consent names that meeting kind.
    page.locator("details.agree summary").click()
    page.select_option("#id_body", label="つながる会議")
    page.fill("#id_held_on", timezone.localdate().isoformat())
    page.locator("details.agree").scroll_into_view_if_needed()
    screenshot(page, f"{prefix}-6b-plan-agree-form")
    click_to(page, "details.agree button[type=submit]")
    page.wait_for_selector("text=支援プランを協議済にしました。")
    click_to(page, "button[name=to][value=support]")
    page.locator("#plan").scroll_into_view_if_needed()
    assert page.is_visible("#plan >> text=協議済")
    screenshot(page, f"{prefix}-7-detail-with-plan")

    # Monitoring.
    click_to(page, "a.button:has-text('モニタリングを記録する')")
    page.fill("#id_held_on", timezone.localdate().isoformat())
    page.fill("#id_summary", "介護サービスの利用が始まった。本人は週1回、夜に外出している。")
    screenshot(page, f"{prefix}-8-monitoring-form")
    click_to(page, "#monitoring-submit")
    page.wait_for_selector("text=モニタリングを記録しました")

    # Closure.
    click_to(page, "button[name=to][value=evaluation]")
    click_to(page, "text=終結の評価へ")
    page.check("input[name=goal_attainment][value=partly]")
    page.fill("#id_reason", "介護サービスが定着し、家賃の滞納も解消した。")
    page.select_option("#id_main_agency_after_closure", label=city.agency_org.name)
    screenshot(page, f"{prefix}-9-closure-form")
    click_to(page, "#close-submit")
    page.wait_for_selector("text=ケースを終結しました")
    screenshot(page, f"{prefix}-10-closed")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.main_agency_after_closure == city.agency_org
    assert case.plans.get().status == PlanStatus.AGREED
    assert case.monitorings.count() == 1
    assert list(case.transitions.values_list("to_status", flat=True)) == [
        "intake",
        "assessment",
        "planning",
        "support",
        "evaluation",
        "closed",
    ]
