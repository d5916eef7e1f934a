"""Turning pydantic's findings into Japanese messages at TOML key paths — and the unknown-key policy.

An unknown key is one of two things, and the message must say which:
- a concept Tsunagu does not model yet (a budget, a body's eligible members, community resources …):
  "この項目はまだ対応していません（…）", so that nobody hunts for a spelling mistake that is not there;
- a typo: "未知の項目です。"operation" の書き間違いではありませんか", naming the closest key.
`UNSUPPORTED` is the one list of the first kind. When a concept becomes supported, its key becomes a
field of the schema and the test `test_unsupported_keys_are_not_fields` tells you to remove it here.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

# section ("" = top level, "*" = any entry) -> key -> what the concept is and where to write it meanwhile.
UNSUPPORTED: dict[str, dict[str, str]] = {
    "": {
        "meetings": "会議の開催予定・実績",
        "retention": "記録の保存期間",
        "budget": "予算・交付金",
    },
    "*": {
        "budget": "予算・交付金",
        "staff": "職員の名簿",
        "email": "メールアドレス",
        "url": "ウェブサイトのアドレス",
        "website": "ウェブサイトのアドレス",
        "fax": "FAX 番号",
    },
    "municipality": {
        "area_km2": "面積",
        "aging_rate": "高齢化率",
        "plan_period": "計画期間",
        "retention": "記録の保存期間",
    },
    "meeting_bodies": {
        "agenda": "議題",
    },
    "programs": {"budget": "事業費"},
    "coordinators": {"names": "配置される人の氏名"},
    "windows": {
        "email": "メールアドレス",
        "lines_24h": "24時間の相談電話",
    },
}

_JA = {
    "missing": "必須の項目がありません",
    "literal_error": "使用できない値です",
    "string_pattern_mismatch": "キーは半角英小文字・数字・-・_ で書いてください",
    "string_too_short": "空にできません",
    "int_parsing": "整数で書いてください",
    "int_type": "整数で書いてください",
    "int_from_float": "整数で書いてください",
    "bool_type": "true か false で書いてください",
    "bool_parsing": "true か false で書いてください",
    "string_type": "文字列で書いてください",
    "list_type": "配列 [ ... ] で書いてください",
    "model_type": "表（テーブル）で書いてください",
    "dict_type": "表（テーブル）で書いてください",
    "tuple_type": "[下限, 上限] の形で書いてください",
    "date_type": "日付は 2025-04-01 の形（引用符なし）で書いてください",
    "date_parsing": "日付は 2025-04-01 の形（引用符なし）で書いてください",
    "date_from_datetime_inexact": "日付だけを書いてください（時刻なし）",
}


def _unwrap(annotation: Any) -> type[BaseModel] | None:
    """The model inside `X`, `list[X]`, `X | None` or `Annotated[...]`, if any."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (list, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _unwrap(arg)
            if found is not None:
                return found
        return None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _owner(root: type[BaseModel], loc: Iterable[Any]) -> tuple[type[BaseModel] | None, str]:
    """The model that holds the last key of `loc`, and the top-level section name."""
    model: type[BaseModel] | None = root
    section = ""
    names = [part for part in loc if isinstance(part, str)]
    for depth, name in enumerate(names[:-1]):
        if model is None or name not in model.model_fields:
            return None, section
        if depth == 0:
            section = name
        model = _unwrap(model.model_fields[name].annotation)
    return model, section


def unknown_key_message(root: type[BaseModel], loc: tuple[Any, ...]) -> str:
    key = str(loc[-1])
    model, section = _owner(root, loc)
    concept = UNSUPPORTED.get(section if len([p for p in loc if isinstance(p, str)]) > 1 else "", {}).get(key)
    if concept is None and section:
        concept = UNSUPPORTED["*"].get(key)
    if concept:
        return (
            f"この項目はまだ対応していません（{concept}）。"
            "資料の内容は note・description・purpose などの文章の項目に書いてください"
        )
    known = sorted(model.model_fields) if model is not None else []
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f'未知の項目です。"{close[0]}" の書き間違いではありませんか'
    return "未知の項目です（使用できる項目: " + ", ".join(known) + "）"


def _shown(value: Any) -> str:
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return repr(value) if isinstance(value, str) else str(value)


def translate(err: Any, root: type[BaseModel]) -> str:
    """One pydantic error in Japanese."""
    kind = err["type"]
    ctx = err.get("ctx", {})
    if kind == "extra_forbidden":
        return unknown_key_message(root, tuple(err["loc"]))
    if kind == "literal_error":
        return f"使用できない値 {err.get('input')!r} です（使用できる値: {ctx.get('expected', '')}）"
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", err["msg"]))
    if kind == "string_pattern_mismatch" and err.get("loc") and err["loc"][-1] == "phone":
        return f"電話番号は半角数字とハイフン（例: 0120-000-000）か #で始まる4桁で書いてください（{err.get('input')!r}）"
    if kind in {"greater_than_equal", "less_than_equal"}:
        limit = ctx.get("ge", ctx.get("le"))
        base = "小さすぎます" if kind == "greater_than_equal" else "大きすぎます"
        return f"{base}（{_shown(err.get('input'))}、限度 {limit}）"
    if kind == "string_too_long":
        return f"長すぎます（{len(str(err.get('input', '')))}文字、{ctx.get('max_length')}文字まで）"
    if kind == "too_long":
        return f"多すぎます（{ctx.get('actual_length')}件、{ctx.get('max_length')}件まで）"
    if kind == "too_short":
        return "少なくとも1つ必要です"
    if kind.startswith(("date_", "datetime_")):
        return _JA["date_type"]
    return _JA.get(kind, str(err["msg"]))
