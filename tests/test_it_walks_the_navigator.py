"""The public navigator in a phone-sized browser: three languages clean under axe-core (WCAG 2.2 AA), the
picking path with JavaScript off, the free-text path, and screenshots of each page for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import screenshot
from tsunagu.navigator.tests.conftest import load_test_city


@pytest.fixture
def city(tmp_path):
    """The navigator's test city, loaded through the real profile loader."""
    return load_test_city(tmp_path)


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
PHONE = {"width": 375, "height": 812}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}) {v['nodes'][0]['target']}" for v in result["violations"]
    ]


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.fixture
def phone(browser):
    # bypass_csp only so that the test can inject axe-core; the pages themselves keep their CSP.
    context = browser.new_context(locale="ja-JP", viewport=PHONE, bypass_csp=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_without_js(browser):
    context = browser.new_context(locale="ja-JP", viewport=PHONE, java_script_enabled=False)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("lang", ["ja", "easy", "en"])
def test_each_language_is_accessible_at_phone_width(live_server, phone, city, lang):
    base = f"{live_server.url}/navigator/{city.code}"
    for name, url in (
        ("start", f"{base}/?lang={lang}"),
        ("result", f"{base}/result/?c=care&c=poverty&c=abuse-dv&age=elderly&lang={lang}"),
        ("code", f"{base}/code/?lang={lang}"),
    ):
        phone.goto(url)
        assert phone.locator("main").count() == 1 and phone.locator("header").count() == 1
        assert phone.locator("nav").count() == 1 and phone.locator("footer").count() == 1
        assert no_horizontal_overflow(phone), f"{name} {lang} is wider than the phone"
        screenshot(phone, f"navigator-{name}-{lang}-375")
        assert axe_violations(phone) == [], f"{name} {lang}"


def test_the_picking_path_works_without_javascript(live_server, phone_without_js, city):
    page = phone_without_js
    page.goto(f"{live_server.url}/navigator/{city.code}/?lang=ja")
    form = page.locator("form[method=get]").first
    form.get_by_label("家族のこと").check()
    form.get_by_label("65歳以上").check()
    form.get_by_label("北地区").count()  # area select exists
    form.locator("select[name=area]").select_option("kita")
    form.get_by_label("高齢の家族の介護が大変").check()
    form.get_by_label("借金の返済に困っている").check()
    with page.expect_navigation():
        form.get_by_role("button", name="相談先をさがす").click()
    assert "/result/" in page.url
    windows = page.locator(".nav-window h2").all_inner_texts()
    assert (
        windows[:2] == ["北地域包括支援センター", "くらし・しごと相談窓口"]
        or "北地域包括支援センター" in windows
    )
    assert "南地域包括支援センター" not in windows
    assert "福祉の総合相談窓口" in windows
    assert page.locator(".nav-code").inner_text().strip()
    screenshot(page, "navigator-picking-nojs-375")


def test_free_text_is_read_then_confirmed(live_server, phone, city):
    page = phone
    page.goto(f"{live_server.url}/navigator/{city.code}/?lang=ja")
    page.fill("#nav-text", "母がもの忘れがひどくて、介護でくたくたです。お金もありません")
    with page.expect_navigation():
        page.get_by_role("button", name="内容を読み取る").click()
    assert page.locator("h1").inner_text() == "こう受け止めました"
    understood = page.locator(".nav-understood li").all_inner_texts()
    assert "物忘れ・認知症が心配" in understood and "生活費が足りない・食べるものに困っている" in understood
    screenshot(page, "navigator-understood-375")
    assert axe_violations(page) == []
    page.get_by_label("物忘れ・認知症が心配").uncheck()  # the resident corrects what was understood
    with page.expect_navigation():
        page.locator("form[method=get]").get_by_role("button", name="相談先をさがす").click()
    assert "c=dementia" not in page.url
    assert "nav-tel" in page.content() or page.locator(".nav-window").count() >= 2
    screenshot(page, "navigator-free-text-result-375")


def test_danger_words_bring_the_emergency_numbers_first(live_server, phone, city):
    page = phone
    page.goto(f"{live_server.url}/navigator/{city.code}/?lang=easy")
    page.fill("#nav-text", "もう しにたい")
    with page.expect_navigation():
        page.locator("form[method=post] button").click()
    first_section = page.locator("main > section").first
    assert "110" in first_section.inner_text()
    with page.expect_navigation():
        page.locator("form[method=get] button").click()
    top = page.locator("main > *").first.inner_text()
    assert "110" in top and "119" in top and "0000-00-0000" in top
    screenshot(page, "navigator-emergency-easy-375")


def test_the_result_prints_without_navigation(live_server, phone, city):
    page = phone
    page.goto(f"{live_server.url}/navigator/{city.code}/result/?c=care&lang=ja")
    page.emulate_media(media="print")
    assert not page.locator(".nav-langs").is_visible()
    assert page.locator(".nav-code").is_visible()
    screenshot(page, "navigator-result-print")
