"""The intake form: one screen, keyboard friendly, Japanese messages, nothing saved half."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils import timezone

from tsunagu.core.dates import DateKind
from tsunagu.core.forms import (
    JapaneseDateField,
    RangedDateField,
    RangedDateTimeField,
    StrictIntegerField,
    StrictModelChoiceField,
    StrictModelMultipleChoiceField,
)
from tsunagu.core.numbers import parse_id
from tsunagu.directory.models import Organization, Window
from tsunagu.municipalities.choices import BusinessLine
from tsunagu.municipalities.models import Area, ConcernType, Municipality
from tsunagu.people.models import Relationship, Sex

from .models import ActionKind, Channel, ConsulterKind, SharingConsent

NEW = "new"


class IntakeForm(forms.Form):
    submission_token = forms.UUIDField(widget=forms.HiddenInput)
    window = StrictModelChoiceField(queryset=Window.objects.none(), label="受付窓口", empty_label=None)
    received_at = RangedDateTimeField(label="受付日時", kind=DateKind.EVENT)
    channel = forms.ChoiceField(label="相談経路", choices=Channel.choices, initial=Channel.VISIT)
    consulter_kind = forms.ChoiceField(
        label="相談者", choices=ConsulterKind.choices, initial=ConsulterKind.SELF
    )
    consulter_note = forms.CharField(label="相談者（補足）", required=False, max_length=100)

    # Person: chosen from the search results (a pk) or "new".
    person_choice = forms.CharField(label="本人", required=False, widget=forms.HiddenInput)
    family_name = forms.CharField(label="姓", required=False, max_length=40)
    given_name = forms.CharField(label="名", required=False, max_length=40)
    family_kana = forms.CharField(label="セイ（フリガナ）", required=False, max_length=60)
    given_kana = forms.CharField(label="メイ（フリガナ）", required=False, max_length=60)
    birth_date = JapaneseDateField(label="生年月日", kind=DateKind.BIRTH, required=False)
    estimated_age = StrictIntegerField(label="推定年齢", required=False, min_value=0, max_value=120)
    sex = forms.ChoiceField(label="性別", choices=Sex.choices, initial=Sex.UNKNOWN)
    address = forms.CharField(label="住所", required=False, max_length=200)
    area = StrictModelChoiceField(
        queryset=Area.objects.none(), label="地区", required=False, empty_label="（未選択）"
    )
    phone = forms.CharField(label="電話", required=False, max_length=40)
    nationality = forms.CharField(label="国籍", required=False, max_length=40)
    language_needs = forms.CharField(label="言語・通訳の必要", required=False, max_length=100)
    relationship = forms.ChoiceField(
        label="世帯主との続柄", choices=Relationship.choices, initial=Relationship.HEAD
    )

    concerns = StrictModelMultipleChoiceField(
        queryset=ConcernType.objects.none(), label="課題", required=True, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label="相談内容", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    actions = forms.MultipleChoiceField(
        label="対応", choices=ActionKind.choices, required=True, widget=forms.CheckboxSelectMultiple
    )
    escalation_reason = forms.CharField(
        label="多機関協働へつなぐ理由（任意）",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="「多機関協働へ」を選ぶと、記録と同時に束ね役へのつなぎ依頼が作られます。空欄なら課題の名前が理由になります。",
    )
    referred_to = StrictModelChoiceField(
        queryset=Organization.objects.none(), label="つなぎ先", required=False, empty_label="（なし）"
    )
    follow_up_on = RangedDateField(label="次回対応予定日", kind=DateKind.SCHEDULE, required=False)
    business_line = forms.ChoiceField(label="計上する事業区分", choices=BusinessLine.choices)
    sharing_consent = forms.ChoiceField(
        label="関係機関との情報共有への同意",
        choices=SharingConsent.choices,
        widget=forms.RadioSelect,
        initial=SharingConsent.UNCONFIRMED,
    )

    def __init__(
        self, *args: Any, municipality: Municipality, organization: Organization | None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        windows = Window.objects.filter(municipality=municipality, active=True).select_related("organization")
        self.fields["window"].queryset = windows  # type: ignore[attr-defined]
        self.fields["area"].queryset = Area.objects.filter(municipality=municipality, active=True)  # type: ignore[attr-defined]
        self.fields["concerns"].queryset = ConcernType.objects.filter(municipality=municipality, active=True)  # type: ignore[attr-defined]
        self.fields["referred_to"].queryset = Organization.objects.filter(  # type: ignore[attr-defined]
            municipality=municipality, active=True
        )
        if not self.is_bound:
            own = windows.filter(organization=organization).first() if organization else None
            first = own or windows.first()
            self.initial.setdefault("submission_token", uuid.uuid4())
            self.initial.setdefault("received_at", timezone.localtime().replace(second=0, microsecond=0))
            if first is not None:
                self.initial.setdefault("window", first.pk)
                if first.business_lines:
                    self.initial.setdefault("business_line", first.business_lines[0])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        choice = (data.get("person_choice") or "").strip()
        if not choice:
            raise forms.ValidationError("本人を検索して選ぶか、「新しい人として登録」を選んでください。")
        if choice == NEW:
            if not data.get("family_name"):
                self.add_error("family_name", "姓を入力してください。")
            if not data.get("family_kana"):
                self.add_error(
                    "family_kana",
                    "セイ（フリガナ）を入力してください。同じ読みの人を見分けるために必要です。",
                )
            missing = not data.get("birth_date") and data.get("estimated_age") is None
            if missing and "birth_date" not in self.errors:
                self.add_error("birth_date", "生年月日か推定年齢のどちらかを入力してください。")
        elif parse_id(choice) is None:
            raise forms.ValidationError("本人の選択が正しくありません。もう一度検索して選んでください。")
        if ActionKind.REFERRAL in (data.get("actions") or []) and not data.get("referred_to"):
            self.add_error("referred_to", "「つなぎ」を選んだときは、つなぎ先を選んでください。")
        follow = data.get("follow_up_on")
        received = data.get("received_at")
        if follow and received and follow < timezone.localtime(received).date():
            self.add_error("follow_up_on", "次回対応予定日は受付日より後の日付にしてください。")
        return data


class EscalationForm(forms.Form):
    household = StrictIntegerField(widget=forms.HiddenInput, min_value=1)
    consultation = StrictIntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    rule = StrictIntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    reason = forms.CharField(
        label="つなぐ理由",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "つなぐ理由を入力してください。"},
    )


class DeclineEscalationForm(forms.Form):
    """見送る. 受理 is not decided here: it opens the case (cases' open-from-request page)."""

    version = StrictIntegerField(widget=forms.HiddenInput, min_value=0)
    note = forms.CharField(
        label="見送る理由",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": "見送る理由を対応メモに入力してください。"},
    )
