"""Read-side queries of the directory screens: filtered lists and the city's structure at a glance.

Everything takes the municipality explicitly, so a view cannot forget to scope it. A city's directory
holds tens to a few hundred rows, so filtering by the JSON list columns (分野, 事業区分) is done in
Python after one scoped query: it behaves the same on SQLite and PostgreSQL (SQLite has no JSON
`contains`), and names are compared through the same search key as everywhere else (NFKC, kana folded).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db.models import Q

from tsunagu.core.kana import search_key
from tsunagu.municipalities.choices import BUSINESS_LINE_PILLAR, PILLAR_LABELS, BusinessLine
from tsunagu.municipalities.models import Area, Municipality

from .models import (
    CoordinatorPost,
    EscalationRule,
    EscalationTarget,
    LegalFunction,
    MeetingBody,
    Operation,
    Organization,
    Program,
    Window,
)

T = TypeVar("T")

# The tabs of /directory/, in the order staff reach for them.
TABS: list[tuple[str, str]] = [
    ("windows", "相談窓口"),
    ("organizations", "関係機関・所管課"),
    ("programs", "事業"),
    ("coordinators", "コーディネーター"),
    ("bodies", "会議体"),
]
TAB_KEYS = [key for key, _ in TABS]


@dataclass(frozen=True)
class Filters:
    domain: str = ""
    line: str = ""
    area: Area | None = None
    q: str = ""

    @property
    def active(self) -> bool:
        return bool(self.domain or self.line or self.area or self.q.strip())


@dataclass(frozen=True)
class Facets:
    """What one entry offers to the filters. `areas` empty means the whole city."""

    domains: Sequence[str]
    lines: Sequence[str]
    areas: set[int]
    texts: Sequence[str]


def _area_reach(area: Area, all_areas: Iterable[Area]) -> set[int]:
    """The area, its ancestors and its descendants: an entry serving any of them serves the area.

    A window for a 圏域 serves each 地区 inside it, and a 地区's window is relevant to its 圏域.
    """
    by_id = {a.pk: a for a in all_areas}
    reach = {area.pk}
    node = by_id.get(area.parent_id) if area.parent_id else None
    while node is not None and node.pk not in reach:
        reach.add(node.pk)
        node = by_id.get(node.parent_id) if node.parent_id else None
    grew = True
    while grew:
        grew = False
        for a in by_id.values():
            if a.parent_id in reach and a.pk not in reach:
                reach.add(a.pk)
                grew = True
    return reach


def _matcher(filters: Filters, municipality: Municipality) -> Callable[[Facets], bool]:
    reach = (
        _area_reach(filters.area, Area.objects.filter(municipality=municipality)) if filters.area else None
    )
    needle = search_key(filters.q)

    def matches(f: Facets) -> bool:
        if filters.domain and filters.domain not in f.domains:
            return False
        if filters.line and filters.line not in f.lines:
            return False
        # Entries without areas serve the whole city, so they stay in an area's list.
        if reach is not None and f.areas and not (f.areas & reach):
            return False
        return not needle or any(needle in search_key(t) for t in f.texts if t)

    return matches


def _names(*objs: Any) -> list[str]:
    return [str(o) for o in objs if o is not None]


@dataclass
class Result(Generic[T]):
    key: str
    label: str
    items: list[T] = field(default_factory=list)
    # Filters that do not apply to this list (会議体 have no 分野・事業区分・地区 of their own).
    ignores_facets: bool = False

    @property
    def count(self) -> int:
        return len(self.items)


@dataclass
class DirectoryResults:
    windows: Result[Window]
    organizations: Result[Organization]
    programs: Result[Program]
    coordinators: Result[CoordinatorPost]
    bodies: Result[MeetingBody]

    def tabs(self) -> list[Result[Any]]:
        return [getattr(self, key) for key in TAB_KEYS]

    def program_groups(self) -> list[tuple[str, list[Program]]]:
        """Programs under each business line they count for (a program may count under several)."""
        groups: list[tuple[str, list[Program]]] = []
        for line in BusinessLine:
            members = [p for p in self.programs.items if line.value in p.business_lines]
            if members:
                groups.append((str(line.label), members))
        rest = [p for p in self.programs.items if not p.business_lines]
        if rest:
            groups.append(("事業区分の定めなし", rest))
        return groups


def search_directory(municipality: Municipality, filters: Filters) -> DirectoryResults:
    """The municipality's active directory entries that pass the filters, one list per tab."""
    match = _matcher(filters, municipality)
    scoped = {"municipality": municipality, "active": True}

    windows = [
        w
        for w in Window.objects.filter(**scoped)
        .select_related("municipality", "organization")
        .prefetch_related("areas")
        if match(
            Facets(
                w.domains,
                w.business_lines,
                {a.pk for a in w.areas.all()},
                [w.name, w.organization.name, w.serves, w.address, w.description],
            )
        )
    ]
    organizations = [
        o
        for o in Organization.objects.filter(**scoped)
        .select_related("municipality", "department")
        .prefetch_related("areas", "contracted_bodies")
        if match(
            Facets(
                o.domains,
                o.business_lines,
                {a.pk for a in o.areas.all()},
                [o.name, o.get_kind_display(), *_names(o.department), o.note],
            )
        )
    ]
    programs = [
        p
        for p in Program.objects.filter(**scoped)
        .select_related("municipality", "organization", "department")
        .prefetch_related("areas", "operators")
        if match(
            Facets(
                p.domains,
                p.business_lines,
                {a.pk for a in p.areas.all()},
                [
                    p.name,
                    p.target,
                    p.consortium_name,
                    *_names(p.organization, p.department, *p.operators.all()),
                ],
            )
        )
    ]
    coordinators = [
        c
        for c in CoordinatorPost.objects.filter(**scoped).select_related(
            "municipality", "organization", "area"
        )
        if match(
            Facets(
                c.organization.domains if c.organization else [],
                c.business_lines,
                {c.area_id} if c.area_id else set(),
                [c.title, *_names(c.organization, c.area), c.employment, c.note],
            )
        )
    ]
    needle = search_key(filters.q)
    bodies = [
        b
        for b in MeetingBody.objects.filter(**scoped).select_related("secretariat")
        if not needle
        or any(needle in search_key(t) for t in [b.name, b.purpose, b.members_note, b.chair] if t)
    ]
    labels = dict(TABS)
    return DirectoryResults(
        windows=Result("windows", labels["windows"], windows),
        organizations=Result("organizations", labels["organizations"], organizations),
        programs=Result("programs", labels["programs"], programs),
        coordinators=Result("coordinators", labels["coordinators"], coordinators),
        bodies=Result(
            "bodies",
            labels["bodies"],
            bodies,
            ignores_facets=bool(filters.domain or filters.line or filters.area),
        ),
    )


# ---------------------------------------------------------------------------------------------
# Details


@dataclass
class OrganizationDetail:
    organization: Organization
    programs: list[Program]
    windows: list[Window]
    coordinator_posts: list[CoordinatorPost]
    meeting_bodies: list[MeetingBody]
    secretariat_of: list[MeetingBody]
    contracted_bodies: list[Organization]


def organization_detail(org: Organization) -> OrganizationDetail:
    active = {"active": True}
    return OrganizationDetail(
        organization=org,
        programs=list(
            Program.objects.filter(Q(organization=org) | Q(department=org) | Q(operators=org), **active)
            .select_related("municipality", "organization", "department")
            .prefetch_related("operators")
            .distinct()
        ),
        windows=list(org.windows.filter(**active)),
        coordinator_posts=list(org.coordinator_posts.filter(**active).select_related("area")),
        meeting_bodies=list(org.meeting_bodies.filter(**active)),
        secretariat_of=list(org.secretariat_of.filter(**active)),
        contracted_bodies=list(org.contracted_bodies.filter(**active)),
    )


@dataclass
class BodyDetail:
    body: MeetingBody
    members: list[Organization]
    sub_bodies: list[MeetingBody]
    escalations_in: list[EscalationRule]
    escalations_out: list[EscalationRule]


def body_detail(body: MeetingBody) -> BodyDetail:
    rules = EscalationRule.objects.filter(active=True).select_related("from_body", "to_body")
    return BodyDetail(
        body=body,
        members=list(body.members.filter(active=True)),
        sub_bodies=list(body.sub_bodies.filter(active=True)),
        escalations_in=list(rules.filter(to_body=body).prefetch_related("from_windows")),
        escalations_out=list(rules.filter(from_body=body)),
    )


# ---------------------------------------------------------------------------------------------
# The structure page


def _short(label: str) -> str:
    return label.split("（")[0]


@dataclass
class FunctionColumn:
    value: str
    label: str
    short: str


@dataclass
class MatrixRow:
    body: MeetingBody
    cells: list[tuple[FunctionColumn, bool]]


@dataclass
class LadderStep:
    anchor: str
    title: str
    note: str = ""
    windows: list[Window] = field(default_factory=list)
    bodies: list[MeetingBody] = field(default_factory=list)
    rules_out: list[EscalationRule] = field(default_factory=list)
    rules_in: list[EscalationRule] = field(default_factory=list)


@dataclass
class LineRow:
    name: str
    organization: Organization | None
    department: Organization | None
    operation: str
    sites: int | None


@dataclass
class LineBlock:
    value: str
    label: str
    rows: list[LineRow]

    @property
    def sites_total(self) -> int | None:
        sites = [r.sites for r in self.rows if r.sites is not None]
        return sum(sites) if sites else None


@dataclass
class Pillar:
    key: str
    label: str
    lines: list[LineBlock]


@dataclass
class CityStructure:
    columns: list[FunctionColumn]
    matrix: list[MatrixRow]
    ladder: list[LadderStep]
    untiered_bodies: list[MeetingBody]
    pillars: list[Pillar]
    coordinator_posts: list[CoordinatorPost]
    windows_count: int
    organizations_count: int

    @property
    def coordinators_total(self) -> int:
        return sum(p.count or 0 for p in self.coordinator_posts)


def _operation_label(value: str) -> str:
    return str(Operation(value).label) if value else ""


def _ladder(
    windows: list[Window], bodies: list[MeetingBody], rules: list[EscalationRule]
) -> tuple[list[LadderStep], list[MeetingBody]]:
    """Windows first, then one step per tier, with each rule drawn under the step it leaves from.

    Rules to 多機関協働 get a step of their own right after the first step they leave from.
    """
    steps = [
        LadderStep(
            anchor="step-windows",
            title="相談窓口",
            note="包括的相談支援（第1号）などの窓口で受け止める",
            windows=windows,
        )
    ]
    step_of_body: dict[int, LadderStep] = {}
    for tier in sorted({b.tier for b in bodies if b.tier is not None}):
        step = LadderStep(anchor=f"step-tier-{tier}", title=f"第{tier}段階の会議体")
        step.bodies = [b for b in bodies if b.tier == tier]
        steps.append(step)
        step_of_body.update({b.pk: step for b in step.bodies})
    linked = {r.from_body_id for r in rules} | {r.to_body_id for r in rules}
    untiered = [b for b in bodies if b.tier is None]
    loose = [b for b in untiered if b.pk in linked]
    if loose:
        step = LadderStep(anchor="step-untiered", title="段階の定めのない会議体", bodies=loose)
        steps.append(step)
        step_of_body.update({b.pk: step for b in loose})

    case_step = LadderStep(
        anchor="step-case", title="多機関協働事業（第5号）", note="支援プランの作成（第6号）へ進む"
    )
    first_case_source: int | None = None
    for rule in rules:
        source = step_of_body.get(rule.from_body_id, steps[0]) if rule.from_body_id else steps[0]
        source.rules_out.append(rule)
        if rule.target == EscalationTarget.CASE:
            case_step.rules_in.append(rule)
            index = steps.index(source)
            first_case_source = index if first_case_source is None else min(first_case_source, index)
        elif rule.to_body_id in step_of_body:
            step_of_body[rule.to_body_id].rules_in.append(rule)
    if first_case_source is not None:
        steps.insert(first_case_source + 1, case_step)
    return steps, [b for b in untiered if b.pk not in linked]


def _pillars(programs: list[Program], organizations: list[Organization]) -> list[Pillar]:
    pillars = []
    for key, label in PILLAR_LABELS.items():
        blocks = []
        for line in BusinessLine:
            if BUSINESS_LINE_PILLAR[line.value] != key:
                continue
            rows = []
            carried = set()
            for p in programs:
                if line.value in p.business_lines:
                    org = p.organization
                    carried.add(p.organization_id)
                    rows.append(
                        LineRow(
                            name=p.name,
                            organization=org,
                            department=p.department or (org.department if org else None),
                            operation=p.operation_label(),
                            sites=p.sites if p.sites is not None else (org.sites if org else None),
                        )
                    )
            # Bodies counted under the line but not named by any program (e.g. several sites of 第1号ハ).
            for o in organizations:
                if line.value in o.business_lines and o.pk not in carried:
                    rows.append(
                        LineRow(
                            name=o.name,
                            organization=o,
                            department=o.department,
                            operation=_operation_label(o.operation),
                            sites=o.sites,
                        )
                    )
            blocks.append(LineBlock(value=line.value, label=str(line.label), rows=rows))
        pillars.append(Pillar(key=key, label=label, lines=blocks))
    return pillars


def city_structure(municipality: Municipality) -> CityStructure:
    """Which body carries which legal function, the escalation ladder, the businesses and coordinators."""
    scoped = {"municipality": municipality, "active": True}
    bodies = list(MeetingBody.objects.filter(**scoped))
    columns = [FunctionColumn(f.value, str(f.label), _short(str(f.label))) for f in LegalFunction]
    matrix = [MatrixRow(b, [(c, c.value in b.legal_functions) for c in columns]) for b in bodies]
    windows = list(Window.objects.filter(**scoped).select_related("organization"))
    rules = list(
        EscalationRule.objects.filter(**scoped)
        .select_related("from_body", "to_body")
        .prefetch_related("from_windows")
    )
    ladder, untiered = _ladder(windows, bodies, rules)
    organizations = list(Organization.objects.filter(**scoped).select_related("department"))
    programs = list(Program.objects.filter(**scoped).select_related("organization__department", "department"))
    posts = list(CoordinatorPost.objects.filter(**scoped).select_related("organization", "area"))
    return CityStructure(
        columns=columns,
        matrix=matrix,
        ladder=ladder,
        untiered_bodies=untiered,
        pillars=_pillars(programs, organizations),
        coordinator_posts=posts,
        windows_count=len(windows),
        organizations_count=len(organizations),
    )
