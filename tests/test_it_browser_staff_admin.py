"""An administrator runs staff administration in the browser: a CSV with mistakes is reported line by
line, the corrected file creates everyone, one more is added by hand and given another role (A8)."""

from __future__ import annotations

import pytest

from tests.browser import login
from tests.conftest import ARTIFACTS, screenshot
from tests.factories import make_personas
from tsunagu.accounts.models import Role, Staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple"
HEADER = "ログインID,氏名,所属機関,役割,メールアドレス"


def test_an_administrator_imports_creates_and_reassigns_staff(live_server, page):
    p = make_personas()
    ARTIFACTS.mkdir(exist_ok=True)
    bad = ARTIFACTS / "staff-bad.csv"
    bad.write_text(
        "\r\n".join(
            [
                HEADER,
                f"suzuki-a,鈴木 あい,{p.org_a.name},相談員,",
                "ito-b,伊藤 ぶん,存在しない課,関係機関職員,",
                f"kato²,加藤 千尋,{p.org_a.name},課長,",
            ]
        ),
        encoding="utf-8-sig",
    )
    good = ARTIFACTS / "staff-good.csv"
    good.write_text(
        "\r\n".join(
            [
                HEADER,
                f"suzuki-a,鈴木 あい,{p.org_a.name},相談員,",
                f"ito-b,伊藤 ぶん,{p.agency_a.name},関係機関職員,ito@example.lg.jp",
                f"kato-c,加藤 千尋,{p.org_a.name},束ね役,",
            ]
        ),
        encoding="cp932",  # as Excel saves it
    )
    login(page, live_server.url, p.administrator.username, PASSWORD)
    assert page.url.endswith("/accounts/staff/")
    screenshot(page, "staff-1-list")

    page.click("text=CSVで一括登録")
    page.set_input_files("#id_file", str(bad))
    with page.expect_navigation():
        page.click("#import-run")
    assert "3件の問題があります" in page.inner_text("#h-issues")
    assert page.locator("#issues tbody tr").count() == 3
    screenshot(page, "staff-2-import-report")
    assert not Staff.objects.filter(username="suzuki-a").exists()

    page.set_input_files("#id_file", str(good))
    with page.expect_navigation():
        page.click("#import-run")
    assert "3人を登録しました" in page.inner_text("#h-created")
    screenshot(page, "staff-3-import-done")

    page.click("text=職員を登録")
    page.fill("#id_login_id", "yamamoto-d")
    page.fill("#id_display_name", "山本 大地")
    page.select_option("#id_organization", label=p.agency_a.name)
    page.select_option("#id_role", Role.AGENCY_WORKER.value)
    with page.expect_navigation():
        page.click("#staff-create")
    assert page.locator("#issued-password").is_visible()
    screenshot(page, "staff-4-created")

    page.select_option("#id_role", Role.COORDINATOR.value)
    with page.expect_navigation():
        page.click("#assign-submit")
    assert "所属機関・役割を保存しました" in page.inner_text(".messages")
    screenshot(page, "staff-5-detail")
    assert Staff.objects.get(username="yamamoto-d").role == Role.COORDINATOR
