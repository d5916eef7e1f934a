"""The main menu fits one line for the roles with the longest menus (coordinator, window worker) at 1280
and at 1024 px, nothing in the header is cut off, and each group opens and closes from the keyboard with
its entries inside the window. Screenshots of the header (closed, and with each group open) are kept
under test-artifacts/ for a person to look at."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import login
from tests.conftest import ARTIFACTS
from tests.factories import make_personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple"

GEOMETRY = """() => {
  const box = (el) => { const r = el.getBoundingClientRect(); return {top: r.top, bottom: r.bottom,
                                                                      left: r.left, right: r.right}; };
  const nav = document.querySelector('.global-nav');
  return {
    items: [...nav.children].map((el) => ({text: (el.matches('a') ? el : el.querySelector('summary')).textContent.trim(),
                                           ...box(el)})),
    header: box(document.querySelector('.site-header')),
    parts: [...document.querySelectorAll('.site-header > *')].map(box),
    scrollWidth: document.documentElement.scrollWidth,
  };
}"""


def _header_shot(page: Any, name: str, width: int) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), clip={"x": 0, "y": 0, "width": width, "height": 360})


def _check(page: Any, who: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(page.url)
    g = page.evaluate(GEOMETRY)
    items = g["items"]
    assert len(items) >= 4, (who, items)
    # One line: every entry on the same row, each a single line (no label broken inside).
    tops = [i["top"] for i in items]
    assert max(tops) - min(tops) < 4, (who, width, items)
    assert all(i["bottom"] - i["top"] < 40 for i in items), (who, width, items)
    # The whole header on one row, nothing past the right edge, no sideways scrolling.
    middles = [p["top"] + (p["bottom"] - p["top"]) / 2 for p in g["parts"]]
    assert max(middles) - min(middles) < 8, (who, width, g)
    assert max(p["right"] for p in g["parts"]) <= width, (who, width, g)
    assert g["scrollWidth"] <= width, (who, width, g["scrollWidth"])
    _header_shot(page, f"nav-{who}-{width}", width)

    groups = page.locator(".global-nav details")
    for n in range(groups.count()):
        group = groups.nth(n)
        summary = group.locator("summary")
        summary.focus()
        page.keyboard.press("Enter")
        menu = group.locator("ul")
        assert menu.is_visible(), (who, width, n)
        box = menu.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (who, width, n, box)
        # Its entries are reached by Tab, in order, and the menu closes with Escape (focus back on it).
        page.keyboard.press("Tab")
        first = group.locator("li a").first
        assert first.evaluate("el => el === document.activeElement"), (who, width, n)
        _header_shot(page, f"nav-{who}-{width}-open-{n + 1}", width)
        page.keyboard.press("Escape")
        assert not menu.is_visible(), (who, width, n)
        assert summary.evaluate("el => el === document.activeElement"), (who, width, n)


def test_the_main_menu_fits_one_line_and_opens_by_keyboard(live_server, page):
    p = make_personas()
    # Long, realistic names: the header must hold them too.
    p.city_a.name = "いちき串木野市"
    p.city_a.save(update_fields=["name"])
    for who, user in (("coordinator", p.coordinator), ("window", p.window_worker)):
        user.display_name = "長谷川 久美子"
        user.save(update_fields=["display_name"])
        login(page, live_server.url, user.username, PASSWORD)
        page.goto(f"{live_server.url}/intake/escalations/")
        for width in (1280, 1024):
            _check(page, who, width)
        # The page shown is marked, and so is its group while the menu is closed.
        assert page.locator('.global-nav a[aria-current="page"]').text_content() == "つなぎ依頼"
        assert page.locator('.global-nav summary[aria-current="true"]').text_content() == "相談・つなぎ"
        with page.expect_navigation():
            page.click("text=ログアウト")
