"""Parsing dates the way Japanese staff type them: 西暦 or 和暦, full or abbreviated.

Accepted: 1958-04-07, 1958/4/7, 1958.4.7, 19580407, 1958年4月7日, 昭和33年4月7日, 昭33.4.7, S33.4.7,
s33/4/7, H1.1.8, R元.5.1, 令和元年5月1日. Full-width digits and spaces are fine (NFKC).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from .wareki import ERAS

_ERA_ALIASES = {
    "令和": "令和",
    "令": "令和",
    "r": "令和",
    "平成": "平成",
    "平": "平成",
    "h": "平成",
    "昭和": "昭和",
    "昭": "昭和",
    "s": "昭和",
    "大正": "大正",
    "大": "大正",
    "t": "大正",
    "明治": "明治",
    "明": "明治",
    "m": "明治",
}
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


# ---- plausible ranges ------------------------------------------------------------------------------
#
# One table for every date a person types. A date outside its range is a typo (0202 for 2020, 1867 for
# 1967) or a probe; accepting it stores something no page can show as 和暦 and no report can count.

# Records of this program do not predate 2000: 介護保険 and the 地域包括 network it grew from began in
# April 2000, 重層的支援体制整備事業 in April 2021. Older paper records are summarised, not dated, here.
EARLIEST_RECORD = dt.date(2000, 1, 1)
# Nobody alive was born before 1900; an unknown birth date is left blank (推定年齢 instead).
EARLIEST_BIRTH = dt.date(1900, 1, 1)
# Plans, reviews, follow-ups and consent expiries look ahead at most this many years.
SCHEDULE_YEARS = 10
# A received time may run a little ahead of the server's clock (a PC clock a few minutes fast).
CLOCK_SKEW = dt.timedelta(minutes=5)


class DateKind(enum.StrEnum):
    """What a date input means, which decides its plausible range (see RULES)."""

    BIRTH = "birth"  # 生年月日: 1900-01-01 … today
    EVENT = "event"  # a day that has happened (受付, 同意, 実施, 開催): 2000-01-01 … today
    SCHEDULE = "schedule"  # a day planned (期限, 評価日, 次回, 有効期限): 2000-01-01 … today + 10 years
    SEARCH = "search"  # a bound of a search period: 2000-01-01 … today + 1 year


@dataclass(frozen=True)
class DateRule:
    earliest: Callable[[dt.date], dt.date]
    latest: Callable[[dt.date], dt.date]


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


RULES: dict[DateKind, DateRule] = {
    DateKind.BIRTH: DateRule(lambda today: EARLIEST_BIRTH, lambda today: today),
    DateKind.EVENT: DateRule(lambda today: EARLIEST_RECORD, lambda today: today),
    DateKind.SCHEDULE: DateRule(
        lambda today: EARLIEST_RECORD, lambda today: _years_after(today, SCHEDULE_YEARS)
    ),
    DateKind.SEARCH: DateRule(lambda today: EARLIEST_RECORD, lambda today: _years_after(today, 1)),
}


def date_bounds(kind: DateKind, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The first and the last plausible day for a date of this kind (both inclusive)."""
    today = today or timezone.localdate()
    rule = RULES[kind]
    return rule.earliest(today), rule.latest(today)


def _ymd(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def date_range_error(value: dt.date, kind: DateKind, label: str, today: dt.date | None = None) -> str | None:
    """The Japanese message for a date outside its range, or None when it is plausible."""
    today = today or timezone.localdate()
    earliest, latest = date_bounds(kind, today)
    if isinstance(value, dt.datetime):
        value = value.date()
    if value < earliest:
        return f"{label}は{_ymd(earliest)}以降の日付を入力してください。"
    if value > latest:
        if latest == today:
            return f"{label}に未来の日付は入力できません。"
        return f"{label}は{_ymd(latest)}以前の日付を入力してください。"
    return None


def datetime_range_error(
    value: dt.datetime, kind: DateKind, label: str, now: dt.datetime | None = None
) -> str | None:
    """As date_range_error, for a date and time. Compared as local wall-clock times so that year 1 or
    year 9999 never overflows on the way to UTC; an EVENT may be up to CLOCK_SKEW ahead of now."""
    local_now = timezone.localtime(now).replace(tzinfo=None)
    wall = value
    if timezone.is_aware(value):
        try:
            wall = timezone.localtime(value)
        except OverflowError:  # year 1 or 9999 in another zone: its own wall time is near enough
            pass
    wall = wall.replace(tzinfo=None)
    earliest, latest = date_bounds(kind, local_now.date())
    if wall < dt.datetime.combine(earliest, dt.time.min):
        return f"{label}は{_ymd(earliest)}以降の日時を入力してください。"
    if kind == DateKind.EVENT:
        if wall > local_now + CLOCK_SKEW:
            return f"{label}に未来の日時は入力できません。"
    elif wall.date() > latest:
        return f"{label}は{_ymd(latest)}以前の日時を入力してください。"
    return None
