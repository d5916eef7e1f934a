"""和暦 (Japanese era dates) and 年度 (fiscal years, April to March)."""

from __future__ import annotations

import datetime as dt

# (era name, first day) newest first.
ERAS: tuple[tuple[str, dt.date], ...] = (
    ("令和", dt.date(2019, 5, 1)),
    ("平成", dt.date(1989, 1, 8)),
    ("昭和", dt.date(1926, 12, 25)),
    ("大正", dt.date(1912, 7, 30)),
    ("明治", dt.date(1868, 1, 25)),
)


def era_of(day: dt.date) -> tuple[str, int]:
    """Return (era name, year within the era) for a date."""
    if isinstance(day, dt.datetime):
        day = day.date()
    for name, start in ERAS:
        if day >= start:
            return name, day.year - start.year + 1
    raise ValueError(f"{day.isoformat()} is before 明治")


def era_year_label(name: str, year: int) -> str:
    return f"{name}{'元' if year == 1 else year}年"


# Beyond this year no era can be named with any sense (令和7981年); such a stored date is shown as 西暦.
LAST_ERA_YEAR = 2199


def seireki(day: dt.date) -> str:
    """0202年11月20日: the plain Gregorian date, four-digit year, for a date no era can name."""
    return f"{day.year:04d}年{day.month}月{day.day}日"


def wareki(day: dt.date | None, *, with_seireki: bool = False) -> str:
    """令和7年4月1日 (optionally followed by （2025年）).

    Never raises on a date Python can hold: before 明治 (1868-01-25) or after LAST_ERA_YEAR the date is
    written in 西暦 instead (seireki), so that a wrongly stored date shows as what it is rather than
    breaking every page that shows it. None is "".
    """
    if day is None:
        return ""
    if isinstance(day, dt.datetime):
        day = day.date()
    if day < ERAS[-1][1] or day.year > LAST_ERA_YEAR:
        return seireki(day)
    name, year = era_of(day)
    text = f"{era_year_label(name, year)}{day.month}月{day.day}日"
    if with_seireki:
        text += f"（{day.year}年）"
    return text


def fiscal_year(day: dt.date) -> int:
    """The 年度 a date falls in, as the Western year in which it starts (April 1)."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_label(year: int) -> str:
    """令和7年度 for 2025.

    Named after the era in force on May 1: FY2019 is 令和元年度 (令和 began May 1, 2019) while
    FY1988 stays 昭和63年度 (平成 began in January 1989), as municipal documents write them.
    """
    if not ERAS[-1][1].year < year <= LAST_ERA_YEAR:
        return f"{year}年度"
    name, era_year = era_of(dt.date(year, 5, 1))
    return f"{name}{'元' if era_year == 1 else era_year}年度"


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
