"""管理職 (and 束ね役) see the city's workload as counts — nothing that names a person or a case (A7)."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from tests.factories import login_client, make_staff
from tsunagu.access.models import AuditEvent
from tsunagu.accounts.models import Role
from tsunagu.cases.models import Case
from tsunagu.insights import workload
from tsunagu.insights.tests.helpers import MARKER, make_workload_city

pytestmark = pytest.mark.django_db

JST = zoneinfo.ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2025, 6, 15, 12, 0, tzinfo=JST)
URL = reverse("insights:overview")


@pytest.fixture
def wc():
    with time_machine.travel(NOW, tick=False):
        yield make_workload_city(NOW)


def _get(client, user, query=""):
    login_client(client, user)
    with time_machine.travel(NOW, tick=False):
        return client.get(URL + query)


def test_only_managers_and_coordinators_may_open_it(client, wc):
    assert client.get(URL)["Location"].startswith("/accounts/login/")
    city = wc.city
    admin = make_staff(city.muni, Role.ADMINISTRATOR, city.window_org)
    for user in (city.window_worker, city.agency_worker, city.auditor, admin):
        login_client(client, user)
        assert client.get(URL).status_code == 403, user.role
        client.logout()
    for user in (city.manager, city.coordinator):
        assert _get(client, user).status_code == 200, user.role
        client.logout()


def test_case_figures_count_open_cases_by_status_and_organization(wc):
    counts = workload.case_counts(wc.city.muni)
    by_status = dict(zip([s for s, _ in counts.statuses], counts.by_status, strict=True))
    assert by_status == {
        "intake": 1,
        "assessment": 1,
        "planning": 0,
        "support": 2,
        "evaluation": 0,
        "suspended": 0,
    }
    assert counts.total == 4 and counts.without_team == 1
    rows = {r.name: r for r in counts.by_organization}
    assert set(rows) == {"地域包括支援センター", "福祉総合窓口"}
    agency = rows["地域包括支援センター"]
    assert (agency.total, agency.lead, agency.by_status[1], agency.by_status[3]) == (3, 1, 1, 2)
    assert (rows["福祉総合窓口"].total, rows["福祉総合窓口"].lead) == (1, 0)


def test_monitoring_and_waiting_requests_are_counted_with_their_age(wc):
    m = workload.monitoring_counts(wc.city.muni, wc.today)
    assert (m.active, m.overdue, m.due_soon, m.support_without_date) == (4, 1, 1, 0)
    assert [(b.label, b.n) for b in m.overdue_by_age] == [("1〜7日", 0), ("8〜30日", 1), ("31日以上", 0)]
    e = workload.escalation_counts(wc.city.muni, wc.today)
    assert (e.waiting, e.oldest_days) == (1, 5)
    assert [b.n for b in e.by_age] == [0, 0, 1, 0, 0]
    assert [(r.name, r.n, r.oldest_days) for r in e.by_organization] == [("福祉総合窓口", 1, 5)]


def test_consultations_are_counted_per_window_and_month_of_the_fiscal_year(wc):
    c = workload.consultation_counts(wc.city.muni, 2025, wc.today)
    assert c.label == "令和7年度" and c.months[0] == "4月" and c.months[-1] == "3月"
    rows = {r.name: r for r in c.rows}
    # 0:10 on April 1 (JST) is in 令和7年度; 23:30 on March 31 is not.
    assert rows["福祉総合窓口"].months[:3] == [2, 0, 7] and rows["福祉総合窓口"].total == 9
    assert rows["こども相談窓口"].months[:3] == [0, 1, 0]
    assert c.total == 10 and c.months_elapsed == 3
    previous = workload.consultation_counts(wc.city.muni, 2024, wc.today)
    assert previous.label == "令和6年度" and previous.total == 1 and previous.month_totals[-1] == 1
    assert previous.months_elapsed == 12


def test_the_page_shows_counts_and_nothing_that_identifies_anyone(client, wc):
    response = _get(client, wc.city.manager)
    body = response.content.decode()
    assert response.status_code == 200
    for text in (
        "業務の状況",
        "継続中のケース",
        "モニタリング期限切れ",
        "受付待ちのつなぎ依頼",
        "令和7年度の相談",
    ):
        assert text in body
    assert "地域包括支援センター" in body and "こども相談窓口" in body
    assert MARKER not in body and "花子" not in body
    for case in Case.objects.all():
        assert case.label not in body
    assert not re.search(r"/(cases|intake/households|people)/\d+", body)


def test_another_citys_figures_never_appear(client, wc):
    a = _get(client, wc.city.manager).content.decode()
    client.logout()
    b = _get(client, wc.other.manager).content.decode()
    # B has 3 + 2 consultations this month and one case 60 days overdue; A's page shows neither.
    assert re.search(r'class="n">4</span>継続中のケース', a)
    assert re.search(r'class="n">1</span>継続中のケース', b)
    assert '31日以上経過</th><td class="num">0<' in a
    assert '31日以上経過</th><td class="num">1<' in b


def test_the_view_is_audited_as_an_aggregate_read(client, wc):
    before = AuditEvent.objects.count()
    _get(client, wc.city.manager, "?fy=2024")
    event = AuditEvent.objects.order_by("-seq").first()
    assert AuditEvent.objects.count() == before + 1
    assert event is not None and event.action == "view" and event.objects_json == []
    assert event.detail == {"kind": "workload_overview", "aggregate": True, "fiscal_year": 2024}
    assert event.actor == wc.city.manager and event.view_name == "insights:overview"


@pytest.mark.parametrize(
    "fy", ["²⁰²⁵", "２０２５", "1867", "abcd", "9" * 20000, "2025; DROP TABLE", "-1", "2030", " "]
)
def test_a_bad_fiscal_year_is_refused_with_a_message_and_shows_this_year(client, wc, fy):
    response = _get(client, wc.city.manager, "?" + f"fy={fy}")
    body = response.content.decode()
    assert response.status_code == 200
    assert "年度の指定を読み取れませんでした" in body
    assert "窓口別の相談件数（令和7年度）" in body


def test_a_past_fiscal_year_can_be_chosen(client, wc):
    body = _get(client, wc.city.manager, "?fy=2024").content.decode()
    assert "窓口別の相談件数（令和6年度）" in body and "年度の指定を読み取れませんでした" not in body
    assert '<option value="2024" selected>令和6年度</option>' in body
