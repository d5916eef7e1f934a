"""The directory filter bar: plain GET parameters, so it works without JavaScript and in bookmarks."""

from __future__ import annotations

from typing import Any

from django import forms

from tsunagu.municipalities.choices import BusinessLine, Domain
from tsunagu.municipalities.models import Area, Municipality

from .queries import TAB_KEYS, TABS, Filters


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.kind}）"


class DirectoryFilterForm(forms.Form):
    domain = forms.ChoiceField(label="分野", required=False, choices=[("", "すべて"), *Domain.choices])
    line = forms.ChoiceField(
        label="事業区分",
        required=False,
        choices=[("", "すべて")] + [(b.value, str(b.label)) for b in BusinessLine],
    )
    area = AreaChoiceField(
        label="地区", required=False, queryset=Area.objects.none(), to_field_name="key", empty_label="すべて"
    )
    q = forms.CharField(
        label="名称で探す",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "例: 包括、こども"}),
    )
    tab = forms.ChoiceField(required=False, choices=TABS, widget=forms.HiddenInput)

    def __init__(self, data: Any, *, municipality: Municipality) -> None:
        super().__init__(data)
        # Only the staff member's own city's areas are valid choices; another city's key is an error.
        self.fields["area"].queryset = Area.objects.filter(municipality=municipality, active=True).order_by(  # type: ignore[attr-defined]
            "kind", "sort_order", "key"
        )
        # Domains: the well-known ones and any the city adds, each in the city's words.
        codes = list(dict.fromkeys([*municipality.counted_domain_codes(), *Domain.values]))
        choices = [("", "すべて"), *((c, municipality.domain_label(c)) for c in codes)]
        self.fields["domain"].choices = choices  # type: ignore[attr-defined]
        self.fields["area"].error_messages["invalid_choice"] = "この地区は選べません。"
        for name in ("domain", "line", "tab"):
            self.fields[name].error_messages["invalid_choice"] = "この値は選べません。"
        self.fields["q"].error_messages["max_length"] = "100文字以内で入力してください。"

    def filters(self) -> Filters:
        """The valid filters; an invalid field is reported by the form and ignored here."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return Filters(
            domain=data.get("domain") or "",
            line=data.get("line") or "",
            area=data.get("area"),
            q=(data.get("q") or "").strip(),
        )

    def current_tab(self) -> str:
        self.is_valid()
        tab = getattr(self, "cleaned_data", {}).get("tab")
        return tab if tab in TAB_KEYS else TAB_KEYS[0]
