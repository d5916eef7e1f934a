"""A window worker reviews a planted duplicate: candidate list → side by side → merge → split back."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser import login, nav_link
from tests.conftest import screenshot
from tests.factories import Personas, make_household, make_person
from tsunagu.people.candidates import refresh_candidates_for
from tsunagu.people.models import HouseholdMember, Person, PersonMerge, Relationship

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_reviews_a_duplicate_merges_it_and_splits_it_back(live_server, page):
    p = Personas()
    a = p.city_a
    keep = make_person(
        a,
        "高橋",
        "花子",
        family_kana="タカハシ",
        given_kana="ハナコ",
        sex="female",
        birth_date=dt.date(1950, 5, 3),
        address="東京都三鷹市下連雀1-2-3",
    )
    dup = make_person(
        a,
        "髙橋",
        "花子",
        family_kana="ﾀｶﾊｼ",
        given_kana="ﾊﾅｺ",
        sex="female",
        birth_date=dt.date(1950, 5, 3),
        address="東京都三鷹市下連雀一丁目2番3号",
    )
    # Same name and reading, born the 30th instead of the 3rd: a namesake, or a typo.
    namesake = make_person(
        a,
        "高橋",
        "花子",
        family_kana="タカハシ",
        given_kana="ハナコ",
        sex="female",
        birth_date=dt.date(1950, 5, 30),
        address="東京都三鷹市井口5-6-7",
    )
    make_household(a, (keep, Relationship.HEAD))
    make_household(a, (dup, Relationship.HEAD), (make_person(a, "髙橋", "一郎"), Relationship.SPOUSE))
    refresh_candidates_for([keep.pk, dup.pk, namesake.pk])  # what the actions writing persons do

    login(page, live_server.url, p.window_worker.username, "correct-horse-battery-staple")
    nav_link(page, "名寄せ").click()
    page.wait_for_selector("h1 >> text=名寄せ（同一人物の候補）")
    assert page.locator("tr.pm-auto").count() == 1
    screenshot(page, "people-1-candidates")

    page.click("text=同姓同名（別人の可能性）")
    page.wait_for_selector("tr.pm-namesake")
    screenshot(page, "people-2-namesakes")
    page.click(f"a[href='/people/compare/{keep.pk}/{namesake.pk}/']")
    page.wait_for_selector("[role=alert] >> text=同姓同名の可能性があります")
    screenshot(page, "people-3-compare-namesake")

    page.goto(f"{live_server.url}/people/candidates/")
    page.click(f"a[href='/people/compare/{keep.pk}/{dup.pk}/']")
    page.wait_for_selector("text=照合の根拠")
    assert page.locator("input[name=keep]:checked").count() == 0
    # Submitting without choosing or a reason changes nothing and says why, in Japanese.
    with page.expect_navigation():
        page.click("#merge-submit")
    page.wait_for_selector("text=どちらの記録を残すか選んでください。")
    page.wait_for_selector("text=理由を入力してください。")
    assert PersonMerge.objects.count() == 0
    page.check("input[name=keep][value=left]")
    page.fill("#id_reason", "窓口で保険証により本人確認。住所表記の違いのみ。")
    screenshot(page, "people-4-compare-duplicate")
    with page.expect_navigation():
        page.click("#merge-submit")
    page.wait_for_selector("text=名寄せしました")
    assert Person.objects.get(pk=dup.pk).merged_into_id == keep.pk
    assert HouseholdMember.objects.filter(person=keep).count() == 2
    screenshot(page, "people-5-history")

    page.fill("form.pm-split textarea", "別人と判明したため（生年月日の聞き取り誤り）")
    with page.expect_navigation():
        page.click("form.pm-split button")
    page.wait_for_selector("text=名寄せを取り消しました")
    page.wait_for_selector("text=取り消し済み")
    screenshot(page, "people-6-split")
    assert Person.objects.get(pk=dup.pk).merged_into_id is None
    assert HouseholdMember.objects.filter(person=keep).count() == 1
    assert HouseholdMember.objects.filter(person=dup).count() == 1
