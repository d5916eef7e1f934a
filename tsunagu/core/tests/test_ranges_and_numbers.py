"""The one place where plausible date ranges and strict numbers are decided (issue 9 A1, A7)."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms

from tsunagu.core.dates import DateKind, date_bounds, date_range_error, datetime_range_error
from tsunagu.core.forms import (
    JapaneseDateField,
    RangedDateField,
    RangedDateTimeField,
    StrictIntegerField,
)
from tsunagu.core.numbers import DB_ID_MAX, DB_INT_MAX, parse_id, parse_ids, parse_int

TODAY = dt.date(2026, 12, 2)


@pytest.mark.parametrize(
    ("kind", "earliest", "latest"),
    [
        (DateKind.BIRTH, dt.date(1900, 1, 1), TODAY),
        (DateKind.EVENT, dt.date(2000, 1, 1), TODAY),
        (DateKind.SCHEDULE, dt.date(2000, 1, 1), dt.date(2036, 12, 2)),
        (DateKind.SEARCH, dt.date(2000, 1, 1), dt.date(2027, 12, 2)),
    ],
)
def test_every_kind_has_its_range(kind, earliest, latest):
    assert date_bounds(kind, TODAY) == (earliest, latest)
    assert date_range_error(earliest, kind, "日", TODAY) is None
    assert date_range_error(latest, kind, "日", TODAY) is None
    assert date_range_error(earliest - dt.timedelta(days=1), kind, "日", TODAY)
    assert date_range_error(latest + dt.timedelta(days=1), kind, "日", TODAY)


def test_schedule_ten_years_ahead_of_a_leap_day():
    assert date_bounds(DateKind.SCHEDULE, dt.date(2028, 2, 29))[1] == dt.date(2038, 2, 28)


def test_messages_are_japanese_and_name_the_field():
    assert date_range_error(dt.date(1867, 12, 31), DateKind.EVENT, "同意日", TODAY) == (
        "同意日は2000年1月1日以降の日付を入力してください。"
    )
    assert date_range_error(dt.date(2027, 1, 1), DateKind.EVENT, "同意日", TODAY) == (
        "同意日に未来の日付は入力できません。"
    )
    assert date_range_error(dt.date(9999, 1, 1), DateKind.SCHEDULE, "期限", TODAY) == (
        "期限は2036年12月2日以前の日付を入力してください。"
    )


def test_datetimes_at_the_ends_of_the_calendar_never_overflow():
    now = dt.datetime(2026, 12, 2, 1, 0, tzinfo=dt.UTC)
    tokyo = dt.timezone(dt.timedelta(hours=9))
    assert datetime_range_error(dt.datetime(1, 1, 1, tzinfo=tokyo), DateKind.EVENT, "受付日時", now)
    assert datetime_range_error(
        dt.datetime(9999, 12, 31, 23, 59, tzinfo=tokyo), DateKind.EVENT, "受付日時", now
    )
    assert datetime_range_error(now + dt.timedelta(minutes=4), DateKind.EVENT, "受付日時", now) is None
    assert datetime_range_error(now + dt.timedelta(minutes=6), DateKind.EVENT, "受付日時", now)


class _Form(forms.Form):
    born = JapaneseDateField(label="生年月日", kind=DateKind.BIRTH, required=False)
    due = RangedDateField(label="期限", kind=DateKind.SCHEDULE, required=False)
    at = RangedDateTimeField(label="受付日時", kind=DateKind.EVENT, required=False)
    n = StrictIntegerField(label="数", required=False)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"born": "1867-12-31"}, "born"),
        ({"born": "明治1年1月1日"}, "born"),
        ({"due": "0001-01-01"}, "due"),
        ({"due": "9999-12-31"}, "due"),
        ({"at": "0001-01-01T00:00"}, "at"),
        ({"at": "9999-12-31T23:59"}, "at"),
        ({"n": "²"}, "n"),
        ({"n": "٣"}, "n"),
        ({"n": "３"}, "n"),
        ({"n": "9" * 30}, "n"),
        ({"n": "9" * 20000}, "n"),
        ({"n": str(DB_INT_MAX + 1)}, "n"),
        ({"n": "1.5"}, "n"),
    ],
)
def test_form_fields_refuse_with_a_message_and_never_raise(data, field):
    form = _Form(data)
    assert not form.is_valid()
    assert list(form.errors) == [field]


def test_form_fields_accept_plausible_values():
    form = _Form({"born": "S33.4.7", "due": "2030-01-01", "at": "2026-04-01T10:30", "n": "-12"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["n"] == -12


def test_date_inputs_carry_min_and_max_for_the_browser():
    html = str(_Form()["due"])
    assert 'min="2000-01-01"' in html and 'max="' in html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("0", 0),
        ("²", None),
        ("٣", None),
        ("３", None),
        ("1_000", None),
        (" 1", None),
        ("1\n", None),
        ("+1", None),
        ("-1", None),
        ("9" * 30, None),
        (str(DB_INT_MAX), DB_INT_MAX),
        (str(DB_INT_MAX + 1), None),
        ("", None),
        (None, None),
        (True, None),
        (3.0, None),
        (7, 7),
    ],
)
def test_parse_int_reads_ascii_digits_within_the_column(text, expected):
    assert parse_int(text) == expected


def test_parse_id_and_ids():
    assert parse_id("0") is None
    assert parse_id(str(DB_ID_MAX)) == DB_ID_MAX
    assert parse_id(str(DB_ID_MAX + 1)) is None
    assert parse_ids(["3", "²", "3", "9" * 30, "1", "x"]) == [3, 1]
