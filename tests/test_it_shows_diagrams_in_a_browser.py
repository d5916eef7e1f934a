"""The household page's genogram and ecomap in Chromium: laid out in the bundled IPAexGothic (served by
us, never a system font), so every label has exactly the width the layout measured — no boxes (豆腐),
nothing overflowing. A screenshot is kept for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from tests.conftest import screenshot
from tsunagu.core.staticfinders import FONT_DIR
from tsunagu.documents.ecomap import Ecomap, render_ecomap
from tsunagu.documents.genogram import render_genogram
from tsunagu.documents.kinship import with_captions
from tsunagu.documents.tests.families import family_8050
from tsunagu.documents.tests.test_it_draws_ecomaps import MEMBERS, POOL
from tsunagu.documents.textmetrics import text_width
from tsunagu.people.diagrams import HouseholdDiagrams

pytestmark = pytest.mark.browser

STATIC = Path(__file__).resolve().parent.parent / "tsunagu" / "core" / "static" / "tsunagu"


def test_diagrams_render_in_the_bundled_japanese_font_at_the_measured_widths(page):
    diagrams = HouseholdDiagrams(
        genogram_svg=mark_safe(render_genogram(with_captions(family_8050()))),  # noqa: S308
        ecomap_svg=mark_safe(render_ecomap(Ecomap(members=MEMBERS, entities=POOL[:9]))),  # noqa: S308
        person_ids=(),
        inferred=True,
    )
    body = render_to_string("people/_household_diagrams.html", {"diagrams": diagrams})
    html = (
        "<!doctype html><html lang='ja'><head><meta charset='utf-8'>"
        "<link rel='stylesheet' href='/static/tsunagu/tsunagu.css'></head>"
        f"<body><main style='padding:16px'>{body}</main></body></html>"
    )
    files = {
        "/": (html.encode(), "text/html; charset=utf-8"),
        "/static/tsunagu/tsunagu.css": ((STATIC / "tsunagu.css").read_bytes(), "text/css"),
        "/static/tsunagu/fonts/ipaexg.ttf": ((FONT_DIR / "ipaexg.ttf").read_bytes(), "font/ttf"),
    }
    requested: list[str] = []

    def serve(route):
        path = "/" + route.request.url.split("/", 3)[3]
        requested.append(path)
        content, kind = files.get(path, (b"", "text/plain"))
        route.fulfill(status=200 if path in files else 404, body=content, content_type=kind)

    page.route("http://tsunagu.test/**", serve)
    page.goto("http://tsunagu.test/")
    page.evaluate("async () => { await document.fonts.ready; }")
    measured = page.evaluate(
        """() => [...document.querySelectorAll('svg text')].map(
            t => [t.textContent, t.getComputedTextLength(), parseFloat(t.getAttribute('font-size'))])"""
    )
    assert len(measured) > 60
    for text, width, size in measured:
        # Our table and the browser agree only if the browser set the text in IPAexGothic.
        assert abs(width - text_width(text, size)) <= 0.01 * size * len(text) + 0.5, (text, width)
    assert "/static/tsunagu/fonts/ipaexg.ttf" in requested
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('figure.diagram svg')].map(s => {
            const r = s.getBoundingClientRect(); return [r.width, r.height, s.parentElement.clientWidth]; })"""
    )
    assert len(boxes) == 2 and all(0 < w <= parent + 1 and h > 0 for w, h, parent in boxes)
    screenshot(page, "household-diagrams")
