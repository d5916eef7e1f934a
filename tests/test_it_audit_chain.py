"""The audit log is append-only in the database and tampering is found by `manage.py verify_audit`."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from tsunagu.access import audit
from tsunagu.access.models import AuditEvent

from .factories import make_personas

pytestmark = pytest.mark.django_db
NEEDS_DB_OWNER = True  # drops the audit triggers to prove tampering is still found (conftest.py)


def _drop_triggers() -> None:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("DROP TRIGGER access_auditevent_append_only ON access_auditevent")
        else:
            cur.execute("DROP TRIGGER access_auditevent_no_update")
            cur.execute("DROP TRIGGER access_auditevent_no_delete")


def _delete_rows(where: str, params: list[object]) -> None:
    """Delete audit rows as someone with database rights would: their object index rows first (the index
    points at its rows)."""
    with connection.cursor() as cur:
        cur.execute(
            f"DELETE FROM access_auditobject WHERE event_id IN (SELECT id FROM access_auditevent WHERE {where})",  # noqa: S608 - the tests' own condition
            params,
        )
        cur.execute(f"DELETE FROM access_auditevent WHERE {where}", params)  # noqa: S608 - the tests' own condition


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
    assert f"OK [自治体 {events[0].municipality_id}]: 監査ログ {len(events)} 行" in capsys.readouterr().out


def test_the_database_refuses_update_and_delete():
    events = _chain(2)
    for sql in (
        "UPDATE access_auditevent SET reason = 'x' WHERE id = %s",
        "DELETE FROM access_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [events[0].pk])
    assert AuditEvent.objects.count() == 2


def test_a_client_that_defines_the_old_unlock_function_still_cannot_delete():
    """Issue 9 A5: any SQLite client can define `tsunagu_audit_unlocked()`; the trigger must not care."""
    events = _chain(2)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        connection.connection.create_function("tsunagu_audit_unlocked", 0, lambda: 1)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM access_auditevent WHERE id = %s", [events[0].pk])
    assert AuditEvent.objects.count() == 2


def test_the_test_suites_flush_keeps_the_triggers():
    """The suite's own way past the triggers (flush between transactional tests) puts them back."""
    from tsunagu.access.guard import flush_allowed

    _chain(1)
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL flushes with TRUNCATE; its row trigger is never dropped")
    from tsunagu.access.guard import audit_triggers

    before = audit_triggers(connection)
    assert [name for name, _ in before] == ["access_auditevent_no_delete", "access_auditevent_no_update"]
    with flush_allowed():
        call_command("flush", "--noinput", inhibit_post_migrate=True)
    assert AuditEvent.objects.count() == 0
    assert audit_triggers(connection) == before
    events = _chain(1)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM access_auditevent WHERE id = %s", [events[0].pk])


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
    _delete_rows("id = %s", [events[1].pk])
    assert "削除" in _verify_fails_at(events[1].seq)


def test_a_deleted_last_row_is_reported():
    events = _chain()
    _drop_triggers()
    _delete_rows("id = %s", [events[-1].pk])
    assert "末尾" in _verify_fails_at(events[-1].seq)


def test_an_inserted_row_is_reported():
    events = _chain()
    last = events[-1]
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO access_auditevent (seq, at, municipality_id, actor_id, actor_username, actor_role,"
            " organization_id_snapshot, organization_name, action, channel, objects_json, object_index, reason,"
            " detail, view_name, prev_hash, hash) VALUES (%s, %s, %s, NULL, 'ghost', '', NULL, '', 'view',"
            " 'view', '[]', '', '', '{}', '', %s, %s)",
            [last.seq + 1, last.at, last.municipality_id, last.hash, "f" * 64],
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
            " detail, view_name, prev_hash, hash) VALUES (%s, %s, %s, NULL, 'ghost', '', NULL, '', 'view',"
            " 'view', '[]', '', '', '{}', '', %s, %s)",
            [events[2].seq, events[2].at, events[2].municipality_id, events[1].hash, "e" * 64],
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


# --- issue 9 A4: the tail cannot be cut off undetected -------------------------------------------------


def _cut_tail(keep: AuditEvent, head_mac: str | None = None) -> None:
    """What someone with database rights (but not the key) does: delete every row after `keep` and roll
    the chain head back to it — with the head's old signature, or with a copy kept from earlier."""
    from tsunagu.access.models import AuditChainHead

    _drop_triggers()
    _delete_rows("municipality_id = %s AND seq > %s", [keep.municipality_id, keep.seq])
    fields = {"last_seq": keep.seq, "last_hash": keep.hash}
    if head_mac is not None:
        fields["mac"] = head_mac
    AuditChainHead.objects.filter(pk=keep.municipality_id).update(**fields)


def _head_mac() -> str:
    from tsunagu.access.models import AuditChainHead

    return AuditChainHead.objects.exclude(pk=AuditChainHead.SYSTEM_CHAIN).get().mac


def _recreate_triggers() -> None:
    """Put the triggers back, so that only the anchors can tell (the attacker tidies up)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "CREATE TRIGGER access_auditevent_append_only BEFORE UPDATE OR DELETE ON access_auditevent"
                " FOR EACH ROW EXECUTE FUNCTION tsunagu_audit_append_only()"
            )
        else:
            cur.execute(
                "CREATE TRIGGER access_auditevent_no_update BEFORE UPDATE ON access_auditevent"
                " BEGIN SELECT RAISE(ABORT, 'access_auditevent is append-only: UPDATE refused'); END;"
            )
            cur.execute(
                "CREATE TRIGGER access_auditevent_no_delete BEFORE DELETE ON access_auditevent"
                " BEGIN SELECT RAISE(ABORT, 'access_auditevent is append-only: DELETE refused'); END;"
            )


def test_a_cut_tail_with_the_head_rolled_back_is_reported():
    """The probe's finding: delete the last rows, roll AuditChainHead back to the new last row."""
    events = _chain()
    _cut_tail(events[2])
    _recreate_triggers()
    message = _verify_fails_at(events[3].seq)
    assert "署名" in message


def test_a_cut_tail_with_an_old_copy_of_the_head_is_found_by_the_checkpoint(
    settings, django_capture_on_commit_callbacks
):
    """An attacker who kept the head row from earlier (seq 3 and its valid signature) can restore it; the
    checkpoint written outside the database after row 4 still says the chain was longer."""
    settings.AUDIT_CHECKPOINT_EVERY = 4
    with django_capture_on_commit_callbacks(execute=True):
        events = _chain(3)
        old_head = _head_mac()
        events += _chain_more(3)
    _cut_tail(events[2], head_mac=old_head)
    _recreate_triggers()
    message = _verify_fails_at(4)
    assert "チェックポイントでは通番 4 まで" in message and "いまは通番 3 まで" in message


def _chain_more(n: int) -> list[AuditEvent]:
    from tsunagu.accounts.models import Staff

    actor = Staff.objects.get(username="a-window")
    return [audit.record(actor=actor, action="view", objects=[("person", 500 + i)]) for i in range(n)]


def test_the_daily_checkpoint_catches_a_cut_tail_and_a_restored_head(capsys, settings):
    settings.AUDIT_CHECKPOINT_EVERY = 0
    events = _chain(3)
    old_head = _head_mac()
    events += _chain_more(2)
    call_command("verify_audit", "--checkpoint")
    out = capsys.readouterr().out
    assert "]: 監査ログ 5 行" in out and "チェックポイントを追記しました: 通番 5" in out
    call_command("verify_audit")
    assert "チェックポイント 1 件と一致しました。最新: 通番 5" in capsys.readouterr().out
    _cut_tail(events[2], head_mac=old_head)
    _recreate_triggers()
    assert "チェックポイントでは通番 5 まで" in _verify_fails_at(4)
    # A tampered chain is never checkpointed.
    with pytest.raises(CommandError):
        call_command("verify_audit", "--checkpoint")
    lines = open(settings.AUDIT_CHECKPOINT_FILE, encoding="utf-8").read().splitlines()
    assert len(lines) == 1


def test_a_checkpoint_is_written_only_for_committed_rows(settings, django_capture_on_commit_callbacks):
    from tsunagu.access.checkpoints import read_checkpoints

    settings.AUDIT_CHECKPOINT_EVERY = 2
    with django_capture_on_commit_callbacks(execute=True):
        _chain(3)  # rows 1–3: a checkpoint at 2
        with pytest.raises(RuntimeError), transaction.atomic():
            _chain_more(2)  # rows 4–5 would checkpoint at 4, but roll back
            raise RuntimeError("the action failed")
    assert [c.seq for c in read_checkpoints().checkpoints] == [2]
    assert all(r.ok for r in audit.verify_all())


def test_an_altered_or_forged_checkpoint_line_is_reported(settings):
    import json

    _chain(2)
    call_command("verify_audit", "--checkpoint")
    path = settings.AUDIT_CHECKPOINT_FILE
    line = json.loads(open(path, encoding="utf-8").read())
    line["seq"] = 1  # someone "corrects" the anchor to match a shortened log
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(line) + "\n")
    with pytest.raises(CommandError, match="2 行目の署名が一致しません"):
        call_command("verify_audit")


def test_a_copy_of_the_checkpoints_from_syslog_can_be_checked(tmp_path, settings, capsys):
    """The same line goes to the "tsunagu.audit.checkpoint" logger; a copy with syslog prefixes verifies,
    and it catches a cut tail even when the local file was emptied too."""
    from tsunagu.access.checkpoints import format_line

    events = _chain(4)
    copy = tmp_path / "from-syslog.log"
    copy.write_text(
        "Dec  2 03:00:01 host tsunagu[812]: audit checkpoint "
        + format_line(events[3].seq, events[3].hash, "2026-12-02T03:00:01+00:00", events[3].municipality_id)
    )
    call_command("verify_audit", "--checkpoints", str(copy))
    assert "チェックポイント 1 件と一致しました" in capsys.readouterr().out
    from tsunagu.access.auditkey import head_mac  # the worst case: someone who also has the key

    _cut_tail(events[1], head_mac=head_mac(events[1].seq, events[1].hash, events[1].municipality_id))
    _recreate_triggers()
    call_command("verify_audit")  # the local file has no checkpoint: with the key, the cut is invisible here
    with pytest.raises(CommandError, match="通番 3: 末尾の行が削除されています"):
        call_command("verify_audit", "--checkpoints", str(copy))


def test_a_dropped_trigger_is_reported():
    _chain(2)
    _drop_triggers()
    with pytest.raises(CommandError, match="追記専用トリガーがありません"):
        call_command("verify_audit")


def test_a_checkpoint_that_cannot_be_written_does_not_undo_the_action_but_is_logged(
    settings, django_capture_on_commit_callbacks, caplog
):
    """record() stays fail-closed for the row itself; the anchor is written after commit, so its failure is
    logged (and the daily `verify_audit --checkpoint` fails loudly) instead of failing a committed action."""
    settings.AUDIT_CHECKPOINT_EVERY = 1
    settings.AUDIT_CHECKPOINT_FILE = "/proc/tsunagu-no-such-dir/audit-checkpoints.log"
    with django_capture_on_commit_callbacks(execute=True):
        events = _chain(1)
    assert AuditEvent.objects.filter(pk=events[0].pk).exists()
    assert any(
        "audit-checkpoints" in r.getMessage() or r.exc_info for r in caplog.records if r.levelname == "ERROR"
    )
    with pytest.raises(CommandError, match="チェックポイントを書けませんでした"):
        call_command("verify_audit", "--checkpoint")


def test_the_whole_log_deleted_with_its_head_is_reported_against_a_checkpoint(settings):
    """Without anchors an emptied log looks like a new one; a checkpoint says it was not."""
    from tsunagu.access.models import AuditChainHead

    _chain(3)
    call_command("verify_audit", "--checkpoint")
    _drop_triggers()
    _delete_rows("1 = 1", [])
    AuditChainHead.objects.all().delete()
    _recreate_triggers()
    assert "いまは通番 0 まで" in _verify_fails_at(1)
    settings.AUDIT_CHECKPOINT_FILE = ""  # the same database without its anchor: nothing to compare with
    call_command("verify_audit")
