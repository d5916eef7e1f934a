"""Address normalisation into a comparison key (住所キー) for 名寄せ and search.

The same address is written many ways at different windows: 「三鷹市下連雀三丁目１２番２３号」,
「三鷹市下連雀3-12-23」, 「下連雀３ー１２ー２３」. The key folds width (NFKC), kanji numerals next to
丁目/番地/番/号, the 丁目/番地/番/号 markers themselves and every dash look-alike into one form:
「三鷹市下連雀3-12-23」. Place names that contain numerals (三鷹, 四谷, 一ツ橋) are left alone because
only numerals followed by an address marker or dash are converted.

It is a key for equality, not a parser: it does not strip the prefecture or guess a missing city.
"""

from __future__ import annotations

import re
import unicodedata

# Dash look-alikes staff and imports use between address numbers (after NFKC, full-width forms are gone).
_DASHES = "-‐‑‒–—―−ー─━ｰ﹣-~〜～"
_SPACE_RE = re.compile(r"[\s\u3000]+")
_KANJI_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "壱": 1,
    "弐": 2,
    "参": 3,
}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMERAL = "〇零一二三四五六七八九十百千壱弐参"
# A kanji numeral is converted only when an address marker or a dash follows it.
_KANJI_NUMBER_RE = re.compile(f"([{_NUMERAL}]+)(?=丁目|番地|番|号|の[0-9{_NUMERAL}]|-|$)")
_MARKER_RE = re.compile(r"(?<=[0-9])(丁目|番地の|番地|番の|番|号の|号|の)(?=[0-9]|$)")
_TRAILING_RE = re.compile(r"(?<=[0-9])(丁目|番地|番|号)(?!室)")
# 霞ヶ関 / 霞ケ関 / 霞が関 are the same place: ヶ/ヵ/が between two kanji are folded to ケ.
_KE_RE = re.compile(r"(?<=[\u4e00-\u9fff])[ヶケヵが](?=[\u4e00-\u9fff])")


def kanji_to_int(text: str) -> int:
    """Kanji numerals as used in addresses: 十二 → 12, 二十三 → 23, 一〇五 → 105, 百 → 100."""
    if all(ch in _KANJI_DIGITS for ch in text):  # positional form: 一〇五
        return int("".join(str(_KANJI_DIGITS[ch]) for ch in text))
    total = 0
    current = 0
    for ch in text:
        if ch in _KANJI_DIGITS:
            current = _KANJI_DIGITS[ch]
        else:
            total += (current or 1) * _KANJI_UNITS[ch]
            current = 0
    return total + current


def address_key(text: str | None) -> str:
    """The normalised form used to compare addresses; empty for an empty address."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = _SPACE_RE.sub("", text)
    text = _KE_RE.sub("ケ", text)
    # ー between digits is a dash; elsewhere (in a katakana building name) it is a long vowel mark.
    text = re.sub(r"(?<=[0-9" + _NUMERAL + r"])[ーｰ](?=[0-9" + _NUMERAL + r"])", "-", text)
    text = re.sub(f"[{re.escape(_DASHES.replace('ー', '').replace('ｰ', ''))}]+", "-", text)
    text = _KANJI_NUMBER_RE.sub(lambda m: str(kanji_to_int(m.group(1))), text)
    text = _MARKER_RE.sub("-", text)
    text = _TRAILING_RE.sub("", text)
    text = re.sub(r"-+", "-", text).strip("-")
    return text.lower()
