"""The dashboard and the daily digest: what is due or overdue, per coordinator and per organization,
listing only cases the reader may see."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.factories import login_client
from tsunagu.cases import actions
from tsunagu.cases.management.commands.case_digest import build_digests
from tsunagu.cases.models import PlanAction, SupportPlan

from .helpers import SECRET, consent_input, make_world, plan_input
from .pages import last_event, off_team_worker, team_worker, unconsented_worker, url

pytestmark = pytest.mark.django_db


def with_due_items(w):
    today = timezone.localdate()
    PlanAction.objects.filter(plan=w.plan).update(due_on=today - dt.timedelta(days=1))
    SupportPlan.objects.filter(pk=w.plan.pk).update(monitoring_on=today + dt.timedelta(days=3))
    actions.record_consent(
        actor=w.coordinator,
        case=w.case,
        data=consent_input(w.p1, [w.orgs["team"]], expires_on=today + dt.timedelta(days=10)),
    )
    # City B has something due too; nobody in city A may hear of it.
    b_plan = actions.save_plan(
        actor=w.other.coordinator, case=w.other_case, data=plan_input("B", w.other.agency_org)
    )
    SupportPlan.objects.filter(pk=b_plan.pk).update(monitoring_on=today)
    return today


def test_digest_lists_each_recipients_visible_cases_only():
    w = make_world()
    today = with_due_items(w)
    digests = build_digests(today)
    coord_lists, coord_text = digests[w.coordinator]
    assert {i.kind for i in coord_lists.coordinator} == {"monitoring", "action_due", "consent_expiry"}
    assert all(i.case == w.case for i in coord_lists.coordinator)
    assert "【期限切れ】" in coord_text and f"ケース {w.case.label}" in coord_text
    team_lists, team_text = digests[team_worker(w)]
    assert team_lists.coordinator == []
    assert {i.kind for i in team_lists.organization} == {"action_due", "consent_expiry"}
    assert "地域包括支援センター" in team_text
    for outsider in (
        off_team_worker(w),
        unconsented_worker(w),
        w.city.window_worker,
        w.city.auditor,
        w.city.manager,
    ):
        assert outsider not in digests
    b_lists, _ = digests[w.other.coordinator]
    assert {i.case for i in b_lists.coordinator} == {w.other_case}
    for _lists, text in digests.values():
        assert SECRET not in text and w.p1.family_name not in text  # no names in a text that may be mailed
    # Each digest is audited as a system read of the cases it lists.
    event = last_event()
    assert event.channel == "system" and event.action == "list"


def test_withdrawal_removes_the_case_from_the_organizations_digest():
    w = make_world()
    today = with_due_items(w)
    for consent in w.case.consents.filter(withdrawn_at__isnull=True):
        actions.withdraw_consent(actor=w.coordinator, consent=consent, note="撤回")
    digests = build_digests(today)
    assert team_worker(w) not in digests
    assert w.coordinator in digests  # the coordinator still holds the case


def test_suspended_and_closed_cases_have_nothing_due():
    w = make_world()
    today = with_due_items(w)
    actions.transition(actor=w.coordinator, case=w.case, version=w.case.version, to="suspended", note="入院")
    assert w.coordinator not in build_digests(today)


def test_command_prints_a_text_per_recipient_and_checks_the_date():
    w = make_world()
    today = with_due_items(w)
    out = StringIO()
    call_command("case_digest", "--date", today.isoformat(), stdout=out)
    text = out.getvalue()
    assert text.count("つなぐ 日次のお知らせ") == 3  # A coordinator, A team worker, B coordinator
    assert "3 人分のお知らせ" in text
    # A date far ahead: the action due date and the monitoring date are overdue by then.
    out = StringIO()
    call_command("case_digest", "--date", (today + dt.timedelta(days=100)).isoformat(), stdout=out)
    assert "【期限切れ】" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("case_digest", "--date", "2025-13-45")


def test_dashboard_shows_mine_and_my_organizations_items(client):
    w = make_world()
    with_due_items(w)
    login_client(client, w.coordinator)
    body = client.get(url("cases:dashboard")).content.decode()
    assert "束ね役として担当するケース" in body and "モニタリング予定日" in body and "期限切れ" in body
    assert url("cases:detail", w.case.pk) in body and url("cases:detail", w.other_case.pk) not in body
    assert ["case", w.case.pk] in last_event().objects_json
    login_client(client, team_worker(w))
    body = client.get(url("cases:dashboard")).content.decode()
    assert "束ね役として担当するケース" not in body
    assert "支援の期限" in body and "同意の有効期限" in body and url("cases:detail", w.case.pk) in body
    login_client(client, off_team_worker(w))
    body = client.get(url("cases:dashboard")).content.decode()
    assert url("cases:detail", w.case.pk) not in body and "期限の近いものはありません" in body
    login_client(client, w.other.coordinator)
    body = client.get(url("cases:dashboard")).content.decode()
    assert url("cases:detail", w.case.pk) not in body and url("cases:detail", w.other_case.pk) in body
