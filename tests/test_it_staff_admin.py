"""Administrators reset MFA, disable accounts and change roles — audited, within their own city.
The staff screens in full: tsunagu/accounts/tests/test_it_administers_staff.py."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tsunagu.access.models import AuditEvent

from .factories import make_personas, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def p():
    return make_personas()


def test_anonymous_and_other_roles_cannot_manage_staff(client, p):
    assert client.get(reverse("accounts:staff_list"))["Location"].startswith("/accounts/login/")
    for who in (p.window_worker, p.auditor, p.manager):
        client.force_login(who)
        assert client.get(reverse("accounts:staff_list")).status_code == 403
        assert client.post(reverse("accounts:staff_reset_mfa", args=[p.coordinator.pk])).status_code == 403
    assert TOTPDevice.objects.filter(user=p.coordinator).exists()


def test_administrator_of_another_city_gets_404(client, p):
    admin_b = make_staff(p.city_b, "administrator", p.org_b)
    client.force_login(admin_b)
    assert client.post(reverse("accounts:staff_reset_mfa", args=[p.coordinator.pk])).status_code == 404
    assert p.coordinator.username not in client.get(reverse("accounts:staff_list")).content.decode()


def test_mfa_reset_is_audited_and_forces_re_enrolment(client, p):
    client.force_login(p.administrator)
    assert p.coordinator.username in client.get(reverse("accounts:staff_list")).content.decode()
    response = client.post(reverse("accounts:staff_reset_mfa", args=[p.coordinator.pk]))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=p.coordinator).exists()
    event = AuditEvent.objects.get(action="mfa_reset")
    assert event.actor == p.administrator and event.objects_list == [("staff", p.coordinator.pk)]


def test_disable_and_role_change(client, p):
    client.force_login(p.administrator)
    client.post(reverse("accounts:staff_set_active", args=[p.window_worker.pk]), {"active": "0"})
    client.post(
        reverse("accounts:staff_assign", args=[p.agency_worker.pk]),
        {"organization": p.agency_a.pk, "role": "coordinator", "version": 1},
    )
    p.window_worker.refresh_from_db()
    p.agency_worker.refresh_from_db()
    assert not p.window_worker.is_active and p.agency_worker.role == "coordinator"
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {"account_disabled", "role_changed"}
    # Not on oneself.
    client.post(reverse("accounts:staff_set_active", args=[p.administrator.pk]), {"active": "0"})
    p.administrator.refresh_from_db()
    assert p.administrator.is_active


def test_initial_password_is_shown_once_and_must_be_changed(client, p):
    client.force_login(p.administrator)
    client.post(reverse("accounts:staff_initial_password", args=[p.window_worker.pk]))
    detail = reverse("accounts:staff_detail", args=[p.window_worker.pk])
    body = client.get(detail).content.decode()
    assert 'id="issued-password"' in body
    assert 'id="issued-password"' not in client.get(detail).content.decode()
    p.window_worker.refresh_from_db()
    assert p.window_worker.must_change_password
