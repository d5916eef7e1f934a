"""Forms of the community resource (社会資源) screens.

The edit form checks with the same `ResourceEntry` a profile section and an import row go through, so
a resource kept on screen can always be exported and imported again: field names are the entry's, and
its messages land on the field they are about.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db import models
from pydantic import ValidationError

from tsunagu.core.forms import StrictIntegerField, StrictModelChoiceField
from tsunagu.municipalities.choices import BusinessLine, Domain
from tsunagu.municipalities.models import Area, Municipality

from .models import Organization
from .profile_keys import translate
from .profile_schema import WEEKDAY_CODES, ResourceEntry
from .resource_entries import entry_values
from .resource_models import Accessibility, GroupSize, Resource, ResourceKind, TimeSlot, Weekday

WEEKDAY_CHOICES = [(code, str(Weekday(i).label)) for i, code in enumerate(WEEKDAY_CODES)]
_DECIMAL = re.compile(r"-?[0-9]{1,4}(\.[0-9]{1,12})?")
_TAGS = re.compile(r"[,、，;；\n]")
KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,59}$"


class _Named(StrictModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def _text(label: str, model_field: str, **kwargs: Any) -> forms.CharField:
    column = Resource._meta.get_field(model_field)
    assert isinstance(column, models.CharField), model_field
    return forms.CharField(label=label, required=False, max_length=column.max_length, **kwargs)


class ResourceForm(forms.Form):
    key = forms.RegexField(
        label="キー（半角英小文字・数字・-・_）",
        regex=KEY_PATTERN,
        max_length=60,
        error_messages={"invalid": "半角英小文字・数字・ハイフン・下線で書いてください（例: kita-salon）"},
        help_text="ファイルの取込・書き出しで同じ資源を見分ける名前です。登録後は変えられません。",
    )
    name = forms.CharField(label="名称", max_length=160)
    kind = forms.ChoiceField(label="種類", choices=ResourceKind.choices)
    description = forms.CharField(
        label="内容", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    organization = _Named(label="運営主体（関係機関）", required=False, queryset=Organization.objects.none())
    operator = _text(
        "運営主体（名称）", "operator_name", help_text="関係機関として登録のない団体（自治会、有志の会など）"
    )
    area = _Named(label="地区", required=False, queryset=Area.objects.none())
    address = _text("所在地", "address")
    latitude = forms.CharField(label="緯度", required=False, max_length=20, help_text="例: 35.6812")
    longitude = forms.CharField(label="経度", required=False, max_length=20, help_text="例: 139.7671")
    weekdays = forms.MultipleChoiceField(
        label="開催曜日", required=False, choices=WEEKDAY_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    time_slots = forms.MultipleChoiceField(
        label="時間帯", required=False, choices=TimeSlot.choices, widget=forms.CheckboxSelectMultiple
    )
    schedule = _text("日時（表示用）", "schedule_text", help_text="例: 毎月第2・第4水曜 13:30〜15:30")
    welcomes = _text("対象", "welcomes")
    age_min = StrictIntegerField(label="対象年齢（下限）", required=False, min_value=0, max_value=130)
    age_max = StrictIntegerField(label="対象年齢（上限）", required=False, min_value=0, max_value=130)
    domains = forms.MultipleChoiceField(
        label="分野", required=False, choices=Domain.choices, widget=forms.CheckboxSelectMultiple
    )
    activities = forms.CharField(
        label="活動内容",
        required=False,
        max_length=800,
        help_text="読点（、）で区切る。例: 料理、農作業、交流",
    )
    accessibility = forms.MultipleChoiceField(
        label="アクセシビリティ",
        required=False,
        choices=Accessibility.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    accessibility_note = _text("アクセシビリティ（補足）", "accessibility_note")
    languages = forms.CharField(
        label="対応言語", required=False, max_length=200, help_text="読点（、）で区切る"
    )
    group_size = forms.ChoiceField(label="人数規模", required=False, choices=[("", "—"), *GroupSize.choices])
    capacity = StrictIntegerField(label="定員", required=False, min_value=1, max_value=100_000)
    cost_yen = StrictIntegerField(
        label="費用（円/回）", required=False, min_value=0, max_value=1_000_000, help_text="無料は 0"
    )
    cost_note = _text("費用（補足）", "cost_note")
    phone = forms.CharField(label="電話", required=False, max_length=20, help_text="例: 0422-00-0000")
    email = forms.CharField(label="メール", required=False, max_length=120)
    url = forms.CharField(label="ウェブサイト", required=False, max_length=300)
    contact_name = _text("連絡先（担当）", "contact_name")
    business_lines = forms.MultipleChoiceField(
        label="事業区分",
        required=False,
        choices=[(b.value, str(b.label)) for b in BusinessLine],
        widget=forms.CheckboxSelectMultiple,
    )
    accepts_referrals = forms.BooleanField(label="参加支援の受け入れ先として提案してよい", required=False)

    def __init__(
        self, *args: Any, municipality: Municipality, resource: Resource | None = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.resource = resource
        self.fields["organization"].queryset = Organization.objects.filter(  # type: ignore[attr-defined]
            municipality=municipality, active=True
        ).order_by("sort_order", "key")
        self.fields["area"].queryset = Area.objects.filter(municipality=municipality, active=True).order_by(  # type: ignore[attr-defined]
            "kind", "sort_order", "key"
        )
        codes = list(dict.fromkeys([*municipality.counted_domain_codes(), *Domain.values]))
        self.fields["domains"].choices = [(c, municipality.domain_label(c)) for c in codes]  # type: ignore[attr-defined]
        for name in ("organization", "area"):
            self.fields[name].error_messages["invalid_choice"] = "この値は選べません。"
        if resource is not None:
            del self.fields["key"]
        self.values: dict[str, Any] = {}

    @classmethod
    def initial_for(cls, resource: Resource) -> dict[str, Any]:
        return {
            "name": resource.name,
            "kind": resource.kind,
            "description": resource.description,
            "organization": resource.organization,
            "operator": resource.operator_name,
            "area": resource.area,
            "address": resource.address,
            "latitude": "" if resource.latitude is None else format(resource.latitude.normalize(), "f"),
            "longitude": "" if resource.longitude is None else format(resource.longitude.normalize(), "f"),
            "weekdays": [WEEKDAY_CODES[d] for d in resource.weekdays if 0 <= d < len(WEEKDAY_CODES)],
            "time_slots": resource.time_slots,
            "schedule": resource.schedule_text,
            "welcomes": resource.welcomes,
            "age_min": resource.age_min,
            "age_max": resource.age_max,
            "domains": resource.domains,
            "activities": "、".join(resource.activities),
            "accessibility": resource.accessibility,
            "accessibility_note": resource.accessibility_note,
            "languages": "、".join(resource.languages),
            "group_size": resource.group_size,
            "capacity": resource.capacity,
            "cost_yen": resource.cost_yen,
            "cost_note": resource.cost_note,
            "phone": resource.phone,
            "email": resource.email,
            "url": resource.url,
            "contact_name": resource.contact_name,
            "business_lines": resource.business_lines,
            "accepts_referrals": resource.accepts_referrals,
        }

    def clean_key(self) -> str:
        key = str(self.cleaned_data["key"])
        if Resource.objects.filter(municipality=self.municipality, key=key).exists():
            raise forms.ValidationError("このキーは既に使われています。")
        return key

    def _decimal(self, name: str) -> str | None:
        text = str(self.cleaned_data.get(name) or "").strip()
        if not text:
            return None
        if not _DECIMAL.fullmatch(text):
            self.add_error(name, "半角数字の小数で入力してください（例: 35.6812）。")
            return None
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        org, area = data.get("organization"), data.get("area")
        entry_data: dict[str, Any] = {
            "key": self.resource.key if self.resource is not None else data["key"],
            "name": data["name"],
            "kind": data["kind"],
            "description": data.get("description", ""),
            "organization": org.key if org else None,
            "operator": data.get("operator", ""),
            "area": area.key if area else None,
            "address": data.get("address", ""),
            "latitude": self._decimal("latitude"),
            "longitude": self._decimal("longitude"),
            "weekdays": data.get("weekdays", []),
            "time_slots": data.get("time_slots", []),
            "schedule": data.get("schedule", ""),
            "welcomes": data.get("welcomes", ""),
            "age_min": data.get("age_min"),
            "age_max": data.get("age_max"),
            "domains": data.get("domains", []),
            "activities": [t.strip() for t in _TAGS.split(data.get("activities", "")) if t.strip()],
            "accessibility": data.get("accessibility", []),
            "accessibility_note": data.get("accessibility_note", ""),
            "languages": [t.strip() for t in _TAGS.split(data.get("languages", "")) if t.strip()],
            "group_size": data.get("group_size") or None,
            "capacity": data.get("capacity"),
            "cost_yen": data.get("cost_yen"),
            "cost_note": data.get("cost_note", ""),
            "phone": data.get("phone") or None,
            "email": data.get("email", ""),
            "url": data.get("url", ""),
            "contact_name": data.get("contact_name", ""),
            "business_lines": data.get("business_lines", []),
            "accepts_referrals": bool(data.get("accepts_referrals")),
        }
        if self.errors:
            return data
        try:
            entry = ResourceEntry.model_validate(entry_data)
        except ValidationError as exc:
            for err in exc.errors():
                name = getattr(err.get("ctx", {}).get("error"), "field", None) or str(err["loc"][0])
                self.add_error(name if name in self.fields else None, translate(err, ResourceEntry))
            return data
        values = entry_values(entry, {org.key: org} if org else {}, {area.key: area} if area else {})
        # Dates are kept in the profile or a file; the screen does not show them, so it leaves them alone.
        for name in ("starts_on", "ends_on"):
            values.pop(name)
        self.values = values
        return data


class VersionForm(forms.Form):
    """The version the user read, posted with a change (StaleResource when it is not current)."""

    version = StrictIntegerField(widget=forms.HiddenInput, min_value=1)
    active = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ResourceFilterForm(forms.Form):
    kind = forms.ChoiceField(label="種類", required=False, choices=[("", "すべて"), *ResourceKind.choices])
    area = forms.ModelChoiceField(
        label="地区", required=False, queryset=Area.objects.none(), to_field_name="key", empty_label="すべて"
    )
    day = forms.ChoiceField(label="曜日", required=False, choices=[("", "すべて"), *WEEKDAY_CHOICES])
    q = forms.CharField(
        label="名称・内容で探す",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "例: サロン、食堂"}),
    )
    inactive = forms.BooleanField(label="掲載終了も表示", required=False)

    def __init__(self, data: Any, *, municipality: Municipality) -> None:
        super().__init__(data)
        self.fields["area"].queryset = Area.objects.filter(municipality=municipality, active=True).order_by(  # type: ignore[attr-defined]
            "kind", "sort_order", "key"
        )
        for name in ("kind", "area", "day"):
            self.fields[name].error_messages["invalid_choice"] = "この値は選べません。"
        self.fields["q"].error_messages["max_length"] = "100文字以内で入力してください。"

    def filters(self) -> dict[str, Any]:
        """The valid filters; an invalid field is reported by the form and ignored here."""
        self.is_valid()
        return getattr(self, "cleaned_data", {})


class ImportForm(forms.Form):
    file = forms.FileField(
        label="ファイル（CSV または Excel .xlsx）",
        error_messages={"required": "ファイルを選んでください。", "empty": "ファイルが空です。"},
    )
