"""The manager's overview counts 第2号・第3号・第4号 for the chosen 年度 from each app's own records:
counts only, no name, and nothing of another city."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from tests.factories import login_client
from tsunagu.community.tests import helpers as community
from tsunagu.insights import pillars
from tsunagu.outreach.tests import helpers as outreach
from tsunagu.participation.tests import helpers as participation

pytestmark = pytest.mark.django_db

JST = zoneinfo.ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2026, 11, 16, 10, 0, tzinfo=JST)  # 令和8年度
URL = reverse("insights:overview")


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _section(client, manager, query: str = "") -> str:
    login_client(client, manager)
    page = client.get(URL + query).content.decode()
    return page[page.index('id="h-pillars"') :]


def _cells(html: str, heading: str) -> list[str]:
    """The numbers of the first row under `heading`'s table."""
    table = html[html.index(heading) :]
    row = table[table.index("<tbody>") : table.index("</tbody>")]
    return re.findall(r'<td class="num[^"]*">([^<]*)</td>', row)


def test_participation_counts_proposals_and_first_participations_with_the_median_days(client):
    w = participation.make_world()
    resource = participation.make_resource(w, "salon")
    for days in (12, 20):
        record = participation.open_record(w)
        match = participation.propose(w, record, resource, ago=30)
        participation.move(w, match, "participating", ago=30 - days)
    participation.propose(w, participation.open_record(w, participation.resident(w, "田中")), resource, ago=3)
    cells = _cells(_section(client, w.a.manager), "第2号")
    # 支援した人, 提案, 見学, 体験, 参加開始, 中断, フォローアップ, 中央値
    assert cells[1] == "3" and cells[4] == "2" and cells[7] == "16日"
    assert "鈴木" not in _section(client, w.a.manager)


def test_outreach_counts_engagements_contacts_and_outcomes(client):
    w = outreach.make_world()
    first = outreach.open_engagement(w, started_ago=40)
    outreach.contact(w, first, ago=30)
    outreach.contact(w, first, ago=5, response="talked")
    outreach.open_engagement(w, started_ago=2, description="団地の若い男性")
    cells = _cells(_section(client, w.a.manager), "第4号")
    # 継続した支援, うち新規, 特定, 接触, 接触した人, 終了
    assert cells[0] == "2" and cells[1] == "2" and cells[3] == "2" and cells[5] == "0"
    assert "隣家の高齢男性" not in _section(client, w.a.manager)


def test_community_counts_sittings_participants_and_needs_per_line(client):
    w = community.make_world()
    sitting = community.sit(w, on=dt.date(2026, 10, 1), residents=12, volunteers=3)
    community.surface(w, sitting)
    community.sit(w, on=dt.date(2025, 10, 1), residents=50)  # 令和7年度: another year
    html = _section(client, w.city.manager)
    row = html[html.index("生活困窮者支援等のための地域づくり事業") :]
    assert re.findall(r'<td class="num[^"]*">([^<]*)</td>', row)[:4] == ["1", "15", "1", "0"]
    last_year = pillars.pillar_figures(w.city.muni, year=2025, today=NOW.date())
    hardship = next(row for row in last_year.community if row.line == "3hardship")
    assert (hardship.sittings, hardship.participants, hardship.needs) == (1, 50, 0)
    assert last_year.end == dt.date(2026, 3, 31)
