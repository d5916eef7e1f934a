"""/directory/structure/: legal functions per body, the escalation ladder, the businesses, coordinators."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import make_staff
from tsunagu.directory.profiles import load_profile
from tsunagu.directory.queries import city_structure

from .makers import make_body, make_rule

URL = reverse("directory:structure")
MITAKA = Path(__file__).resolve().parents[3] / "profiles" / "mitaka.toml"


def squash(html: str) -> str:
    return re.sub(r"\s+", " ", html)


@pytest.fixture
def mitaka(db):
    return load_profile(MITAKA).municipality


def test_anonymous_is_sent_to_login(client, city):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_mitaka_structure_shows_the_three_functions_of_its_promotion_council(client, mitaka):
    client.force_login(make_staff(mitaka))
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "三鷹市の重層的支援体制" in html
    for header in ("重層的支援会議", "支援会議", "孤独・孤立対策地域協議会", "個別ケース検討"):
        assert f">{header}</th>" in html
    s = response.context["structure"]
    (row,) = s.matrix
    assert row.body.name == "重層的支援体制推進会議"
    on = {c.value for c, flag in row.cells if flag}
    assert on == {
        "consented_conference",
        "confidential_conference",
        "loneliness_council",
        "case_review",
        "training",
    }
    assert "定例（回数の定めなし）＋随時" in html
    assert html.count('<span aria-hidden="true">●</span>') == 5


def test_mitaka_ladder_runs_from_windows_to_the_council(client, mitaka):
    client.force_login(make_staff(mitaka))
    s = client.get(URL).context["structure"]
    assert [step.title for step in s.ladder] == ["相談窓口", "第1段階の会議体"]
    windows_step, council_step = s.ladder
    assert len(windows_step.windows) == 9
    assert [r.name for r in windows_step.rules_out] == ["複合的な課題を抱える方を推進会議で検討"]
    assert [b.name for b in council_step.bodies] == ["重層的支援体制推進会議"]
    html = squash(client.get(URL).content.decode())
    assert "担当者・会議で解決が難しいと判断したとき" in html
    assert "すべての窓口" in html


def test_mitaka_businesses_grouped_by_pillar_with_operation_and_sites(client, mitaka):
    client.force_login(make_staff(mitaka))
    response = client.get(URL)
    s = response.context["structure"]
    assert [p.label for p in s.pillars] == ["相談支援", "参加支援", "地域づくり"]
    consultation = {b.value: b for b in s.pillars[0].lines}
    hokatsu = consultation["1i"]
    assert [(r.name, r.operation, r.sites) for r in hokatsu.rows] == [
        ("地域包括支援センターの運営", "委託", 7)
    ]
    assert hokatsu.rows[0].department.name == "高齢者支援課"
    # 第1号ハ is carried by five bodies the profile names only as organizations, besides the program.
    riyosha = consultation["1ha"]
    assert riyosha.rows[0].name == "利用者支援事業"
    assert riyosha.sites_total == 2 + 3 + 1 + 1 + 1
    community = {b.value: b for b in s.pillars[2].lines}
    assert community["3ni"].sites_total == 16
    assert [r.name for r in s.pillars[1].lines[0].rows] == ["社会参加に向けた支援"]
    html = response.content.decode()
    assert "第1号イ（地域包括支援センターの運営）" in html
    assert "生活困窮者支援等のための地域づくり事業" in html


def test_mitaka_coordinators_are_counted(client, mitaka):
    client.force_login(make_staff(mitaka))
    response = client.get(URL)
    assert response.context["structure"].coordinators_total == 14
    html = squash(response.content.decode())
    assert "地域福祉コーディネーター" in html and "束ね役" in html
    assert "<strong>14人</strong>" in html


def test_synthetic_ladder_orders_tiers_and_places_the_case_step(city):
    make_rule(
        city.a,
        "3分野以上は多機関協働へ",
        trigger="domains_at_least",
        min_domains=3,
        target="case",
        from_windows=[city.w_north],
    )
    s = city_structure(city.a)
    titles = [step.title for step in s.ladder]
    assert titles == ["相談窓口", "多機関協働事業（第5号）", "第1段階の会議体", "第2段階の会議体"]
    windows, case, tier1, tier2 = s.ladder
    assert {r.name for r in windows.rules_out} == {"3分野以上の課題", "3分野以上は多機関協働へ"}
    assert [r.name for r in case.rules_in] == ["3分野以上は多機関協働へ"]
    assert [b.name for b in tier1.bodies] == ["スクラム会議"]
    assert [r.name for r in tier1.rules_out] == ["支援会議で解決しない事例を上げる"]
    assert [r.name for r in tier2.rules_in] == ["支援会議で解決しない事例を上げる"]
    assert s.untiered_bodies == []


def test_case_step_follows_the_body_that_sends_cases_there(city):
    make_rule(city.a, "会議で多機関協働へ", from_body=city.top, target="case")
    titles = [step.title for step in city_structure(city.a).ladder]
    assert titles == ["相談窓口", "第1段階の会議体", "第2段階の会議体", "多機関協働事業（第5号）"]


def test_bodies_without_tier(city):
    loose = make_body(city.a, "緊急会議", frequency="ad_hoc")
    alone = make_body(city.a, "研修会", frequency="per_year", per_year_min=2, per_year_max=2)
    make_rule(city.a, "緊急時", from_body=city.core, to_body=loose, target="meeting_body")
    s = city_structure(city.a)
    assert s.ladder[-1].title == "段階の定めのない会議体"
    assert [b.name for b in s.ladder[-1].bodies] == ["緊急会議"]
    assert s.untiered_bodies == [alone]


def test_structure_page_shows_only_the_own_city(client, city):
    client.force_login(city.worker)
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "スクラム会議" in html and "ふれあい調整会議" in html
    assert "Ｂ市" not in html
    client.force_login(city.outsider)
    html = client.get(URL).content.decode()
    assert "Ｂ市支援会議" in html and "スクラム会議" not in html
    assert "<strong>9人</strong>" in squash(html)


def test_structure_page_has_print_rules(client, city):
    from django.contrib.staticfiles import finders

    found = finders.find("tsunagu/tsunagu.css")
    assert isinstance(found, str)
    css = Path(found).read_text(encoding="utf-8")
    assert "@media print" in css
