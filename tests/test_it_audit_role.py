"""Issue 9 B3: on PostgreSQL the application runs as a role that may only INSERT into the audit table.

The suite's own user is the superuser `postgres` (it creates and migrates the test database). Here the
owner grants a role exactly what `manage.py grant_app_role` grants in production, then the application runs
*as that role* (SET ROLE): it reads and writes its tables and appends audit rows, while UPDATE, DELETE and
TRUNCATE of the audit table fail on privileges — even with the row trigger dropped, so the privilege, not
the trigger, is what refuses them. Roles are created inside the test's transaction: nothing stays behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from tests.factories import make_household, make_person, make_personas
from tsunagu.access import audit
from tsunagu.access.audit import verify_all
from tsunagu.access.dbroles import audit_privileges
from tsunagu.access.models import AuditEvent, BreakGlassGrant
from tsunagu.people.models import Person, Relationship

pytestmark = pytest.mark.django_db
NEEDS_DB_OWNER = True  # creates roles and drops the trigger as the owner, then runs as the role itself


def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("database roles and privileges are PostgreSQL's; SQLite: see test_it_audit_chain.py")


@pytest.fixture
def app_role() -> str:
    _postgresql_only()
    # One role per test database, so that parallel workers never wait on each other's CREATE ROLE.
    role = f"tsunagu_app_{connection.settings_dict['NAME']}".lower()[:63]
    with connection.cursor() as cur:
        cur.execute(f'CREATE ROLE "{role}" NOLOGIN')
    return role


@contextmanager
def running_as(role: str) -> Iterator[None]:
    with connection.cursor() as cur:
        cur.execute(f'SET ROLE "{role}"')
        cur.execute("SELECT current_user")
        assert cur.fetchone()[0] == role
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute("RESET ROLE")


def _refused_for_privilege(sql: str, params: list[object] | None = None) -> str:
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params)
    message = str(excinfo.value)
    assert "permission denied" in message or "must be owner" in message, message
    return message


def test_the_app_role_appends_to_the_audit_log_but_cannot_change_it(client, app_role, capsys):
    p = make_personas()
    head = make_person(p.city_a, "試験", "太郎")
    household = make_household(p.city_a, (head, Relationship.HEAD))
    audit.record(actor=p.window_worker, action="view", objects=[("household", household.pk)])

    call_command("grant_app_role", app_role)
    assert "追加だけができます" in capsys.readouterr().out
    assert audit_privileges(app_role).insert_only
    with connection.cursor() as cur:  # as the owner: take the trigger away, so only privileges stand
        cur.execute("DROP TRIGGER access_auditevent_append_only ON access_auditevent")

    with running_as(app_role):
        # The application works: a page with personal data (audited), a write of its own tables.
        client.force_login(p.window_worker)
        response = client.get(reverse("people:household", args=[household.pk]))
        assert response.status_code == 200 and "試験" in response.content.decode()
        Person.objects.filter(pk=head.pk).update(given_name="次郎")
        # A write through a real screen: emergency access (a grant row and its audit row, one transaction).
        client.force_login(p.agency_worker)
        reason = "本人と連絡がとれず、安否確認のため緊急に世帯状況を確認する必要がある"
        response = client.post(
            "/access/break-glass/", {"target": f"household:{household.pk}", "reason": reason}
        )
        assert response.status_code == 302
        assert BreakGlassGrant.objects.filter(staff=p.agency_worker, obj_id=household.pk).exists()
        event = audit.record(actor=p.window_worker, action="view", objects=[("person", head.pk)])
        assert AuditEvent.objects.filter(pk=event.pk).exists()

        # … but the audit log only grows.
        _refused_for_privilege("UPDATE access_auditevent SET reason = 'x' WHERE id = %s", [event.pk])
        _refused_for_privilege("DELETE FROM access_auditevent WHERE id = %s", [event.pk])
        _refused_for_privilege("DELETE FROM access_auditevent")
        _refused_for_privilege("TRUNCATE access_auditevent")
        _refused_for_privilege("DELETE FROM access_auditchainhead")
        _refused_for_privilege("TRUNCATE access_auditchainhead")
        _refused_for_privilege("ALTER TABLE access_auditevent DISABLE TRIGGER ALL")  # owner only
    assert Person.objects.get(pk=head.pk).given_name == "次郎"
    seqs = [e.seq for e in AuditEvent.objects.filter(municipality_id=event.municipality_id).order_by("seq")]
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= 4
    results = verify_all()
    assert results and not any(r.ok for r in results)  # the trigger is gone (dropped above by the owner)
    assert all("トリガー" in r.problem for r in results)  # — and reported for every chain


def test_grants_are_kept_after_migrate_when_the_role_is_configured(app_role, settings):
    """TSUNAGU_DATABASE_APP_ROLE: post_migrate grants the role again (new tables, and the audit REVOKE)."""
    from tsunagu.access.dbroles import grant_after_migrate

    with connection.cursor() as cur:
        cur.execute(f'GRANT ALL ON access_auditevent TO "{app_role}"')  # e.g. a hand-made GRANT ALL
    assert not audit_privileges(app_role).insert_only
    settings.DATABASE_APP_ROLE = app_role
    grant_after_migrate(sender=None)
    assert audit_privileges(app_role).insert_only


def test_the_command_refuses_a_role_that_does_not_exist_or_a_bad_name():
    _postgresql_only()
    with pytest.raises(CommandError, match="ロール tsunagu_nobody_here がありません"):
        call_command("grant_app_role", "tsunagu_nobody_here")
    with pytest.raises(CommandError, match="使えません"):
        call_command("grant_app_role", 'x"; DROP TABLE access_auditevent; --')
    assert all(r.ok for r in verify_all())


def test_on_sqlite_the_command_says_there_are_no_roles():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with pytest.raises(CommandError, match="PostgreSQL だけ"):
        call_command("grant_app_role", "tsunagu_app")
