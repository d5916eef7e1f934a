"""Removing a record together with everything that depends on it (retention, docs/operations.md).

Most foreign keys in Tsunagu are PROTECT, so that nothing is lost by accident; removing a record past its
retention period therefore walks the model graph itself (through `_meta` only, so a lower app needs no
import of the upper apps whose rows point at its records): every row that points at the record is removed
first, children before parents. A row that points back into the tree through a nullable key (a case's
`closure_plan`) is unlinked instead. A row of a model in `keep` (a person, a household, another case, the
audit log) stops the walk: the record is then not removable and the caller keeps it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from django.db import models
from django.db.models import Exists, ForeignObjectRel, OuterRef, QuerySet
from django.utils import timezone

M = TypeVar("M", bound=models.Model)

# Never removed through a walk, whatever points where: the audit log is append-only (a trigger refuses it).
ALWAYS_KEEP = frozenset({"access.AuditEvent", "access.AuditChainHead", "access.AuditObject"})


class Blocked(Exception):
    """The record is referenced by a row that must stay (named by its model label)."""

    def __init__(self, label: str) -> None:
        super().__init__(label)
        self.label = label


@dataclass
class Removal:
    rows: list[models.Model] = field(default_factory=list)  # children first
    unlink: list[tuple[models.Model, str]] = field(default_factory=list)
    _done: set[tuple[str, object]] = field(default_factory=set)

    def counts(self) -> Counter[str]:
        return Counter(row._meta.label for row in self.rows)

    def ids(self, label: str) -> list[int]:
        return sorted(int(row.pk) for row in self.rows if row._meta.label == label)

    def contains(self, row: models.Model) -> bool:
        return (row._meta.label, row.pk) in self._done


@dataclass
class RetentionStep:
    """What one app's retention step removed, anonymised and kept (with why), for the run's report."""

    removal: Removal = field(default_factory=Removal)
    anonymised: dict[str, list[int]] = field(default_factory=dict)  # model label -> ids
    kept: dict[str, list[int]] = field(default_factory=dict)  # why -> ids


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def reverse_relations(model: type[models.Model]) -> list[ForeignObjectRel]:
    """Every key that points at `model`, also those hidden by related_name="+" (through rows included)."""
    rels = []
    for rel in model._meta.get_fields(include_hidden=True):
        if rel.auto_created and not rel.concrete and not rel.many_to_many:
            assert isinstance(rel, ForeignObjectRel)
            rels.append(rel)
    return rels


def unreferenced(queryset: QuerySet[M], *, within: frozenset[str]) -> QuerySet[M]:
    """The rows of `queryset` that no row outside the models labelled in `within` points at.

    A lower app asks this of its own records without importing the upper apps whose rows may point at
    them (a household with no case, consultation or referral left)."""
    for rel in reverse_relations(queryset.model):
        child = rel.related_model
        assert not isinstance(child, str)
        if child._meta.label in within:
            continue
        queryset = queryset.exclude(Exists(child._base_manager.filter(**{rel.field.name: OuterRef("pk")})))
    return queryset


def collect(
    roots: list[models.Model],
    *,
    keep: frozenset[str] = frozenset(),
    only: frozenset[str] | None = None,
    into: Removal | None = None,
) -> Removal:
    """The rows to remove (and the back-links to clear) to delete `roots`; raises Blocked.

    With `into`, rows already collected there count as removed (one run removes cases, then consultations).
    With `only`, a row of any other model blocks the removal (an allow-list, for persons and households)."""
    removal = into if into is not None else Removal()
    trial = Removal(rows=[], unlink=[], _done=set(removal._done))
    for root in roots:
        _walk(root, trial, set(), keep | ALWAYS_KEEP, only)
    removal.rows.extend(r for r in trial.rows)
    removal.unlink.extend(trial.unlink)
    removal._done = trial._done
    return removal


def _walk(
    row: models.Model,
    removal: Removal,
    in_progress: set[tuple[str, object]],
    keep: frozenset[str],
    only: frozenset[str] | None,
) -> None:
    key = (row._meta.label, row.pk)
    if key in removal._done:
        return
    in_progress.add(key)
    # Every reverse relation, also those hidden by related_name="+" (most keys to a case or a person are);
    # many-to-many through rows are reverse relations of their own and are walked like any child.
    for rel in reverse_relations(type(row)):
        fk = rel.field
        child_model = rel.related_model
        assert not isinstance(child_model, str)  # resolved once the app registry is ready
        children = child_model._base_manager.filter(**{fk.name: row}).order_by("pk")
        for child in children:
            child_key = (child._meta.label, child.pk)
            if child_key in removal._done:
                continue
            if child_key in in_progress:
                if not fk.null:
                    raise Blocked(child._meta.label)
                removal.unlink.append((child, fk.name))
                continue
            if child._meta.label in keep or (only is not None and child._meta.label not in only):
                raise Blocked(child._meta.label)
            _walk(child, removal, in_progress, keep, only)
    in_progress.discard(key)
    removal._done.add(key)
    removal.rows.append(row)


def remove_each(
    roots: Iterable[models.Model], *, keep: frozenset[str], label: str, objects: str
) -> tuple[Removal, list[int], list[tuple[str, int]]]:
    """Collect and delete each root that can go (call inside a transaction): the removal, the ids of the
    roots kept because a row in `keep` points at them, and the (`objects`, id) pairs the audit row names."""
    done = Removal()
    blocked: list[int] = []
    for root in roots:
        try:
            collect([root], keep=keep, into=done)
        except Blocked:
            blocked.append(int(root.pk))
    execute(done)
    return done, blocked, [(objects, pk) for pk in done.ids(label)]


def execute(removal: Removal) -> None:
    """Clear the back-links, then delete children before parents. Call inside a transaction."""
    for row, name in removal.unlink:
        type(row)._base_manager.filter(pk=row.pk).update(**{name: None})
    for row in removal.rows:
        type(row)._base_manager.filter(pk=row.pk).delete()
