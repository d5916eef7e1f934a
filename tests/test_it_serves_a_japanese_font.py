"""Pages must render Japanese without system fonts and without the internet: the stylesheet's last font is
IPAexGothic served from the matplotlib-fontja wheel by our own static finder."""

from __future__ import annotations

import pytest

from tests.browser import login
from tests.factories import make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_bundled_japanese_font_loads_from_our_own_server(live_server, page):
    staff = make_staff()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    login(page, live_server.url, staff.username, "correct-horse-battery-staple")
    faces = page.evaluate(
        """async () => (await document.fonts.load("16px 'Tsunagu IPAexGothic'", "相談受付")).length"""
    )
    assert faces >= 1, "IPAexGothic could not be loaded from /static/"
    # Everything the page asked for came from this server: nothing from a CDN.
    assert requests and all(url.startswith(live_server.url) for url in requests), requests


def test_the_font_file_and_its_licence_are_served(client):
    response = client.get("/static/tsunagu/fonts/ipaexg.ttf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] in (b"\x00\x01\x00\x00", b"true")
    licence = client.get("/static/tsunagu/fonts/IPA_Font_License_Agreement_v1.0.txt")
    assert licence.status_code == 200
