"""Root test hooks (apply to tests under tsunagu/ and tests/)."""

from __future__ import annotations

import itertools
import os

import pytest

_checkpoint_files = itertools.count()


@pytest.fixture(autouse=True)
def _own_audit_checkpoint_file(tmp_path_factory, monkeypatch):  # type: ignore[no-untyped-def]
    """Each test anchors its audit chain in a file of its own (never the developer's var/ file, whose
    checkpoints belong to the demo database), also for the `manage.py` processes it starts."""
    from django.conf import settings

    path = tmp_path_factory.getbasetemp() / f"audit-checkpoints-{os.getpid()}-{next(_checkpoint_files)}.log"
    monkeypatch.setattr(settings, "AUDIT_CHECKPOINT_FILE", str(path), raising=False)
    monkeypatch.setenv("TSUNAGU_AUDIT_CHECKPOINT_FILE", str(path))
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):  # type: ignore[no-untyped-def]
    # Transactional tests end with a flush; on SQLite the audit table's DELETE trigger would refuse it.
    # tsunagu.access.guard allows it for exactly that moment (PostgreSQL flushes with TRUNCATE).
    from tsunagu.access.guard import flush_allowed

    with flush_allowed():
        yield


def pytest_configure(config):  # type: ignore[no-untyped-def]
    _force_login_completes_mfa()


def _force_login_completes_mfa() -> None:
    """In tests, `client.force_login(user)` means "fully logged in": when the user has a confirmed TOTP
    device (tests.factories.make_staff gives one by default) the session is marked MFA-verified too.
    Tests of the login and MFA flow itself post to the real forms and are not affected."""
    from django.test.client import ClientMixin

    original = ClientMixin.force_login
    if getattr(original, "tsunagu_mfa", False):
        return

    def force_login(self, user, backend=None):  # type: ignore[no-untyped-def]
        original(self, user, backend)
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None:
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    force_login.tsunagu_mfa = True  # type: ignore[attr-defined]
    ClientMixin.force_login = force_login  # type: ignore[method-assign]
