"""Keyboard only: a window worker records a consultation for a new household without touching the mouse."""

from __future__ import annotations

import pytest

from tests.browser import login
from tests.conftest import screenshot
from tsunagu.intake.models import Consultation
from tsunagu.intake.tests.helpers import make_city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def focused(page) -> str:
    return page.evaluate(
        "() => { const e = document.activeElement; return (e.id || '') + '|' + (e.name || '') + '|' + (e.value || ''); }"
    )


def wait_focused(page, element_id: str) -> None:
    """Wait (up to 5 s) until the element with `element_id` has focus: `autofocus` is applied by the
    browser after the load event, so reading focus the instant navigation ends races it."""
    page.wait_for_function(
        "id => document.activeElement && document.activeElement.id === id", arg=element_id, timeout=5000
    )


def tab_to(page, want: str, limit: int = 80) -> None:
    """Press Tab until the focused element's id, name or value matches `want` (keyboard only)."""
    for _ in range(limit):
        if want in focused(page).split("|"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"could not reach {want!r} with Tab; focus is on {focused(page)!r}")


def test_it_records_a_consultation_for_a_new_household_with_the_keyboard_only(live_server, page):
    city = make_city()
    login(page, live_server.url, city.window_worker.username, "correct-horse-battery-staple")
    page.goto(f"{live_server.url}/intake/new/")
    wait_focused(page, "person-q")  # the search box has focus on arrival

    page.keyboard.type("やまだ")
    page.wait_for_selector("#person-results >> text=見つかりません")
    tab_to(page, "person_choice")
    page.keyboard.press("Space")  # 新しい人として登録する
    page.wait_for_selector("#new-person:not([hidden])")
    tab_to(page, "id_family_name")
    for text in ["山田", "一郎", "ヤマダ", "イチロウ"]:
        page.keyboard.type(text)
        page.keyboard.press("Tab")
    assert focused(page).startswith("id_birth_date|")
    page.keyboard.type("S33.4.7")  # 和暦 as staff write it
    tab_to(page, "id_sex")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # 不明・未回答 → その他 → 男性
    screenshot(page, "intake-1-new-person")

    tab_to(page, "concern-filter")
    page.keyboard.type("かいご")
    page.keyboard.press("Enter")
    page.keyboard.type("ﾋｷｺﾓﾘ")
    page.keyboard.press("Enter")
    page.keyboard.type("困窮")
    page.keyboard.press("Enter")
    checked = page.eval_on_selector_all("#concern-list input:checked", "els => els.length")
    assert checked == 3
    page.wait_for_selector("#advice >> text=多機関協働へのつなぎを検討してください")
    tab_to(page, "id_note")
    page.keyboard.type("80代の母と二人暮らし。本人は10年ほど外出していない。母の介護と生活費の相談。")
    tab_to(page, "listening")
    page.keyboard.press("Space")
    tab_to(page, "id_sharing_consent_2")  # only the checked radio (未確認) of a group is a tab stop
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # → 同意あり
    screenshot(page, "intake-2-concerns-and-advice")
    tab_to(page, "submit-intake")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert "/people/households/" in page.url
    page.wait_for_selector("text=相談を記録しました。")
    screenshot(page, "intake-3-household-timeline")
    consultation = Consultation.objects.get()
    assert consultation.person.family_name == "山田"
    assert consultation.person.sex == "male"
    assert str(consultation.person.birth_date) == "1958-04-07"
    assert set(consultation.concerns.values_list("code", flat=True)) == {"care", "hikikomori", "poverty"}
    assert consultation.sharing_consent == "consented"
    # The household now meets the three-domain rule: the timeline offers 多機関協働へつなぐ.
    assert page.is_visible("text=多機関協働へつなぐ")
