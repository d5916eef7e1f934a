"""Cross-app visibility: how an upper app widens a lower app's read rule without the lower app importing it.

Each app decides who may read its records in its own `policy.py`. Some rules cross apps: an active case
consent (cases) opens the consultations (intake) of the consented persons to the case's team
organizations; a 支援会議 member (meetings) may read a case (cases) during the meeting's follow-up window.
The lower app cannot import the upper one (the import-linter layers contract forbids it), so:

1. the lower app *declares* a record kind once, in its AppConfig.ready():
       declare_record_kind("consultation", "intake.Consultation")
2. an upper app *registers* a contributor for that kind, in its own AppConfig.ready():
       register_visibility("consultation", "cases.consented_persons", consented_consultations)
   A contributor is `(staff, at) -> Q | None`: a filter on the declared model that selects the extra rows
   `staff` may read at `at`, or None when it grants nothing to this staff member.
   It may also register a `narrowed` form, `(staff, at, within) -> Q | None`, used when the policy's
   query is already limited to the rows of `within` (one household's consultations): among those rows it
   must select exactly what the contributor selects, but its sub-selects may read only what concerns
   them. A city-wide sub-select (every person any consent shares with an organization) inside an OR is
   built whole before the first row is tested, ≈ 30 ms at 3,000,000 consultations, once per query.
3. the lower app's policy ORs them into its own rule with `widen(...)`:
       Consultation.objects.filter(municipality=staff.municipality).filter(
           widen("consultation", staff, base=Q(organization=staff.organization), at=at))

Contributors can only widen *inside* what the policy already limits: the municipality filter and the role
check stay outside the OR in the policy, so no contributor can reach another city's rows. A contributor
that raises makes the read fail (fail closed), never silently skip a rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

Contributor = Callable[[Any, dt.datetime], Q | None]
Narrowed = Callable[[Any, dt.datetime, QuerySet[Any]], Q | None]


@dataclass(frozen=True)
class VisibilityRule:
    """One registered widening of a record kind's read rule."""

    kind: str
    name: str  # "<app>.<what>", unique per kind; kept in audit details ("why")
    contributor: Contributor
    label: str = ""  # why it grants access, in Japanese, for screens that explain it (閲覧できる理由)
    narrowed: Narrowed | None = None  # the same rule among the rows of `within` (see the module doc)


@dataclass(frozen=True)
class RecordKind:
    kind: str
    model_label: str  # "app_label.ModelName" of the rows a contributor's Q filters


_KINDS: dict[str, RecordKind] = {}
_RULES: dict[str, dict[str, VisibilityRule]] = {}


def declare_record_kind(kind: str, model_label: str) -> None:
    """Declare that `kind` names rows of `model_label` whose policy accepts registered widenings.

    Called by the app that owns the model, before any upper app registers (INSTALLED_APPS order)."""
    existing = _KINDS.get(kind)
    if existing is not None and existing.model_label != model_label:
        raise ValueError(f"record kind {kind!r} is already declared for {existing.model_label}")
    _KINDS[kind] = RecordKind(kind, model_label)
    _RULES.setdefault(kind, {})


def register_visibility(
    kind: str, name: str, contributor: Contributor, *, label: str = "", narrowed: Narrowed | None = None
) -> None:
    """Add a contributor to `kind`'s read rule. Idempotent for the same function under the same name.

    `label` says in Japanese why the rule grants access (e.g. 「支援会議の構成員（守秘義務）」); policies that
    explain access (the case page's 閲覧できる理由) show it. `narrowed`: the same rule for a query already
    limited to given rows (module doc)."""
    if kind not in _KINDS:
        raise KeyError(
            f"record kind {kind!r} is not declared; the owning app declares it in its AppConfig.ready() "
            "and must come earlier in INSTALLED_APPS"
        )
    existing = _RULES[kind].get(name)
    if existing is not None and existing.contributor is not contributor:
        raise ValueError(f"visibility rule {name!r} for {kind!r} is already registered")
    _RULES[kind][name] = VisibilityRule(kind, name, contributor, label, narrowed)


def visibility_rules(kind: str) -> list[VisibilityRule]:
    """The contributors registered for `kind`, in name order (stable)."""
    return [_RULES.get(kind, {})[n] for n in sorted(_RULES.get(kind, {}))]


def _checked(rule: VisibilityRule, extra: object) -> Q | None:
    if extra is None:
        return None
    if not isinstance(extra, Q):
        raise TypeError(f"visibility rule {rule.name!r} returned {type(extra).__name__}, not Q")
    if not extra:
        # An empty Q() matches every row: a contributor must say what it grants, never "everything".
        raise ValueError(f"visibility rule {rule.name!r} returned an empty Q")
    return extra


def widen(
    kind: str, staff: Any, *, base: Q, at: dt.datetime | None = None, within: QuerySet[Any] | None = None
) -> Q:
    """`base` OR every registered contributor's filter for `staff` at `at` (default: now).

    The caller applies the municipality and role limits outside this Q. `within`: the caller's query is
    limited to these rows too (e.g. one household's consultations), and the Q is only ever applied to
    them: rules with a `narrowed` form then use it (the same rows among `within`, read through indexes)."""
    if kind not in _KINDS:
        raise KeyError(f"record kind {kind!r} is not declared")
    at = at or timezone.now()
    combined = base
    for rule in visibility_rules(kind):
        if within is not None and rule.narrowed is not None:
            extra = _checked(rule, rule.narrowed(staff, at, within))
        else:
            extra = _checked(rule, rule.contributor(staff, at))
        if extra is not None:
            combined = combined | extra
    return combined


def granting_rules(
    kind: str, staff: Any, rows: QuerySet[Any], at: dt.datetime | None = None
) -> list[VisibilityRule]:
    """The registered rules under which `staff` may read any row of `rows` (usually one record), for
    screens and audit details that say why access was given."""
    at = at or timezone.now()
    found = []
    for rule in visibility_rules(kind):
        extra = _checked(rule, rule.contributor(staff, at))
        if extra is not None and rows.filter(extra).exists():
            found.append(rule)
    return found
