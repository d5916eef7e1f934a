"""The audit log API: `record(...)` for feature code, `verify_chain()` for `manage.py verify_audit`.

Every read, search-result list, export, print and change of personal data calls `record` in the same
transaction as the action. If the row cannot be written the exception propagates and the request fails
(fail closed): call `record` before rendering any personal data.

Rows are chained: `hash = HMAC-SHA256(key, canonical(row) + prev_hash)`. The key (TSUNAGU_AUDIT_KEY, or
one derived from SECRET_KEY) is not stored in the database, so someone who edits rows directly cannot
recompute a valid chain. Appenders lock the single chain-head row (SELECT … FOR UPDATE on PostgreSQL;
SQLite serialises writers), so two transactions can never fork the chain. The head carries its own HMAC
(`mac`), and every AUDIT_CHECKPOINT_EVERY-th row is anchored outside the database after commit
(tsunagu.access.checkpoints): deleting the last rows and rolling the head back is found by `verify_chain`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from . import checkpoints
from .auditkey import audit_key, head_mac, same
from .checkpoints import Checkpoint
from .models import AuditAction, AuditChainHead, AuditChannel, AuditEvent

GENESIS = "0" * 64
_ALLOWED_DETAIL_TYPES = (str, int, bool, type(None))

ObjectRef = tuple[str, int] | models.Model


_key = audit_key


def _normalise_objects(objects: Iterable[ObjectRef]) -> list[list[Any]]:
    out: list[list[Any]] = []
    for obj in objects:
        if isinstance(obj, models.Model):
            out.append([obj._meta.model_name, int(obj.pk)])
        else:
            kind, pk = obj
            kind = str(kind)
            if not kind or " " in kind or ":" in kind:
                raise ValueError(f"bad audit object type {kind!r}")
            out.append([kind, int(pk)])
    return out


def _clean_detail(detail: Mapping[str, Any] | None) -> dict[str, Any]:
    """Detail is for counts, flags and field names — never personal data, never floats (they do not
    round-trip through every database exactly, which would break the hash)."""
    clean: dict[str, Any] = {}
    for key, value in (detail or {}).items():
        if isinstance(value, list | tuple):
            if not all(isinstance(v, _ALLOWED_DETAIL_TYPES) for v in value):
                raise ValueError(f"audit detail {key!r}: only str/int/bool values")
            clean[str(key)] = list(value)
        elif isinstance(value, _ALLOWED_DETAIL_TYPES):
            clean[str(key)] = value
        else:
            raise ValueError(f"audit detail {key!r}: only str/int/bool values")
    return clean


def _canonical(event: AuditEvent) -> bytes:
    at = event.at.astimezone(UTC).isoformat(timespec="microseconds")
    payload = [
        event.seq,
        at,
        event.municipality_id,
        event.actor_id,
        event.actor_username,
        event.actor_role,
        event.organization_id_snapshot,
        event.organization_name,
        event.action,
        event.channel,
        event.objects_json,
        event.object_index,
        event.reason,
        event.detail,
        event.view_name,
        event.prev_hash,
    ]
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def compute_hash(event: AuditEvent) -> str:
    return hmac.new(_key(), _canonical(event), hashlib.sha256).hexdigest()


def _lock_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # The data migration creates it; this covers a database emptied by the test suite's flush.
        # Concurrent first writers may race here: ON CONFLICT DO NOTHING, then everyone locks the one row.
        AuditChainHead.objects.bulk_create(
            [AuditChainHead(pk=1, last_seq=0, last_hash=GENESIS, mac=head_mac(0, GENESIS))],
            ignore_conflicts=True,
        )
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def record(
    *,
    actor: Any,
    action: str,
    channel: str = AuditChannel.VIEW,
    objects: Iterable[ObjectRef] = (),
    reason: str = "",
    municipality: Any = None,
    detail: Mapping[str, Any] | None = None,
    request: Any = None,
) -> AuditEvent:
    """Append one audit event. Call it inside the transaction of the action it records.

    actor: the Staff acting (None only for events without a known account, e.g. a failed login).
    action: an AuditAction value ("view", "list", "create", "update", "export", "print", …).
    channel: how — "view" (screen), "export", "print", "api", "system".
    objects: what — (type, id) pairs such as ("household", 12), or model instances. Never names.
    reason: why, where the screen asks for one (break-glass, exports).
    municipality: defaults to the actor's municipality.
    request: optional; its URL name is kept (never the path or query string).
    Raises on any failure, so that the caller's transaction rolls back (fail closed).
    """
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    if channel not in AuditChannel.values:
        raise ValueError(f"unknown audit channel {channel!r}")
    objs = _normalise_objects(objects)
    if municipality is None and actor is not None:
        municipality = getattr(actor, "municipality", None)
    view_name = ""
    if request is not None and getattr(request, "resolver_match", None) is not None:
        view_name = request.resolver_match.view_name or ""
    org = getattr(actor, "organization", None) if actor is not None else None
    with transaction.atomic():
        head = _lock_head()
        event = AuditEvent(
            seq=head.last_seq + 1,
            at=timezone.now(),
            municipality=municipality,
            actor=actor if actor is not None and actor.pk else None,
            actor_username=getattr(actor, "username", "") or "",
            actor_role=getattr(actor, "role", "") or "",
            organization_id_snapshot=org.pk if org is not None else None,
            organization_name=org.name if org is not None else "",
            action=action,
            channel=channel,
            objects_json=objs,
            object_index="".join(f" {t}:{i}" for t, i in objs) + (" " if objs else ""),
            reason=reason or "",
            detail=_clean_detail(detail),
            view_name=view_name[:120],
            prev_hash=head.last_hash,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
        AuditChainHead.objects.filter(pk=head.pk).update(
            last_seq=event.seq, last_hash=event.hash, mac=head_mac(event.seq, event.hash)
        )
        every = int(getattr(settings, "AUDIT_CHECKPOINT_EVERY", 0) or 0)
        if every and event.seq % every == 0:
            # Only a committed row is anchored (a rolled-back one would look like a lost tail). A checkpoint
            # that cannot be written is logged, not raised: the action already happened and is recorded;
            # `verify_audit --checkpoint` (daily) fails loudly instead.
            seq, chain_hash = event.seq, event.hash
            transaction.on_commit(lambda: checkpoints.write_checkpoint(seq, chain_hash), robust=True)
    return event


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""
    head_seq: int = 0
    head_hash: str = GENESIS
    checkpoints: int = 0
    latest_checkpoint: Checkpoint | None = None


def verify_chain(batch_size: int = 2000, checkpoint_files: Sequence[Path] | None = None) -> VerifyResult:
    """Walk the whole chain and report the first altered, inserted or deleted row; then check the signed
    head, the checkpoints outside the database (the configured file, or `checkpoint_files` — e.g. a copy
    taken from syslog) and the append-only triggers."""
    files = (
        [checkpoints.read_checkpoints(Path(p)) for p in checkpoint_files]
        if checkpoint_files is not None
        else [checkpoints.read_checkpoints()]
    )
    anchors = [c for f in files for c in f.checkpoints]
    wanted = {c.seq for c in anchors}
    seen: dict[int, str] = {}
    head = AuditChainHead.objects.filter(pk=1).first()
    expected_seq = 1
    prev_hash = GENESIS
    checked = 0
    # Order by primary key as well as by seq: an inserted row that reuses a seq value shows up.
    for event in AuditEvent.objects.order_by("seq", "pk").iterator(chunk_size=batch_size):
        if event.seq < expected_seq:
            return VerifyResult(False, checked, event.seq, "挿入された行（通番の重複）", *_head(head))
        if event.seq > expected_seq:
            missing = (
                f"{expected_seq}" if event.seq == expected_seq + 1 else f"{expected_seq}〜{event.seq - 1}"
            )
            return VerifyResult(
                False, checked, expected_seq, f"削除された行（通番 {missing} がない）", *_head(head)
            )
        if event.prev_hash != prev_hash:
            return VerifyResult(
                False, checked, event.seq, "前の行とのつながりが壊れています（挿入または削除）", *_head(head)
            )
        if compute_hash(event) != event.hash:
            return VerifyResult(
                False, checked, event.seq, "内容が改変されています（または挿入された行）", *_head(head)
            )
        if event.seq in wanted:
            seen[event.seq] = event.hash
        prev_hash = event.hash
        expected_seq += 1
        checked += 1
    last_seq = expected_seq - 1
    latest = max(anchors, key=lambda c: (c.seq, c.at), default=None)
    found = (
        _head_problem(head, checked, last_seq, prev_hash)
        or _anchor_problem(anchors, seen, last_seq)
        or _checkpoint_file_problem(files)
        or _trigger_problem()
    )
    if found is not None:
        bad_seq, problem = found
        return VerifyResult(False, checked, bad_seq, problem, *_head(head), len(anchors), latest)
    return VerifyResult(True, checked, None, "", *_head(head), len(anchors), latest)


Problem = tuple[int | None, str]


def _head_problem(head: AuditChainHead | None, checked: int, last_seq: int, last_hash: str) -> Problem | None:
    if head is None:
        return (last_seq, "監査ログの末尾情報が削除されています") if checked else None
    if head.last_seq > last_seq:
        return last_seq + 1, f"末尾の行が削除されています（通番 {last_seq + 1}〜{head.last_seq}）"
    if head.last_seq < last_seq:
        return head.last_seq + 1, "末尾の後に挿入された行があります"
    if head.last_hash != last_hash:
        return last_seq, "末尾の行が置き換えられています"
    if not same(head.mac, head_mac(head.last_seq, head.last_hash)):
        return (
            last_seq + 1,
            "末尾情報の署名が一致しません（末尾の行を削除して末尾情報を書き戻した可能性があります）",
        )
    return None


def _anchor_problem(anchors: list[Checkpoint], seen: dict[int, str], last_seq: int) -> Problem | None:
    beyond = [c for c in anchors if c.seq > last_seq]
    if beyond:
        c = max(beyond, key=lambda c: c.seq)
        return (
            last_seq + 1,
            f"末尾の行が削除されています（{c.at} のチェックポイントでは通番 {c.seq} まであったのに、"
            f"いまは通番 {last_seq} までしかありません）",
        )
    for c in sorted(anchors, key=lambda c: c.seq):
        if c.seq > 0 and seen.get(c.seq) != c.hash:
            return (
                c.seq,
                f"{c.at} のチェックポイントと一致しません（通番 {c.seq} までの行が置き換えられています）",
            )
    return None


def _checkpoint_file_problem(files: list[checkpoints.CheckpointFile]) -> Problem | None:
    for f in files:
        if f.bad_lines:
            lines = "・".join(str(n) for n in f.bad_lines[:10]) + ("…" if len(f.bad_lines) > 10 else "")
            return (
                None,
                f"チェックポイントファイル {f.path} の {lines} 行目の署名が一致しません（改変または偽造）",
            )
    return None


def _trigger_problem() -> Problem | None:
    """The database's own guard (migrations 0002/0004) must still be there: someone who dropped it to
    change rows and put the chain back together would need the key, but a missing trigger is already
    evidence worth reporting."""
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'access_auditevent' "
                "AND name IN ('access_auditevent_no_update', 'access_auditevent_no_delete')"
            )
            present = cur.fetchone()[0] == 2
        elif connection.vendor == "postgresql":
            cur.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'access_auditevent'::regclass "
                "AND tgname = 'access_auditevent_append_only' AND tgenabled <> 'D'"
            )
            present = cur.fetchone()[0] == 1
        else:
            present = True
    if present:
        return None
    return None, "監査ログの追記専用トリガーがありません（または無効です）: 行を書き換えられる状態です"


def _head(head: AuditChainHead | None) -> tuple[int, str]:
    if head is None:
        return 0, GENESIS
    return head.last_seq, head.last_hash


def record_retention(
    *,
    actor: Any,
    municipality: Any,
    objects: Iterable[ObjectRef],
    cutoff: Any,
    counts: Mapping[str, int] | None = None,
    anonymised: bool = False,
) -> AuditEvent | None:
    """The audit row of one app's retention step (cases/retention.py): a system DELETE naming every
    removed id with the counts per kind, or an UPDATE naming every anonymised one. Nothing to name, no row."""
    objs = list(objects)
    if not objs:
        return None
    detail: dict[str, Any] = {"retention": True, "cutoff": cutoff.isoformat()}
    if anonymised:
        detail["anonymised"] = True
    for label, n in sorted((counts or {}).items()):
        detail[f"deleted {label}"] = n
    return record(
        actor=actor,
        action=AuditAction.UPDATE if anonymised else AuditAction.DELETE,
        channel=AuditChannel.SYSTEM,
        municipality=municipality,
        objects=objs,
        detail=detail,
    )
