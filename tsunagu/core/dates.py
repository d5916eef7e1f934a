"""Parsing dates the way Japanese staff type them: 西暦 or 和暦, full or abbreviated.

Accepted: 1958-04-07, 1958/4/7, 1958.4.7, 19580407, 1958年4月7日, 昭和33年4月7日, 昭33.4.7, S33.4.7,
s33/4/7, H1.1.8, R元.5.1, 令和元年5月1日. Full-width digits and spaces are fine (NFKC).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from .wareki import ERAS

_ERA_ALIASES = {
    "令和": "令和", "令": "令和", "r": "令和",
    "平成": "平成", "平": "平成", "h": "平成",
    "昭和": "昭和", "昭": "昭和", "s": "昭和",
    "大正": "大正", "大": "大正", "t": "大正",
    "明治": "明治", "明": "明治", "m": "明治",
}  # fmt: skip
_ERA_START = dict(ERAS)
_SEIREKI = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_WAREKI = re.compile(
    r"^(令和|平成|昭和|大正|明治|令|平|昭|大|明|[rhstm])\s*(元|\d{1,2})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"
)


class DateParseError(ValueError):
    """The text is not a date (message in Japanese, for the form)."""


def parse_japanese_date(text: str) -> dt.date | None:
    """Return the date `text` denotes, None for blank text; raise DateParseError otherwise."""
    value = unicodedata.normalize("NFKC", text or "").strip().lower().replace(" ", "")
    if not value:
        return None
    m = _SEIREKI.match(value) or _COMPACT.match(value)
    if m:
        year, month, day = (int(g) for g in m.groups())
        return _make(year, month, day)
    m = _WAREKI.match(value)
    if m:
        era = _ERA_ALIASES[m.group(1)]
        era_year = 1 if m.group(2) == "元" else int(m.group(2))
        if era_year < 1:
            raise DateParseError("和暦の年は元年（1年）からです。")
        start = _ERA_START[era]
        result = _make(start.year + era_year - 1, int(m.group(3)), int(m.group(4)))
        if result < start:
            raise DateParseError(
                f"{era}は{start.year}年{start.month}月{start.day}日からです。日付を確かめてください。"
            )
        later = [s for _, s in ERAS if s > start]
        if later and result >= min(later):
            raise DateParseError(f"{era}{m.group(2)}年という日付はありません。元号を確かめてください。")
        return result
    raise DateParseError("日付を読み取れません。例: 1958-04-07、S33.4.7、昭和33年4月7日")


def _make(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise DateParseError("存在しない日付です。年月日を確かめてください。") from None
