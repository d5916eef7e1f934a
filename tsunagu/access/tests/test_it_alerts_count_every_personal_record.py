"""Issue 9 A6: the read-volume alert counts every personal record a read showed, not households only.

A household or case page counts as that one record (its members are part of it); a read without a household
or case — the side-by-side 名寄せ comparison, a consultation — counts each person and record it showed.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_household, make_person, make_personas
from tsunagu.access import audit
from tsunagu.access.alerts import read_volume_alerts, subjects
from tsunagu.access.models import AuditAlertSetting
from tsunagu.people.models import Relationship

pytestmark = pytest.mark.django_db


@pytest.fixture
def p():
    return make_personas()


def _alerts(p):
    now = timezone.now()
    return read_volume_alerts(p.city_a.pk, now - dt.timedelta(days=1), now + dt.timedelta(seconds=1))


def test_forty_side_by_side_comparisons_raise_an_alert(client, p):
    """The probe's case: 40 名寄せ comparisons (80 full identities) within the hour, through the real screen."""
    persons = [make_person(p.city_a, "試験", f"{i:02d}", given_kana="シケン") for i in range(80)]
    client.force_login(p.window_worker)
    for i in range(40):
        response = client.get(reverse("people:compare", args=[persons[2 * i].pk, persons[2 * i + 1].pk]))
        assert response.status_code == 200 and "試験" in response.content.decode()
    # Past the default limit of 30 at the 16th comparison (32 persons); counting restarts, and the next
    # 24 comparisons (48 persons) are a second burst.
    alerts = _alerts(p)
    assert [(a.username, a.records, a.breakdown) for a in alerts] == [
        (p.window_worker.username, 32, "個人 32"),
        (p.window_worker.username, 32, "個人 32"),
    ]
    assert alerts[0].by_kind == {"person": 32}

    client.force_login(p.auditor)
    body = client.get(reverse("access:alerts")).content.decode()
    rows = body.split("<tbody>")[1].split("</tbody>")[0]
    assert rows.count(p.window_worker.username) == 2 and "個人 32" in rows


def test_forty_person_reads_raise_an_alert_and_thirty_do_not(p):
    for i in range(30):
        audit.record(actor=p.coordinator, action="view", objects=[("person", 1000 + i)])
    assert _alerts(p) == []
    for i in range(30, 40):
        audit.record(actor=p.coordinator, action="view", objects=[("person", 1000 + i)])
    [alert] = _alerts(p)
    assert alert.username == p.coordinator.username and alert.records == 31


@pytest.mark.parametrize(
    "objects",
    [
        [("consultation", 1)],
        [("escalation_request", 1)],
        [("case", 1), ("support_plan", 2), ("person", 3)],  # a printed case form: the case
        [("some_kind_added_tomorrow", 1)],
    ],
)
def test_every_personal_kind_counts(p, objects):
    AuditAlertSetting.objects.create(municipality=p.city_a, hourly_household_limit=5)
    for i in range(6):
        audit.record(actor=p.window_worker, action="print", objects=[(k, pk + 100 * i) for k, pk in objects])
    [alert] = _alerts(p)
    assert alert.records == 6 and alert.by_kind == {objects[0][0]: 6}


def test_staff_accounts_and_audit_rows_are_not_personal_records(p):
    AuditAlertSetting.objects.create(municipality=p.city_a, hourly_household_limit=5)
    for i in range(10):
        audit.record(actor=p.auditor, action="view", objects=[("staff", i + 1), ("audit_event", i + 1)])
        audit.record(actor=p.auditor, action="view", objects=[("break_glass", i + 1)])
    assert _alerts(p) == []


def test_a_household_page_counts_once_with_its_members(client, p):
    """Twenty looks at one five-person household is one record, not a hundred; thirty-one households are
    an alert however few members each has."""
    members = [
        (make_person(p.city_a, "世帯", str(i)), Relationship.HEAD if i == 0 else Relationship.CHILD)
        for i in range(5)
    ]
    household = make_household(p.city_a, *members)
    client.force_login(p.window_worker)
    for _ in range(20):
        assert client.get(reverse("people:household", args=[household.pk])).status_code == 200
    assert _alerts(p) == []
    assert subjects([("household", 1), ("person", 2), ("person", 3), ("consultation", 4)]) == [
        ("household", 1)
    ]
    assert subjects([("case", 7), ("household", 1), ("person", 2)]) == [("household", 1)]
    for i in range(31):
        audit.record(actor=p.window_worker, action="view", objects=[("household", 500 + i), ("person", 900)])
    [alert] = _alerts(p)
    assert alert.by_kind == {"household": 31}


def test_reads_spread_over_more_than_an_hour_are_not_an_alert(p):
    AuditAlertSetting.objects.create(municipality=p.city_a, hourly_household_limit=5)
    start = timezone.now() - dt.timedelta(hours=5)
    with time_machine.travel(start, tick=False) as traveller:
        for i in range(12):  # 12 persons, 3 every hour: never more than 5 in one hour
            audit.record(actor=p.window_worker, action="view", objects=[("person", i + 1)])
            traveller.shift(dt.timedelta(minutes=20))
    assert _alerts(p) == []
