"""Every write of community resources (社会資源) from a screen or a file import.

A resource holds no personal data, but a change to the city's directory is still a change staff make,
so each write is audited like a staff change: one audit row (ids and changed field names, never values)
in the same transaction. Edits carry the version the user read; a stale one raises StaleResource and
changes nothing. The profile loader (profiles.py) writes `[[resources]]` as the system, like every
profile section.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Max

from tsunagu.access import audit
from tsunagu.access.models import AuditAction

from .resource_models import Resource, ResourceSource


class StaleResource(Exception):
    """Someone saved the resource after the user opened it."""

    message = "ほかの職員がこの社会資源を更新しました。最新の内容を確認してからやり直してください。"


def _next_sort_order(municipality: Any) -> int:
    top = Resource.objects.filter(municipality=municipality).aggregate(m=Max("sort_order"))["m"]
    return 0 if top is None else top + 1


def _bump(resource: Resource, version: int) -> None:
    """Optimistic lock: refuse if the row changed since `version` was read."""
    if Resource.objects.filter(pk=resource.pk, version=version).update(version=F("version") + 1) != 1:
        raise StaleResource
    resource.version = version + 1


@transaction.atomic
def create_resource(*, actor: Any, key: str, values: dict[str, Any]) -> Resource:
    """Register a resource kept on screen. The key is checked unique by the form (and the constraint)."""
    resource = Resource.objects.create(
        municipality=actor.municipality,
        key=key,
        source=ResourceSource.SCREEN,
        sort_order=_next_sort_order(actor.municipality),
        **values,
    )
    audit.record(
        actor=actor, action=AuditAction.CREATE, objects=[("resource", resource.pk)], detail={"key": key}
    )
    return resource


@transaction.atomic
def update_resource(*, actor: Any, resource: Resource, version: int, values: dict[str, Any]) -> Resource:
    """Save the edited fields; nothing (not even the version) changes when nothing was edited."""
    if resource.version != version:
        raise StaleResource
    changed = sorted(name for name, value in values.items() if getattr(resource, name) != value)
    if not changed:
        return resource
    _bump(resource, version)
    for name in changed:
        setattr(resource, name, values[name])
    resource.source = ResourceSource.SCREEN
    resource.save(update_fields=[*changed, "source", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        objects=[("resource", resource.pk)],
        detail={"fields": changed, "version": [version, resource.version]},
    )
    return resource


@transaction.atomic
def set_resource_active(*, actor: Any, resource: Resource, version: int, active: bool) -> Resource:
    """Deactivate (掲載終了) or reactivate a resource. Rows are never deleted: participation records
    may point at them."""
    if resource.version != version:
        raise StaleResource
    if resource.active == active:
        return resource
    _bump(resource, version)
    resource.active = active
    resource.save(update_fields=["active", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        objects=[("resource", resource.pk)],
        detail={"active": [not active, active], "version": [version, resource.version]},
    )
    return resource


@dataclass(frozen=True)
class ImportRow:
    """One validated row of an import: the key and the column values (references already resolved)."""

    key: str
    values: dict[str, Any]


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


@transaction.atomic
def import_resources(*, actor: Any, rows: Sequence[ImportRow], file_format: str) -> ImportResult:
    """Upsert every validated row by key in one transaction (the caller validated all rows first).

    Rows not in the file are left as they are: a file may hold one area's resources only. The file's
    `service.status` sets whether a row is active.
    """
    muni = actor.municipality
    existing = {r.key: r for r in Resource.objects.select_for_update().filter(municipality=muni)}
    order = _next_sort_order(muni)
    created = updated = unchanged = 0
    touched: list[int] = []
    for row in rows:
        values = row.values
        current = existing.get(row.key)
        if current is None:
            current = Resource.objects.create(
                municipality=muni, key=row.key, source=ResourceSource.IMPORT, sort_order=order, **values
            )
            existing[row.key] = current
            order += 1
            created += 1
            touched.append(current.pk)
            continue
        changed = sorted(name for name, value in values.items() if getattr(current, name) != value)
        if not changed:
            unchanged += 1
            continue
        for name in changed:
            setattr(current, name, values[name])
        current.source = ResourceSource.IMPORT
        current.version = F("version") + 1
        current.save(update_fields=[*changed, "source", "version", "updated_at"])
        updated += 1
        touched.append(current.pk)
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        objects=[("resource", pk) for pk in touched],
        detail={"import": file_format, "created": created, "updated": updated, "unchanged": unchanged},
    )
    return ImportResult(created=created, updated=updated, unchanged=unchanged)
