"""Name normalisation into a search key: NFKC, katakana→hiragana, variant kanji folded, no spaces.

Readings cannot be derived reliably from kanji, so staff enter フリガナ; this module only normalises
what was entered so that 髙橋/高橋, ｻｲﾄｳ/さいとう and "山田 太郎"/"山田太郎" meet.
"""

from __future__ import annotations

import re
import unicodedata

import jaconv

# Common 異体字 in names, folded to the everyday form (both directions are searched through this).
# fmt: off
VARIANT_KANJI: dict[str, str] = {
    "髙": "高", "﨑": "崎", "嵜": "崎", "碕": "崎", "齋": "斎", "齊": "斎", "斉": "斎",
    "邊": "辺", "邉": "辺", "濵": "浜", "濱": "浜", "德": "徳", "櫻": "桜", "廣": "広",
    "澤": "沢", "藏": "蔵", "國": "国", "實": "実", "壽": "寿", "龍": "竜", "瀨": "瀬",
    "眞": "真", "冨": "富", "槇": "槙", "黑": "黒", "惠": "恵", "榮": "栄", "戶": "戸",
    "曻": "昇", "桒": "桑", "驒": "騨",
}
# fmt: on
_VARIANT_TABLE = str.maketrans(VARIANT_KANJI)
_SPACE = re.compile(r"[\s\u3000・･.,、。]+")


def fold_variants(text: str) -> str:
    return text.translate(_VARIANT_TABLE)


def search_key(text: str | None) -> str:
    """The normalised form used for matching names and readings."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)  # half-width kana → full width, ｱ → ア, full-width Latin
    text = jaconv.kata2hira(text)
    text = fold_variants(text)
    text = _SPACE.sub("", text)
    return text.lower()


def is_kana(text: str) -> bool:
    key = search_key(text)
    return bool(key) and all("\u3041" <= ch <= "\u309f" or ch == "ー" for ch in key)
