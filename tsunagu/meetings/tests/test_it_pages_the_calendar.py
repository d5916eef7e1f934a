"""The calendar beyond the recent months: 前月/翌月 and a jump to any month, each body's sittings over the
next 12 months, past sittings by 年度 with links to their minutes; bad query values get a Japanese
message and the current month, never an error page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import login_client
from tsunagu.core.wareki import fiscal_year, fiscal_year_label
from tsunagu.meetings.models import Meeting

from .helpers import make_body, sitting, staffed

pytestmark = pytest.mark.django_db

URL = "/meetings/"


def _at(day: dt.date, hour: int = 14) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def _meeting(body, day: dt.date) -> Meeting:
    return Meeting.objects.create(
        municipality=body.municipality,
        body=body,
        kind="scheduled",
        starts_at=_at(day),
        ends_at=_at(day, 16),
    )


def _section(page: str, anchor: str) -> str:
    return page.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0]


def test_month_navigation_and_jump(client):
    assert reverse("meetings:calendar") == URL
    s = staffed()
    body = make_body(
        s.world, "scrum", "confidential_conference", ["confidential_conference"], name="スクラムネット"
    )
    old = _meeting(body, dt.date(2023, 7, 19))
    login_client(client, s.world.coordinator)
    page = client.get(URL, {"year": "2023", "month": "7"}).content.decode()
    month = _section(page, "month")
    assert "令和5年7月の会議" in month and f"/meetings/{old.pk}/" in month
    assert 'href="?year=2023&amp;month=6&amp;fy=' in month and 'href="?year=2023&amp;month=8&amp;fy=' in month
    # Across the year's end.
    jan = _section(client.get(URL, {"year": "2024", "month": "1"}).content.decode(), "month")
    assert "?year=2023&amp;month=12" in jan and "?year=2024&amp;month=2" in jan
    assert f"/meetings/{old.pk}/" not in jan and "この月の会議はありません" in jan
    # Default: this month.
    today = timezone.localdate()
    assert f"{today.month}月の会議" in _section(client.get(URL).content.decode(), "month")


def test_the_next_12_months_per_body(client):
    s = staffed()
    w = s.world
    quarterly = make_body(
        w, "suishin", "other", ["consented_conference"], name="こまきつながる会議", frequency="quarterly"
    )
    idle = make_body(w, "kacho", "other", ["coordination"], name="課長会議")
    today = timezone.localdate()
    near = _meeting(quarterly, today + dt.timedelta(days=40))
    far = _meeting(quarterly, today + dt.timedelta(days=300))
    beyond = _meeting(quarterly, today + dt.timedelta(days=400))
    past = _meeting(quarterly, today - dt.timedelta(days=3))
    login_client(client, w.coordinator)
    upcoming = _section(client.get(URL).content.decode(), "upcoming")
    body_part = upcoming.split(quarterly.name, 1)[1].split(idle.name, 1)[0]
    assert f"/meetings/{near.pk}/" in body_part and f"/meetings/{far.pk}/" in body_part
    assert f"/meetings/{beyond.pk}/" not in upcoming and f"/meetings/{past.pk}/" not in upcoming
    assert "予定された会議はありません" in upcoming.split(idle.name, 1)[1]


def test_past_sittings_by_fiscal_year_link_to_their_minutes(client):
    s = staffed()
    body = make_body(
        s.world, "scrum", "confidential_conference", ["confidential_conference"], name="スクラムネット"
    )
    today = timezone.localdate()
    this_fy = fiscal_year(today)
    recent = sitting(body, starts=dt.timedelta(days=-1))
    last_year = _meeting(body, dt.date(this_fy - 1, 10, 15))
    coming = _meeting(body, today + dt.timedelta(days=20))
    login_client(client, s.world.coordinator)
    past = _section(client.get(URL).content.decode(), "past")
    assert fiscal_year_label(this_fy) in past
    assert f"/meetings/{recent.pk}/minutes/" in past and f"/meetings/{recent.pk}/minutes.pdf" in past
    assert f"/meetings/{last_year.pk}/" not in past and f"/meetings/{coming.pk}/" not in past
    # The earlier 年度 is offered and lists its sittings.
    assert f"fy={this_fy - 1}#past" in past
    earlier = _section(client.get(URL, {"fy": str(this_fy - 1)}).content.decode(), "past")
    assert (
        f"{fiscal_year_label(this_fy - 1)}の開催済み"
        in client.get(URL, {"fy": str(this_fy - 1)}).content.decode()
    )
    assert f"/meetings/{last_year.pk}/minutes/" in earlier and f"/meetings/{recent.pk}/" not in earlier


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"year": "2025", "month": "13"}, "月は1から12の半角数字で指定してください。"),
        ({"year": "²", "month": "4"}, "年は半角数字の西暦（例: 2025）で指定してください。"),
        ({"year": "２０２５"}, "年は半角数字の西暦（例: 2025）で指定してください。"),
        ({"year": "1999"}, "年は2000年から2100年の間で指定してください。"),
        ({"month": "0"}, "月は1から12の半角数字で指定してください。"),
        ({"fy": "99999999999999999999999"}, "年度: "),
        ({"month": "x\x00"}, "月は1から12の半角数字で指定してください。"),
    ],
)
def test_bad_query_values_get_a_japanese_message_and_this_month(client, query, message):
    s = staffed()
    login_client(client, s.world.coordinator)
    r = client.get(URL, query)
    page = r.content.decode()
    assert r.status_code == 200
    problems = page.split('id="calendar-problems"', 1)[1].split("</div>", 1)[0]
    assert message in problems and "今月の予定を表示しています" in problems
    assert f"{timezone.localdate().month}月の会議" in _section(page, "month")


def test_anonymous_is_sent_to_login(client):
    r = client.get(URL, {"year": "2025", "month": "13"})
    assert r.status_code == 302 and "login" in r["Location"]
