"""Loading a municipality profile: validate everything first, then write in one transaction.

`load_profile(path)` is idempotent: loading the same file twice changes nothing; an edited file updates
rows in place; an entry removed from the file is marked inactive, never deleted (records refer to it).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone
from pydantic import ValidationError

from tsunagu.municipalities.models import Area, ConcernType, Municipality

from .community_models import CommunityGroup, PointsProgram
from .models import CoordinatorPost, EscalationRule, HelpLine, MeetingBody, Organization, Program, Window
from .profile_checks import NATIONAL_TAXONOMY, cross_check, national_taxonomy
from .profile_input import UnreadableProfile, read_profile_data
from .profile_keys import translate
from .profile_schema import Profile
from .resource_entries import entry_values
from .resource_models import Resource, ResourceSource

__all__ = [
    "NATIONAL_TAXONOMY",
    "LoadReport",
    "ProfileError",
    "cross_check",
    "load_profile",
    "national_taxonomy",
    "parse_profile",
]

# A file with thousands of mistakes is reported by its first ones, not printed whole.
MAX_REPORTED = 100


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
            f"  {self.path}: {loc}: {msg}" if loc else f"  {self.path}: {msg}"
            for loc, msg in self.problems[:MAX_REPORTED]
        ]
        if len(self.problems) > MAX_REPORTED:
            lines.append(
                f"  {self.path}: ほか {len(self.problems) - MAX_REPORTED} 件（先に上の誤りを直してください）"
            )
        return "\n".join(lines)


@dataclass
class LoadReport:
    municipality: Municipality
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    deactivated: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deactivated)

    def summary(self) -> str:
        def fmt(c: Counter[str]) -> str:
            return ", ".join(f"{k} {v}" for k, v in sorted(c.items())) or "なし"

        text = f"{self.municipality}: 追加 {fmt(self.created)} / 更新 {fmt(self.updated)} / 無効化 {fmt(self.deactivated)}"
        return "\n".join([text, *(f"  {note}" for note in self.notes)])


# ---------------------------------------------------------------------------------------------
# Parsing and validation


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
                    if "key" not in node:
                        entry_key = f' code="{node.get("code")}"'
            parts[-1] = f"{parts[-1]}[{item + 1}{entry_key}]" if parts else f"[{item + 1}]"
        else:
            name = str(item)
            # pydantic's names for the branches of a union or a validator, not TOML keys.
            if name in {"int", "tuple[int,int]", "date"} or name.startswith("function-"):
                continue
            parts.append(name)
            node = node.get(name) if isinstance(node, dict) else None
    return ".".join(parts)


def _shape_problems(exc: ValidationError, data: dict[str, Any]) -> list[tuple[str, str]]:
    problems = []
    seen: set[tuple[str, str]] = set()
    for err in exc.errors():
        loc = _loc(err["loc"], data)
        # A cross-key check of one entry names the key it is about (profile_schema.FieldError).
        field_name = getattr(err.get("ctx", {}).get("error"), "field", None)
        if field_name:
            loc = f"{loc}.{field_name}" if loc else field_name
        item = (loc, translate(err, Profile))
        if item not in seen:
            seen.add(item)
            problems.append(item)
    return problems


def parse_profile(path: Path) -> tuple[Profile, str]:
    """Read and validate a profile file. Raises ProfileError naming every problem found."""
    try:
        data, raw_bytes = read_profile_data(path)
    except UnreadableProfile as exc:
        raise ProfileError(path, [("", exc.message)]) from None
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(path, _shape_problems(exc, data)) from None
    problems = cross_check(profile)
    if problems:
        raise ProfileError(path, problems)
    return profile, hashlib.sha256(raw_bytes).hexdigest()


def _guard(p: Profile, *, rename: bool, confirm: bool) -> list[tuple[str, str]]:
    """What a load may not do without being told: rename a city, or strand staff in a removed organization.

    A file with another city's 団体コード would otherwise overwrite that city (三鷹 became 稲城 and 12 of
    its organizations were deactivated). Both are reported together, before anything is written.
    """
    m = p.municipality
    muni = Municipality.objects.select_for_update().filter(code=m.code).first()
    if muni is None:
        return []
    problems = []
    if (muni.name, muni.prefecture) != (m.name, m.prefecture) and not rename:
        problems.append(
            (
                "municipality.code",
                f"団体コード {m.code} はすでに「{muni.prefecture}{muni.name}」のものです。このファイルは"
                f"「{m.prefecture}{m.name}」です。別の自治体のコードを書いていないか確かめてください"
                "（同じ自治体の名称の変更なら --rename を付けて読み込みます）",
            )
        )
    if not confirm:
        stranded = _staffed_organizations_removed(muni, {o.key for o in p.organizations})
        if stranded:
            names = "、".join(f"「{name}」（職員 {n} 人）" for name, n in stranded)
            problems.append(
                (
                    "organizations",
                    f"このファイルを読み込むと、職員が所属している機関が無効になります: {names}。"
                    "職員の所属を先に移すか、確かめたうえで --confirm を付けて読み込んでください",
                )
            )
    return problems


def _staffed_organizations_removed(muni: Municipality, keep: set[str]) -> list[tuple[str, int]]:
    """Active organizations missing from the file that active staff belong to, with their head count.

    Staff live above the directory (accounts); the relation is found through the user model so that
    the directory does not import accounts.
    """
    user_model = get_user_model()
    links = [
        f.name
        for f in user_model._meta.get_fields()
        if getattr(f, "many_to_one", False) and f.related_model is Organization
    ]
    removed = Organization.objects.filter(municipality=muni, active=True).exclude(key__in=keep)
    found = []
    for org in removed.order_by("sort_order", "key"):
        n = sum(
            user_model._default_manager.filter(**{link: org, "is_active": True}).count() for link in links
        )
        if n:
            found.append((org.name, n))
    return found


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


def load_profile(path: Path | str, *, rename: bool = False, confirm: bool = False) -> LoadReport:
    """Validate the profile at `path` and write it. Raises ProfileError and changes nothing on any error.

    `rename`: the file may change the name of the municipality its 団体コード names.
    `confirm`: the load may deactivate organizations that active staff belong to.
    """
    path = Path(path)
    profile, digest = parse_profile(path)
    with transaction.atomic():
        refused = _guard(profile, rename=rename, confirm=confirm)
        if refused:
            raise ProfileError(path, refused)
        return _write(profile, path, digest)


@dataclass
class _Loaded:
    """Rows written so far, by profile key, for the sections that refer to them."""

    areas: dict[str, Area] = field(default_factory=dict)
    organizations: dict[str, Organization] = field(default_factory=dict)
    windows: dict[str, Window] = field(default_factory=dict)
    bodies: dict[str, MeetingBody] = field(default_factory=dict)


def _write(p: Profile, path: Path, digest: str) -> LoadReport:
    muni, report = _write_municipality(p)
    w = _Writer(report)
    done = _Loaded()
    for writer in WRITERS:
        writer(w, p, done)
    if report.changed or muni.profile_sha256 != digest:
        muni.profile_path = str(path)
        muni.profile_sha256 = digest
        muni.loaded_at = timezone.now()
        muni.save(update_fields=["profile_path", "profile_sha256", "loaded_at"])
    return report


def _write_municipality(p: Profile) -> tuple[Municipality, LoadReport]:
    m = p.municipality
    muni = Municipality.objects.filter(code=m.code).first()
    values = {
        "name": m.name,
        "kind": m.resolved_kind(),
        "prefecture": m.prefecture,
        "population": m.population,
        "population_note": m.population_note,
        "program_name": m.program_name,
        "started": m.started,
        "lead_summary": m.lead_summary,
        "small_cell_threshold": m.small_cell_threshold,
        "referral_due_days": m.referral_due_days,
        "outreach_lapse_days": m.outreach_lapse_days,
        "case_retention_years": m.case_retention_years,
        "consultation_retention_years": m.consultation_retention_years,
        "domains": [{"code": d.code, "name": d.name} for d in p.domains],
    }
    if muni is None:
        muni = Municipality.objects.create(code=m.code, **values)
        report = LoadReport(municipality=muni)
        report.created["municipality"] += 1
        return muni, report
    report = LoadReport(municipality=muni)
    if (muni.name, muni.prefecture) != (m.name, m.prefecture):
        report.notes.append(
            f"名称を「{muni.prefecture}{muni.name}」から「{m.prefecture}{m.name}」に変更しました"
        )
    changed = [k for k, v in values.items() if getattr(muni, k) != v]
    if changed:
        for k in changed:
            setattr(muni, k, values[k])
        muni.save(update_fields=changed)
        muni.__dict__.pop("_domain_names", None)  # the cached domain labels follow the new list
        report.updated["municipality"] += 1
    return muni, report


def _write_areas(w: _Writer, p: Profile, done: _Loaded) -> None:
    # Two passes so that parents may be listed after children.
    for i, a in enumerate(p.areas):
        done.areas[a.key] = w.upsert(
            Area,
            {"municipality": w.muni, "key": a.key},
            {"name": a.name, "kind": a.kind, "sort_order": i, "active": True},
            "areas",
        )
    for a in p.areas:
        area_parent = done.areas[a.parent] if a.parent else None
        area_obj = done.areas[a.key]
        if area_obj.parent_id != (area_parent.pk if area_parent else None):
            area_obj.parent = area_parent
            area_obj.save(update_fields=["parent"])
            w.touched("areas", area_obj)
    w.deactivate_missing(Area, set(done.areas), "areas")


def _write_concerns(w: _Writer, p: Profile, done: _Loaded) -> None:
    """The national taxonomy, the profile's additions and overrides, in the city's order, minus what it hides."""
    national = {c.code: c for c in national_taxonomy().concerns}
    merged: dict[str, tuple[Any, bool]] = {code: (c, True) for code, c in national.items()}
    for c in p.concerns:
        base = national.get(c.code)
        if base is not None:  # an override keeps what it does not restate
            c = c.model_copy(
                update={
                    "name": c.name or base.name,
                    "kana": c.kana or base.kana,
                    "description": c.description or base.description,
                }
            )
        merged[c.code] = (c, False)
    first = [code for code in p.concern_list.order if code in merged]
    ordered = first + [code for code in merged if code not in set(first)]
    hidden = set(p.concern_list.hide)
    for i, code in enumerate(ordered):
        concern, is_national = merged[code]
        w.upsert(
            ConcernType,
            {"municipality": w.muni, "code": code},
            {
                "name": concern.name,
                "kana": concern.kana,
                "domains": list(concern.domains),
                "description": concern.description,
                "national": is_national,
                "sort_order": i,
                "active": code not in hidden,
            },
            "concerns",
        )
    w.deactivate_missing(ConcernType, set(merged), "concerns", attr="code")


def _write_organizations(w: _Writer, p: Profile, done: _Loaded) -> None:
    orgs = done.organizations
    for i, o in enumerate(p.organizations):
        orgs[o.key] = w.upsert(
            Organization,
            {"municipality": w.muni, "key": o.key},
            {
                "name": o.name,
                "kind": o.kind,
                "operation": o.operation or "",
                "business_lines": list(o.business_lines),
                "domains": list(o.domains),
                "sites": o.sites,
                "note": o.note,
                "sort_order": i,
                "active": True,
                "contract_starts_on": o.contract_starts_on,
                "contract_ends_on": o.contract_ends_on,
            },
            "organizations",
        )
    for o in p.organizations:
        org_obj = orgs[o.key]
        dept = orgs[o.department] if o.department else None
        if org_obj.department_id != (dept.pk if dept else None):
            org_obj.department = dept
            org_obj.save(update_fields=["department"])
            w.touched("organizations", org_obj)
        w.set_m2m(org_obj, "areas", [done.areas[k] for k in o.areas], "organizations")
    w.deactivate_missing(Organization, set(orgs), "organizations")


def _write_programs(w: _Writer, p: Profile, done: _Loaded) -> None:
    orgs = done.organizations
    for i, x in enumerate(p.programs):
        obj = w.upsert(
            Program,
            {"municipality": w.muni, "key": x.key},
            {
                "name": x.name,
                "business_lines": list(x.business_lines),
                "domains": list(x.domains),
                "organization": orgs.get(x.organization) if x.organization else None,
                "department": orgs.get(x.department) if x.department else None,
                "operation": x.operation or "",
                "sites": x.sites,
                "target": x.target,
                "description": x.description,
                "is_new": x.new,
                "sort_order": i,
                "active": True,
                "consortium_name": x.consortium,
                "starts_on": x.starts_on,
                "ends_on": x.ends_on,
                "contract_starts_on": x.contract_starts_on,
                "contract_ends_on": x.contract_ends_on,
            },
            "programs",
        )
        w.set_m2m(obj, "areas", [done.areas[k] for k in x.areas], "programs")
        w.set_m2m(obj, "operators", [orgs[k] for k in x.organizations], "programs")
    w.deactivate_missing(Program, {x.key for x in p.programs}, "programs")


def _write_windows(w: _Writer, p: Profile, done: _Loaded) -> None:
    for i, wn in enumerate(p.windows):
        obj = w.upsert(
            Window,
            {"municipality": w.muni, "key": wn.key},
            {
                "name": wn.name,
                "organization": done.organizations[wn.organization],
                "address": wn.address,
                "hours": wn.hours,
                "phone": wn.phone,
                "serves": wn.serves,
                "domains": list(wn.domains),
                "concerns": list(wn.concerns),
                "business_lines": list(wn.business_lines),
                "description": wn.description,
                "sort_order": i,
                "active": True,
                "general": wn.navigator.general,
                "for_residents": wn.navigator.residents,
                "bring": wn.navigator.bring,
                "by_phone": wn.navigator.by_phone,
                "home_visit": wn.navigator.home_visit,
            },
            "windows",
        )
        w.set_m2m(obj, "areas", [done.areas[k] for k in wn.areas], "windows")
        done.windows[wn.key] = obj
    w.deactivate_missing(Window, set(done.windows), "windows")


def _write_coordinators(w: _Writer, p: Profile, done: _Loaded) -> None:
    orgs, areas = done.organizations, done.areas
    for i, post in enumerate(p.coordinators):
        w.upsert(
            CoordinatorPost,
            {"municipality": w.muni, "key": post.key},
            {
                "title": post.title,
                "organization": orgs.get(post.organization) if post.organization else None,
                "area": areas.get(post.area) if post.area else None,
                "count": post.count,
                "employment": post.employment,
                "business_lines": list(post.business_lines),
                "is_bundler": post.bundler,
                "note": post.note,
                "sort_order": i,
                "active": True,
                "starts_on": post.starts_on,
                "ends_on": post.ends_on,
            },
            "coordinators",
        )
    w.deactivate_missing(CoordinatorPost, {c.key for c in p.coordinators}, "coordinators")


def _write_meeting_bodies(w: _Writer, p: Profile, done: _Loaded) -> None:
    orgs, bodies = done.organizations, done.bodies
    for i, b in enumerate(p.meeting_bodies):
        lo, hi = b.per_year_range()
        obj = w.upsert(
            MeetingBody,
            {"municipality": w.muni, "key": b.key},
            {
                "name": b.name,
                "kind": b.kind,
                "legal_functions": list(b.legal_functions),
                "frequency": b.frequency,
                "per_year_min": lo,
                "per_year_max": hi,
                "also_ad_hoc": b.also_ad_hoc,
                "members_note": b.members_note,
                "chair": b.chair,
                "secretariat": orgs.get(b.secretariat) if b.secretariat else None,
                "confidentiality_duty": b.duty(),
                "tier": b.tier,
                "purpose": b.purpose,
                "caseload_note": b.caseload_note,
                "sort_order": i,
                "active": True,
                "member_selection": b.member_selection,
                "invited_posts": list(b.invited),
                "vice_chair": b.vice_chair,
                "closed": b.is_closed(),
                "referral_only": b.referral_only,
                "follow_up_days": b.follow_up_days,
                "monitoring_interval_days": b.monitoring_interval_days,
                "closure_review_interval_days": b.closure_review_interval_days,
                "sitting_months": list(b.sitting_months),
                "acknowledgement": b.acknowledgement,
                "ad_hoc_callers": list(b.ad_hoc_callers),
                "emergency": b.emergency,
            },
            "meeting_bodies",
        )
        w.set_m2m(obj, "members", [orgs[k] for k in b.members], "meeting_bodies")
        w.set_m2m(obj, "eligible_members", [orgs[k] for k in b.eligible_members], "meeting_bodies")
        w.set_m2m(obj, "areas", [done.areas[k] for k in b.areas], "meeting_bodies")
        bodies[b.key] = obj
    for b in p.meeting_bodies:
        body_obj = bodies[b.key]
        body_parent = bodies[b.parent] if b.parent else None
        if body_obj.parent_id != (body_parent.pk if body_parent else None):
            body_obj.parent = body_parent
            body_obj.save(update_fields=["parent"])
            w.touched("meeting_bodies", body_obj)
        screener = bodies[b.screened_by] if b.screened_by else None
        if body_obj.screened_by_id != (screener.pk if screener else None):
            body_obj.screened_by = screener
            body_obj.save(update_fields=["screened_by"])
            w.touched("meeting_bodies", body_obj)
    w.deactivate_missing(MeetingBody, set(bodies), "meeting_bodies")


def _write_escalation_rules(w: _Writer, p: Profile, done: _Loaded) -> None:
    bodies = done.bodies
    for i, r in enumerate(p.escalation_rules):
        obj = w.upsert(
            EscalationRule,
            {"municipality": w.muni, "key": r.key},
            {
                "name": r.name,
                "trigger": r.trigger,
                "min_domains": r.min_domains,
                "counted_domains": list(r.counted_domains),
                "concerns": list(r.concerns),
                "from_body": bodies.get(r.from_body) if r.from_body else None,
                "target": r.target,
                "to_body": bodies.get(r.to_body) if r.to_body else None,
                "description": r.description,
                "to_function": r.meeting_function or "",
                "sort_order": i,
                "active": True,
            },
            "escalation_rules",
        )
        w.set_m2m(obj, "from_windows", [done.windows[k] for k in r.from_windows], "escalation_rules")
    w.deactivate_missing(EscalationRule, {r.key for r in p.escalation_rules}, "escalation_rules")


def _write_help_lines(w: _Writer, p: Profile, done: _Loaded) -> None:
    for i, line in enumerate(p.help_lines):
        w.upsert(
            HelpLine,
            {"municipality": w.muni, "key": line.key},
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


def _write_community(w: _Writer, p: Profile, done: _Loaded) -> None:
    """[[community_groups]] and [[points_programs]] (地域づくり・第3号)."""
    orgs = done.organizations
    for i, g in enumerate(p.community_groups):
        obj = w.upsert(
            CommunityGroup,
            {"municipality": w.muni, "key": g.key},
            {
                "name": g.name,
                "kind": g.kind,
                "business_line": g.business_line or "",
                "organization": orgs.get(g.organization) if g.organization else None,
                "sites": g.sites,
                "venue": g.venue,
                "frequency": g.frequency,
                "per_year": g.per_year,
                "description": g.description,
                "sort_order": i,
                "active": True,
            },
            "community_groups",
        )
        w.set_m2m(obj, "areas", [done.areas[k] for k in g.areas], "community_groups")
    w.deactivate_missing(CommunityGroup, {g.key for g in p.community_groups}, "community_groups")
    for i, x in enumerate(p.points_programs):
        w.upsert(
            PointsProgram,
            {"municipality": w.muni, "key": x.key},
            {
                "name": x.name,
                "business_line": x.business_line,
                "organization": orgs.get(x.organization) if x.organization else None,
                "points_per_activity": x.points_per_activity,
                "yearly_cap": x.yearly_cap,
                "redemption_unit": x.redemption_unit,
                "reward": x.reward,
                "description": x.description,
                "sort_order": i,
                "active": True,
            },
            "points_programs",
        )
    w.deactivate_missing(PointsProgram, {x.key for x in p.points_programs}, "points_programs")


def _write_resources(w: _Writer, p: Profile, done: _Loaded) -> None:
    for i, x in enumerate(p.resources):
        values = entry_values(x, done.organizations, done.areas)
        values |= {"sort_order": i, "active": True, "source": ResourceSource.PROFILE}
        w.upsert(Resource, {"municipality": w.muni, "key": x.key}, values, "resources")
    # Rows kept on screen or imported from a file are the city's own work: only the profile's are retired.
    stale = Resource.objects.filter(municipality=w.muni, source=ResourceSource.PROFILE, active=True)
    n = stale.exclude(key__in={x.key for x in p.resources}).update(active=False)
    if n:
        w.report.deactivated["resources"] += n


# In dependency order: a section is written after the sections it refers to. A new section adds its
# writer here (docs/profile.md §8).
WRITERS: list[Callable[[_Writer, Profile, _Loaded], None]] = [
    _write_areas,
    _write_concerns,
    _write_organizations,
    _write_programs,
    _write_windows,
    _write_coordinators,
    _write_meeting_bodies,
    _write_escalation_rules,
    _write_help_lines,
    _write_community,
    _write_resources,
]
