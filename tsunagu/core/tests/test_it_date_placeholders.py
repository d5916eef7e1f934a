"""A date field's input example follows what the date means: a birth date for 生年月日, a day ahead for a
planned day (次回モニタリング日), today for a day that happened — and an explicit example wins."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from tsunagu.core.dates import DateKind, parse_japanese_date
from tsunagu.core.forms import JapaneseDateField, date_example


class _Form(forms.Form):
    born = JapaneseDateField(kind=DateKind.BIRTH)
    held = JapaneseDateField(kind=DateKind.EVENT)
    next_on = JapaneseDateField(kind=DateKind.SCHEDULE)
    since = JapaneseDateField(kind=DateKind.SEARCH)
    given = JapaneseDateField(kind=DateKind.EVENT, placeholder="例: R8.11.20")


def _examples(form: forms.Form, name: str) -> list[dt.date | None]:
    """The dates of a placeholder like 「例: R8.12.2、2026-12-02」, each parsed back."""
    text = form.fields[name].widget.attrs["placeholder"].removeprefix("例: ")
    return [parse_japanese_date(part) for part in text.split("、")]


def test_each_kind_shows_an_example_of_its_own_kind_in_both_calendars():
    form = _Form()
    today = timezone.localdate()
    assert _examples(form, "born") == [dt.date(1958, 4, 7)] * 2
    assert _examples(form, "held") == [today] * 2
    assert _examples(form, "since") == [today] * 2
    ahead = _examples(form, "next_on")
    assert (
        ahead[0] is not None and ahead[0] == ahead[1] and ahead[0] > today
    )  # a planned day, not a birth date
    assert "S33" not in form.fields["next_on"].widget.attrs["placeholder"]
    assert form.fields["given"].widget.attrs["placeholder"] == "例: R8.11.20"


def test_the_example_moves_with_today(monkeypatch):
    later = timezone.localdate() + dt.timedelta(days=400)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: later)
    assert _examples(_Form(), "held") == [later] * 2
    assert date_example(DateKind.SCHEDULE, dt.date(2019, 3, 1)) == "例: H31.3.31、2019-03-31"
