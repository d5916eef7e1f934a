"""Forms of the participation screens: Japanese messages; nothing is saved unless the whole form is valid."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet

from tsunagu.cases.models import Case
from tsunagu.core.dates import DateKind
from tsunagu.core.forms import JapaneseDateField, StrictIntegerField, StrictModelChoiceField
from tsunagu.directory.models import Organization
from tsunagu.directory.resource_models import Accessibility, GroupSize, TimeSlot, Weekday

from .models import Attendance, Continuation, Goal, Stage

_COORD = re.compile(r"^-?[0-9]{1,3}(\.[0-9]{1,6})?$")
_SPLIT = re.compile(r"[、,，\n]+")


def split_words(text: str) -> list[str]:
    """「料理、農作業, 交流」 → ["料理", "農作業", "交流"]."""
    return [w.strip() for w in _SPLIT.split(text.replace("\x00", "")) if w.strip()]


class CoordinateField(forms.CharField):
    """A latitude or longitude typed in ASCII digits (35.6812); full-width or superscript digits refused."""

    def __init__(self, *args: Any, low: int, high: int, **kwargs: Any) -> None:
        self.low, self.high = low, high
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 12)
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = super().clean(value).strip()
        if not text:
            return None
        if not _COORD.match(text):
            raise forms.ValidationError("半角数字で入力してください（例: 35.681200）。")
        number = Decimal(text)
        if not self.low <= number <= self.high:
            raise forms.ValidationError(f"{self.low}〜{self.high}の範囲で入力してください。")
        return number


class CaseChoiceField(StrictModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"ケース {obj.label}"


class NeedsForm(forms.Form):
    goals = forms.MultipleChoiceField(
        label="参加の目的", choices=Goal.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    activities = forms.CharField(
        label="やりたいこと",
        required=False,
        max_length=400,
        help_text="「、」で区切って（例: 料理、農作業、交流）",
    )
    wish = forms.CharField(
        label="本人の思い", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    weekdays = forms.TypedMultipleChoiceField(
        label="行ける曜日",
        choices=Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="空欄は「どの曜日でも」",
    )
    time_slots = forms.MultipleChoiceField(
        label="行ける時間帯", choices=TimeSlot.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    accessibility = forms.MultipleChoiceField(
        label="必要な配慮", choices=Accessibility.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    languages = forms.CharField(
        label="使える言語", required=False, max_length=200, help_text="空欄は日本語。例: 日本語、ベトナム語"
    )
    max_group_size = forms.ChoiceField(
        label="人数の上限（集団が苦手な場合）", choices=[("", "制限なし"), *GroupSize.choices], required=False
    )
    max_cost_yen = StrictIntegerField(
        label="費用の上限（円/回）", required=False, min_value=0, max_value=1_000_000
    )
    same_area_only = forms.BooleanField(label="同じ地区の中だけ", required=False)
    max_distance_km = StrictIntegerField(label="距離の上限（km）", required=False, min_value=1, max_value=200)
    origin_latitude = CoordinateField(label="出発地の緯度（任意）", low=20, high=46)
    origin_longitude = CoordinateField(label="出発地の経度（任意）", low=122, high=154)
    constraints_note = forms.CharField(
        label="配慮・制約（補足）", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    case = CaseChoiceField(queryset=Case.objects.none(), label="ケース（多機関協働）", required=False)
    version = StrictIntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, cases: QuerySet[Case], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("origin_latitude") is None) != (data.get("origin_longitude") is None):
            self.add_error("origin_longitude", "出発地は緯度と経度の両方を入力してください。")
        return data


class CloseForm(forms.Form):
    version = StrictIntegerField(min_value=1, widget=forms.HiddenInput)


class NewRecordForm(forms.Form):
    person = StrictIntegerField(label="本人", min_value=1, widget=forms.HiddenInput)


class ProposeForm(forms.Form):
    resource = StrictIntegerField(min_value=1, widget=forms.HiddenInput)
    proposed_on = JapaneseDateField(label="提案日", kind=DateKind.EVENT)
    note_to_receiver = forms.CharField(
        label="受け入れ先への連絡事項",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="受け入れ先が読むのはこの欄だけです（本人の同意の範囲で）。",
    )


class StageForm(forms.Form):
    to_stage = forms.ChoiceField(
        label="次の段階", choices=[c for c in Stage.choices if c[0] != Stage.PROPOSED]
    )
    on = JapaneseDateField(label="日付", kind=DateKind.EVENT)
    note = forms.CharField(
        label="記録", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = StrictIntegerField(min_value=1, widget=forms.HiddenInput)


class FollowUpForm(forms.Form):
    on = JapaneseDateField(label="実施日", kind=DateKind.EVENT)
    note = forms.CharField(label="内容", max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    next_on = JapaneseDateField(label="次回予定（任意）", kind=DateKind.SCHEDULE, required=False)
    token = forms.UUIDField(widget=forms.HiddenInput)


class ConsentForm(forms.Form):
    organization = StrictModelChoiceField(
        queryset=Organization.objects.none(), label="共有してよい受け入れ先"
    )
    share_contact = forms.BooleanField(label="連絡先（電話）も伝えてよい", required=False)
    method = forms.ChoiceField(label="方法", choices=[("written", "書面"), ("oral", "口頭")])
    given_on = JapaneseDateField(label="同意日", kind=DateKind.EVENT)
    expires_on = JapaneseDateField(label="有効期限（任意）", kind=DateKind.SCHEDULE, required=False)

    def __init__(self, *args: Any, organizations: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]


class ReceiverReportForm(forms.Form):
    on = JapaneseDateField(label="日付", kind=DateKind.EVENT)
    attendance = forms.ChoiceField(label="来所", choices=Attendance.choices, widget=forms.RadioSelect)
    observation = forms.CharField(
        label="体験・参加の様子", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    continuation = forms.ChoiceField(
        label="継続の意向", choices=[("", "未確認"), *Continuation.choices], required=False
    )
    token = forms.UUIDField(widget=forms.HiddenInput)
