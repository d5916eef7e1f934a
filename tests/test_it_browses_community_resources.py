"""A coordinator keeps the community resources (社会資源): list, detail, an edit, an import with its preview."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import login
from tests.conftest import screenshot
from tests.factories import make_staff
from tsunagu.accounts.models import Role
from tsunagu.core.demo import DemoWorld
from tsunagu.directory.models import Organization
from tsunagu.directory.profiles import load_profile
from tsunagu.directory.resource_demo import demo_step
from tsunagu.directory.resource_models import Resource

MITAKA = Path(__file__).resolve().parent.parent / "profiles" / "mitaka.toml"
PASSWORD = "correct-horse-battery-staple"


@pytest.mark.browser
def test_coordinator_keeps_resources(page, live_server, transactional_db, tmp_path):
    muni = load_profile(MITAKA).municipality
    org = Organization.objects.get(municipality=muni, key="chiiki-fukushi")
    staff = make_staff(muni, Role.COORDINATOR, organization=org, username="mitaka-coord", password=PASSWORD)
    demo_step(DemoWorld(municipality=muni, staff={Role.COORDINATOR: staff}, seed=1))

    login(page, live_server.url, staff.username, PASSWORD)
    page.goto(f"{live_server.url}/directory/resources/")
    assert page.locator("h1").inner_text() == "三鷹市の社会資源"
    assert page.locator("tbody tr").count() == 16  # 15 demo + 相談サロン from the profile
    screenshot(page, "resources-1-list")

    page.select_option("#id_kind", "children_cafeteria")
    page.click("text=絞り込む")
    assert page.locator("tbody tr").count() == 2
    page.click("text=みんなの子ども食堂（デモ）")
    page.wait_for_selector("h1:has-text('みんなの子ども食堂（デモ）')")
    assert "子どもは無料・大人300円" in page.locator(".facts").inner_text()
    screenshot(page, "resources-2-detail")

    page.click("text=編集する")
    page.fill("#id_cost_note", "子どもは無料・大人400円")
    page.click("button:has-text('更新する')")
    page.wait_for_selector("text=を更新しました。")
    assert (
        Resource.objects.get(municipality=muni, key="demo-kodomo-shokudo").cost_note
        == "子どもは無料・大人400円"
    )

    csv_path = tmp_path / "resources.csv"
    csv_path.write_bytes(
        "service.id,service.name,x_tsunagu.kind,schedule.byday,x_tsunagu.time_slots,cost_option.amount\r\n"
        "demo-salon-hidamari,ひだまりサロン（デモ・改）,salon,WE,afternoon,100\r\n"
        "new-cafe,認知症カフェ（新規）,salon,SA,morning,200\r\n".encode("cp932")
    )
    page.goto(f"{live_server.url}/directory/resources/import/")
    page.set_input_files("#id_file", str(csv_path))
    page.click("button:has-text('確かめる')")
    page.wait_for_selector("text=取込の確認")
    assert "新規 1件・更新 1件" in page.locator("section").inner_text()
    screenshot(page, "resources-3-import-preview")
    page.click("button:has-text('この内容で取り込む')")
    page.wait_for_selector("text=取り込みました: 新規 1件、更新 1件")
    assert Resource.objects.get(municipality=muni, key="new-cafe").weekdays == [5]

    csv_path.write_bytes(
        "service.id,service.name,x_tsunagu.kind,service.minimum_age,service.maximum_age\r\n"
        "bad,年齢が逆,salon,70,20\r\n".encode()
    )
    page.goto(f"{live_server.url}/directory/resources/import/")
    page.set_input_files("#id_file", str(csv_path))
    page.click("button:has-text('確かめる')")
    page.wait_for_selector("text=何も取り込んでいません")
    assert "2行目・service.maximum_age" in page.locator(".error-box").inner_text()
    screenshot(page, "resources-4-import-errors")
