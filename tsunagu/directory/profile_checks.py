"""References between sections of a profile, checked once every section has the right shape.

One function per section, listed in `CHECKS`: a new section adds its function here (docs/profile.md §8).
Each returns (key path, message) pairs in Japanese.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tsunagu.municipalities.choices import NATIONAL_COUNTED_DOMAINS, Domain

from .profile_schema import NationalTaxonomy, Profile

NATIONAL_TAXONOMY = Path(__file__).resolve().parent.parent / "municipalities" / "national_taxonomy.toml"

Problems = list[tuple[str, str]]


@cache
def national_taxonomy() -> NationalTaxonomy:
    return NationalTaxonomy.model_validate(tomllib.loads(NATIONAL_TAXONOMY.read_text("utf-8")))


@dataclass(frozen=True)
class Known:
    """The keys each section defines, for the checks of the sections that refer to them."""

    areas: set[str]
    organizations: set[str]
    departments: set[str]
    windows: set[str]
    bodies: set[str]
    concerns: set[str]
    national_concerns: set[str]
    domains: set[str]  # every code an entry may be tagged with
    counted: list[str]  # what the city's rules count, in order


def at(section: str, i: int, key: str, attr: str, name: str = "key") -> str:
    return f'{section}[{i + 1} {name}="{key}"].{attr}'


def _ref(problems: Problems, loc: str, value: str | None, known: set[str], what: str, section: str) -> None:
    if value is not None and value not in known:
        problems.append((loc, f'{what} "{value}" は {section} にありません'))


def _refs(problems: Problems, loc: str, values: list[str], known: set[str], what: str, section: str) -> None:
    for v in values:
        _ref(problems, loc, v, known, what, section)


def _domains(problems: Problems, loc: str, values: list[str], k: Known) -> None:
    for v in values:
        if v not in k.domains:
            problems.append(
                (loc, f'分野 "{v}" は定義されていません（使用できる分野: {", ".join(sorted(k.domains))}）')
            )


def _unique(problems: Problems, section: str, keys: list[str], attr: str = "key") -> set[str]:
    seen: set[str] = set()
    for i, k in enumerate(keys):
        if k in seen:
            problems.append((f'{section}[{i + 1} {attr}="{k}"].{attr}', f'{attr} "{k}" が重複しています'))
        seen.add(k)
    return seen


def known_keys(p: Profile, problems: Problems) -> Known:
    national = {c.code for c in national_taxonomy().concerns}
    domain_codes = _unique(problems, "domains", [d.code for d in p.domains], "code")
    return Known(
        areas=_unique(problems, "areas", [a.key for a in p.areas]),
        organizations=_unique(problems, "organizations", [o.key for o in p.organizations]),
        departments={o.key for o in p.organizations if o.kind == "department"},
        windows=_unique(problems, "windows", [w.key for w in p.windows]),
        bodies=_unique(problems, "meeting_bodies", [b.key for b in p.meeting_bodies]),
        concerns=national | _unique(problems, "concerns", [c.code for c in p.concerns], "code"),
        national_concerns=national,
        domains=set(Domain.values) | domain_codes,
        counted=[d.code for d in p.domains] or list(NATIONAL_COUNTED_DOMAINS),
    )


def check_domains(p: Profile, k: Known) -> Problems:
    problems: Problems = []
    for i, d in enumerate(p.domains):
        if d.code not in Domain.values and not d.name:
            problems.append(
                (at("domains", i, d.code, "name", "code"), "全国標準にない分野には name（名称）が必要です")
            )
    if p.domains and len(p.domains) < 2:
        problems.append(("domains", "数える分野は2つ以上書いてください"))
    return problems


def check_concerns(p: Profile, k: Known) -> Problems:
    problems: Problems = []
    for i, c in enumerate(p.concerns):
        if not c.name and c.code not in k.national_concerns:
            problems.append(
                (at("concerns", i, c.code, "name", "code"), "全国標準にない課題には name（名称）が必要です")
            )
        _domains(problems, at("concerns", i, c.code, "domains", "code"), list(c.domains), k)
    listed = p.concern_list
    _refs(problems, "concern_list.order", listed.order, k.concerns, "課題コード", "課題の分類")
    _refs(problems, "concern_list.hide", listed.hide, k.concerns, "課題コード", "課題の分類")
    _unique(problems, "concern_list.order", listed.order, "code")
    for code in sorted(set(listed.order) & set(listed.hide)):
        problems.append(
            ("concern_list.hide", f'課題 "{code}" は order（並べる）と hide（使わない）の両方にあります')
        )
    hidden = set(listed.hide)
    for i, w in enumerate(p.windows):
        for code in sorted(hidden & set(w.concerns)):
            problems.append(
                (
                    at("windows", i, w.key, "concerns"),
                    f'課題 "{code}" は concern_list.hide で使わないことにしています',
                )
            )
    for i, r in enumerate(p.escalation_rules):
        for code in sorted(hidden & set(r.concerns)):
            problems.append(
                (
                    at("escalation_rules", i, r.key, "concerns"),
                    f'課題 "{code}" は concern_list.hide で使わないことにしています',
                )
            )
    return problems


def check_areas(p: Profile, k: Known) -> Problems:
    problems: Problems = []
    parents = {a.key: a.parent for a in p.areas}
    for i, a in enumerate(p.areas):
        _ref(problems, at("areas", i, a.key, "parent"), a.parent, k.areas, "地区", "areas")
        seen, cur = {a.key}, a.parent
        while cur is not None and cur in parents:
            if cur in seen:
                problems.append((at("areas", i, a.key, "parent"), "親子関係が循環しています"))
                break
            seen.add(cur)
            cur = parents[cur]
    return problems


def check_organizations(p: Profile, k: Known) -> Problems:
    problems: Problems = []
    for i, o in enumerate(p.organizations):
        loc = at("organizations", i, o.key, "department")
        if o.department is not None:
            if o.department == o.key:
                problems.append((loc, "自分自身を所管課にはできません"))
            elif o.department in k.organizations and o.department not in k.departments:
                problems.append((loc, f'"{o.department}" は kind = "department" ではありません'))
            else:
                _ref(problems, loc, o.department, k.organizations, "所管課", "organizations")
        _refs(problems, at("organizations", i, o.key, "areas"), o.areas, k.areas, "地区", "areas")
        _domains(problems, at("organizations", i, o.key, "domains"), o.domains, k)
    return problems


def check_programs(p: Profile, k: Known) -> Problems:
    problems: Problems = []
    operation_of = {o.key: o.operation for o in p.organizations}
    for i, x in enumerate(p.programs):
        _ref(
            problems,
            at("programs", i, x.key, "organization"),
            x.organization,
            k.organizations,
            "実施機関",
            "organizations",
        )
        _refs(
            problems,
            at("programs", i, x.key, "organizations"),
            x.organizations,
            k.organizations,
            "共同で実施する機関",
            "organizations",
        )
        _ref(
            problems,
            at("programs", i, x.key, "department"),
            x.department,
            k.organizations,
            "担当課",
            "organizations",
        )
        _refs(problems, at("programs", i, x.key, "areas"), x.areas, k.areas, "地区", "areas")
        _domains(problems, at("programs", i, x.key, "domains"), x.domains, k)
        operation = x.operation or (operation_of.get(x.organization or "") if x.organization else None)
        if (x.contract_starts_on or x.contract_ends_on) and operation not in ("contracted", "mixed"):
            attr = "contract_starts_on" if x.contract_starts_on else "contract_ends_on"
            problems.append(
                (
                    at("programs", i, x.key, attr),
                    '委託期間は operation = "contracted" または "mixed" の事業にだけ書けます',
                )
            )
    return problems


def check_windows(p: Profile, k: Known) -> Problems:
    problems: Problems = []
    for i, w in enumerate(p.windows):
        _ref(
            problems,
            at("windows", i, w.key, "organization"),
            w.organization,
            k.organizations,
            "運営機関",
            "organizations",
        )
        _refs(problems, at("windows", i, w.key, "areas"), w.areas, k.areas, "地区", "areas")
        _refs(
            problems, at("windows", i, w.key, "concerns"), w.concerns, k.concerns, "課題コード", "課題の分類"
        )
        _domains(problems, at("windows", i, w.key, "domains"), w.domains, k)
    return problems


def check_coordinators(p: Profile, k: Known) -> Problems:
    problems: Problems = []
    for i, post in enumerate(p.coordinators):
        _ref(
            problems,
            at("coordinators", i, post.key, "organization"),
            post.organization,
            k.organizations,
            "配置機関",
            "organizations",
        )
        _ref(problems, at("coordinators", i, post.key, "area"), post.area, k.areas, "地区", "areas")
    return problems


def check_meeting_bodies(p: Profile, k: Known) -> Problems:
    problems: Problems = []
    body_parent = {b.key: b.parent for b in p.meeting_bodies}
    for i, b in enumerate(p.meeting_bodies):
        _refs(
            problems,
            at("meeting_bodies", i, b.key, "members"),
            b.members,
            k.organizations,
            "構成機関",
            "organizations",
        )
        _ref(
            problems,
            at("meeting_bodies", i, b.key, "secretariat"),
            b.secretariat,
            k.organizations,
            "事務局",
            "organizations",
        )
        _ref(
            problems, at("meeting_bodies", i, b.key, "parent"), b.parent, k.bodies, "会議体", "meeting_bodies"
        )
        _refs(
            problems,
            at("meeting_bodies", i, b.key, "eligible_members"),
            b.eligible_members,
            k.organizations,
            "構成員の候補",
            "organizations",
        )
        _refs(problems, at("meeting_bodies", i, b.key, "areas"), b.areas, k.areas, "地区", "areas")
        _ref(
            problems,
            at("meeting_bodies", i, b.key, "screened_by"),
            b.screened_by,
            k.bodies,
            "事前に協議する会議体",
            "meeting_bodies",
        )
        seen, cur = {b.key}, b.parent
        while cur is not None and cur in body_parent:
            if cur in seen:
                problems.append((at("meeting_bodies", i, b.key, "parent"), "上位の会議体が循環しています"))
                break
            seen.add(cur)
            cur = body_parent[cur]
    return problems


def check_escalation_rules(p: Profile, k: Known) -> Problems:
    problems: Problems = []
    for i, r in enumerate(p.escalation_rules):
        _ref(
            problems,
            at("escalation_rules", i, r.key, "from_body"),
            r.from_body,
            k.bodies,
            "会議体",
            "meeting_bodies",
        )
        _ref(
            problems,
            at("escalation_rules", i, r.key, "to_body"),
            r.to_body,
            k.bodies,
            "会議体",
            "meeting_bodies",
        )
        _refs(
            problems,
            at("escalation_rules", i, r.key, "from_windows"),
            r.from_windows,
            k.windows,
            "窓口",
            "windows",
        )
        _refs(
            problems,
            at("escalation_rules", i, r.key, "concerns"),
            r.concerns,
            k.concerns,
            "課題コード",
            "課題の分類",
        )
        if r.from_body and r.from_body == r.to_body:
            problems.append((at("escalation_rules", i, r.key, "to_body"), "起点と同じ会議体にはつなげません"))
        carried = {f for b in p.meeting_bodies for f in b.legal_functions}
        if r.meeting_function and r.meeting_function not in carried:
            problems.append(
                (
                    at("escalation_rules", i, r.key, "meeting_function"),
                    f'"{r.meeting_function}" の機能を持つ会議体がありません（meeting_bodies の legal_functions に書いてください）',
                )
            )
        for code in r.counted_domains:
            if code not in k.counted:
                problems.append(
                    (
                        at("escalation_rules", i, r.key, "counted_domains"),
                        f'分野 "{code}" はこの自治体が数える分野（{", ".join(k.counted)}）にありません',
                    )
                )
        counted = len(r.counted_domains or k.counted)
        if r.min_domains is not None and r.min_domains > counted:
            problems.append(
                (
                    at("escalation_rules", i, r.key, "min_domains"),
                    f"数える分野は {counted} 個です: min_domains は {counted} 以下にしてください",
                )
            )
    return problems


def check_help_lines(p: Profile, k: Known) -> Problems:
    problems: Problems = []
    _unique(problems, "help_lines", [x.key for x in p.help_lines])
    for i, line in enumerate(p.help_lines):
        _refs(
            problems,
            at("help_lines", i, line.key, "concerns"),
            line.concerns,
            k.concerns,
            "課題コード",
            "課題の分類",
        )
    return problems


def check_community(p: Profile, k: Known) -> Problems:
    """[[community_groups]] and [[points_programs]]: unique keys, known organizations and areas."""
    problems: Problems = []
    _unique(problems, "community_groups", [g.key for g in p.community_groups])
    _unique(problems, "points_programs", [x.key for x in p.points_programs])
    for i, g in enumerate(p.community_groups):
        loc = at("community_groups", i, g.key, "organization")
        _ref(problems, loc, g.organization, k.organizations, "運営・事務局", "organizations")
        _refs(problems, at("community_groups", i, g.key, "areas"), g.areas, k.areas, "地区", "areas")
    for i, x in enumerate(p.points_programs):
        loc = at("points_programs", i, x.key, "organization")
        _ref(problems, loc, x.organization, k.organizations, "所管・運営", "organizations")
    return problems


def check_resources(p: Profile, k: Known) -> Problems:
    problems: Problems = []
    _unique(problems, "resources", [x.key for x in p.resources])
    for i, x in enumerate(p.resources):
        loc = functools.partial(at, "resources", i, x.key)
        _ref(problems, loc("organization"), x.organization, k.organizations, "運営主体", "organizations")
        _ref(problems, loc("area"), x.area, k.areas, "地区", "areas")
        _domains(problems, loc("domains"), x.domains, k)
    return problems


CHECKS: list[Callable[[Profile, Known], Problems]] = [
    check_domains,
    check_concerns,
    check_areas,
    check_organizations,
    check_programs,
    check_windows,
    check_coordinators,
    check_meeting_bodies,
    check_escalation_rules,
    check_help_lines,
    check_community,
    check_resources,
]


def cross_check(p: Profile) -> Problems:
    """References between sections: every key named must exist, keys unique per section, no cycles."""
    problems: Problems = []
    known = known_keys(p, problems)
    for check in CHECKS:
        problems += check(p, known)
    return problems
