"""What `audit.verify_chain` reports, field by field: the row it points at, the words, the head it read and
where its checkpoints come from. Written to kill the mutants `make mutation` left alive in verify_chain
(docs/security.md J): the older tests only checked that a tampered chain fails and that the message names a
sequence number."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection

from tsunagu.access import audit, checkpoints
from tsunagu.access.auditkey import head_mac
from tsunagu.access.checkpoints import Checkpoint
from tsunagu.access.models import AuditChainHead, AuditEvent

from .test_it_audit_chain import _chain, _delete_rows, _drop_triggers

pytestmark = pytest.mark.django_db
NEEDS_DB_OWNER = True  # drops the audit triggers to tamper with the chain (conftest.py)


def _report(result: audit.VerifyResult) -> tuple[object, ...]:
    return (
        result.ok,
        result.checked,
        result.first_bad_seq,
        result.problem,
        result.head_seq,
        result.head_hash,
    )


def _verify(events: list[AuditEvent], **kwargs: object) -> audit.VerifyResult:
    return audit.verify_chain(chain=audit.chain_of(events[0].municipality_id), **kwargs)  # type: ignore[arg-type]


def test_one_deleted_row_is_named_with_the_head_that_was_read():
    events = _chain()
    _drop_triggers()
    _delete_rows("id = %s", [events[1].pk])
    assert _report(_verify(events)) == (False, 1, 2, "削除された行（通番 2 がない）", 5, events[-1].hash)


def test_several_deleted_rows_are_named_as_a_range():
    events = _chain()
    _drop_triggers()
    _delete_rows("id IN (%s, %s)", [events[1].pk, events[2].pk])
    assert _report(_verify(events)) == (False, 1, 2, "削除された行（通番 2〜3 がない）", 5, events[-1].hash)


def test_a_row_that_reuses_a_sequence_number_is_named():
    """Only possible once someone also dropped the unique constraint on (municipality, seq)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps the unique constraint inside the table definition: it cannot be dropped")
    events = _chain(3)
    _drop_triggers()
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign key checks before ALTER TABLE
        cur.execute("ALTER TABLE access_auditevent DROP CONSTRAINT audit_seq_per_municipality")
        cur.execute("UPDATE access_auditevent SET seq = %s WHERE id = %s", [2, events[2].pk])
    assert _report(_verify(events)) == (False, 2, 2, "挿入された行（通番の重複）", 3, events[-1].hash)


def test_a_broken_link_to_the_previous_row_is_named():
    events = _chain()
    _drop_triggers()
    with connection.cursor() as cur:
        cur.execute("UPDATE access_auditevent SET prev_hash = %s WHERE id = %s", ["0" * 64, events[2].pk])
    assert _report(_verify(events)) == (
        False,
        2,
        3,
        "前の行とのつながりが壊れています（挿入または削除）",
        5,
        events[-1].hash,
    )


def test_an_altered_row_is_named():
    events = _chain()
    _drop_triggers()
    with connection.cursor() as cur:
        cur.execute("UPDATE access_auditevent SET reason = 'x' WHERE id = %s", [events[3].pk])
    assert _report(_verify(events)) == (
        False,
        3,
        4,
        "内容が改変されています（または挿入された行）",
        5,
        events[-1].hash,
    )


def test_small_batches_walk_the_whole_chain_and_find_tampering_in_a_later_batch():
    events = _chain(4)
    # An event about no record (a list screen) has no object index rows: that is not a missing index.
    events.append(audit.record(actor=events[0].actor, action="list", objects=[]))
    assert _report(_verify(events, batch_size=2)) == (True, 5, None, "", 5, events[-1].hash)
    _drop_triggers()
    _delete_rows("id = %s", [events[3].pk])
    assert _report(_verify(events, batch_size=2))[:4] == (False, 3, 4, "削除された行（通番 4 がない）")


def test_a_deleted_chain_head_is_reported_at_the_last_row():
    events = _chain(3)
    AuditChainHead.objects.filter(pk=audit.chain_of(events[0].municipality_id)).delete()
    assert _report(_verify(events)) == (False, 3, 3, "監査ログの末尾情報が削除されています", 0, audit.GENESIS)


def test_the_checkpoint_files_given_are_read_instead_of_the_configured_one(tmp_path: Path, settings):
    events = _chain(3)
    chain = audit.chain_of(events[0].municipality_id)
    copy = tmp_path / "syslog-copy.log"
    # A copy (e.g. from syslog) that saw the chain at row 9: the log in the database was cut since.
    checkpoints.write_checkpoint(2, events[1].hash, path=copy, chain=chain)
    checkpoints.write_checkpoint(9, "ab" * 32, path=copy, chain=chain)
    checkpoints.write_checkpoint(1, events[0].hash, path=copy, chain=chain)
    assert _verify(events).ok  # the configured file knows nothing of row 9
    result = _verify(events, checkpoint_files=[copy])
    assert _report(result) == (False, 3, 4, result.problem, 3, events[-1].hash)
    assert (result.checkpoints, result.latest_checkpoint and result.latest_checkpoint.seq) == (3, 9)
    assert "チェックポイントでは通番 9 まで" in result.problem


def test_the_head_check_names_the_rows_and_says_what_happened():
    chain = 7
    head = AuditChainHead(id=chain, last_seq=5, last_hash="h5", mac=head_mac(5, "h5", chain))
    assert audit._head_problem(head, 3, 3, "h3", chain) == (4, "末尾の行が削除されています（通番 4〜5）")
    assert audit._head_problem(head, 7, 7, "h7", chain) == (6, "末尾の後に挿入された行があります")
    assert audit._head_problem(head, 5, 5, "other", chain) == (5, "末尾の行が置き換えられています")
    assert audit._head_problem(head, 5, 5, "h5", chain) is None
    head.mac = "0" * 64
    assert audit._head_problem(head, 5, 5, "h5", chain) == (
        6,
        "末尾情報の署名が一致しません（末尾の行を削除して末尾情報を書き戻した可能性があります）",
    )


def test_the_checkpoint_check_names_the_furthest_anchor_and_the_first_mismatch():
    beyond = [Checkpoint(7, "h7", "T7"), Checkpoint(9, "h9", "T9"), Checkpoint(8, "h8", "T8")]
    assert audit._anchor_problem(beyond, {}, 5) == (
        6,
        "末尾の行が削除されています（T9 のチェックポイントでは通番 9 まであったのに、いまは通番 5 までしかありません）",
    )
    replaced = [Checkpoint(3, "bad3", "T3"), Checkpoint(2, "bad2", "T2")]
    assert audit._anchor_problem(replaced, {2: "h2", 3: "h3"}, 3) == (
        2,
        "T2 のチェックポイントと一致しません（通番 2 までの行が置き換えられています）",
    )
    # The anchor of an empty log (seq 0) names no row to compare; seq 1 does.
    assert audit._anchor_problem([Checkpoint(0, audit.GENESIS, "T0")], {}, 0) is None
    assert audit._anchor_problem([Checkpoint(1, "h1", "T1")], {1: "other"}, 1) == (
        1,
        "T1 のチェックポイントと一致しません（通番 1 までの行が置き換えられています）",
    )


def test_the_checkpoint_file_check_lists_ten_bad_lines_and_marks_more():
    path = Path("/srv/c.log")
    ten = checkpoints.CheckpointFile(path, [], list(range(1, 11)))
    eleven = checkpoints.CheckpointFile(path, [], list(range(1, 12)))
    lines = "・".join(str(n) for n in range(1, 11))
    said = "行目の署名が一致しません（改変または偽造）"
    assert audit._checkpoint_file_problem([ten]) == (
        None,
        f"チェックポイントファイル {path} の {lines} {said}",
    )
    assert audit._checkpoint_file_problem([eleven]) == (
        None,
        f"チェックポイントファイル {path} の {lines}… {said}",
    )


def test_a_row_whose_time_was_changed_is_named():
    """The hash covers when (to the microsecond, in UTC), not only who, what and why."""
    events = _chain(3)
    _drop_triggers()
    AuditEvent.objects.filter(pk=events[1].pk).update(at=events[1].at + timedelta(microseconds=1))
    assert _report(_verify(events))[:4] == (False, 1, 2, "内容が改変されています（または挿入された行）")


def test_an_object_kind_with_a_colon_is_refused():
    """The object index is written as "kind:id": a kind holding ":" would read as another record."""
    p_events = _chain(1)
    with pytest.raises(ValueError):
        audit.record(actor=p_events[0].actor, action="view", objects=[("house:hold", 1)])
