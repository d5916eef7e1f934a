"""Lists tell the truth (issue 8 A4): every list says how many rows there are and lets staff see the rest,
instead of silently stopping; page numbers are read strictly, a page past the end is the last page, and
counts are of the rows the viewer may see."""

from __future__ import annotations

import re

import pytest

from tsunagu.intake import actions as intake_actions

from .factories import login_client, make_household, make_organization, make_person, make_personas, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def p():
    return make_personas()


def _households(city, n):
    return [make_household(city, (make_person(city, family_name=f"世帯{i:03d}"), "head")) for i in range(n)]


def _request_ids(body: str) -> list[str]:
    return re.findall(r'href="/cases/open/request/(\d+)/"', body)


# --- つなぎ依頼 -----------------------------------------------------------------------------------


def test_escalation_list_pages_through_every_request_and_counts_them(client, p):
    for hh in _households(p.city_a, 53):
        intake_actions.request_escalation(actor=p.window_worker, household=hh, reason="複合的な課題")
    login_client(client, p.coordinator)
    first = client.get("/intake/escalations/").content.decode()
    assert "全 53件のうち 1〜50件目" in first
    assert len(_request_ids(first)) == 50
    assert 'href="?page=2"' in first or "page=2" in first
    second = client.get("/intake/escalations/", {"status": "pending", "page": "2"}).content.decode()
    assert len(_request_ids(second)) == 3
    assert not set(_request_ids(first)) & set(_request_ids(second))
    # The tab's filter stays in the page links.
    assert 'href="?status=pending&amp;page=1" rel="prev"' in second


@pytest.mark.parametrize("page", ["999", "３", "²", "1e3", "-1", "0", "9" * 40, "abc", ""])
def test_escalation_list_page_numbers_are_strict_and_never_a_500(client, p, page):
    for hh in _households(p.city_a, 51):
        intake_actions.request_escalation(actor=p.window_worker, household=hh, reason="複合的な課題")
    login_client(client, p.coordinator)
    response = client.get("/intake/escalations/", {"page": page})
    assert response.status_code == 200
    body = response.content.decode()
    expected = 1 if page == "999" or page == "9" * 40 else 50
    assert len(_request_ids(body)) == expected  # past the end → the last page; malformed → the first


def test_escalation_count_is_of_the_requests_the_viewer_may_see(client, p):
    other_org = make_organization(p.city_a, name="A市 障害福祉課")
    other_window = make_staff(p.city_a, "window_worker", other_org)
    for hh in _households(p.city_a, 4):
        intake_actions.request_escalation(actor=other_window, household=hh, reason="複合的な課題")
    for hh in _households(p.city_a, 2):
        intake_actions.request_escalation(actor=p.window_worker, household=hh, reason="複合的な課題")
    login_client(client, p.window_worker)  # sees only the requests its own organization made
    body = client.get("/intake/escalations/").content.decode()
    assert "全 2件" in body and "全 6件" not in body


# --- cases ------------------------------------------------------------------------------------------


def _case_links(body: str) -> list[str]:
    return re.findall(r'<a href="/cases/(\d+)/">ケース', body)


def test_case_list_shows_every_case_a_page_at_a_time(client, p):
    from tsunagu.cases import actions as case_actions

    for hh in _households(p.city_a, 52):
        case_actions.open_case(actor=p.coordinator, household=hh)
    login_client(client, p.coordinator)
    first = client.get("/cases/", {"scope": "mine", "status": "open"}).content.decode()
    assert "全 52件のうち 1〜50件目" in first and len(_case_links(first)) == 50
    second = client.get("/cases/", {"scope": "mine", "status": "open", "page": "2"}).content.decode()
    assert len(_case_links(second)) == 2 and not set(_case_links(first)) & set(_case_links(second))
    assert "scope=mine" in second.split('class="pager"')[1]  # the filters stay in the page links
    past = client.get("/cases/", {"scope": "mine", "status": "open", "page": "77"})
    assert past.status_code == 200 and _case_links(past.content.decode()) == _case_links(second)


def test_case_count_is_of_visible_cases_only(client, p):
    from tsunagu.cases import actions as case_actions

    for hh in _households(p.city_a, 3):
        case_actions.open_case(actor=p.coordinator, household=hh)
    login_client(client, p.agency_worker)  # its organization is on no team: sees none of them
    body = client.get("/cases/", {"scope": "all", "status": ""}).content.decode()
    assert "全 0件" in body and not _case_links(body)


# --- person search ----------------------------------------------------------------------------------


def _person_values(body: str) -> list[str]:
    return re.findall(r'name="person_choice" value="(\d+)"', body)


def test_person_search_says_how_many_match_and_shows_more(client, p):
    for i in range(45):
        make_person(p.city_a, "山田", f"太郎{i:02d}", given_kana=f"タロウ{i:02d}")
    make_person(p.city_b, "山田", "別市")  # another city's namesake is not counted
    login_client(client, p.window_worker)
    body = client.post("/intake/person-search/", {"q": "やまだ"}).content.decode()
    assert "45人が当てはまります（20人を表示）" in body
    assert len(_person_values(body)) == 20
    assert "さらに表示（40人まで）" in body and '"shown": "40"' in body
    body = client.post("/intake/person-search/", {"q": "やまだ", "shown": "40"}).content.decode()
    assert len(_person_values(body)) == 40 and "さらに表示（45人まで）" in body
    body = client.post("/intake/person-search/", {"q": "やまだ", "shown": "45"}).content.decode()
    assert len(_person_values(body)) == 45 and "さらに表示" not in body
    # Every listed person is in the audit row of the search that listed them.
    from tsunagu.access.models import AuditEvent

    assert len(AuditEvent.objects.filter(action="list").latest("seq").objects_json) == 45


@pytest.mark.parametrize("shown", ["３", "1e3", "-5", "9" * 40, "x"])
def test_person_search_reads_shown_strictly(client, p, shown):
    for i in range(25):
        make_person(p.city_a, "山田", f"花子{i:02d}")
    login_client(client, p.window_worker)
    response = client.post("/intake/person-search/", {"q": "山田", "shown": shown})
    assert response.status_code == 200 and len(_person_values(response.content.decode())) == 20


def test_person_search_count_respects_the_narrowing_by_birth_date(client, p):
    import datetime as dt

    for i in range(3):
        make_person(p.city_a, "佐藤", f"一郎{i}", birth_date=dt.date(1970, 1, 1))
    for i in range(4):
        make_person(p.city_a, "佐藤", f"次郎{i}", birth_date=dt.date(1990, 1, 1))
    login_client(client, p.window_worker)
    body = client.post("/intake/person-search/", {"q": "佐藤", "birth": "1970-01-01"}).content.decode()
    assert "3人が当てはまります（3人を表示）" in body


# --- 名寄せ ------------------------------------------------------------------------------------------


def test_merge_history_pages_with_the_shared_pager(client, p, monkeypatch):
    from tsunagu.people import views as people_views
    from tsunagu.people.actions import merge_persons

    monkeypatch.setattr(people_views, "PAGE_SIZE", 2)
    for i in range(5):
        keep = make_person(p.city_a, "名寄", f"残す{i}")
        absorb = make_person(p.city_a, "名寄", f"統合{i}")
        merge_persons(actor=p.coordinator, keep=keep, absorb=absorb, reason="同一人物と確認")
    login_client(client, p.coordinator)
    first = client.get("/people/merges/").content.decode()
    assert "全 5件のうち 1〜2件目" in first and 'href="?page=2" rel="next"' in first
    assert "全 5件のうち 5件目" in client.get("/people/merges/", {"page": "9"}).content.decode()
    # "３" is not a page number (int() would read it as 3): the first page.
    assert "全 5件のうち 1〜2件目" in client.get("/people/merges/", {"page": "３"}).content.decode()
