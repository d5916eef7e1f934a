"""The intake form is where a window worker lands (issue 8 A6/A16): above the form, one line of counts of
the window's own open work — referrals received and waiting, overdue ones sent or received, its escalation
requests still 受付待ち — each linking to the list filtered to it. Counts only from the policies; another
organization's referrals are not counted."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import login_client, make_organization, make_staff
from tsunagu.access.models import AuditEvent
from tsunagu.accounts.models import Role
from tsunagu.intake import actions

from .helpers import make_city, record
from .referral_helpers import SECRET, make_overdue, send

pytestmark = pytest.mark.django_db


def panel(client) -> str:
    response = client.get(reverse("intake:new"))
    assert response.status_code == 200
    html = response.content.decode()
    found = re.search(r'<nav class="my-work[^"]*"[^>]*>(.*?)</nav>', html, re.S)
    return found.group(1) if found else ""


def test_the_receiving_window_sees_its_overdue_referral_where_it_lands(client):
    city = make_city()
    referral = make_overdue(send(city, record(city, city.window_worker, "consented")), days=2)
    login_client(client, city.agency_worker)
    events = AuditEvent.objects.count()
    text = panel(client)
    received = reverse("intake:referrals_received")
    assert f'href="{received}?view=open"' in text and "受けたつなぎ（対応中） 1件" in text
    assert f'href="{received}?view=overdue"' in text and "期限切れ 1件" in text
    # Counts name no one: no person, no reason, no audit row.
    assert SECRET not in text and referral.person.family_name not in text
    assert AuditEvent.objects.count() == events


def test_the_sending_window_sees_its_overdue_referral_and_pending_escalation(client):
    city = make_city()
    consultation = record(city, city.window_worker, "consented")
    make_overdue(send(city, consultation), days=2)
    actions.request_escalation(actor=city.window_worker, household=consultation.household, reason="相談")
    login_client(client, city.window_worker)
    text = panel(client)
    assert f'href="{reverse("intake:referrals_sent")}?view=overdue"' in text
    assert "送ったつなぎ 期限切れ 1件" in text
    assert f'href="{reverse("intake:escalations")}?status=pending"' in text
    assert "多機関協働へのつなぎ依頼（受付待ち） 1件" in text
    assert "受けたつなぎ" not in text  # nothing received
    # Another organization's window worker does not count this window's escalation request.
    client.logout()
    login_client(client, city.agency_worker)
    assert "多機関協働" not in panel(client)


def test_another_organization_sees_no_count_of_these_referrals(client):
    city = make_city()
    make_overdue(send(city, record(city, city.window_worker, "consented")), days=2)
    other = make_staff(city.muni, Role.WINDOW_WORKER, make_organization(city.muni, name="障害福祉課"))
    login_client(client, other)
    assert "つなぎ" not in panel(client)
