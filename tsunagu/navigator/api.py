"""Public JSON API of the 相談先ナビ: POST /api/v1/navigator/suggest (README.md, docs/navigator.md).

The text is read in memory and answered; it is never stored or logged. Rate limited per client.
"""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from tsunagu.access.permissions import public
from tsunagu.municipalities.models import Municipality

from . import ratelimit, texts
from .suggest import concern_types, label_for, suggest
from .templatetags.navigator import plain
from .understanding import MAX_TEXT, default_analyzer

router = Router(tags=["navigator"])


class SuggestIn(Schema):
    municipality: str = Field(..., pattern=r"^\d{6}$", description="全国地方公共団体コード（6桁）")
    text: str = Field(..., min_length=1, max_length=MAX_TEXT, description="困りごと（保存・記録されない）")
    lang: Literal["ja", "easy", "en"] = "ja"
    age: Literal["child", "young", "middle", "elderly", "unknown"] = "unknown"


class ConcernOut(Schema):
    code: str
    label: str
    score: float = Field(..., ge=0, le=1)


class WindowOut(Schema):
    key: str
    name: str
    organization: str
    general: bool = Field(..., description="総合相談窓口（どんな相談も受け止める）")
    reasons: list[str]
    address: str | None
    hours: str | None
    phone: str | None
    bring: str | None
    by_phone: bool | None
    home_visit: bool | None


class LineOut(Schema):
    name: str
    phone: str
    always_open: bool


class SuggestOut(Schema):
    concerns: list[ConcernOut]
    windows: list[WindowOut]
    emergency: bool = Field(..., description="危険が差し迫っている言葉があった（emergency_lines を先に示す）")
    emergency_lines: list[LineOut]
    unsure: bool = Field(..., description="読み取りに自信がない（総合相談窓口を案内する）")


class ErrorOut(Schema):
    detail: str


def _plain(text: str) -> str:
    """Ruby markup {漢字|かんじ} → 漢字 (the API returns plain text)."""
    return plain(text)


@router.post(
    "/suggest",
    response={200: SuggestOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="困りごとの文章から相談先を提案する",
)
@public("相談先ナビの公開 API: 個人情報を扱わず、入力文は保存しない")  # type: ignore[arg-type]
def suggest_endpoint(request: HttpRequest, payload: SuggestIn) -> tuple[int, dict] | dict:
    if not ratelimit.allow(request, "api"):
        raise HttpError(429, texts.t("too_many", payload.lang))
    city = get_object_or_404(Municipality, code=payload.municipality)
    by_code = {c.code: c for c in concern_types(city)}
    understood = default_analyzer().understand(payload.text, set(by_code))
    s = suggest(
        city,
        understood.codes,
        lang=payload.lang,
        age=payload.age,
        emergency=understood.emergency,
        unsure=understood.unsure,
    )
    return {
        "concerns": [
            {"code": c.code, "label": _plain(label_for(by_code[c.code], payload.lang)), "score": c.score}
            for c in understood.concerns
        ],
        "windows": [
            {
                "key": w.window.key,
                "name": w.window.name,
                "organization": w.window.organization.name,
                "general": w.general or w.fallback_general,
                "reasons": [_plain(r) for r in w.reasons],
                "address": w.window.address or None,
                "hours": w.window.hours or None,
                "phone": w.window.phone or None,
                "bring": w.window.bring or None,
                "by_phone": w.window.by_phone,
                "home_visit": w.window.home_visit,
            }
            for w in s.windows
        ],
        "emergency": s.emergency,
        "emergency_lines": [
            {"name": _plain(x.name), "phone": x.phone, "always_open": x.always_open}
            for x in s.emergency_lines
        ]
        if s.emergency
        else [],
        "unsure": understood.unsure,
    }
