"""One household from the window to closure, with no dead end (issue 8): the window worker records the
consultation with the keyboard only and, following the advice, chooses 多機関協働へ — the request is made
with the consultation; the coordinator finds it under つなぎ依頼, accepts it and opens the case in one step
(the window joins the team), and walks the case to 終結; the 受理 tab then leads to the case.
Every page is reached from the one before it and kept as a screenshot (test-artifacts/walk-*.png)."""

from __future__ import annotations

import pytest

from tests.browser import login, nav_link
from tests.case_walk import click_to, walk_case_to_closure
from tests.conftest import screenshot
from tests.test_it_records_intake_by_keyboard import focused, tab_to, wait_focused
from tsunagu.cases.models import Case, CaseTeamMember, TeamRole
from tsunagu.directory.models import MeetingBody
from tsunagu.intake.models import Consultation, EscalationRequest, EscalationStatus
from tsunagu.intake.tests.helpers import make_city
from tsunagu.municipalities.models import ConcernType

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple"


def tab_to_selector(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the focused element matches `selector` (keyboard only)."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"could not reach {selector!r} with Tab; focus is on {focused(page)!r}")


def test_a_household_goes_from_the_window_to_closure_without_a_dead_end(live_server, page):
    city = make_city()
    MeetingBody.objects.create(
        municipality=city.muni,
        key="tsunagaru",
        name="つながる会議",
        kind="consented_conference",
        legal_functions=["consented_conference", "case_review"],
        frequency="quarterly",
    )
    # A city's full referral sheet: more concerns than the box shows at once.
    for i in range(24):
        ConcernType.objects.create(
            municipality=city.muni,
            code=f"extra{i}",
            name=f"その他の課題{i + 1}",
            kana=f"そのた{i}",
            domains=["other"],
            sort_order=100 + i,
        )

    # 1. The window, keyboard only.
    login(page, live_server.url, city.window_worker.username, PASSWORD)
    with page.expect_navigation():
        nav_link(page, "相談受付").click()
    wait_focused(page, "person-q")
    page.keyboard.type("やまだ")
    page.wait_for_selector("#person-results >> text=見つかりません")
    tab_to(page, "person_choice")
    page.keyboard.press("Space")  # 新しい人として登録する
    page.wait_for_selector("#new-person:not([hidden])")
    tab_to(page, "id_family_name")
    for text in ["山田", "一郎", "ヤマダ", "イチロウ"]:
        page.keyboard.type(text)
        page.keyboard.press("Tab")
    page.keyboard.type("S33.4.7")
    screenshot(page, "walk-1-intake-person")
    # The concern box shows that more lies below its edge.
    assert page.is_visible("#concern-more")
    tab_to(page, "concern-filter")
    for typed in ["かいご", "ﾋｷｺﾓﾘ", "困窮"]:
        page.keyboard.type(typed)
        page.keyboard.press("Enter")
    assert page.eval_on_selector_all("#concern-list input:checked", "els => els.length") == 3
    page.wait_for_selector("#advice >> text=多機関協働へのつなぎを検討してください")
    tab_to(page, "id_note")
    page.keyboard.type("80代の母と二人暮らし。本人は10年ほど外出していない。母の介護と生活費の相談。")
    # The advice's button chooses 多機関協働へ in this form: the unsaved form stays.
    page.keyboard.press("Shift+Tab")
    tab_to_selector(page, "[data-choose-action=multi_agency]")
    url_before = page.url
    page.keyboard.press("Enter")
    assert page.url == url_before
    assert page.is_checked("input[name=actions][value=multi_agency]")
    assert page.input_value("#id_note").startswith("80代の母")
    page.wait_for_selector("#escalation-reason:not([hidden])")
    tab_to(page, "id_escalation_reason")
    page.keyboard.type("介護・困窮・ひきこもりが重なり、一つの窓口では支えきれない。")
    tab_to(page, "id_sharing_consent_2")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # → 同意あり
    screenshot(page, "walk-2-intake-concerns-and-multi-agency")
    tab_to(page, "submit-intake")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("text=相談を記録し、多機関協働へのつなぎを依頼しました。")
    screenshot(page, "walk-3-household-with-request")
    consultation = Consultation.objects.get()
    req = EscalationRequest.objects.get()
    assert req.consultation == consultation and req.status == EscalationStatus.PENDING

    # 2. The window sees its request, named by the household's head.
    with page.expect_navigation():
        nav_link(page, "つなぎ依頼").click()
    assert page.is_visible("text=山田　一郎さんの世帯")
    screenshot(page, "walk-4-window-requests")

    # 3. The coordinator accepts and opens the case in one step.
    page.context.clear_cookies()
    login(page, live_server.url, city.coordinator.username, PASSWORD)
    with page.expect_navigation():
        nav_link(page, "つなぎ依頼").click()
    assert page.is_visible("text=山田　一郎さんの世帯")
    screenshot(page, "walk-5-coordinator-requests")
    click_to(page, "a.button:has-text('受理してケースを開く')")
    page.check(f"input[name=persons][value='{consultation.person_id}']")
    page.fill("#id_title", "母子の見守り")
    screenshot(page, "walk-6-accept-and-open")
    click_to(page, "#open-submit")
    page.wait_for_selector("text=依頼を受理し、ケース")
    case = Case.objects.get()
    req.refresh_from_db()
    assert case.escalation_request == req and req.status == EscalationStatus.ACCEPTED
    assert CaseTeamMember.objects.filter(
        case=case, organization=city.window_org, role=TeamRole.INFORMATION
    ).exists()
    screenshot(page, "walk-7-case-opened")

    # 4. The case to 終結.
    walk_case_to_closure(page, city, consultation.person, case, prefix="walk-case")

    # 5. The request, accepted, leads to its case.
    with page.expect_navigation():
        nav_link(page, "つなぎ依頼").click()
    click_to(page, "nav.tabs >> text=受理（多機関協働へ）")
    screenshot(page, "walk-8-accepted-requests")
    click_to(page, "text=ケースへ")
    assert page.url.endswith(f"/cases/{case.pk}/")
    screenshot(page, "walk-9-case-from-accepted-request")
