"""Forms of the community screens: strict numbers and dates, Japanese messages, a submission token."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils import timezone

from tsunagu.core.dates import DateKind
from tsunagu.core.forms import JapaneseDateField, RangedDateField, StrictIntegerField, StrictModelChoiceField
from tsunagu.municipalities.models import Area, Municipality
from tsunagu.people.models import Sex

from .models import Urgency

COUNT_MAX = 100_000
POINTS_MAX = 1_000_000


class TokenForm(forms.Form):
    submission_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_token", uuid.uuid4())


def _areas(form: forms.Form, municipality: Municipality) -> None:
    form.fields["area"].queryset = Area.objects.filter(municipality=municipality, active=True)  # type: ignore[attr-defined]


def _count(label: str) -> StrictIntegerField:
    return StrictIntegerField(label=label, required=False, min_value=0, max_value=COUNT_MAX, initial=0)


class SittingForm(TokenForm):
    held_on = RangedDateField(label="開催日", kind=DateKind.EVENT)
    place = forms.CharField(label="場所", required=False, max_length=160)
    area = StrictModelChoiceField(
        queryset=Area.objects.none(), label="地区", required=False, empty_label="（団体の地区）"
    )
    residents = _count("住民")
    professionals = _count("専門職")
    volunteers = _count("ボランティア")
    others = _count("その他")
    topics = forms.CharField(
        label="話題・内容（個人が分かることは書かない）",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _areas(self, municipality)
        if not self.is_bound:
            self.initial.setdefault("held_on", timezone.localdate())


class SittingCorrectionForm(SittingForm):
    """The sitting form for a correction (訂正): the version the form was opened at instead of a token, and
    a required reason."""

    version = StrictIntegerField(widget=forms.HiddenInput, min_value=0)
    reason = forms.CharField(
        label="訂正の理由",
        max_length=400,
        error_messages={"required": "訂正の理由を入力してください。"},
        help_text="例: 参加者数の数え違い、開催日の入力誤り",
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, municipality=municipality, **kwargs)
        del self.fields["submission_token"]


class NeedForm(TokenForm):
    text = forms.CharField(label="気づきの内容", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    urgency = forms.ChoiceField(label="緊急度", choices=Urgency.choices, initial=Urgency.SOON)
    area = StrictModelChoiceField(
        queryset=Area.objects.none(), label="地区", required=False, empty_label="（開催の地区）"
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _areas(self, municipality)


class NeedEditForm(NeedForm):
    """The need form for an edit: the version the form was opened at instead of a token."""

    version = StrictIntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, municipality=municipality, **kwargs)
        del self.fields["submission_token"]
        self.fields["text"].error_messages["required"] = "気づきの内容を入力してください。"


class VolunteerForm(TokenForm):
    """A minimal volunteer registration: a new person (名寄せ later, through people)."""

    family_name = forms.CharField(label="姓", max_length=40)
    given_name = forms.CharField(label="名", required=False, max_length=40)
    family_kana = forms.CharField(label="セイ（フリガナ）", max_length=60)
    given_kana = forms.CharField(label="メイ（フリガナ）", required=False, max_length=60)
    birth_date = JapaneseDateField(label="生年月日", kind=DateKind.BIRTH, required=False)
    sex = forms.ChoiceField(label="性別", choices=Sex.choices, initial=Sex.UNKNOWN)
    registered_on = RangedDateField(label="登録日", kind=DateKind.EVENT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("registered_on", timezone.localdate())


class ExistingVolunteerForm(forms.Form):
    """Registering a person picked from the search results (the id only; people's policy fetches them)."""

    person = StrictIntegerField(widget=forms.HiddenInput, min_value=1)
    registered_on = RangedDateField(label="登録日", kind=DateKind.EVENT)


class EarnForm(TokenForm):
    on = RangedDateField(label="活動日", kind=DateKind.EVENT)
    activity = forms.CharField(label="活動", max_length=160)
    activities = StrictIntegerField(label="回数", min_value=1, max_value=366, initial=1)
    points = StrictIntegerField(label="ポイント", required=False, min_value=1, max_value=POINTS_MAX)

    def __init__(self, *args: Any, per_activity: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if per_activity:
            del self.fields["points"]
            self.fields["activities"].help_text = f"1回 {per_activity} ポイント"
        else:
            self.fields["points"].required = True
        if not self.is_bound:
            self.initial.setdefault("on", timezone.localdate())


class RedeemForm(TokenForm):
    on = RangedDateField(label="交換日", kind=DateKind.EVENT)
    points = StrictIntegerField(label="交換するポイント", min_value=1, max_value=POINTS_MAX)
    note = forms.CharField(label="交換したもの", required=False, max_length=160)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Shown beside the earn form on one page: its own element ids (the posted names stay the same).
        kwargs.setdefault("auto_id", "redeem_%s")
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("on", timezone.localdate())


class YearForm(forms.Form):
    year = StrictIntegerField(label="年度", required=False, min_value=2000, max_value=2100)
