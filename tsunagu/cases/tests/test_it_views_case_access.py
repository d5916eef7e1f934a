"""Every case page: anonymous → login, other city → 404, manager/auditor → 403, off-team → 404,
team member with consent → 200 (coordinator-only pages: 403), and 404 once the consent is withdrawn."""

from __future__ import annotations

from unittest import mock

import pytest

from tests.factories import login_client
from tsunagu.cases import actions

from .helpers import SECRET, make_world
from .pages import (
    COORDINATOR_PAGES,
    TEAM_PAGES,
    last_event,
    off_team_worker,
    team_worker,
    unconsented_worker,
    url,
)

pytestmark = pytest.mark.django_db

ALL_PAGES = TEAM_PAGES + COORDINATOR_PAGES


@pytest.mark.parametrize("name", ALL_PAGES)
def test_anonymous_users_go_to_login(client, name):
    w = make_world()
    response = client.get(url(name, w.case.pk))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", ALL_PAGES)
def test_other_city_gets_404(client, name):
    w = make_world()
    login_client(client, w.other.coordinator)
    assert client.get(url(name, w.case.pk)).status_code == 404
    login_client(client, w.other.agency_worker)  # coordinator-only pages refuse the role first
    assert client.get(url(name, w.case.pk)).status_code == (404 if name in TEAM_PAGES else 403)


@pytest.mark.parametrize("who", ["auditor", "manager"])
@pytest.mark.parametrize("name", ALL_PAGES)
def test_roles_without_casework_get_403(client, name, who):
    w = make_world()
    login_client(client, getattr(w.city, who))
    response = client.get(url(name, w.case.pk))
    assert response.status_code == 403
    assert SECRET not in response.content.decode()


@pytest.mark.parametrize("name", ALL_PAGES)
def test_off_team_and_unconsented_workers_get_404(client, name):
    w = make_world()
    for staff in (off_team_worker(w), unconsented_worker(w), w.city.window_worker):
        login_client(client, staff)
        response = client.get(url(name, w.case.pk))
        assert response.status_code == (404 if name in TEAM_PAGES else 403), staff
        assert SECRET not in response.content.decode()


@pytest.mark.parametrize("name", TEAM_PAGES)
def test_team_member_with_consent_sees_the_page_and_the_read_is_audited(client, name):
    w = make_world()
    staff = team_worker(w)
    login_client(client, staff)
    response = client.get(url(name, w.case.pk))
    assert response.status_code == 200
    event = last_event()
    assert event.actor_id == staff.pk and event.action == "view"
    assert ["case", w.case.pk] in event.objects_json


@pytest.mark.parametrize("name", COORDINATOR_PAGES)
def test_coordinator_only_pages_refuse_team_members_and_open_for_the_coordinator(client, name):
    w = make_world()
    login_client(client, team_worker(w))
    assert client.get(url(name, w.case.pk)).status_code == 403
    login_client(client, w.coordinator)
    assert client.get(url(name, w.case.pk)).status_code == 200


@pytest.mark.parametrize("name", TEAM_PAGES)
def test_withdrawal_ends_the_team_members_access_at_once(client, name):
    w = make_world()
    staff = team_worker(w)
    login_client(client, staff)
    assert client.get(url(name, w.case.pk)).status_code == 200
    actions.withdraw_consent(actor=w.coordinator, consent=w.consents["active"], note="本人が撤回")
    response = client.get(url(name, w.case.pk))
    assert response.status_code == 404
    assert SECRET not in response.content.decode()


def test_missing_case_is_the_same_404(client):
    w = make_world()
    login_client(client, w.coordinator)
    assert client.get(url("cases:detail", 999999)).status_code == 404


def test_detail_shows_nothing_when_the_audit_record_cannot_be_written(client):
    w = make_world()
    login_client(client, w.coordinator)
    client.raise_request_exception = False
    with mock.patch("tsunagu.access.audit.AuditEvent.save", side_effect=RuntimeError("disk full")):
        response = client.get(url("cases:detail", w.case.pk))
    assert response.status_code == 500
    assert SECRET not in response.content.decode()


def test_detail_shows_the_sharing_panel_why_visible_and_the_plan_grid(client):
    w = make_world()
    login_client(client, team_worker(w))
    body = client.get(url("cases:detail", w.case.pk)).content.decode()
    assert "チーム（本人同意あり）" in body  # why_visible
    panel = body[body.index("今、共有できる機関") : body.index('id="consents"')]
    assert "地域包括支援センター" in panel and "共有できる" in panel
    assert "生活困窮者自立相談支援機関" in panel and "チーム外" in panel  # consented, not on the team
    assert "社会福祉協議会" in panel and "同意なし" in panel  # on the team, no consent
    # withdrawn and expired consents share nothing
    assert '<strong>障害者相談支援事業所</strong>（協力） <span class="tag tag-duty">同意なし' in panel
    assert f"目標 {SECRET}の支援" in body  # the plan grid
    # Status buttons are for the coordinator only.
    assert url("cases:transition", w.case.pk) not in body


def test_list_and_dashboard_matrix(client):
    w = make_world()
    assert client.get(url("cases:list")).status_code == 302
    assert client.get(url("cases:dashboard")).status_code == 302
    for who in (w.city.auditor, w.city.manager):
        login_client(client, who)
        assert client.get(url("cases:list")).status_code == 403
        assert client.get(url("cases:dashboard")).status_code == 403
    login_client(client, off_team_worker(w))
    body = client.get(url("cases:list") + "?scope=all&status=").content.decode()
    assert SECRET not in body
    login_client(client, w.other.coordinator)
    body = client.get(url("cases:list") + "?scope=all&status=").content.decode()
    assert SECRET not in body
    login_client(client, team_worker(w))
    body = client.get(url("cases:list") + "?scope=org").content.decode()
    assert SECRET in body
    assert last_event().action == "list"
    login_client(client, w.coordinator)
    body = client.get(url("cases:list") + "?scope=mine&status=closed").content.decode()
    assert SECRET not in body
    body = client.get(url("cases:list") + "?scope=mine&status=intake").content.decode()
    assert SECRET in body
