"""What an audit row or an emergency access is *about*, in words a person can read — and finding a person.

The audit log stores record types and ids only (never names). An auditor reading "household:14" cannot
tell whose household that is; an auditor reading 世帯「山田」No.14 can. The apps that own the records say
how to describe them, through this registry (access imports nothing above accounts):

    # people/apps.py ready()
    register_describer("household", "世帯", describe_households)   # (municipality_id, ids) -> {id: text}
    register_person_finder(find_persons)                           # name/kana search for auditors and
                                                                   # for emergency access requests
    register_person_relations("people.households", households_of)  # person ids -> related records

Describers run only for the screens of the audit log and of emergency access, whose reads are themselves
recorded: the caller puts every described person and household into its own audit row (`named_objects`).
A describer must stay inside the given municipality.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

Target = tuple[str, int]
Describer = Callable[[int, list[int]], dict[int, str]]


@dataclass(frozen=True)
class FoundPerson:
    """A person found by name for an auditor or an emergency access request: identity only."""

    person_id: int
    name: str  # 山田 太郎
    detail: str  # やまだ たろう・昭和35年4月1日生
    related: tuple[Target, ...] = field(default=())  # ("household", 14), ("case", 3) …


PersonFinder = Callable[[int, str, "dt.date | None", int], list[FoundPerson]]
Relations = Callable[[int, list[int]], dict[int, list[Target]]]

# The kinds the audit log names, with the word a person reads. Apps add theirs with register_describer.
_KIND_LABELS: dict[str, str] = {
    "person": "本人",
    "household": "世帯",
    "case": "ケース",
    "consultation": "相談",
    "escalation_request": "つなぎ依頼",
    "staff": "職員",
    "break_glass": "緊急アクセス",
    "audit_event": "監査ログ",
    "support_plan": "支援計画",
    "assessment": "アセスメント",
    "consent": "本人同意",
    "case_transition": "ケースの状態変更",
    "personmerge": "名寄せ",
    "personrelationship": "続柄",
    "householdmember": "世帯員",
    "resource": "社会資源",
    "municipality": "自治体",
}
_DESCRIBERS: dict[str, Describer] = {}
_FINDERS: list[PersonFinder] = []
_RELATIONS: dict[str, Relations] = {}

# Kinds whose description carries a resident's name: reading them is recorded by the screen that shows it.
NAMED_KINDS = frozenset({"person", "household"})


def _describe_staff(municipality_id: int, ids: list[int]) -> dict[int, str]:
    """職員「窓口 花子」(a-window): staff are named by the access floor itself (accounts is below it)."""
    from tsunagu.accounts.models import Staff

    rows = Staff.objects.filter(municipality_id=municipality_id, pk__in=ids).only("username", "display_name")
    return {s.pk: f"「{s.display_name or s.username}」({s.username})" for s in rows}


_DESCRIBERS["staff"] = _describe_staff


def _describe_resources(municipality_id: int, ids: list[int]) -> dict[int, str]:
    """社会資源「ひだまりサロン」(salon-hidamari): directory rows, no personal data (directory is below access)."""
    from tsunagu.directory.resource_models import Resource

    rows = Resource.objects.filter(municipality_id=municipality_id, pk__in=ids).only("name", "key")
    return {r.pk: f"「{r.name}」({r.key})" for r in rows}


_DESCRIBERS["resource"] = _describe_resources


def register_describer(obj_type: str, label: str, describer: Describer | None = None) -> None:
    """Say what `obj_type` is called and, optionally, how to describe its rows (「山田」No.14)."""
    existing = _DESCRIBERS.get(obj_type)
    if describer is not None and existing is not None and existing is not describer:
        raise ValueError(f"a describer for {obj_type!r} is already registered")
    _KIND_LABELS[obj_type] = label
    if describer is not None:
        _DESCRIBERS[obj_type] = describer


def register_person_finder(finder: PersonFinder) -> None:
    """The app that owns persons registers its name search (one finder; registering it again is a no-op)."""
    if finder not in _FINDERS:
        if _FINDERS:
            raise ValueError("a person finder is already registered")
        _FINDERS.append(finder)


def register_person_relations(name: str, relations: Relations) -> None:
    """An app says which of its records belong to a person (their households, their cases)."""
    existing = _RELATIONS.get(name)
    if existing is not None and existing is not relations:
        raise ValueError(f"person relations {name!r} are already registered")
    _RELATIONS[name] = relations


def kind_label(obj_type: str) -> str:
    return _KIND_LABELS.get(obj_type, obj_type)


def describe(municipality_id: int, targets: Iterable[Target]) -> dict[Target, str]:
    """Every target in words: 世帯「山田」No.14, ケース 2026-0003, つなぎ依頼 No.5 (one query per kind)."""
    by_kind: dict[str, set[int]] = defaultdict(set)
    for obj_type, obj_id in targets:
        by_kind[obj_type].add(obj_id)
    described: dict[Target, str] = {}
    for obj_type, ids in by_kind.items():
        label = kind_label(obj_type)
        describer = _DESCRIBERS.get(obj_type)
        texts = describer(municipality_id, sorted(ids)) if describer else {}
        for obj_id in ids:
            text = texts.get(obj_id)
            described[(obj_type, obj_id)] = f"{label}{text}" if text else f"{label} No.{obj_id}"
    return described


def named_objects(targets: Iterable[Target]) -> list[Target]:
    """The targets whose description names a resident (for the reading screen's own audit row)."""
    return sorted({t for t in targets if t[0] in NAMED_KINDS})


def find_persons(
    municipality_id: int, query: str, birth_date: dt.date | None = None, limit: int = 20
) -> list[FoundPerson]:
    """Persons of the city whose name or reading matches, with the records that belong to them."""
    if not _FINDERS or not query.strip():
        return []
    found = _FINDERS[0](municipality_id, query, birth_date, limit)
    ids = [f.person_id for f in found]
    related: dict[int, list[Target]] = defaultdict(list)
    for name in sorted(_RELATIONS):
        for person_id, targets in _RELATIONS[name](municipality_id, ids).items():
            related[person_id].extend(targets)
    return [
        FoundPerson(f.person_id, f.name, f.detail, tuple(dict.fromkeys([*f.related, *related[f.person_id]])))
        for f in found
    ]


def person_trail(municipality_id: int, person_id: int) -> list[Target]:
    """The records whose audit rows make up a person's trail: the person, their households and cases."""
    targets: list[Target] = [("person", person_id)]
    for name in sorted(_RELATIONS):
        targets.extend(_RELATIONS[name](municipality_id, [person_id]).get(person_id, []))
    return list(dict.fromkeys(targets))
