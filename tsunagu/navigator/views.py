"""Public pages of the 相談先ナビ (no login). The picking path is plain GET forms: it works without JavaScript.

The resident's free text arrives only by POST to `understand`, is read in memory and answered; it is never
stored, logged, put into a URL or into the result code (README.md).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from tsunagu.access.permissions import public
from tsunagu.insights.navigator_evidence import evidence_for
from tsunagu.municipalities.models import Municipality

from . import codes as result_codes
from . import ratelimit, texts
from .suggest import AGES, WHO, areas_with_windows, concern_types, label_for, suggest
from .understanding import MAX_TEXT, default_analyzer

PUBLIC = "相談先ナビ: 住民向けの公開ページ（個人情報を扱わない）"


def _lang(request: HttpRequest) -> str:
    value = request.GET.get("lang") or request.POST.get("lang") or "ja"
    return value if value in texts.LANGS else "ja"


def _base(request: HttpRequest, lang: str, city: Municipality | None = None, **extra: Any) -> dict[str, Any]:
    name = city.name if city else ""
    words = {
        key: texts.t(key, lang, city=name, n=city.small_cell_threshold if city else 10) for key in texts.T
    }
    # Language links keep only the page's own choices (never free text).
    params = {k: request.GET.getlist(k) for k in request.GET if k != "lang"}
    links = []
    for code in texts.LANGS:
        query = urlencode({**params, "lang": code}, doseq=True)
        path = (
            request.path
            if request.method == "GET"
            else (reverse("navigator:start", args=[city.code]) if city else request.path)
        )
        links.append(
            {"code": code, "name": texts.LANG_NAMES[code], "href": f"{path}?{query}", "current": code == lang}
        )
    return {
        "lang": lang,
        "html_lang": texts.HTML_LANG[lang],
        "w": words,
        "city": city,
        "lang_links": links,
        **extra,
    }


def _city(code: str) -> Municipality:
    return get_object_or_404(Municipality, code=code)


def _situation_groups(city: Municipality, lang: str, checked: set[str]) -> list[dict[str, Any]]:
    types = concern_types(city)
    known = {c.code: c for c in types}
    groups, placed = [], set()
    for heading, group_codes in texts.GROUPS:
        items = [
            {"code": c, "label": label_for(known[c], lang), "checked": c in checked}
            for c in group_codes
            if c in known
        ]
        placed |= {i["code"] for i in items}
        if items:
            groups.append({"heading": heading[lang], "items": items})
    own = [
        {"code": c.code, "label": c.name, "checked": c.code in checked, "japanese": True}
        for c in types
        if c.code not in placed
    ]
    if own:
        groups.append({"heading": {"ja": "その他", "easy": "そのほか", "en": "Other"}[lang], "items": own})
    return groups


def _choices(lang: str) -> dict[str, list[tuple[str, str]]]:
    return {
        "who": [(w, texts.t(f"who_{w}", lang)) for w in WHO],
        "age": [(a, texts.t(f"age_{a}", lang)) for a in AGES],
    }


def _start(
    request: HttpRequest,
    city: Municipality,
    lang: str,
    *,
    errors: list[str] | None = None,
    checked: set[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    ctx = _base(
        request,
        lang,
        city,
        groups=_situation_groups(city, lang, checked or set()),
        choices=_choices(lang),
        areas=areas_with_windows(city),
        errors=errors or [],
        max_text=MAX_TEXT,
        who=request.GET.get("who", ""),
        age=request.GET.get("age", ""),
        area=request.GET.get("area", ""),
    )
    return render(request, "navigator/start.html", ctx, status=status)


@public(PUBLIC)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    lang = _lang(request)
    cities = list(Municipality.objects.order_by("code"))
    if len(cities) == 1:
        return redirect(f"{reverse('navigator:start', args=[cities[0].code])}?lang={lang}")
    return render(request, "navigator/home.html", _base(request, lang, cities=cities))


@public(PUBLIC)
@require_GET
def start(request: HttpRequest, code: str) -> HttpResponse:
    return _start(request, _city(code), _lang(request))


@public(PUBLIC)
@require_POST
@sensitive_post_parameters("text")
def understand(request: HttpRequest, code: str) -> HttpResponse:
    city, lang = _city(code), _lang(request)
    if not ratelimit.allow(request, "understand"):
        return render(request, "navigator/limited.html", _base(request, lang, city), status=429)
    text = request.POST.get("text", "")
    who, age, area = (request.POST.get(k, "") for k in ("who", "age", "area"))
    errors = []
    if not text.strip():
        errors.append(texts.t("text_empty", lang))
    elif len(text) > MAX_TEXT:
        errors.append(texts.t("text_too_long", lang))
    if who not in ("", *WHO) or age not in ("", *AGES) or len(area) > 60:
        errors.append(texts.t("bad_choice", lang))
    if errors:
        return _start(request, city, lang, errors=errors, status=400)
    known = {c.code: c for c in concern_types(city)}
    understood = default_analyzer().understand(text, set(known))
    ctx = _base(
        request,
        lang,
        city,
        understood=[{"code": c.code, "label": label_for(known[c.code], lang)} for c in understood.concerns],
        groups=_situation_groups(city, lang, set(understood.codes)),
        unsure=understood.unsure,
        emergency=understood.emergency,
        who=who,
        age=age,
        area=area,
        text=text,
        choices=_choices(lang),
        areas=areas_with_windows(city),
        max_text=MAX_TEXT,
    )
    return render(request, "navigator/understood.html", ctx)


@public(PUBLIC)
@require_GET
def result(request: HttpRequest, code: str) -> HttpResponse:
    city, lang = _city(code), _lang(request)
    order = [c.code for c in concern_types(city)]
    picked = request.GET.getlist("c")
    who, age, area = (request.GET.get(k, "") for k in ("who", "age", "area"))
    emergency, unsure = request.GET.get("e") == "1", request.GET.get("u") == "1"
    area_keys = {a.key for a in areas_with_windows(city)}
    if (
        any(c not in order for c in picked)
        or len(picked) > len(order)
        or who not in ("", *WHO)
        or age not in ("", *AGES)
        or (area and area not in area_keys)
    ):
        return _start(request, city, lang, errors=[texts.t("bad_choice", lang)], status=400)
    picked = [c for c in order if c in set(picked)]
    s = suggest(
        city, picked, lang=lang, age=age or "unknown", area_key=area, emergency=emergency, unsure=unsure
    )
    share = result_codes.encode(
        city.code, order, result_codes.Choice(tuple(picked), who=who, age=age, emergency=s.emergency)
    )
    evidence = []
    by_code = {c.code: c for c in s.concerns}
    for item in evidence_for(city, picked):
        evidence.append({"label": label_for(by_code[item.concern_code], lang), "e": item})
    ctx = _base(
        request,
        lang,
        city,
        s=s,
        windows=[_window_view(w, lang) for w in s.windows],
        unsure=unsure or not picked,
        nothing_picked=not picked,
        concerns=[label_for(c, lang) for c in s.concerns],
        share_code=share,
        evidence=evidence,
    )
    return render(request, "navigator/result.html", ctx)


def _window_view(ws: Any, lang: str) -> dict[str, Any]:
    """A window's facts: the known ones listed, the unknown ones named in one sentence (never guessed)."""
    w = ws.window
    facts, unknown = [], []
    for key, value, tel in (
        ("phone", w.phone, True),
        ("address", w.address, False),
        ("hours", w.hours, False),
        ("bring", w.bring, False),
    ):
        if value:
            facts.append({"label": texts.t(key, lang), "value": value, "tel": tel, "ja": True})
        else:
            unknown.append(texts.t(key, lang))
    for key, flag in (("by_phone", w.by_phone), ("home_visit", w.home_visit)):
        if flag is None:
            unknown.append(texts.t(key, lang))
        else:
            facts.append(
                {"label": texts.t(key, lang), "value": texts.t("yes" if flag else "no", lang), "tel": False}
            )
    return {
        "name": w.name,
        "organization": w.organization.name,
        "kind_en": texts.ORG_KIND_EN.get(w.organization.kind, "") if lang == "en" else "",
        "serves": w.serves if lang != "en" else "",
        "facts": facts,
        "unknown": unknown,
        "reasons": ws.reasons,
        "general": ws.general or ws.fallback_general,
    }


@public(PUBLIC)
@require_GET
def by_code(request: HttpRequest, code: str) -> HttpResponse:
    city, lang = _city(code), _lang(request)
    raw = request.GET.get("code", "")
    if not raw:
        return render(request, "navigator/code.html", _base(request, lang, city, errors=[]))
    order = [c.code for c in concern_types(city)]
    try:
        choice = result_codes.decode(city.code, order, raw[:40])
    except result_codes.BadCode:
        ctx = _base(request, lang, city, errors=[texts.t("code_bad", lang)])
        return render(request, "navigator/code.html", ctx, status=400)
    query = {"c": list(choice.codes), "who": choice.who, "age": choice.age, "lang": lang}
    if choice.emergency:
        query["e"] = "1"
    return redirect(f"{reverse('navigator:result', args=[city.code])}?{urlencode(query, doseq=True)}")
