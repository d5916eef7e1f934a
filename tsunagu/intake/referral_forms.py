"""Forms of the referral screens (つなぎ): strict fields, Japanese messages, nothing saved on bad input."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils import timezone

from tsunagu.core.dates import DateKind
from tsunagu.core.forms import JapaneseDateField, RangedDateField, StrictIntegerField, StrictModelChoiceField
from tsunagu.directory.models import Organization, Window
from tsunagu.people.models import Household, Person

from .referral_models import ContactBy, ContactMethod, ReferralConsent
from .referrals import NOTE_MAX, REASON_MAX, default_due_on


class _PersonChoice(StrictModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.full_name


class _OrganizationChoice(StrictModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class _WindowChoice(StrictModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.organization.name}）"


class SendReferralForm(forms.Form):
    submission_token = forms.UUIDField(widget=forms.HiddenInput)
    consultation = StrictIntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    person = _PersonChoice(
        queryset=Person.objects.none(),
        label="本人",
        empty_label=None,
        error_messages={
            "required": "本人を選んでください。",
            "invalid_choice": "本人はこの世帯の世帯員から選んでください。",
        },
    )
    to_organization = _OrganizationChoice(
        queryset=Organization.objects.none(),
        label="つなぎ先の機関",
        empty_label="（選んでください）",
        error_messages={
            "required": "つなぎ先の機関を選んでください。",
            "invalid_choice": "つなぎ先の機関は一覧から選んでください。",
        },
    )
    to_window = _WindowChoice(
        queryset=Window.objects.none(),
        label="つなぎ先の窓口",
        required=False,
        empty_label="（指定しない）",
        error_messages={"invalid_choice": "つなぎ先の窓口は一覧から選んでください。"},
    )
    reason = forms.CharField(
        label="つなぐ理由・依頼の内容",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=REASON_MAX,
        error_messages={"required": "つなぐ理由を入力してください。"},
    )
    consent = forms.ChoiceField(
        label="つなぎ先への情報提供に対する本人の同意",
        choices=ReferralConsent.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "本人の同意を確認して、どれかを選んでください。"},
    )
    consent_note = forms.CharField(
        label="同意の確認方法・理由",
        required=False,
        max_length=NOTE_MAX,
        help_text="例: 書面で同意（申込票）、電話で口頭の同意。同意を得ずに提供するときは、その事情を必ず書きます。",
    )
    contact_by = forms.ChoiceField(
        label="初回連絡",
        choices=ContactBy.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "初回連絡のしかたを選んでください。"},
    )
    due_on = RangedDateField(label="初回連絡の期限", kind=DateKind.SCHEDULE, required=False)

    def __init__(self, *args: Any, household: Household, organization: Organization, **kwargs: Any):
        super().__init__(*args, **kwargs)
        muni = household.municipality
        self.fields["person"].queryset = Person.objects.filter(  # type: ignore[attr-defined]
            municipality=muni, memberships__household=household
        ).order_by("pk")
        self.fields["to_organization"].queryset = (  # type: ignore[attr-defined]
            Organization.objects.filter(municipality=muni, active=True).exclude(pk=organization.pk)
        )
        self.fields["to_window"].queryset = (  # type: ignore[attr-defined]
            Window.objects.filter(municipality=muni, active=True)
            .exclude(organization=organization)
            .select_related("organization")
        )
        default = default_due_on(muni, timezone.localdate())
        self.fields[
            "due_on"
        ].help_text = f"空欄なら送った日から{muni.referral_due_days}日後（{default:%Y-%m-%d}）。過ぎると両方の一覧で「期限切れ」になります。"
        if not self.is_bound:
            self.initial.setdefault("submission_token", uuid.uuid4())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        org, window = data.get("to_organization"), data.get("to_window")
        if org is not None and window is not None and window.organization_id != org.pk:
            self.add_error("to_window", "つなぎ先の窓口は、選んだ機関の窓口から選んでください。")
        consent, contact_by = data.get("consent"), data.get("contact_by")
        if consent == ReferralConsent.NONE and contact_by and contact_by != ContactBy.RESIDENT:
            self.add_error(
                "contact_by",
                "本人の同意がないときは、つなぎ先に本人のことを伝えられません。「本人からつなぎ先へ連絡する」を選んでください。",
            )
        if consent == ReferralConsent.EMERGENCY and not (data.get("consent_note") or "").strip():
            self.add_error("consent_note", "同意を得ずに提供する事情を入力してください。")
        due = data.get("due_on")
        if due is not None and due < timezone.localdate():
            self.add_error("due_on", "初回連絡の期限は今日以降の日付にしてください。")
        return data


class VersionForm(forms.Form):
    """受信確認: only the version the user read."""

    version = StrictIntegerField(widget=forms.HiddenInput, min_value=0)


class AcceptForm(VersionForm):
    note = forms.CharField(label="メモ（任意）", required=False, max_length=NOTE_MAX)


class ReturnForm(VersionForm):
    reason = forms.CharField(
        label="差し戻す理由",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=REASON_MAX,
        error_messages={"required": "差し戻す理由を入力してください。"},
    )


class WithdrawForm(VersionForm):
    reason = forms.CharField(
        label="取り下げる理由",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=REASON_MAX,
        error_messages={"required": "取り下げる理由を入力してください。"},
    )


class FirstContactForm(VersionForm):
    on = JapaneseDateField(
        label="初回連絡日",
        kind=DateKind.EVENT,
        placeholder="例: R8.12.2、2026-12-02",
        error_messages={"required": "初回連絡日を入力してください。"},
    )
    method = forms.ChoiceField(
        label="方法",
        choices=ContactMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "初回連絡の方法を選んでください。"},
    )
    note = forms.CharField(
        label="初回連絡の記録（任意）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=REASON_MAX,
    )


class ConsentForm(VersionForm):
    consent = forms.ChoiceField(
        label="本人の同意（いまの状態）",
        choices=ReferralConsent.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "同意の状態を選んでください。"},
    )
    consent_note = forms.CharField(label="同意の確認方法・理由", required=False, max_length=NOTE_MAX)


class DueForm(VersionForm):
    due_on = RangedDateField(
        label="新しい期限",
        kind=DateKind.SCHEDULE,
        error_messages={"required": "新しい期限を入力してください。"},
    )
    note = forms.CharField(
        label="理由", max_length=NOTE_MAX, error_messages={"required": "期限を変える理由を入力してください。"}
    )


class ListFilterForm(forms.Form):
    """The tab of a referral list and its page (bad values fall back to the first tab, page 1)."""

    view = forms.ChoiceField(
        required=False,
        choices=[
            ("open", "進行中"),
            ("overdue", "期限切れ"),
            ("closed", "完了"),
            ("ended", "差し戻し・取り下げ"),
        ],
    )
    page = StrictIntegerField(required=False, min_value=1, max_value=100000)
