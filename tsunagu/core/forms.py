"""Form fields shared by every app."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from .dates import DateParseError, parse_japanese_date


class JapaneseDateField(forms.Field):
    """A text field for dates typed as 西暦 or 和暦 (S33.4.7, 昭和33年4月7日, 1958-04-07 …)."""

    widget = forms.TextInput

    def __init__(self, *args: Any, placeholder: str = "例: S33.4.7、1958-04-07", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("placeholder", placeholder)
        self.widget.attrs.setdefault("inputmode", "text")
        self.widget.attrs.setdefault("autocomplete", "off")

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
