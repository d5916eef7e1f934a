"""One audit chain per municipality — part 2 of 3 (data only; reversible).

Forwards: walk the installation's single chain in order and check it (every row's HMAC, the links, the
signed head) — a chain that does not verify is refused, so that re-sealing can never launder a change —
then give each row its place in its own chain: the row's municipality (or the system chain for rows of no
city) with its own numbers from 1 and its own links, each row sealed again with the audit key. The single
head becomes one signed head per chain, and the object index (AuditObject) is filled from each row's
hashed objects.

Backwards: check every chain the same way, then put the rows back into one chain in the order they were
written (primary key order: a row's id is taken under its chain's lock), with one head (id 1), and empty
the object index.

The formulas (canonical row, row HMAC, head HMAC) are written out here so that this migration never changes
with the code. The append-only triggers are set aside for the rewrite and restored in the same transaction.
Checkpoints written before (format version 1, one chain) stay readable but are no longer compared:
run `verify_audit --checkpoint` right after migrating (docs/operations.md).
"""

import hashlib
import hmac
import json
from datetime import UTC

from django.conf import settings
from django.db import migrations

GENESIS = "0" * 64
SYSTEM_CHAIN = 0
BATCH = 2000
SQLITE_TRIGGERS_DROP = [
    "DROP TRIGGER IF EXISTS access_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS access_auditevent_no_delete;",
]
SQLITE_TRIGGERS_CREATE = [
    "CREATE TRIGGER access_auditevent_no_update BEFORE UPDATE ON access_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'access_auditevent is append-only: UPDATE refused'); END;",
    "CREATE TRIGGER access_auditevent_no_delete BEFORE DELETE ON access_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'access_auditevent is append-only: DELETE refused'); END;",
]
PG_TRIGGER = "access_auditevent_append_only"


def _key() -> bytes:
    explicit = getattr(settings, "AUDIT_HMAC_KEY", "")
    if explicit:
        return str(explicit).encode()
    return hashlib.sha256(b"tsunagu-audit-chain:" + settings.SECRET_KEY.encode()).digest()


def _sign(data: bytes) -> str:
    return hmac.new(_key(), data, hashlib.sha256).hexdigest()


def _row_hash(e) -> str:
    at = e.at.astimezone(UTC).isoformat(timespec="microseconds")
    payload = [
        e.seq, at, e.municipality_id, e.actor_id, e.actor_username, e.actor_role, e.organization_id_snapshot,
        e.organization_name, e.action, e.channel, e.objects_json, e.object_index, e.reason, e.detail,
        e.view_name, e.prev_hash,
    ]  # fmt: skip
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(_key(), data, hashlib.sha256).hexdigest()


def _single_head_mac(seq: int, last_hash: str) -> str:
    return _sign(f"tsunagu-audit-head|{int(seq)}|{last_hash}".encode())


def _chain_head_mac(chain: int, seq: int, last_hash: str) -> str:
    return _sign(f"tsunagu-audit-head|{int(chain)}|{int(seq)}|{last_hash}".encode())


class ChainBroken(RuntimeError):
    pass


def _refuse(seq, problem: str):
    raise ChainBroken(
        f"監査ログのチェーンが検証できないため、自治体ごとのチェーンへの移行を中止しました（通番 {seq}: {problem}）。"
        "移行前のコードで manage.py verify_audit を実行して原因を調べてください。"
    )


def _set_triggers(schema_editor, enabled: bool) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        verb = "ENABLE" if enabled else "DISABLE"
        schema_editor.execute(f"ALTER TABLE access_auditevent {verb} TRIGGER {PG_TRIGGER}")
    elif vendor == "sqlite":
        for sql in SQLITE_TRIGGERS_DROP + (SQLITE_TRIGGERS_CREATE if enabled else []):
            schema_editor.execute(sql)


def _reseal(event_model, rows, old_chain_of, new_chain_of, order_name: str):
    """Check every row as it stands (HMAC and links in its old chain), work out its place in its new chain
    and seal it again. Returns (old heads, new heads, updates) — updates are (pk, seq, prev_hash, hash)."""
    old: dict[int, tuple[int, str]] = {}
    new: dict[int, tuple[int, str]] = {}
    updates = []
    for e in rows:
        chain = old_chain_of(e)
        seq, last = old.get(chain, (0, GENESIS))
        if e.seq != seq + 1:
            _refuse(e.seq, f"{order_name}の通番が連続していません（{seq} の次が {e.seq}）")
        if e.prev_hash != last or _row_hash(e) != e.hash:
            _refuse(e.seq, "行の内容かつながりが一致しません")
        old[chain] = (e.seq, e.hash)
        chain = new_chain_of(e)
        seq, last = new.get(chain, (0, GENESIS))
        e.seq, e.prev_hash = seq + 1, last
        e.hash = _row_hash(e)
        new[chain] = (e.seq, e.hash)
        updates.append((e.pk, e.seq, e.prev_hash, e.hash))
    return old, new, updates


def _write(event_model, schema_editor, updates) -> None:
    _set_triggers(schema_editor, enabled=False)
    for start in range(0, len(updates), BATCH):
        batch = [
            event_model(pk=pk, seq=seq, prev_hash=prev, hash=digest)
            for pk, seq, prev, digest in updates[start : start + BATCH]
        ]
        event_model.objects.bulk_update(batch, ["seq", "prev_hash", "hash"])
    _set_triggers(schema_editor, enabled=True)


def _city(e) -> int:
    return e.municipality_id or SYSTEM_CHAIN


def _single(e) -> int:
    return SYSTEM_CHAIN


def forwards(apps, schema_editor):
    event_model = apps.get_model("access", "AuditEvent")
    head_model = apps.get_model("access", "AuditChainHead")
    object_model = apps.get_model("access", "AuditObject")
    heads = list(head_model.objects.all())
    # Rows are read (streamed) before any is changed; only (id, seq, links, hash) are kept for the rewrite.
    rows = event_model.objects.order_by("seq", "pk").iterator(chunk_size=BATCH)
    old, new, updates = _reseal(event_model, rows, _single, _city, "監査ログ")
    last_seq, last_hash = old.get(SYSTEM_CHAIN, (0, GENESIS))
    if heads:
        head = heads[0]
        if len(heads) > 1 or head.last_seq != last_seq or head.last_hash != last_hash:
            _refuse(last_seq, "末尾情報が行と一致しません（末尾の削除か追加）")
        if head.mac and not hmac.compare_digest(head.mac, _single_head_mac(head.last_seq, head.last_hash)):
            _refuse(last_seq, "末尾情報の署名が一致しません")
    _write(event_model, schema_editor, updates)
    head_model.objects.all().delete()
    head_model.objects.bulk_create(
        [
            head_model(
                pk=chain,
                municipality_id=chain or None,
                last_seq=seq,
                last_hash=digest,
                mac=_chain_head_mac(chain, seq, digest),
            )
            for chain, (seq, digest) in sorted(new.items())
        ]
    )
    index = []
    for pk, municipality_id, objects in (
        event_model.objects.filter(municipality__isnull=False)
        .values_list("pk", "municipality_id", "objects_json")
        .iterator(chunk_size=BATCH)
    ):
        for kind, obj_id in dict.fromkeys((str(t), int(i)) for t, i in objects):
            index.append(object_model(municipality_id=municipality_id, event_id=pk, kind=kind, obj_id=obj_id))
        if len(index) >= BATCH:
            object_model.objects.bulk_create(index)
            index = []
    object_model.objects.bulk_create(index)


def backwards(apps, schema_editor):
    event_model = apps.get_model("access", "AuditEvent")
    head_model = apps.get_model("access", "AuditChainHead")
    object_model = apps.get_model("access", "AuditObject")
    object_model.objects.all().delete()
    # Into one chain in the order the rows were written (a row's id is taken under its chain's lock).
    rows = event_model.objects.order_by("pk").iterator(chunk_size=BATCH)
    _old, new, updates = _reseal(event_model, rows, _city, _single, "チェーン")
    _write(event_model, schema_editor, updates)
    seq, digest = new.get(SYSTEM_CHAIN, (0, GENESIS))
    head_model.objects.all().delete()
    head_model.objects.create(pk=1, last_seq=seq, last_hash=digest, mac=_single_head_mac(seq, digest))


class Migration(migrations.Migration):
    dependencies = [("access", "0006_auditchain_per_municipality_chains")]

    operations = [migrations.RunPython(forwards, backwards)]
