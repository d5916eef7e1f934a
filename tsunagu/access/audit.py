"""The audit log API: `record(...)` for feature code, `verify_chain()` for `manage.py verify_audit`.

Every read, search-result list, export, print and change of personal data calls `record` in the same
transaction as the action. If the row cannot be written the exception propagates and the request fails
(fail closed): call `record` before rendering any personal data.

Rows are chained: `hash = HMAC-SHA256(key, canonical(row) + prev_hash)`. The key (TSUNAGU_AUDIT_KEY, or
one derived from SECRET_KEY) is not stored in the database, so someone who edits rows directly cannot
recompute a valid chain. There is one chain per municipality (and a system chain for events of no city):
appenders lock their chain's head row (SELECT … FOR UPDATE on PostgreSQL; SQLite serialises writers), so
two transactions can never fork a chain, and writers of different cities never wait for each other. Each
head carries its own HMAC (`mac`, bound to its chain), and every AUDIT_CHECKPOINT_EVERY-th row of a chain is
anchored outside the database after commit (tsunagu.access.checkpoints): deleting a city's last rows and
rolling its head back is found by `verify_chain`. The objects of each row are also written to the object
index (AuditObject) in the same transaction; verification checks the index against the hashed row.
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
from django.db.models import Q
from django.utils import timezone

from . import checkpoints
from .auditkey import audit_key, head_mac, same
from .checkpoints import Checkpoint
from .models import AuditAction, AuditChainHead, AuditChannel, AuditEvent, AuditObject

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


def chain_of(municipality_id: int | None) -> int:
    """The chain a row of this municipality belongs to: the city's id, or the system chain."""
    return int(municipality_id) if municipality_id else AuditChainHead.SYSTEM_CHAIN


def chain_label(chain: int) -> str:
    return "システム" if chain == AuditChainHead.SYSTEM_CHAIN else f"自治体 {chain}"


def lock_head(chain: int) -> AuditChainHead:
    """Lock the head of one chain (SELECT … FOR UPDATE on PostgreSQL; SQLite serialises writers anyway).
    Writers of other chains — other cities — never wait on it."""
    head = AuditChainHead.objects.select_for_update().filter(pk=chain).first()
    if head is None:
        # A city's first audited event (or a database emptied by the test suite's flush). Concurrent first
        # writers may race here: ON CONFLICT DO NOTHING on the primary key, then everyone locks the one row.
        AuditChainHead.objects.bulk_create(
            [
                AuditChainHead(
                    pk=chain,
                    municipality_id=chain or None,
                    last_seq=0,
                    last_hash=GENESIS,
                    mac=head_mac(0, GENESIS, chain),
                )
            ],
            ignore_conflicts=True,
        )
        head = AuditChainHead.objects.select_for_update().get(pk=chain)
    return head


def index_rows(event: AuditEvent) -> list[AuditObject]:
    """The object index rows of one event (none for the system chain: no city's screen shows it)."""
    if event.municipality_id is None:
        return []
    pairs = dict.fromkeys((str(t), int(i)) for t, i in event.objects_json)
    return [
        AuditObject(municipality_id=event.municipality_id, event=event, kind=kind, obj_id=obj_id)
        for kind, obj_id in pairs
    ]


_INDEX_LOADED_ROWS_PG = (
    "INSERT INTO access_auditobject (municipality_id, event_id, kind, obj_id) "
    "SELECT DISTINCT e.municipality_id, e.id, o->>0, (o->>1)::bigint "
    "FROM access_auditevent e, jsonb_array_elements(e.objects_json) AS o "
    "WHERE e.id BETWEEN %s AND %s AND e.municipality_id IS NOT NULL"
)
_INDEX_LOADED_ROWS_SQLITE = (
    "INSERT INTO access_auditobject (municipality_id, event_id, kind, obj_id) "
    "SELECT DISTINCT e.municipality_id, e.id, json_extract(o.value, '$[0]'), "
    "CAST(json_extract(o.value, '$[1]') AS INTEGER) "
    "FROM access_auditevent e, json_each(e.objects_json) AS o "
    "WHERE e.id BETWEEN %s AND %s AND e.municipality_id IS NOT NULL"
)


def index_loaded_rows(first_id: int, last_id: int) -> None:
    """Fill the object index for rows written in bulk (the history generator's COPY), ids first..last:
    one INSERT … SELECT over each row's `objects_json` in the database, duplicates within a row once."""
    if last_id < first_id:
        return
    sql = _INDEX_LOADED_ROWS_PG if connection.vendor == "postgresql" else _INDEX_LOADED_ROWS_SQLITE
    with connection.cursor() as cur:
        cur.execute(sql, [first_id, last_id])


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
        municipality = getattr(actor, "municipality_id", None)
    view_name = ""
    if request is not None and getattr(request, "resolver_match", None) is not None:
        view_name = request.resolver_match.view_name or ""
    org = getattr(actor, "organization", None) if actor is not None else None
    municipality_id = getattr(municipality, "pk", municipality)
    chain = chain_of(municipality_id)
    with transaction.atomic():
        head = lock_head(chain)
        event = AuditEvent(
            seq=head.last_seq + 1,
            at=timezone.now(),
            municipality_id=municipality_id or None,
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
        AuditObject.objects.bulk_create(index_rows(event))
        AuditChainHead.objects.filter(pk=head.pk).update(
            last_seq=event.seq, last_hash=event.hash, mac=head_mac(event.seq, event.hash, chain)
        )
        every = int(getattr(settings, "AUDIT_CHECKPOINT_EVERY", 0) or 0)
        if every and event.seq % every == 0:
            # Only a committed row is anchored (a rolled-back one would look like a lost tail). A checkpoint
            # that cannot be written is logged, not raised: the action already happened and is recorded;
            # `verify_audit --checkpoint` (daily) fails loudly instead.
            seq, chain_hash = event.seq, event.hash
            transaction.on_commit(
                lambda: checkpoints.write_checkpoint(seq, chain_hash, chain=chain), robust=True
            )
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
    chain: int = AuditChainHead.SYSTEM_CHAIN

    @property
    def label(self) -> str:
        return chain_label(self.chain)


def chains() -> list[int]:
    """Every chain there is evidence of: a head, a row, or a checkpoint outside the database (a city whose
    rows and head were all deleted is still found through its checkpoints)."""
    found = set(AuditChainHead.objects.values_list("pk", flat=True))
    found.update(chain_of(m) for m in AuditEvent.objects.values_list("municipality_id", flat=True).distinct())
    found.update(c.chain for f in _checkpoint_files(None) for c in f.checkpoints if c.chain is not None)
    return sorted(found)


def _checkpoint_files(checkpoint_files: Sequence[Path] | None) -> list[checkpoints.CheckpointFile]:
    if checkpoint_files is not None:
        return [checkpoints.read_checkpoints(Path(p)) for p in checkpoint_files]
    return [checkpoints.read_checkpoints()]


def verify_all(
    batch_size: int = 2000, checkpoint_files: Sequence[Path] | None = None, municipality_id: int | None = None
) -> list[VerifyResult]:
    """Verify every chain (or only the given city's), each on its own: a break in one city's chain leaves
    the others' results as they are."""
    wanted = [chain_of(municipality_id)] if municipality_id is not None else chains()
    files = _checkpoint_files(checkpoint_files)
    return [verify_chain(chain=chain, batch_size=batch_size, files=files) for chain in wanted]


def verify_chain(
    *,
    chain: int,
    batch_size: int = 2000,
    checkpoint_files: Sequence[Path] | None = None,
    files: list[checkpoints.CheckpointFile] | None = None,
) -> VerifyResult:
    """Walk one chain and report its first altered, inserted or deleted row; then check its signed head,
    its checkpoints outside the database (the configured file, or `checkpoint_files` — e.g. a copy taken
    from syslog), the object index of its rows and the append-only triggers."""
    if files is None:
        files = _checkpoint_files(checkpoint_files)
    anchors = [c for f in files for c in f.checkpoints if c.chain == chain]
    wanted = {c.seq for c in anchors}
    seen: dict[int, str] = {}
    head = AuditChainHead.objects.filter(pk=chain).first()
    expected_seq = 1
    prev_hash = GENESIS
    checked = 0
    of_chain = (
        Q(municipality__isnull=True) if chain == AuditChainHead.SYSTEM_CHAIN else Q(municipality_id=chain)
    )
    # By primary key as well as by seq: an inserted row that reuses a seq shows up.
    rows = AuditEvent.objects.filter(of_chain).order_by("seq", "pk")

    def fail(seq: int | None, problem: str) -> VerifyResult:
        return VerifyResult(False, checked, seq, problem, *_head(head), chain=chain)

    for chunk in _chunks(rows, batch_size):
        index = _index_of(chunk) if chain != AuditChainHead.SYSTEM_CHAIN else {}
        for event in chunk:
            if event.seq < expected_seq:
                return fail(event.seq, "挿入された行（通番の重複）")
            if event.seq > expected_seq:
                missing = (
                    f"{expected_seq}" if event.seq == expected_seq + 1 else f"{expected_seq}〜{event.seq - 1}"
                )
                return fail(expected_seq, f"削除された行（通番 {missing} がない）")
            if event.prev_hash != prev_hash:
                return fail(event.seq, "前の行とのつながりが壊れています（挿入または削除）")
            if compute_hash(event) != event.hash:
                return fail(event.seq, "内容が改変されています（または挿入された行）")
            if chain != AuditChainHead.SYSTEM_CHAIN and index.get(event.pk, set()) != {
                (str(t), int(i)) for t, i in event.objects_json
            }:
                return fail(event.seq, "対象索引（AuditObject）が行の対象と一致しません（索引の削除・追加）")
            if event.seq in wanted:
                seen[event.seq] = event.hash
            prev_hash = event.hash
            expected_seq += 1
            checked += 1
    last_seq = expected_seq - 1
    latest = max(anchors, key=lambda c: (c.seq, c.at), default=None)
    found = (
        _head_problem(head, checked, last_seq, prev_hash, chain)
        or _anchor_problem(anchors, seen, last_seq)
        or _stray_index_problem(chain)
        or _checkpoint_file_problem(files)
        or _trigger_problem()
    )
    if found is not None:
        bad_seq, problem = found
        return VerifyResult(False, checked, bad_seq, problem, *_head(head), len(anchors), latest, chain)
    return VerifyResult(True, checked, None, "", *_head(head), len(anchors), latest, chain)


def _chunks(rows: models.QuerySet[AuditEvent], size: int) -> Iterable[list[AuditEvent]]:
    chunk: list[AuditEvent] = []
    for event in rows.iterator(chunk_size=size):
        chunk.append(event)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _index_of(chunk: list[AuditEvent]) -> dict[int, set[tuple[str, int]]]:
    index: dict[int, set[tuple[str, int]]] = {}
    rows = AuditObject.objects.filter(event_id__in=[e.pk for e in chunk]).values_list(
        "event_id", "kind", "obj_id"
    )
    for event_id, kind, obj_id in rows:
        index.setdefault(event_id, set()).add((kind, obj_id))
    return index


def _stray_index_problem(chain: int) -> Problem | None:
    """An index row pointing at another city's event, or one for a city without that chain, would make a
    record look read by someone who never read it."""
    if chain == AuditChainHead.SYSTEM_CHAIN:
        stray = AuditObject.objects.filter(event__municipality__isnull=True)
    else:
        stray = AuditObject.objects.filter(municipality_id=chain).exclude(event__municipality_id=chain)
    if stray.exists():
        return stray.values_list(
            "event__seq", flat=True
        ).first(), "対象索引（AuditObject）に別の自治体の行を指すものがあります"
    return None


Problem = tuple[int | None, str]


def _head_problem(
    head: AuditChainHead | None, checked: int, last_seq: int, last_hash: str, chain: int
) -> Problem | None:
    if head is None:
        return (last_seq, "監査ログの末尾情報が削除されています") if checked else None
    if head.last_seq > last_seq:
        return last_seq + 1, f"末尾の行が削除されています（通番 {last_seq + 1}〜{head.last_seq}）"
    if head.last_seq < last_seq:
        return head.last_seq + 1, "末尾の後に挿入された行があります"
    if head.last_hash != last_hash:
        return last_seq, "末尾の行が置き換えられています"
    if not same(head.mac, head_mac(head.last_seq, head.last_hash, chain)):
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
