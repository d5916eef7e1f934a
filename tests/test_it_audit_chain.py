"""The audit log is append-only in the database and tampering is found by `manage.py verify_audit`."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from tsunagu.access import audit
from tsunagu.access.models import AuditEvent

from .factories import make_personas

pytestmark = pytest.mark.django_db


def _drop_triggers() -> None:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("DROP TRIGGER access_auditevent_append_only ON access_auditevent")
        else:
            cur.execute("DROP TRIGGER access_auditevent_no_update")
            cur.execute("DROP TRIGGER access_auditevent_no_delete")


def _chain(n: int = 5) -> list[AuditEvent]:
    p = make_personas()
    return [
        audit.record(actor=p.window_worker, action="view", objects=[("household", i), ("person", 100 + i)])
        for i in range(1, n + 1)
    ]


def _verify_fails_at(seq: int) -> str:
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_audit")
    message = str(excinfo.value)
    assert f"通番 {seq}:" in message, message
    return message


def test_untouched_chain_verifies(capsys):
    events = _chain()
    call_command("verify_audit")
    assert f"OK: 監査ログ {len(events)} 行" in capsys.readouterr().out


def test_the_database_refuses_update_and_delete():
    events = _chain(2)
    for sql in (
        "UPDATE access_auditevent SET reason = 'x' WHERE id = %s",
        "DELETE FROM access_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [events[0].pk])
    assert AuditEvent.objects.count() == 2


def test_an_altered_row_is_reported_even_with_the_triggers_dropped():
    events = _chain()
    _drop_triggers()
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE access_auditevent SET object_index = ' household:999 ' WHERE id = %s", [events[2].pk]
        )
    assert "改変" in _verify_fails_at(events[2].seq)


def test_an_altered_row_with_a_recomputed_plain_hash_is_still_reported():
    """Without the key (not in the database) nobody can forge a valid hash."""
    import hashlib

    events = _chain()
    _drop_triggers()
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE access_auditevent SET actor_username = 'someone', hash = %s WHERE id = %s",
            [hashlib.sha256(b"forged").hexdigest(), events[1].pk],
        )
    _verify_fails_at(events[1].seq)


def test_a_deleted_row_is_reported():
    events = _chain()
    _drop_triggers()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM access_auditevent WHERE id = %s", [events[1].pk])
    assert "削除" in _verify_fails_at(events[1].seq)


def test_a_deleted_last_row_is_reported():
    events = _chain()
    _drop_triggers()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM access_auditevent WHERE id = %s", [events[-1].pk])
    assert "末尾" in _verify_fails_at(events[-1].seq)


def test_an_inserted_row_is_reported():
    events = _chain()
    last = events[-1]
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO access_auditevent (seq, at, municipality_id, actor_id, actor_username, actor_role,"
            " organization_id_snapshot, organization_name, action, channel, objects_json, object_index, reason,"
            " detail, view_name, prev_hash, hash) VALUES (%s, %s, NULL, NULL, 'ghost', '', NULL, '', 'view',"
            " 'view', '[]', '', '', '{}', '', %s, %s)",
            [last.seq + 1, last.at, last.hash, "f" * 64],
        )
    _verify_fails_at(last.seq + 1)


def test_an_inserted_row_in_the_middle_is_reported():
    events = _chain()
    _drop_triggers()
    with connection.cursor() as cur:
        # Make room: renumber the later rows (an attacker without the key cannot fix their hashes).
        for e in reversed(events[2:]):
            cur.execute("UPDATE access_auditevent SET seq = seq + 1 WHERE id = %s", [e.pk])
        cur.execute(
            "INSERT INTO access_auditevent (seq, at, municipality_id, actor_id, actor_username, actor_role,"
            " organization_id_snapshot, organization_name, action, channel, objects_json, object_index, reason,"
            " detail, view_name, prev_hash, hash) VALUES (%s, %s, NULL, NULL, 'ghost', '', NULL, '', 'view',"
            " 'view', '[]', '', '', '{}', '', %s, %s)",
            [events[2].seq, events[2].at, events[1].hash, "e" * 64],
        )
    _verify_fails_at(events[2].seq)


def test_record_refuses_bad_input_instead_of_writing_half_a_record():
    p = make_personas()
    with pytest.raises(ValueError):
        audit.record(actor=p.window_worker, action="peek")
    with pytest.raises(ValueError):
        audit.record(actor=p.window_worker, action="view", detail={"name": 1.5})
    assert AuditEvent.objects.count() == 0


def test_record_fills_who_when_what_how_why():
    p = make_personas()
    event = audit.record(
        actor=p.coordinator, action="export", channel="export", objects=[("household", 7)], reason="会議資料"
    )
    event.refresh_from_db()
    assert event.actor_username == p.coordinator.username
    assert event.actor_role == "coordinator"
    assert event.organization_name == p.org_a.name
    assert event.municipality_id == p.city_a.pk
    assert event.objects_list == [("household", 7)]
    assert event.channel == "export" and event.reason == "会議資料"
