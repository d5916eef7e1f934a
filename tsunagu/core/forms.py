"""Form fields shared by every app.

Every date or date-and-time a person types goes through one of the three date fields below, each with a
`kind` (tsunagu.core.dates.DateKind) that decides its plausible range; every id or number through
`StrictIntegerField` or the strict model choice fields (tsunagu.core.numbers). A guard test walks every
form of the project and fails on a plain Django DateField, DateTimeField, IntegerField or
ModelChoiceField.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from .dates import (
    DateKind,
    DateParseError,
    date_bounds,
    date_range_error,
    datetime_range_error,
    parse_japanese_date,
)
from .numbers import DB_INT_MAX, DB_INT_MIN, looks_like_a_number, parse_id, parse_int
from .wareki import era_of

NUMBER_ERROR = "半角数字で入力してください。"
TOO_BIG_ERROR = "数が大きすぎます。"


class _DateRangeMixin:
    """Checks the cleaned date against the range of its kind (tsunagu.core.dates.RULES)."""

    date_kind: DateKind
    label: Any

    def _range_error(self, value: dt.date) -> str | None:
        label = str(self.label or "日付")
        if isinstance(value, dt.datetime):
            return datetime_range_error(value, self.date_kind, label)
        return date_range_error(value, self.date_kind, label)

    def validate(self, value: Any) -> None:
        super().validate(value)  # type: ignore[misc]
        if value in (None, ""):
            return
        message = self._range_error(value)
        if message:
            raise forms.ValidationError(message, code="out_of_range")


_ERA_LETTERS = {"令和": "R", "平成": "H", "昭和": "S", "大正": "T", "明治": "M"}


def date_example(kind: DateKind, today: dt.date) -> str:
    """The input example for a date of `kind`, as 和暦 and 西暦: a birth date for 生年月日, today for a day
    that happened or a search bound, a month ahead for a planned day (期限, 次回モニタリング日)."""
    day = {
        DateKind.BIRTH: dt.date(1958, 4, 7),
        DateKind.EVENT: today,
        DateKind.SEARCH: today,
        DateKind.SCHEDULE: today + dt.timedelta(days=30),
    }[kind]
    era, year = era_of(day)
    return f"例: {_ERA_LETTERS[era]}{year}.{day.month}.{day.day}、{day.isoformat()}"


class JapaneseDateField(_DateRangeMixin, forms.Field):
    """A text field for dates typed as 西暦 or 和暦 (S33.4.7, 昭和33年4月7日, 1958-04-07 …)."""

    widget = forms.TextInput

    def __init__(self, *args: Any, kind: DateKind, placeholder: str | None = None, **kwargs: Any) -> None:
        self.date_kind = kind
        super().__init__(*args, **kwargs)
        # Without one given, the example follows the kind (a 次回 date is not shown a birth date) and, for
        # days around today, moves with today (refreshed per form in __deepcopy__).
        self._example_follows_kind = placeholder is None and "placeholder" not in self.widget.attrs
        self.widget.attrs.setdefault("placeholder", placeholder or date_example(kind, timezone.localdate()))
        if "、" in self.widget.attrs["placeholder"]:
            # An example in both calendars (「例: R9.1.2、2027-01-02」) is longer than the default width of a
            # text input: the stylesheet widens these (`input.date-both`) so the whole example shows.
            self.widget.attrs["class"] = " ".join([*self.widget.attrs.get("class", "").split(), "date-both"])
        self.widget.attrs.setdefault("inputmode", "text")
        self.widget.attrs.setdefault("autocomplete", "off")

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        result = super().__deepcopy__(memo)  # type: ignore[misc]
        if self._example_follows_kind:
            result.widget.attrs["placeholder"] = date_example(self.date_kind, timezone.localdate())
        return result

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, dt.date):
            return value
        try:
            return parse_japanese_date(str(value or ""))
        except DateParseError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None


class RangedDateField(_DateRangeMixin, forms.DateField):
    """`<input type="date">` with the range of its kind, also as the browser's min and max."""

    def __init__(self, *args: Any, kind: DateKind, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        kwargs.setdefault("error_messages", {"invalid": "日付を正しく入力してください（例: 2026-04-01）。"})
        self.date_kind = kind  # before Field.__init__, which asks widget_attrs
        super().__init__(*args, **kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        earliest, latest = date_bounds(self.date_kind)
        return {**attrs, "min": earliest.isoformat(), "max": latest.isoformat()}

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        # Each form instance gets a copy of the class's field: refresh the bounds, which move with today.
        result = super().__deepcopy__(memo)  # type: ignore[misc]
        result.widget.attrs.update(result.widget_attrs(result.widget))
        return result


class RangedDateTimeField(_DateRangeMixin, forms.DateTimeField):
    """`<input type="datetime-local">` with the range of its kind."""

    def __init__(self, *args: Any, kind: DateKind, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
        )
        kwargs.setdefault("input_formats", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
        kwargs.setdefault(
            "error_messages", {"invalid": "日時を正しく入力してください（例: 2026-04-01 10:30）。"}
        )
        self.date_kind = kind  # before Field.__init__, which asks widget_attrs
        super().__init__(*args, **kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        earliest, _latest = date_bounds(self.date_kind)
        return {**attrs, "min": f"{earliest.isoformat()}T00:00"}

    def to_python(self, value: Any) -> dt.datetime | None:
        try:
            return super().to_python(value)
        except OverflowError:  # making year 1 or 9999 aware in some zones
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class StrictIntegerField(forms.IntegerField):
    """An integer typed or posted: ASCII digits only (no ², no ３, no ٣), within the database's integer
    range unless narrower bounds are given. Hidden version and id fields use it too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", DB_INT_MIN)
        kwargs.setdefault("max_value", DB_INT_MAX)
        error_messages = {"invalid": NUMBER_ERROR, **kwargs.pop("error_messages", {})}
        super().__init__(*args, error_messages=error_messages, **kwargs)

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value).strip()
        number = parse_int(text, minimum=None, maximum=None)
        if number is None:
            if looks_like_a_number(text):  # more digits than any column holds
                raise forms.ValidationError(TOO_BIG_ERROR, code="max_value")
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


def _is_strict_key(value: Any) -> bool:
    """A posted choice of a model choice field is empty or a well-formed id (ASCII digits, id range)."""
    if value in (None, ""):
        return True
    if isinstance(value, int) and not isinstance(value, bool):
        return parse_id(value) is not None
    return parse_id(str(value)) is not None


class StrictModelChoiceField(forms.ModelChoiceField):
    """ModelChoiceField whose posted id must be ASCII digits within the id range before it reaches the
    database (SQLite raises OverflowError on a 30-digit id; Python's int() accepts ٣ and ３).
    With `to_field_name` set the key is not an id and Django's own checks apply. The message is Django's
    own (translated) invalid_choice."""

    def to_python(self, value: Any) -> Any:
        if self.to_field_name is None and not _is_strict_key(value):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class StrictModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """ModelMultipleChoiceField with the same check on every posted id."""

    def clean(self, value: Any) -> Any:
        if self.to_field_name is None and isinstance(value, list | tuple):
            for item in value:
                if not _is_strict_key(item):
                    raise forms.ValidationError(
                        self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": item}
                    )
        return super().clean(value)
