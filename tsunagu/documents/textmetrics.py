"""Text widths in IPAexGothic, so that diagrams can size boxes and shorten labels before drawing them.

Diagrams are SVG drawn by our own code, and Typst (PDF) and browsers (pages) set their text in
IPAexGothic; a label that does not fit must be shortened here, because SVG text never wraps or shrinks.
Kanji, kana and full-width forms are one em wide; Latin letters, digits and half-width katakana are
narrower. The narrow widths come from `_ipaex_widths.py`, generated from the font of the
matplotlib-fontja wheel by `python -m tsunagu.documents.textmetrics` (a test checks it still matches):
reading the 4 MB font at import would cost about a second per process.
"""

from __future__ import annotations

import sys
import unicodedata
from functools import cache

from . import _ipaex_widths

ELLIPSIS = "…"


@cache
def _narrow() -> dict[int, float]:
    per_em = float(_ipaex_widths.UNITS_PER_EM)
    table: dict[int, float] = {}
    for item in _ipaex_widths.NARROW.split():
        code, width = item.split(":")
        table[int(code, 16)] = int(width) / per_em
    return table


def char_em(ch: str) -> float:
    """Advance width of one character in em (1.0 for anything the table does not list as narrow)."""
    narrow = _narrow().get(ord(ch))
    if narrow is not None:
        return narrow
    if unicodedata.combining(ch):
        return 0.0
    return 1.0


def text_width(text: str, size: float) -> float:
    """Width of `text` set at `size` (same unit as the result: pt in PDFs, px on screen)."""
    return sum(char_em(ch) for ch in text) * size


def fit(text: str, size: float, max_width: float) -> str:
    """`text` if it fits in `max_width`, else as many leading characters as fit followed by 「…」."""
    if text_width(text, size) <= max_width:
        return text
    budget = max_width - text_width(ELLIPSIS, size)
    out: list[str] = []
    used = 0.0
    for ch in text:
        w = char_em(ch) * size
        if used + w > budget:
            break
        out.append(ch)
        used += w
    return "".join(out).rstrip() + ELLIPSIS


# Japanese line-breaking rules (禁則): never start a line with these, never end one with those.
_NO_START = frozenset(
    "、。，．,.・：:；;？?！!ー～）)」』】〕〉》ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々"
)
_NO_END = frozenset("（(「『【〔〈《")


def _script(ch: str) -> str:
    if "\u30a0" <= ch <= "\u30ff" or "\uff66" <= ch <= "\uff9f":
        return "katakana"
    if "\u3040" <= ch <= "\u309f":
        return "hiragana"
    if "\u4e00" <= ch <= "\u9fff" or ch in "々〆":
        return "kanji"
    return "other"


def _cut_ok(text: str, k: int) -> bool:
    return 0 < k < len(text) and text[k] not in _NO_START and text[k - 1] not in _NO_END


def wrap(text: str, size: float, max_width: float, max_lines: int) -> list[str]:
    """Break `text` into at most `max_lines` lines no wider than `max_width`, keeping 禁則 (no line
    starts with 「ー」「）」 or a small kana, none ends with 「（」). Two lines are balanced and broken
    preferably at a space, after 「・」 or where kanji meets kana (地域包括支援｜センター東部); when
    the text does not fit, the last line ends in 「…」."""
    text = " ".join(text.split())
    if not text or text_width(text, size) <= max_width:
        return [text] if text else []
    if max_lines <= 1:
        return [fit(text, size, max_width)]
    best: tuple[float, int] | None = None
    for k in range(1, len(text)):
        head, tail = text[:k].rstrip(), text[k:].lstrip()
        w1, w2 = text_width(head, size), text_width(tail, size)
        if w1 > max_width or w2 > max_width or not _cut_ok(text, k):
            continue
        score = abs(w1 - w2) + (0.0 if w1 >= w2 else 0.1)
        if text[k - 1] == " " or text[k] == " " or text[k - 1] == "・" or text[k] in _NO_END:
            score -= 3 * size
        elif _script(text[k - 1]) != _script(text[k]):
            score -= 2 * size
        if best is None or score < best[0]:
            best = (score, k)
    if best is not None:
        k = best[1]
        return [text[:k].rstrip(), text[k:].lstrip()]
    # Does not fit in two lines: fill greedily, then shorten the last line.
    lines: list[str] = []
    rest = text
    while rest and len(lines) < max_lines - 1:
        used, k = 0.0, 0
        for i, ch in enumerate(rest):
            used += char_em(ch) * size
            if used > max_width:
                break
            k = i + 1
        while k > 1 and not _cut_ok(rest, k):
            k -= 1
        space = rest.rfind(" ", 0, k + 1)
        if space > k // 2:
            k = space
        lines.append(rest[:k].rstrip())
        rest = rest[k:].lstrip()
    if rest:
        lines.append(fit(rest, size, max_width))
    return lines


def measure_font_widths() -> tuple[int, dict[int, int]]:
    """Read IPAexGothic from the matplotlib-fontja wheel: units per em and every width that is not 1 em.

    Needs fontTools (a dependency of matplotlib); used to generate `_ipaex_widths.py` and to test it.
    """
    from fontTools.ttLib import TTFont

    from tsunagu.core.staticfinders import FONT_DIR

    font = TTFont(str(FONT_DIR / "ipaexg.ttf"), lazy=True)
    per_em = int(font["head"].unitsPerEm)
    hmtx = font["hmtx"]
    widths = {code: int(hmtx[glyph][0]) for code, glyph in font.getBestCmap().items()}
    return per_em, {code: w for code, w in sorted(widths.items()) if w != per_em}


def _generate() -> str:
    per_em, narrow = measure_font_widths()
    items = [f"{code:04X}:{w}" for code, w in narrow.items()]
    rows = [" ".join(items[i : i + 9]) for i in range(0, len(items), 9)]
    body = "\n".join(rows)
    return (
        '"""Advance widths of IPAexGothic glyphs narrower or wider than one em (generated; do not edit).\n\n'
        "Regenerate with `python -m tsunagu.documents.textmetrics > tsunagu/documents/_ipaex_widths.py`.\n"
        '"""\n\n'
        f"UNITS_PER_EM = {per_em}\n\n"
        "# code point (hex):advance width in font units\n"
        f'NARROW = """\n{body}\n"""\n'
    )


if __name__ == "__main__":
    sys.stdout.write(_generate())
