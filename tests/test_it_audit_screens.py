"""Audit screens for auditors: log with filters, read-volume alerts; and the fail-closed rule."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from tsunagu.access import audit
from tsunagu.access.alerts import read_volume_alerts
from tsunagu.access.models import AuditAlertSetting, AuditEvent

from .factories import make_personas

pytestmark = pytest.mark.django_db
URL = "/access/audit/"


@pytest.fixture
def p():
    return make_personas()


def test_anonymous_goes_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", ["window_worker", "coordinator", "agency_worker", "manager", "administrator"])
def test_only_auditors_may_open_it(client, p, who):
    client.force_login(getattr(p, who))
    assert client.get(URL).status_code == 403
    assert client.get(reverse("access:alerts")).status_code == 403


def test_auditor_of_another_city_sees_none_of_city_a(client, p):
    audit.record(actor=p.window_worker, action="view", objects=[("household", 4242)], reason="A市の記録")
    auditor_b = __import__("tests.factories", fromlist=["make_staff"]).make_staff(
        p.city_b, "auditor", p.org_b, username="b-auditor"
    )
    client.force_login(auditor_b)
    response = client.get(URL)
    assert response.status_code == 200
    assert "A市の記録" not in response.content.decode()


def test_auditor_filters_by_person_user_organization_period_and_kind(client, p):
    audit.record(actor=p.window_worker, action="view", objects=[("person", 11)], reason="窓口の閲覧")
    audit.record(actor=p.agency_worker, action="update", objects=[("person", 12)], reason="機関の更新")
    client.force_login(p.auditor)
    body = client.get(URL).content.decode()
    assert "窓口の閲覧" in body and "機関の更新" in body
    body = client.get(URL, {"obj_type": "person", "obj_id": 11}).content.decode()
    assert "窓口の閲覧" in body and "機関の更新" not in body
    body = client.get(URL, {"actor": p.agency_worker.pk}).content.decode()
    assert "窓口の閲覧" not in body and "機関の更新" in body
    body = client.get(URL, {"organization": p.agency_a.pk}).content.decode()
    assert "窓口の閲覧" not in body and "機関の更新" in body
    body = client.get(URL, {"action": "update"}).content.decode()
    assert "窓口の閲覧" not in body and "機関の更新" in body
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    body = client.get(URL, {"date_from": tomorrow}).content.decode()
    assert "窓口の閲覧" not in body and "機関の更新" not in body
    # Reading the audit log is itself recorded.
    assert AuditEvent.objects.filter(actor=p.auditor, action="list").count() == 6


def test_a_request_whose_audit_write_fails_shows_an_error_and_no_data(client, p):
    audit.record(actor=p.window_worker, action="view", objects=[("person", 11)], reason="秘密の理由SENTINEL")
    client.force_login(p.auditor)
    client.raise_request_exception = False
    with mock.patch.object(AuditEvent, "save", side_effect=DatabaseError("disk full")):
        response = client.get(URL)
    assert response.status_code == 500
    assert "SENTINEL" not in response.content.decode()


def test_read_volume_alert_fires_above_the_city_limit(client, p):
    AuditAlertSetting.objects.create(municipality=p.city_a, hourly_household_limit=5)
    start = timezone.now() - dt.timedelta(hours=3)
    with time_machine.travel(start, tick=False) as traveller:
        for i in range(6):  # 6 households in 30 minutes: over the limit of 5
            audit.record(actor=p.window_worker, action="view", objects=[("household", i + 1)])
            traveller.shift(dt.timedelta(minutes=5))
        for i in range(5):  # the coordinator opens 5 spread over 2 hours: not an alert
            audit.record(actor=p.coordinator, action="view", objects=[("household", i + 1)])
            traveller.shift(dt.timedelta(minutes=25))
    found = read_volume_alerts(p.city_a.pk, start - dt.timedelta(hours=1), timezone.now())
    assert [(a.username, a.records) for a in found] == [(p.window_worker.username, 6)]
    client.force_login(p.auditor)
    body = client.get(reverse("access:alerts")).content.decode()
    assert p.window_worker.username in body and p.coordinator.username not in body.split("<table>")[1]


def test_the_limit_is_per_city_and_auditors_set_it(client, p):
    client.force_login(p.auditor)
    response = client.post(reverse("access:alert_threshold"), {"limit": 12})
    assert response.status_code == 302
    assert AuditAlertSetting.objects.get(municipality=p.city_a).hourly_household_limit == 12
    assert not AuditAlertSetting.objects.filter(municipality=p.city_b).exists()
    client.force_login(p.window_worker)
    assert client.post(reverse("access:alert_threshold"), {"limit": 1000}).status_code == 403
