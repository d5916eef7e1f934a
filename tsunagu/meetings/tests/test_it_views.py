"""The meeting screens: the gates hold on the page (nothing of an item before acknowledgement or for a
member not selected), the .ics carries no case, and a decision posted on the item page moves the plan."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import login_client
from tsunagu.access.models import AuditEvent
from tsunagu.cases.models import PlanStatus
from tsunagu.meetings import actions
from tsunagu.meetings.models import Meeting

from .helpers import consent_for_conference, make_body, sitting, staffed

pytestmark = pytest.mark.django_db


def _setup():
    s = staffed()
    w = s.world
    body = make_body(
        w,
        "scrum",
        "confidential_conference",
        ["confidential_conference"],
        member_selection="per_case",
        name="スクラムネット",
        monitoring_interval_days=60,
        closed=True,
    )
    m = sitting(body)
    item = actions.place_item(
        actor=w.coordinator,
        meeting=m,
        case=w.case,
        purpose="roles",
        minutes=20,
        function="confidential_conference",
        organizations=[w.orgs["unnamed"]],
    )
    actions.invite(actor=w.coordinator, meeting=m, staff=s.withdrawn)  # invited, but not for this case
    return s, m, item


def test_the_meeting_page_shows_nothing_of_an_item_before_the_acknowledgement(client):
    s, m, item = _setup()
    label = f"ケース {s.world.case.label}"
    login_client(client, s.unnamed)
    page = client.get(reverse("meetings:detail", args=[m.pk])).content.decode()
    assert "スクラムネット" in page and "守秘義務を確認する" in page and label not in page
    assert client.get(reverse("meetings:item", args=[item.pk])).status_code == 404
    r = client.post(reverse("meetings:acknowledge", args=[m.pk]), {})
    assert r.status_code == 200 and "確認のチェックを入れてください" in r.content.decode()
    client.post(reverse("meetings:acknowledge", args=[m.pk]), {"agree": "on"})
    assert label in client.get(reverse("meetings:detail", args=[m.pk])).content.decode()
    assert client.get(reverse("meetings:item", args=[item.pk])).status_code == 200
    event = AuditEvent.objects.filter(actor_id=s.unnamed.pk, view_name="meetings:item").latest("seq")
    assert "第106条の6" in event.reason


def test_a_member_not_selected_sees_no_item_on_any_page(client):
    s, m, item = _setup()
    login_client(client, s.withdrawn)
    client.post(reverse("meetings:acknowledge", args=[m.pk]), {"agree": "on"})
    for name in ("meetings:detail", "meetings:minutes"):
        page = client.get(reverse(name, args=[m.pk])).content.decode()
        assert s.world.case.label not in page and "表示できる議題はありません" in page
    assert client.get(reverse("meetings:item", args=[item.pk])).status_code == 404


def test_the_ics_file_names_the_body_and_time_and_no_case(client):
    s, m, _item = _setup()
    login_client(client, s.withdrawn)
    r = client.get(reverse("meetings:ics", args=[m.pk]))
    text = r.content.decode()
    assert r["Content-Type"].startswith("text/calendar")
    assert "SUMMARY:スクラムネット" in text and "CLASS:CONFIDENTIAL" in text
    assert f"DTSTART:{m.starts_at.astimezone(dt.UTC):%Y%m%dT%H%M%S}Z" in text
    assert s.world.case.label not in text and s.world.case.title not in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_a_decision_on_the_item_page_sets_the_next_monitoring_date(client):
    s, _m, item = _setup()
    login_client(client, s.world.coordinator)
    r = client.post(
        reverse("meetings:decide", args=[item.pk]),
        {"decision-kind": "monitoring", "decision-note": "2か月後に確認"},
    )
    assert r.status_code == 302
    page = client.get(reverse("meetings:item", args=[item.pk])).content.decode()
    expected = timezone.localtime(item.meeting.starts_at).date() + dt.timedelta(days=60)
    plan = s.world.case.plans.exclude(status=PlanStatus.SUPERSEDED).order_by("-version_no")[0]
    assert plan.monitoring_on == expected and "次回モニタリング日を決める" in page


def test_an_ad_hoc_call_by_a_role_the_city_does_not_allow_changes_nothing(client):
    s = staffed()
    body = make_body(
        s.world,
        "kinkyu",
        "internal",
        ["coordination"],
        name="緊急会議",
        emergency=True,
        ad_hoc_callers=["manager"],
    )
    login_client(client, s.team)
    before = Meeting.objects.count()
    r = client.post(
        reverse("meetings:call"),
        {
            "body": body.pk,
            "kind": "emergency",
            "starts_at": (timezone.localtime() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "minutes": "60",
            "reason": "対応困難な事例",
        },
    )
    assert r.status_code == 200 and "招集できる役割ではありません" in r.content.decode()
    assert Meeting.objects.count() == before


def test_the_calendar_uses_the_citys_own_body_names(client):
    s = staffed()
    body = make_body(
        s.world,
        "suishin",
        "other",
        ["consented_conference"],
        name="こまきつながる会議",
        frequency="quarterly",
    )
    consent_for_conference(s.world, [s.world.orgs["team"]])
    login_client(client, s.world.coordinator)
    r = client.post(reverse("meetings:generate"), {"body": body.pk, "year": str(timezone.localdate().year)})
    assert r.status_code == 302 and Meeting.objects.filter(body=body).count() == 4
    page = client.get(reverse("meetings:calendar")).content.decode()
    assert "こまきつながる会議" in page


def test_the_minutes_print_as_a_pdf_with_the_decisions_and_the_collect_notice(client):
    import io
    import re

    import pypdf

    s, m, item = _setup()
    from tsunagu.meetings.decisions import decide

    decide(actor=s.world.coordinator, item=item, kind="note", note="社協が初回訪問を担当")
    login_client(client, s.world.coordinator)
    r = client.get(reverse("meetings:minutes_pdf", args=[m.pk]))
    assert r["Content-Type"] == "application/pdf"
    text = "".join(re.sub(r"\s+", "", p.extract_text()) for p in pypdf.PdfReader(io.BytesIO(r.content)).pages)
    assert "議事録スクラムネット" in text and f"ケース{s.world.case.label}" in text
    assert "社協が初回訪問を担当" in text and "【回収】" in text
    event = AuditEvent.objects.filter(actor_id=s.world.coordinator.pk, action="print").latest("seq")
    assert ["agenda_item", item.pk] in event.objects_json and "第106条の6" in event.reason
    # A member not selected prints the sitting without the item.
    login_client(client, s.withdrawn)
    r = client.get(reverse("meetings:minutes_pdf", args=[m.pk]))
    text = "".join(re.sub(r"\s+", "", p.extract_text()) for p in pypdf.PdfReader(io.BytesIO(r.content)).pages)
    assert s.world.case.label not in text and "社協が初回訪問を担当" not in text
