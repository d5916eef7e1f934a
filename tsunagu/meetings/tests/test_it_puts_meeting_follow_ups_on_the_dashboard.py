"""Meetings' due items on the cases dashboard (cases' due-source registry): a decision's follow-up reaches
the dashboard of the responsible organization's staff and the case's 束ね役, overdue first, with counts;
a closure review set by a decision reaches the 束ね役; anyone else sees neither the item nor a count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import login_client
from tsunagu.access.models import AuditEvent
from tsunagu.cases.due import due_for, due_sources
from tsunagu.core.wareki import wareki
from tsunagu.meetings import actions
from tsunagu.meetings.actions import MeetingError
from tsunagu.meetings.decisions import decide
from tsunagu.meetings.models import Decision

from .helpers import make_body, sitting, staffed

pytestmark = pytest.mark.django_db

DASHBOARD = "/cases/dashboard/"


def _world():
    s = staffed()
    w = s.world
    body = make_body(w, "team", "internal", ["coordination"], name="担当者会議", member_selection="per_case")
    item = actions.place_item(
        actor=w.coordinator,
        meeting=sitting(body),
        case=w.case,
        purpose="roles",
        minutes=15,
        function="coordination",
        organizations=[w.orgs["unnamed"]],
    )
    today = timezone.localdate()
    soon = decide(
        actor=w.coordinator,
        item=item,
        kind="note",
        note="社協が家庭訪問して生活状況を確認する",
        responsible=w.orgs["unnamed"],
        follow_up_on=today + dt.timedelta(days=3),
    )
    late = decide(
        actor=w.coordinator,
        item=item,
        kind="note",
        note="社協が通帳の管理について本人と話す",
        responsible=w.orgs["unnamed"],
        follow_up_on=today + dt.timedelta(days=1),
    )
    # Overdue by now: moved back as if the day had passed (decide refuses a day before the sitting).
    Decision.objects.filter(pk=late.pk).update(follow_up_on=today - dt.timedelta(days=2))
    return s, item, soon, late


def test_the_registry_holds_the_meetings_sources():
    assert {s.key for s in due_sources()} >= {
        "meetings.follow_up",
        "meetings.part",
        "meetings.closure_review",
    }


def test_the_responsible_staff_see_the_follow_ups_overdue_first_and_counted(client):
    assert reverse("cases:dashboard") == DASHBOARD
    s, _item, soon, late = _world()
    w = s.world
    today = timezone.localdate()
    for who in (s.unnamed, w.coordinator):
        login_client(client, who)
        page = client.get(DASHBOARD).content.decode()
        section = page.split('id="due-sources"', 1)[1]
        assert "会議で決まった対応: " in section and "期限切れ 1件" in section and "7日以内 1件" in section
        # Overdue first, each with its date and the link to act on it.
        assert section.index("通帳の管理") < section.index("家庭訪問")
        assert (
            wareki(today - dt.timedelta(days=2)) in section
            and wareki(today + dt.timedelta(days=3)) in section
        )
        assert (
            f"/meetings/todo/#decision-{late.pk}" in section
            and f"/meetings/todo/#decision-{soon.pk}" in section
        )
        assert f"ケース {w.case.label}" in section
        event = AuditEvent.objects.filter(actor_id=who.pk, detail__kind="case_dashboard").latest("seq")
        assert ["case", w.case.pk] in event.objects_json
    # What the dashboard shows, named for its audit row.
    shown = due_for(s.unnamed, today).audit_objects()
    assert {("decision", soon.pk), ("decision", late.pk), ("case", w.case.pk)} <= set(shown)


def test_others_see_neither_the_item_nor_a_count(client):
    s, _item, _soon, _late = _world()
    w = s.world
    for who in (s.team, s.off, w.other.coordinator):  # on the team but not responsible; off; other city
        login_client(client, who)
        page = client.get(DASHBOARD).content.decode()
        assert 'id="due-sources"' not in page and "会議で決まった対応" not in page
        assert "家庭訪問" not in page and "期限切れ 1件" not in page
        assert not due_for(who, timezone.localdate()).sections


def test_done_follow_ups_leave_the_dashboard():
    s, _item, soon, late = _world()
    Decision.objects.filter(pk__in=[soon.pk, late.pk]).update(followed_up_at=timezone.now())
    assert not due_for(s.unnamed, timezone.localdate()).sections


def test_a_closure_review_set_by_a_decision_reaches_the_coordinator_only(client):
    s, item, _soon, _late = _world()
    w = s.world
    today = timezone.localdate()
    with pytest.raises(MeetingError, match="終結の見直し予定日"):
        decide(
            actor=w.coordinator,
            item=item,
            kind="note",
            note="x",
            closure_review_on=today - dt.timedelta(days=5),
        )
    decide(
        actor=w.coordinator,
        item=item,
        kind="note",
        note="三か月後に終結を検討する",
        closure_review_on=today + dt.timedelta(days=5),
    )
    login_client(client, w.coordinator)
    section = client.get(DASHBOARD).content.decode().split('id="due-sources"', 1)[1]
    assert "終結の見直し（会議の決定）: 7日以内 1件" in section
    assert reverse("meetings:item", args=[item.pk]) in section
    login_client(client, s.unnamed)
    assert "終結の見直し" not in client.get(DASHBOARD).content.decode()


def test_the_daily_case_digest_leaves_the_sources_to_their_own_reminders():
    from tsunagu.cases.management.commands.case_digest import build_digests

    s, _item, _soon, _late = _world()
    digests = {staff.pk: text for staff, (_l, text) in build_digests(timezone.localdate()).items()}
    assert s.unnamed.pk not in digests  # only meetings' follow-ups: `meeting_reminders` names them
