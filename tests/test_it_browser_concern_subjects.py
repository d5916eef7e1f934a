"""A window worker records whom each concern is about, sees the advice count it, and records a member's
disability on the household page (issue 8 B2, B3) — in Chromium, with screenshots to look at."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.browser import login
from tests.conftest import screenshot
from tests.factories import make_person
from tsunagu.intake.models import ConcernSubject
from tsunagu.intake.tests.helpers import make_city
from tsunagu.people import actions as people_actions
from tsunagu.people.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple"


def _born(age: int) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - age - 1) + dt.timedelta(days=1)


def test_a_worker_chooses_whom_each_concern_is_about_and_the_advice_counts_it(live_server, page):
    city = make_city()
    son = make_person(
        city.muni, "田中", "健一", family_kana="タナカ", given_kana="ケンイチ", birth_date=_born(50)
    )
    father = make_person(
        city.muni, "田中", "茂", family_kana="タナカ", given_kana="シゲル", birth_date=_born(82)
    )
    girl = make_person(
        city.muni, "田中", "結衣", family_kana="タナカ", given_kana="ユイ", birth_date=_born(12)
    )
    hh = people_actions.create_household(actor=city.window_worker)
    for p, rel in ((son, "head"), (father, "parent"), (girl, "child")):
        people_actions.add_member(actor=city.window_worker, household=hh, person=p, relationship=rel)
    # ひきこもり counts その他; about the father (82) it counts 高齢 too.
    care, poverty = city.concerns["hikikomori"], city.concerns["poverty"]

    login(page, live_server.url, city.window_worker.username, PASSWORD)
    page.goto(f"{live_server.url}/intake/new/")
    page.fill("#person-q", "たなか けんいち")
    page.locator("label.person-hit", has_text="健一").click()
    page.check(f"#concern-list input[value='{care.pk}']")
    page.check(f"#concern-list input[value='{poverty.pk}']")
    select = page.locator(f"#subject-{care.pk}")
    select.wait_for()
    assert "相談者本人" in select.locator("option:checked").inner_text()
    # About the son (50): 生活困窮・その他, two domains, no advice.
    assert "多機関協働へのつなぎを検討してください" not in page.locator("#advice").inner_text()
    with page.expect_response(lambda r: "/intake/advice/" in r.url):
        page.select_option(f"#subject-{care.pk}", str(father.pk))
    page.locator("#advice .advice").wait_for()
    advice = page.locator("#advice").inner_text()
    assert "3 分野（高齢・生活困窮・その他）" in advice
    assert page.locator(f"#subject-{care.pk} option:checked").inner_text().startswith("田中\u3000茂")
    page.locator("#advice details summary").click()
    assert (
        "ひきこもり（田中\u3000茂さん・82歳）: 高齢（65歳以上）、その他（課題の分類）"
        in page.locator("#advice").inner_text()
    )
    screenshot(page, "intake-concern-subjects")

    page.check("input[name=actions][value=listening]")
    with page.expect_navigation():
        page.click("#submit-intake")
    assert f"/people/households/{hh.pk}/" in page.url
    assert [(s.concern_id, s.person_id) for s in ConcernSubject.objects.all()] == [(care.pk, father.pk)]
    assert "ひきこもり: 田中\u3000茂さんについて" in page.locator("#timeline").inner_text()

    # The daughter's disability, recorded on the household page.
    row = page.locator("tr", has_text="結衣")
    row.locator("summary").click()
    row.locator("input[name=disability]").check()
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    assert "障害あり" in page.locator("tr", has_text="結衣").inner_text()
    assert Person.objects.get(pk=girl.pk).disability
    screenshot(page, "household-member-attributes")
