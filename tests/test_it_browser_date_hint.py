"""A date typed as text shows its whole example (「例: S33.4.7、1958-04-07」) in the input, not cut off at
the input's edge; a screenshot of the intake form's 生年月日 is kept under test-artifacts/."""

from __future__ import annotations

import pytest

from tests.browser import login
from tests.conftest import ARTIFACTS
from tests.factories import make_personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FITS = """() => [...document.querySelectorAll('input.date-both')].map((input) => {
  const style = getComputedStyle(input);
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = style.font;
  const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return {name: input.name, text: input.placeholder, width: ctx.measureText(input.placeholder).width, room};
})"""


def test_the_whole_date_example_is_visible(live_server, page):
    p = make_personas()
    login(page, live_server.url, p.window_worker.username, "correct-horse-battery-staple")
    for width in (1280, 1024):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/intake/new/")
        page.locator("text=新しい人として登録する").click()  # shows the new person's fields
        page.locator("input[name=birth_date]").wait_for(state="visible")
        inputs = page.evaluate(FITS)
        assert any(i["name"] == "birth_date" and "、" in i["text"] for i in inputs), inputs
        for i in inputs:
            assert i["width"] <= i["room"], (width, i)
        field = page.locator("input[name=birth_date]")
        field.scroll_into_view_if_needed()
        box = field.bounding_box()
        assert box is not None
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(
            path=str(ARTIFACTS / f"date-hint-intake-{width}.png"),
            clip={"x": 0, "y": max(box["y"] - 80, 0), "width": width, "height": 200},
        )
