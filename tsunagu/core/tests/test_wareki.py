import datetime as dt

import pytest

from tsunagu.core.kana import search_key
from tsunagu.core.wareki import fiscal_year, fiscal_year_label, wareki


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2025, 4, 1), "令和7年4月1日"),
        (dt.date(2019, 5, 1), "令和元年5月1日"),
        (dt.date(2019, 4, 30), "平成31年4月30日"),
        (dt.date(1989, 1, 7), "昭和64年1月7日"),
        (dt.date(1989, 1, 8), "平成元年1月8日"),
    ],
)
def test_it_formats_era_dates(day, expected):
    assert wareki(day) == expected


def test_it_adds_western_year_when_asked():
    assert wareki(dt.date(2025, 4, 1), with_seireki=True) == "令和7年4月1日（2025年）"


def test_it_computes_fiscal_years_from_april():
    assert fiscal_year(dt.date(2026, 3, 31)) == 2025
    assert fiscal_year(dt.date(2026, 4, 1)) == 2026
    assert fiscal_year_label(2025) == "令和7年度"
    assert fiscal_year_label(2019) == "令和元年度"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("髙橋", "高橋"),
        ("山﨑", "山崎"),
        ("ｻｲﾄｳ", "さいとう"),
        ("サイトウ", "さいとう"),
        ("山田 太郎", "山田太郎"),
        ("齋藤", "斎藤"),
        ("渡邊", "渡辺"),
    ],
)
def test_it_normalises_names_to_one_search_key(a, b):
    assert search_key(a) == search_key(b)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1958-04-07", dt.date(1958, 4, 7)),
        ("1958/4/7", dt.date(1958, 4, 7)),
        ("19580407", dt.date(1958, 4, 7)),
        ("１９５８年４月７日", dt.date(1958, 4, 7)),
        ("昭和33年4月7日", dt.date(1958, 4, 7)),
        ("S33.4.7", dt.date(1958, 4, 7)),
        ("昭33.4.7", dt.date(1958, 4, 7)),
        ("h1.1.8", dt.date(1989, 1, 8)),
        ("令和元年5月1日", dt.date(2019, 5, 1)),
        ("R7.4.1", dt.date(2025, 4, 1)),
        ("", None),
    ],
)
def test_it_parses_dates_as_staff_type_them(text, expected):
    from tsunagu.core.dates import parse_japanese_date

    assert parse_japanese_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2020-02-30", "存在しない日付"),
        ("昭和65年1月1日", "昭和65年という日付はありません"),
        ("平成1年1月7日", "平成は1989年1月8日から"),
        ("きのう", "日付を読み取れません"),
    ],
)
def test_it_explains_dates_it_cannot_read(text, message):
    from tsunagu.core.dates import DateParseError, parse_japanese_date

    with pytest.raises(DateParseError, match=message):
        parse_japanese_date(text)


# ---- never raising on a stored value (issue 9 A1) ---------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(1, 1, 1), "0001年1月1日"),
        (dt.date(202, 11, 20), "0202年11月20日"),
        (dt.date(1867, 12, 31), "1867年12月31日"),
        (dt.date(1868, 1, 24), "1868年1月24日"),
        (dt.date(1868, 1, 25), "明治元年1月25日"),
        (dt.date(2199, 12, 31), "令和181年12月31日"),
        (dt.date(2200, 1, 1), "2200年1月1日"),
        (dt.date(9999, 12, 31), "9999年12月31日"),
        (None, ""),
    ],
)
def test_wareki_writes_dates_no_era_names_in_seireki(day, expected):
    assert wareki(day) == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        dt.date(1, 1, 1),
        dt.date(1867, 12, 31),
        dt.date(9999, 12, 31),
        dt.datetime(1, 1, 1, tzinfo=dt.UTC),
        dt.datetime(1867, 12, 31, 23, 0, tzinfo=dt.UTC),
        dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC),  # no Japanese local time exists for it
        dt.datetime(9999, 12, 31, 23, 59),
        "",
    ],
)
def test_the_template_filters_never_raise(value):
    from tsunagu.core.templatetags import wareki as filters

    for name in ("wareki", "wareki_full", "wareki_time"):
        text = getattr(filters, name)(value)
        assert isinstance(text, str)
        assert ("年" in text) == (value not in (None, ""))


def test_fiscal_year_labels_outside_the_eras_are_seireki():
    assert fiscal_year_label(1867) == "1867年度"
    assert fiscal_year_label(1) == "1年度"
    assert fiscal_year_label(9999) == "9999年度"
