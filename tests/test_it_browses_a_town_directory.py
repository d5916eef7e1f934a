"""A town's staff see 町 in their directory, and a jointly run program with its dates (screenshots kept)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import login
from tests.conftest import screenshot
from tests.factories import make_staff
from tsunagu.directory.models import Organization
from tsunagu.directory.profiles import load_profile

MATSUMOTO = Path(__file__).resolve().parent.parent / "profiles" / "matsumoto.toml"
PASSWORD = "correct-horse-battery-staple"


@pytest.mark.browser
def test_a_town_reads_town_and_sees_joint_programs_with_dates(page, live_server, transactional_db, tmp_path):
    # 松本市's profile as if it were a town: the words must follow the kind, the data stays the seed's.
    text = (
        MATSUMOTO.read_text("utf-8")
        .replace('name = "松本市"', 'name = "松本町"')
        .replace('kind = "city"', 'kind = "town"')
    )
    path = tmp_path / "town.toml"
    path.write_text(text, encoding="utf-8")
    muni = load_profile(path).municipality
    org = Organization.objects.get(municipality=muni, key="fukushi-seisaku")
    staff = make_staff(muni, organization=org, username="town-worker", password=PASSWORD)

    login(page, live_server.url, staff.username, PASSWORD)
    page.goto(f"{live_server.url}/directory/?tab=programs&line=2")
    row = page.locator("#results tbody tr", has_text="ひきこもり等社会参加サポート事業").first
    assert "社会福祉協議会・NPO法人Gland・Riche" in row.inner_text()
    assert "共同実施" in row.inner_text()
    assert "期間: 令和7年10月1日〜" in row.inner_text()
    assert "委託期間 令和7年10月1日〜" in row.inner_text()
    assert "町全体のつながりは" in page.locator("main").inner_text()
    screenshot(page, "town-1-joint-program")

    page.goto(f"{live_server.url}/directory/?tab=organizations")
    body = page.locator("main").inner_text()
    assert "町の所管課" in body and "市の所管課" not in body
    screenshot(page, "town-2-organizations")

    # The NPO's own page lists the program it runs jointly.
    npo = Organization.objects.get(municipality=muni, key="gland-riche")
    page.goto(f"{live_server.url}/directory/organizations/{npo.pk}/")
    assert "ひきこもり等社会参加サポート事業" in page.locator("main").inner_text()
    screenshot(page, "town-3-npo")

    page.goto(f"{live_server.url}/directory/?tab=coordinators")
    assert "期間: 令和7年10月1日〜" in page.locator("main").inner_text()
    screenshot(page, "town-4-coordinators")
