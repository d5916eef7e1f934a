"""History step (final): the audit log of everything the other steps wrote, as one valid hash chain.

Every step hands its events to `ctx.audit` in time order; this step merges them, keeps a uniform sample
of `audit_events` of them (deterministic by seed), and chains them with the audit module's own hash
(`tsunagu.access.audit.compute_hash`), continuing the chain already in the database, so that
`manage.py verify_audit` accepts the result.

The chain layout (one chain per municipality, its head in AuditChainHead with the city's id as key) is
confined to `_ChainHead` and `_Event` below. The object index (AuditObject) of the new rows is filled by
one INSERT … SELECT over their `objects_json` after the load (`audit.index_loaded_rows`).
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, cast

from tsunagu.access import audit
from tsunagu.access.auditkey import head_mac
from tsunagu.access.models import AuditChainHead, AuditEvent, AuditObject
from tsunagu.core.history import AuditItem, HistoryContext, history_step

from .common import StaffData

COLUMNS = (
    "id",
    "seq",
    "at",
    "municipality_id",
    "actor_id",
    "actor_username",
    "actor_role",
    "organization_id_snapshot",
    "organization_name",
    "action",
    "channel",
    "objects_json",
    "object_index",
    "reason",
    "detail",
    "view_name",
    "prev_hash",
    "hash",
)


@dataclass(slots=True)
class _Event:
    """The attributes `audit.compute_hash` reads, without building a model instance per row."""

    seq: int
    at: dt.datetime
    municipality_id: int
    actor_id: int | None
    actor_username: str
    actor_role: str
    organization_id_snapshot: int | None
    organization_name: str
    action: str
    channel: str
    objects_json: list[list[Any]]
    object_index: str
    reason: str
    detail: dict[str, Any]
    view_name: str
    prev_hash: str


class _ChainHead:
    """The end of the chain the new events continue (locked until commit)."""

    def __init__(self, municipality_id: int) -> None:
        self.chain = audit.chain_of(municipality_id)
        self.head = audit.lock_head(self.chain)
        self.seq = self.head.last_seq
        self.hash = self.head.last_hash

    def save(self) -> None:
        AuditChainHead.objects.filter(pk=self.head.pk).update(
            last_seq=self.seq, last_hash=self.hash, mac=head_mac(self.seq, self.hash, self.chain)
        )


@history_step("audit", final=True)
def audit_step(ctx: HistoryContext) -> None:
    """Chain a sample of `audit_events` of the steps' events, oldest first."""
    target = ctx.size("audit_events")
    available = ctx.audit.available
    if target <= 0 or available <= 0:
        return
    keep = ctx.audit.keep = min(1.0, target / available)
    rng = ctx.rng("audit")

    def sampled(items: Iterable[AuditItem]) -> Iterator[AuditItem]:
        return (item for item in items if rng.random() < keep)

    streams = [
        iter(items) if self_sampled or keep >= 1.0 else sampled(items)
        for _name, items, _count, self_sampled in ctx.audit.sources
    ]
    sample = heapq.merge(*streams, key=lambda i: i.at)
    table = ctx.table(AuditEvent)
    head = _ChainHead(ctx.municipality.pk)
    first_id = ctx.writer.reserve_ids(table, min(available, int(target * 1.1) + 100))
    staff: StaffData = ctx.shared["staff"]
    with ctx.writer.bulk_load([table]):
        written = ctx.writer.write(table, COLUMNS, _rows(ctx, sample, head, first_id, staff))
    ctx.writer.release_ids(table, first_id + written - 1)
    with ctx.writer.bulk_load([ctx.table(AuditObject)]):  # PostgreSQL: its keys rebuilt once, after the load
        audit.index_loaded_rows(first_id, first_id + written - 1)
    head.save()


def _rows(
    ctx: HistoryContext, items: Iterator[AuditItem], head: _ChainHead, first_id: int, staff: StaffData
) -> Iterator[tuple[str, ...]]:
    fmt = ctx.fmt
    null = fmt.NULL
    muni = ctx.municipality.pk
    utc = dt.UTC
    detail_json: dict[tuple[tuple[str, Any], ...], str] = {}  # the same few details recur: JSON built once

    def details(detail: Any) -> str:
        key = tuple(sorted(detail.items())) if detail else ()
        try:
            text = detail_json.get(key)
        except TypeError:  # a list among the values (ids, a stage move): built each time
            return fmt.json(dict(detail))
        if text is None:
            text = fmt.json(dict(detail or {}))
            if len(detail_json) < 10_000:
                detail_json[key] = text
        return text

    for n, item in enumerate(items):
        username, role, org_id, org_name = staff.info.get(item.actor_id or 0, ("", "", None, ""))
        objects = [[kind, pk] for kind, pk in item.objects]
        event = _Event(
            seq=head.seq + 1,
            at=dt.datetime.fromtimestamp(item.at, utc),
            municipality_id=muni,
            actor_id=item.actor_id,
            actor_username=username,
            actor_role=role,
            organization_id_snapshot=org_id,
            organization_name=org_name,
            action=item.action,
            channel=item.channel,
            objects_json=objects,
            object_index="".join(f" {t}:{i}" for t, i in objects) + (" " if objects else ""),
            reason=item.reason,
            detail=dict(item.detail or {}),
            view_name=item.view_name,
            prev_hash=head.hash,
        )
        digest = audit.compute_hash(cast(AuditEvent, event))
        yield (
            str(first_id + n),
            str(event.seq),
            fmt.ts(item.at),
            str(muni),
            null if item.actor_id is None else str(item.actor_id),
            username,
            role,
            null if org_id is None else str(org_id),
            fmt.text(org_name),
            item.action,
            item.channel,
            fmt.objects_json(item.objects),
            event.object_index,
            fmt.text(item.reason),
            details(item.detail),
            item.view_name,
            head.hash,
            digest,
        )
        head.seq, head.hash = event.seq, digest
