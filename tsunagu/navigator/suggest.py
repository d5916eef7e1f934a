"""From concerns (picked or understood) to the windows a resident can contact, with why each fits.

Reads only the directory (windows, help lines, the concern taxonomy) and the insights app's suppressed
aggregates: never a person or a case.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from tsunagu.directory.models import HelpLine, Window
from tsunagu.municipalities.models import Area, ConcernType, Municipality

from . import texts

NATIONAL_LINES = Path(__file__).resolve().parent / "national_lines.toml"
WHO = ("self", "family", "other")
AGES = ("child", "young", "middle", "elderly", "unknown")
MAX_WINDOWS = 6
# Windows that take any trouble when the city names no general window (包括的相談支援, 第1号): 1ni first.
FALLBACK_LINES = ("1ni", "1i", "1ro", "1ha")
DANGER_CONCERNS = {"abuse-dv", "suicide-risk"}


@dataclass(frozen=True)
class Line:
    key: str
    name: str
    phone: str
    hours: str
    always_open: bool
    national: bool


@dataclass
class WindowSuggestion:
    window: Window
    score: float
    reasons: list[str] = field(default_factory=list)
    general: bool = False
    fallback_general: bool = False


@dataclass
class Suggestion:
    municipality: Municipality
    concerns: list[ConcernType]
    windows: list[WindowSuggestion]
    emergency: bool
    emergency_lines: list[Line]
    lines: list[Line]
    has_city_24h: bool


@cache
def _national_lines() -> list[dict[str, Any]]:
    return list(tomllib.loads(NATIONAL_LINES.read_text("utf-8"))["lines"])


def concern_types(municipality: Municipality) -> list[ConcernType]:
    return list(
        ConcernType.objects.filter(municipality=municipality, active=True).order_by("sort_order", "code")
    )


def national_lines(municipality: Municipality, lang: str) -> list[Line]:
    lines = []
    for entry in _national_lines():
        phone = entry.get("phone_by_prefecture", {}).get(municipality.prefecture, entry["phone"])
        lines.append(
            Line(entry["key"], entry["name"][lang], phone, "", bool(entry.get("always_open")), national=True)
        )
    return lines


def _national_concerns(key: str) -> set[str]:
    for entry in _national_lines():
        if entry["key"] == key:
            return set(entry.get("concerns", []))
    return set()


def _any_worry(key: str) -> bool:
    return any(entry["key"] == key and entry.get("any_worry") for entry in _national_lines())


def areas_with_windows(municipality: Municipality) -> list[Area]:
    return list(
        Area.objects.filter(municipality=municipality, active=True, windows__active=True)
        .distinct()
        .order_by("sort_order", "key")
    )


def suggest(
    municipality: Municipality,
    codes: list[str],
    *,
    lang: str,
    age: str = "unknown",
    area_key: str = "",
    emergency: bool = False,
    unsure: bool = False,
) -> Suggestion:
    """Rank the city's windows for the concerns; the general window(s) are always included."""
    by_code = {c.code: c for c in concern_types(municipality)}
    concerns = [by_code[c] for c in codes if c in by_code]
    wanted_codes = {c.code for c in concerns}
    wanted_domains = {d for c in concerns for d in c.domains}
    if age in texts.AGE_DOMAIN:
        wanted_domains.add(texts.AGE_DOMAIN[age])
    windows = Window.objects.filter(
        municipality=municipality, active=True, for_residents=True
    ).select_related("organization")
    if area_key:
        windows = windows.filter(areas__key=area_key) | windows.filter(areas__isnull=True)
    candidates = list(windows.distinct().prefetch_related("areas").order_by("sort_order", "key"))
    ranked: list[WindowSuggestion] = []
    for w in candidates:
        s = WindowSuggestion(window=w, score=0.0, general=w.general)
        for code in [c.code for c in concerns if c.code in set(w.concerns)]:
            s.score += 3
            s.reasons.append(texts.t("why_concern", lang, x=label_for(by_code[code], lang)))
        shared = [d for d in w.domains if d in wanted_domains]
        if shared and len(w.domains) < 5:  # a window of every domain is not a specialised fit
            s.score += len(shared)
            s.reasons.append(
                texts.t("why_domain", lang, x="・".join(texts.DOMAIN_LABELS[d][lang] for d in shared))
            )
        if age in texts.AGE_DOMAIN and texts.AGE_DOMAIN[age] in w.domains and len(w.domains) < 5:
            s.score += 0.5
        if w.general:
            s.reasons.insert(0, texts.t("general_why", lang))
        ranked.append(s)
    specialised = sorted([s for s in ranked if s.score > 0 and not s.general], key=lambda s: -s.score)
    general = [s for s in ranked if s.general]
    if not general:
        for line in FALLBACK_LINES:
            general = [s for s in ranked if line in s.window.business_lines and not s.general]
            if general:
                for s in general:
                    s.fallback_general = True
                    s.reasons.insert(0, texts.t("fallback_general_why", lang))
                break
    chosen = specialised[:MAX_WINDOWS]
    # General window(s) first when nothing fits well; otherwise after the best specialised fits.
    result = general + chosen if not chosen or not concerns else chosen[:2] + general + chosen[2:]
    seen: set[int] = set()
    unique = []
    for s in result:
        if s.window.pk not in seen:
            seen.add(s.window.pk)
            unique.append(s)
    danger = emergency or bool(wanted_codes & DANGER_CONCERNS)
    city_lines = list(
        HelpLine.objects.filter(municipality=municipality, active=True).order_by("sort_order", "key")
    )
    city = [Line(x.key, x.name, x.phone, x.hours, x.always_open, national=False) for x in city_lines]
    national = national_lines(municipality, lang)
    emergency_lines = [x for x in national if x.key in ("police", "fire-ambulance")]
    emergency_lines += [x for x in city if x.always_open]
    emergency_lines += [x for x in national if x.key not in ("police", "fire-ambulance")]
    relevant_city = [
        x
        for x, src in zip(city, city_lines, strict=True)
        if not x.always_open and set(src.concerns) & wanted_codes
    ]
    relevant_national = [
        x
        for x in national
        if _national_concerns(x.key) & wanted_codes or ((unsure or not concerns) and _any_worry(x.key))
    ]
    return Suggestion(
        municipality=municipality,
        concerns=concerns,
        windows=unique,
        emergency=danger,
        emergency_lines=emergency_lines,
        lines=relevant_city + ([] if danger else relevant_national),
        has_city_24h=any(x.always_open for x in city),
    )


def label_for(concern: ConcernType, lang: str) -> str:
    return texts.situation(concern.code, lang, concern.name)
