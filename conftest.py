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


@pytest.fixture(autouse=True)
def _as_the_application_role(request):  # type: ignore[no-untyped-def]
    """TSUNAGU_TEST_APP_ROLE=<role> (PostgreSQL): every database test runs as that role — granted exactly
    what `manage.py grant_app_role` grants in production (INSERT-only on the audit log) — instead of the
    superuser that created the test database. A module that needs the owner's rights on purpose (dropping
    the audit triggers to prove tampering is found) sets NEEDS_DB_OWNER = True and runs as the owner."""
    role = os.environ.get("TSUNAGU_TEST_APP_ROLE", "")
    marker = request.node.get_closest_marker("django_db")
    if not role or marker is None or getattr(request.module, "NEEDS_DB_OWNER", False):
        yield
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    from tsunagu.access.dbroles import grant_app_role

    quoted = connection.ops.quote_name(role)
    with connection.cursor() as cur:
        cur.execute(
            f"DO $$ BEGIN CREATE ROLE {quoted} NOLOGIN; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        )
    assert grant_app_role(role).insert_only
    with connection.cursor() as cur:
        cur.execute(f"SET ROLE {quoted}")
    try:
        yield
    finally:
        from django.db import DatabaseError

        try:
            with connection.cursor() as cur:
                cur.execute("RESET ROLE")
        except DatabaseError:  # an aborted test transaction: its rollback undoes the SET ROLE anyway
            pass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):  # type: ignore[no-untyped-def]
    # Transactional tests end with a flush; on SQLite the audit table's DELETE trigger would refuse it.
    # tsunagu.access.guard allows it for exactly that moment (PostgreSQL flushes with TRUNCATE).
    from tsunagu.access.guard import flush_allowed

    with flush_allowed():
        yield


# What a test needs from the database decides in which of `make test`'s two runs it must run.
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server"}
)
BROWSER_FIXTURES = frozenset({"browser", "page"})


def pytest_addoption(parser):  # type: ignore[no-untyped-def]
    parser.addoption(
        "--skip-database-independent",
        action="store_true",
        help="deselect tests that touch no database (and are not marked each_database): `make test` runs "
        "them once, in its SQLite run, instead of again on PostgreSQL",
    )


def pytest_configure(config):  # type: ignore[no-untyped-def]
    _force_login_completes_mfa()


def uses_database(item) -> bool:  # type: ignore[no-untyped-def]
    fixtures = set(getattr(item, "fixturenames", ()))
    return item.get_closest_marker("django_db") is not None or bool(fixtures & DATABASE_FIXTURES)


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    for item in items:  # a test driving Chromium is a browser test, marked or not
        if set(getattr(item, "fixturenames", ())) & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
    if not config.getoption("--skip-database-independent"):
        return
    kept, once = [], []
    for item in items:
        if uses_database(item) or item.get_closest_marker("each_database") is not None:
            kept.append(item)
        else:
            once.append(item)
    if once:
        config.hook.pytest_deselected(items=once)
        items[:] = kept


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
