"""Loading a municipality profile: validate everything first, then write in one transaction.

`load_profile(path)` is idempotent: loading the same file twice changes nothing; an edited file updates
rows in place; an entry removed from the file is marked inactive, never deleted (records refer to it).
"""

from __future__ import annotations

import hashlib
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from pydantic import ValidationError

from tsunagu.municipalities.models import Area, ConcernType, Municipality

from .models import CoordinatorPost, EscalationRule, HelpLine, MeetingBody, Organization, Program, Window
from .profile_schema import NationalTaxonomy, Profile

NATIONAL_TAXONOMY = Path(__file__).resolve().parent.parent / "municipalities" / "national_taxonomy.toml"


class ProfileError(Exception):
    """A profile that cannot be loaded. `problems` are (key path, message) pairs."""

    def __init__(self, path: Path | str, problems: Sequence[tuple[str, str]]):
        self.path = str(path)
        self.problems = list(problems)
        super().__init__(self.render())

    def render(self) -> str:
        lines = [
            f"{self.path}: プロファイルに {len(self.problems)} 件の誤りがあります。何も変更していません。"
        ]
        lines += [
            f"  {self.path}: {loc}: {msg}" if loc else f"  {self.path}: {msg}" for loc, msg in self.problems
        ]
        return "\n".join(lines)


@dataclass
class LoadReport:
    municipality: Municipality
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    deactivated: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deactivated)

    def summary(self) -> str:
        def fmt(c: Counter[str]) -> str:
            return ", ".join(f"{k} {v}" for k, v in sorted(c.items())) or "なし"

        return f"{self.municipality}: 追加 {fmt(self.created)} / 更新 {fmt(self.updated)} / 無効化 {fmt(self.deactivated)}"


# ---------------------------------------------------------------------------------------------
# Parsing and validation


_PYDANTIC_JA = {
    "missing": "必須の項目がありません",
    "extra_forbidden": "未知の項目です（綴りを確認してください）",
    "literal_error": "使用できない値です",
    "string_pattern_mismatch": "キーは半角英小文字・数字・-・_ で書いてください",
    "string_too_short": "空にできません",
    "int_parsing": "整数で書いてください",
    "int_type": "整数で書いてください",
    "bool_type": "true か false で書いてください",
    "bool_parsing": "true か false で書いてください",
    "string_type": "文字列で書いてください",
    "list_type": "配列 [ ... ] で書いてください",
    "greater_than_equal": "小さすぎます",
    "less_than_equal": "大きすぎます",
    "too_short": "少なくとも1つ必要です",
    "model_type": "表（テーブル）で書いてください",
    "tuple_type": "[下限, 上限] の形で書いてください",
}


def _loc(loc: Iterable[Any], data: dict[str, Any]) -> str:
    """Render a pydantic location as a TOML key path with 1-based array positions and the entry's key."""
    parts: list[str] = []
    node: Any = data
    for item in loc:
        if isinstance(item, int):
            entry_key = ""
            if isinstance(node, list) and 0 <= item < len(node):
                node = node[item]
                if isinstance(node, dict) and ("key" in node or "code" in node):
                    entry_key = f' key="{node.get("key", node.get("code"))}"'
            parts[-1] = f"{parts[-1]}[{item + 1}{entry_key}]" if parts else f"[{item + 1}]"
        else:
            name = str(item)
            if name in {"int", "tuple[int,int]", "function-after[_shape(), EscalationRuleEntry]"}:
                continue
            parts.append(name)
            node = node.get(name) if isinstance(node, dict) else None
    return ".".join(parts)


def _translate(err: Any) -> str:
    kind = err["type"]
    base = _PYDANTIC_JA.get(kind)
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"使用できない値 {err.get('input')!r} です（使用できる値: {expected}）"
    if kind == "value_error":
        return str(err.get("ctx", {}).get("error", err["msg"]))
    if kind == "string_pattern_mismatch" and err.get("loc") and err["loc"][-1] == "phone":
        return f"電話番号は半角数字とハイフン（例: 0120-000-000）か #で始まる4桁で書いてください（{err.get('input')!r}）"
    if kind in {"greater_than_equal", "less_than_equal"}:
        limit = err.get("ctx", {}).get("ge", err.get("ctx", {}).get("le"))
        return f"{base}（{err.get('input')!r}、限度 {limit}）"
    if base:
        return base
    return str(err["msg"])


def parse_profile(path: Path) -> tuple[Profile, str]:
    """Read and validate a profile file. Raises ProfileError naming every problem found."""
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise ProfileError(path, [("", f"読み込めません（{exc.strerror}）")]) from None
    try:
        data = tomllib.loads(raw_bytes.decode("utf-8"))
    except UnicodeDecodeError:
        raise ProfileError(path, [("", "UTF-8 のテキストではありません")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(path, [("", f"TOML の構文エラー: {exc}")]) from None
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        problems = []
        seen: set[tuple[str, str]] = set()
        for err in exc.errors():
            loc = _loc(err["loc"], data)
            # A cross-key check of one entry names the key it is about (profile_schema.FieldError).
            field_name = getattr(err.get("ctx", {}).get("error"), "field", None)
            if field_name:
                loc = f"{loc}.{field_name}" if loc else field_name
            item = (loc, _translate(err))
            if item not in seen:
                seen.add(item)
                problems.append(item)
        raise ProfileError(path, problems) from None
    problems = cross_check(profile)
    if problems:
        raise ProfileError(path, problems)
    return profile, hashlib.sha256(raw_bytes).hexdigest()


@cache
def national_taxonomy() -> NationalTaxonomy:
    return NationalTaxonomy.model_validate(tomllib.loads(NATIONAL_TAXONOMY.read_text("utf-8")))


def cross_check(p: Profile) -> list[tuple[str, str]]:
    """References between sections: every key named must exist, keys unique per section, no cycles."""
    problems: list[tuple[str, str]] = []

    def unique(section: str, keys: list[str], attr: str = "key") -> set[str]:
        seen: set[str] = set()
        for i, k in enumerate(keys):
            if k in seen:
                problems.append((f'{section}[{i + 1} {attr}="{k}"].{attr}', f'{attr} "{k}" が重複しています'))
            seen.add(k)
        return seen

    areas = unique("areas", [a.key for a in p.areas])
    unique("concerns", [c.code for c in p.concerns], "code")
    orgs = unique("organizations", [o.key for o in p.organizations])
    unique("programs", [x.key for x in p.programs])
    windows = unique("windows", [w.key for w in p.windows])
    unique("coordinators", [c.key for c in p.coordinators])
    bodies = unique("meeting_bodies", [b.key for b in p.meeting_bodies])
    unique("escalation_rules", [r.key for r in p.escalation_rules])
    concerns = {c.code for c in national_taxonomy().concerns} | {c.code for c in p.concerns}
    dept_keys = {o.key for o in p.organizations if o.kind == "department"}

    def ref(loc: str, value: str | None, known: set[str], what: str, section: str) -> None:
        if value is not None and value not in known:
            problems.append((loc, f'{what} "{value}" は {section} にありません'))

    def refs(loc: str, values: list[str], known: set[str], what: str, section: str) -> None:
        for v in values:
            ref(loc, v, known, what, section)

    def at(section: str, i: int, key: str, attr: str) -> str:
        return f'{section}[{i + 1} key="{key}"].{attr}'

    parents = {a.key: a.parent for a in p.areas}
    for i, a in enumerate(p.areas):
        ref(at("areas", i, a.key, "parent"), a.parent, areas, "地区", "areas")
        seen, cur = {a.key}, a.parent
        while cur is not None and cur in parents:
            if cur in seen:
                problems.append((at("areas", i, a.key, "parent"), "親子関係が循環しています"))
                break
            seen.add(cur)
            cur = parents[cur]
    for i, o in enumerate(p.organizations):
        if o.department is not None:
            if o.department == o.key:
                problems.append(
                    (at("organizations", i, o.key, "department"), "自分自身を所管課にはできません")
                )
            elif o.department in orgs and o.department not in dept_keys:
                problems.append(
                    (
                        at("organizations", i, o.key, "department"),
                        f'"{o.department}" は kind = "department" ではありません',
                    )
                )
            else:
                ref(
                    at("organizations", i, o.key, "department"), o.department, orgs, "所管課", "organizations"
                )
        refs(at("organizations", i, o.key, "areas"), o.areas, areas, "地区", "areas")
    for i, x in enumerate(p.programs):
        ref(at("programs", i, x.key, "organization"), x.organization, orgs, "実施機関", "organizations")
        ref(at("programs", i, x.key, "department"), x.department, orgs, "担当課", "organizations")
        refs(at("programs", i, x.key, "areas"), x.areas, areas, "地区", "areas")
    unique("help_lines", [x.key for x in p.help_lines])
    for i, line in enumerate(p.help_lines):
        refs(at("help_lines", i, line.key, "concerns"), line.concerns, concerns, "課題コード", "課題の分類")
    for i, w in enumerate(p.windows):
        ref(at("windows", i, w.key, "organization"), w.organization, orgs, "運営機関", "organizations")
        refs(at("windows", i, w.key, "areas"), w.areas, areas, "地区", "areas")
        refs(at("windows", i, w.key, "concerns"), w.concerns, concerns, "課題コード", "課題の分類")
    for i, post in enumerate(p.coordinators):
        ref(
            at("coordinators", i, post.key, "organization"),
            post.organization,
            orgs,
            "配置機関",
            "organizations",
        )
        ref(at("coordinators", i, post.key, "area"), post.area, areas, "地区", "areas")
    body_parent = {b.key: b.parent for b in p.meeting_bodies}
    for i, b in enumerate(p.meeting_bodies):
        refs(at("meeting_bodies", i, b.key, "members"), b.members, orgs, "構成機関", "organizations")
        ref(at("meeting_bodies", i, b.key, "secretariat"), b.secretariat, orgs, "事務局", "organizations")
        ref(at("meeting_bodies", i, b.key, "parent"), b.parent, bodies, "会議体", "meeting_bodies")
        seen, cur = {b.key}, b.parent
        while cur is not None and cur in body_parent:
            if cur in seen:
                problems.append((at("meeting_bodies", i, b.key, "parent"), "上位の会議体が循環しています"))
                break
            seen.add(cur)
            cur = body_parent[cur]
    for i, r in enumerate(p.escalation_rules):
        ref(at("escalation_rules", i, r.key, "from_body"), r.from_body, bodies, "会議体", "meeting_bodies")
        ref(at("escalation_rules", i, r.key, "to_body"), r.to_body, bodies, "会議体", "meeting_bodies")
        refs(at("escalation_rules", i, r.key, "from_windows"), r.from_windows, windows, "窓口", "windows")
        refs(at("escalation_rules", i, r.key, "concerns"), r.concerns, concerns, "課題コード", "課題の分類")
        if r.from_body and r.from_body == r.to_body:
            problems.append((at("escalation_rules", i, r.key, "to_body"), "起点と同じ会議体にはつなげません"))
    return problems


# ---------------------------------------------------------------------------------------------
# Writing


class _Writer:
    def __init__(self, report: LoadReport):
        self.report = report
        self.muni = report.municipality
        self.fresh: set[tuple[str, int]] = set()

    def touched(self, label: str, obj: Any) -> None:
        """Count a second-pass change (parent, department) unless the row was created in this load."""
        if (label, obj.pk) not in self.fresh:
            self.report.updated[label] += 1

    def upsert(
        self, model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any], label: str
    ) -> Any:
        obj = model._default_manager.filter(**lookup).first()  # type: ignore[attr-defined]
        if obj is None:
            obj = model._default_manager.create(**lookup, **values)  # type: ignore[attr-defined]
            self.report.created[label] += 1
            self.fresh.add((label, obj.pk))
            return obj
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            obj.save(update_fields=changed)
            self.report.updated[label] += 1
        return obj

    def set_m2m(self, obj: Any, attr: str, targets: list[Any], label: str) -> None:
        manager = getattr(obj, attr)
        if {t.pk for t in manager.all()} != {t.pk for t in targets}:
            manager.set(targets)
            if (label, obj.pk) not in self.fresh:
                self.report.updated[f"{label}.{attr}"] += 1

    def deactivate_missing(
        self, model: type[models.Model], keep: set[str], label: str, attr: str = "key"
    ) -> None:
        stale = model._default_manager.filter(municipality=self.muni, active=True).exclude(  # type: ignore[attr-defined]
            **{f"{attr}__in": keep}
        )
        n = stale.update(active=False)
        if n:
            self.report.deactivated[label] += n


def load_profile(path: Path | str) -> LoadReport:
    """Validate the profile at `path` and write it. Raises ProfileError and changes nothing on any error."""
    path = Path(path)
    profile, digest = parse_profile(path)
    with transaction.atomic():
        return _write(profile, path, digest)


def _write(p: Profile, path: Path, digest: str) -> LoadReport:
    m = p.municipality
    muni = Municipality.objects.filter(code=m.code).first()
    report = LoadReport(municipality=muni or Municipality(code=m.code))
    values = {
        "name": m.name, "prefecture": m.prefecture, "population": m.population,
        "population_note": m.population_note, "program_name": m.program_name, "started": m.started,
        "lead_summary": m.lead_summary, "small_cell_threshold": m.small_cell_threshold,
    }  # fmt: skip
    if muni is None:
        muni = Municipality.objects.create(code=m.code, **values)
        report.municipality = muni
        report.created["municipality"] += 1
    else:
        changed = [k for k, v in values.items() if getattr(muni, k) != v]
        if changed:
            for k in changed:
                setattr(muni, k, values[k])
            muni.save(update_fields=changed)
            report.updated["municipality"] += 1
    w = _Writer(report)
    mk = {"municipality": muni}

    # Areas: two passes so that parents may be listed after children.
    area_by_key: dict[str, Area] = {}
    for i, a in enumerate(p.areas):
        area_by_key[a.key] = w.upsert(
            Area,
            {**mk, "key": a.key},
            {"name": a.name, "kind": a.kind, "sort_order": i, "active": True},
            "areas",
        )
    for a in p.areas:
        area_parent = area_by_key[a.parent] if a.parent else None
        area_obj = area_by_key[a.key]
        if area_obj.parent_id != (area_parent.pk if area_parent else None):
            area_obj.parent = area_parent
            area_obj.save(update_fields=["parent"])
            w.touched("areas", area_obj)
    w.deactivate_missing(Area, set(area_by_key), "areas")

    # Concerns: national default, then the profile's additions and overrides.
    merged: dict[str, tuple[Any, bool]] = {c.code: (c, True) for c in national_taxonomy().concerns}
    for c in p.concerns:
        merged[c.code] = (c, False)
    for i, (code, (concern, national)) in enumerate(merged.items()):
        w.upsert(
            ConcernType,
            {**mk, "code": code},
            {"name": concern.name, "kana": concern.kana, "domains": list(concern.domains),
             "description": concern.description, "national": national, "sort_order": i, "active": True},
            "concerns",
        )  # fmt: skip
    w.deactivate_missing(ConcernType, set(merged), "concerns", attr="code")

    orgs: dict[str, Organization] = {}
    for i, o in enumerate(p.organizations):
        orgs[o.key] = w.upsert(
            Organization,
            {**mk, "key": o.key},
            {"name": o.name, "kind": o.kind, "operation": o.operation or "", "business_lines": list(o.business_lines),
             "domains": list(o.domains), "sites": o.sites, "note": o.note, "sort_order": i, "active": True},
            "organizations",
        )  # fmt: skip
    for o in p.organizations:
        org_obj = orgs[o.key]
        dept = orgs[o.department] if o.department else None
        if org_obj.department_id != (dept.pk if dept else None):
            org_obj.department = dept
            org_obj.save(update_fields=["department"])
            w.touched("organizations", org_obj)
        w.set_m2m(org_obj, "areas", [area_by_key[k] for k in o.areas], "organizations")
    w.deactivate_missing(Organization, set(orgs), "organizations")

    for i, x in enumerate(p.programs):
        obj = w.upsert(
            Program,
            {**mk, "key": x.key},
            {"name": x.name, "business_lines": list(x.business_lines), "domains": list(x.domains),
             "organization": orgs.get(x.organization) if x.organization else None,
             "department": orgs.get(x.department) if x.department else None,
             "operation": x.operation or "", "sites": x.sites, "target": x.target,
             "description": x.description, "is_new": x.new, "sort_order": i, "active": True},
            "programs",
        )  # fmt: skip
        w.set_m2m(obj, "areas", [area_by_key[k] for k in x.areas], "programs")
    w.deactivate_missing(Program, {x.key for x in p.programs}, "programs")

    windows: dict[str, Window] = {}
    for i, wn in enumerate(p.windows):
        obj = w.upsert(
            Window,
            {**mk, "key": wn.key},
            {"name": wn.name, "organization": orgs[wn.organization], "address": wn.address, "hours": wn.hours,
             "phone": wn.phone, "serves": wn.serves, "domains": list(wn.domains), "concerns": list(wn.concerns),
             "business_lines": list(wn.business_lines), "description": wn.description, "sort_order": i,
             "active": True, "general": wn.navigator.general, "for_residents": wn.navigator.residents,
             "bring": wn.navigator.bring, "by_phone": wn.navigator.by_phone,
             "home_visit": wn.navigator.home_visit},
            "windows",
        )  # fmt: skip
        w.set_m2m(obj, "areas", [area_by_key[k] for k in wn.areas], "windows")
        windows[wn.key] = obj
    w.deactivate_missing(Window, set(windows), "windows")

    for i, post in enumerate(p.coordinators):
        w.upsert(
            CoordinatorPost,
            {**mk, "key": post.key},
            {"title": post.title, "organization": orgs.get(post.organization) if post.organization else None,
             "area": area_by_key.get(post.area) if post.area else None, "count": post.count, "employment": post.employment,
             "business_lines": list(post.business_lines), "is_bundler": post.bundler, "note": post.note,
             "sort_order": i, "active": True},
            "coordinators",
        )  # fmt: skip
    w.deactivate_missing(CoordinatorPost, {c.key for c in p.coordinators}, "coordinators")

    bodies: dict[str, MeetingBody] = {}
    for i, b in enumerate(p.meeting_bodies):
        lo, hi = b.per_year_range()
        obj = w.upsert(
            MeetingBody,
            {**mk, "key": b.key},
            {"name": b.name, "kind": b.kind, "legal_functions": list(b.legal_functions), "frequency": b.frequency,
             "per_year_min": lo, "per_year_max": hi, "also_ad_hoc": b.also_ad_hoc, "members_note": b.members_note,
             "chair": b.chair, "secretariat": orgs.get(b.secretariat) if b.secretariat else None,
             "confidentiality_duty": b.duty(), "tier": b.tier, "purpose": b.purpose,
             "caseload_note": b.caseload_note, "sort_order": i, "active": True},
            "meeting_bodies",
        )  # fmt: skip
        w.set_m2m(obj, "members", [orgs[k] for k in b.members], "meeting_bodies")
        bodies[b.key] = obj
    for b in p.meeting_bodies:
        body_obj = bodies[b.key]
        body_parent = bodies[b.parent] if b.parent else None
        if body_obj.parent_id != (body_parent.pk if body_parent else None):
            body_obj.parent = body_parent
            body_obj.save(update_fields=["parent"])
            w.touched("meeting_bodies", body_obj)
    w.deactivate_missing(MeetingBody, set(bodies), "meeting_bodies")

    for i, r in enumerate(p.escalation_rules):
        obj = w.upsert(
            EscalationRule,
            {**mk, "key": r.key},
            {"name": r.name, "trigger": r.trigger, "min_domains": r.min_domains,
             "counted_domains": list(r.counted_domains), "concerns": list(r.concerns),
             "from_body": bodies.get(r.from_body) if r.from_body else None, "target": r.target,
             "to_body": bodies.get(r.to_body) if r.to_body else None, "description": r.description,
             "sort_order": i, "active": True},
            "escalation_rules",
        )  # fmt: skip
        w.set_m2m(obj, "from_windows", [windows[k] for k in r.from_windows], "escalation_rules")
    w.deactivate_missing(EscalationRule, {r.key for r in p.escalation_rules}, "escalation_rules")

    for i, line in enumerate(p.help_lines):
        w.upsert(
            HelpLine,
            {**mk, "key": line.key},
            {
                "name": line.name,
                "phone": line.phone,
                "hours": line.hours,
                "always_open": line.always_open,
                "concerns": list(line.concerns),
                "description": line.description,
                "sort_order": i,
                "active": True,
            },
            "help_lines",
        )
    w.deactivate_missing(HelpLine, {x.key for x in p.help_lines}, "help_lines")

    if report.changed or muni.profile_sha256 != digest:
        muni.profile_path = str(path)
        muni.profile_sha256 = digest
        muni.loaded_at = timezone.now()
        muni.save(update_fields=["profile_path", "profile_sha256", "loaded_at"])
    return report
