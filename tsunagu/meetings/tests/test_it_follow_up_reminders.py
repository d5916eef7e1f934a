"""Reminders to those responsible for decisions: a decision's follow-up date reaches the responsible
organization and the case's 束ね役 (screen and `meeting_reminders`), until one of them marks it done;
nobody else, no other city."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.factories import login_client
from tsunagu.access.models import AuditEvent
from tsunagu.meetings import actions
from tsunagu.meetings.actions import MeetingError
from tsunagu.meetings.decisions import decide
from tsunagu.meetings.management.commands.meeting_reminders import build_reminders

from .helpers import make_body, sitting, staffed

pytestmark = pytest.mark.django_db


def _decided(days: int = 3):
    s = staffed()
    w = s.world
    body = make_body(w, "team", "internal", ["coordination"], name="担当者会議", member_selection="per_case")
    m = sitting(body)
    item = actions.place_item(
        actor=w.coordinator,
        meeting=m,
        case=w.case,
        purpose="roles",
        minutes=15,
        function="coordination",
        organizations=[w.orgs["unnamed"]],
    )
    d = decide(
        actor=w.coordinator,
        item=item,
        kind="note",
        note="社協が家庭訪問して生活状況を確認する",
        responsible=w.orgs["unnamed"],
        follow_up_on=timezone.localdate() + dt.timedelta(days=days),
    )
    return s, d


def test_a_follow_up_needs_a_responsible_organization_and_a_day_from_the_meeting_on():
    s = staffed()
    w = s.world
    body = make_body(w, "team", "internal", ["coordination"], name="担当者会議")
    item = actions.place_item(
        actor=w.coordinator,
        meeting=sitting(body),
        case=w.case,
        purpose="roles",
        minutes=15,
        function="coordination",
        organizations=[w.orgs["unnamed"]],
    )
    for kwargs in (
        {"follow_up_on": timezone.localdate()},
        {"follow_up_on": timezone.localdate() - dt.timedelta(days=30), "responsible": w.orgs["unnamed"]},
    ):
        with pytest.raises(MeetingError, match="対応の期限"):
            decide(actor=w.coordinator, item=item, kind="note", note="x", **kwargs)
    assert not item.decisions.exists()


def test_the_responsible_agency_and_the_coordinator_are_reminded_until_it_is_done(client):
    s, d = _decided()
    w = s.world
    today = timezone.localdate()
    texts = {staff.pk: text for staff, (_r, text) in build_reminders(today).items()}
    assert f"ケース {w.case.label}" in texts[w.coordinator.pk]
    # The responsible organization's worker is reminded; a team member who is not responsible is not.
    assert f"ケース {w.case.label}" in texts[s.unnamed.pk]
    assert s.team.pk not in texts and w.other.coordinator.pk not in texts
    assert "家庭訪問" not in texts[w.coordinator.pk]  # case numbers and dates only
    later = {staff.pk: text for staff, (_r, text) in build_reminders(today + dt.timedelta(days=10)).items()}
    assert "【期限切れ】" in later[w.coordinator.pk]
    login_client(client, w.coordinator)
    page = client.get(reverse("meetings:todo")).content.decode()
    assert "社協が家庭訪問して生活状況を確認する" in page and "社会福祉協議会" in page
    client.post(reverse("meetings:follow_up_done", args=[d.pk]))
    d.refresh_from_db()
    assert d.followed_up_by == w.coordinator
    assert "家庭訪問" not in client.get(reverse("meetings:todo")).content.decode()
    assert w.coordinator.pk not in {st.pk for st in build_reminders(today)}
    assert AuditEvent.objects.filter(
        action="update", actor_id=w.coordinator.pk, detail__followed_up=True
    ).exists()


def test_each_persona_on_the_follow_up_screens(client):
    s, d = _decided()
    w = s.world
    todo, done = reverse("meetings:todo"), reverse("meetings:follow_up_done", args=[d.pk])
    assert "login" in client.get(todo)["Location"] and client.post(done).status_code == 302
    login_client(client, w.other.coordinator)
    assert w.case.label not in client.get(todo).content.decode()
    assert client.post(done).status_code == 404
    login_client(client, s.team)  # on the team, but neither responsible nor the 束ね役
    assert "家庭訪問" not in client.get(todo).content.decode()
    assert client.post(done).status_code == 404
    d.refresh_from_db()
    assert d.followed_up_at is None


def test_the_command_prints_the_reminders_and_refuses_a_bad_date(capsys):
    _decided()
    call_command("meeting_reminders", "--date", timezone.localdate().isoformat())
    assert "人分のお知らせを作成しました" in capsys.readouterr().out
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("meeting_reminders", "--date", "2026-02-30")
