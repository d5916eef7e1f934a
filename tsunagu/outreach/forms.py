"""Forms of the outreach screens: strict fields, Japanese messages, nothing saved on bad input."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils import timezone

from tsunagu.access.permissions import CASEWORK
from tsunagu.accounts.models import Staff
from tsunagu.core.dates import DateKind
from tsunagu.core.forms import (
    JapaneseDateField,
    StrictIntegerField,
    StrictModelChoiceField,
    StrictModelMultipleChoiceField,
)
from tsunagu.directory.models import Organization
from tsunagu.municipalities.models import Area, Municipality

from .actions import DESCRIPTION_MAX, TEXT_MAX
from .models import ContactMethod, ContactResponse, Outcome, Reporter

DATE_HELP = "例: 2026-05-01、R8.5.1"


class _Named(StrictModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class _Workers(StrictModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        org = obj.organization.name if obj.organization_id else ""
        return f"{obj.display_name or obj.username}（{org}）"


def _workers_queryset(muni: Municipality) -> Any:
    return (
        Staff.objects.filter(municipality=muni, is_active=True, role__in=CASEWORK)
        .select_related("organization")
        .order_by("organization__name", "display_name", "pk")
    )


def _workers_field() -> _Workers:
    return _Workers(
        queryset=Staff.objects.none(),
        label="担当者",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "担当者は一覧から選んでください。",
            "invalid_pk_value": "担当者は一覧から選んでください。",
        },
    )


class EngagementForm(forms.Form):
    submission_token = forms.UUIDField(widget=forms.HiddenInput)
    description = forms.CharField(
        label="対象者の様子・呼び名",
        max_length=DESCRIPTION_MAX,
        widget=forms.TextInput(attrs={"class": "wide"}),
        help_text="名前が分からなくても始められます。例: 隣家の高齢男性（80代くらい）。分かったら「本人を特定する」で結びつけます。",
        error_messages={"required": "対象者の様子・呼び名を入力してください。"},
    )
    reported_by = forms.ChoiceField(
        label="把握のきっかけ",
        choices=Reporter.choices,
        error_messages={
            "required": "把握のきっかけを選んでください。",
            "invalid_choice": "把握のきっかけは一覧から選んでください。",
        },
    )
    reporter_note = forms.CharField(
        label="連絡してきた人・経緯",
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.TextInput(attrs={"class": "wide"}),
    )
    area = _Named(
        queryset=Area.objects.none(),
        label="地区",
        required=False,
        empty_label="（分からない）",
        error_messages={"invalid_choice": "地区は一覧から選んでください。"},
    )
    purpose = forms.CharField(
        label="目的",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "目的を入力してください。"},
    )
    started_on = JapaneseDateField(label="開始日", kind=DateKind.EVENT, placeholder=DATE_HELP)
    next_contact_on = JapaneseDateField(
        label="次回の接触予定日", kind=DateKind.SCHEDULE, required=False, placeholder=DATE_HELP
    )
    workers = _workers_field()

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.filter(municipality=municipality, active=True).order_by(  # type: ignore[attr-defined]
            "sort_order", "pk"
        )
        self.fields["workers"].queryset = _workers_queryset(municipality)  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("submission_token", uuid.uuid4())
            self.initial.setdefault("started_on", timezone.localdate())


class VersionForm(forms.Form):
    version = StrictIntegerField(widget=forms.HiddenInput, min_value=0)


class WorkersForm(VersionForm):
    workers = _workers_field()

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "workers-%s")  # three forms on one page: distinct ids
        super().__init__(*args, **kwargs)
        self.fields["workers"].queryset = _workers_queryset(municipality)  # type: ignore[attr-defined]


class ContactForm(VersionForm):
    submission_token = forms.UUIDField(widget=forms.HiddenInput)
    on = JapaneseDateField(label="接触日", kind=DateKind.EVENT, placeholder=DATE_HELP)
    method = forms.ChoiceField(
        label="方法",
        choices=ContactMethod.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "方法を選んでください。",
            "invalid_choice": "方法は一覧から選んでください。",
        },
    )
    response = forms.ChoiceField(
        label="本人の反応",
        choices=ContactResponse.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "本人の反応を選んでください。",
            "invalid_choice": "本人の反応は一覧から選んでください。",
        },
    )
    companions = forms.CharField(
        label="同行者・仲介した人",
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.TextInput(attrs={"class": "wide"}),
    )
    note = forms.CharField(
        label="記録", max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    next_contact_on = JapaneseDateField(
        label="次回の接触予定日",
        kind=DateKind.SCHEDULE,
        required=False,
        placeholder=DATE_HELP,
        help_text="空欄なら予定なし。予定がなければ、最後の接触から自治体の定める日数を過ぎると「途切れ」になります。",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "contact-%s")
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_token", uuid.uuid4())
            self.initial.setdefault("on", timezone.localdate())


class CloseForm(VersionForm):
    outcome = forms.ChoiceField(
        label="結果",
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "結果を選んでください。",
            "invalid_choice": "結果は一覧から選んでください。",
        },
    )
    organization = _Named(
        queryset=Organization.objects.none(),
        label="つながった機関",
        required=False,
        empty_label="（選んでください）",
        error_messages={"invalid_choice": "つながった機関は一覧から選んでください。"},
    )
    closed_on = JapaneseDateField(label="終了日", kind=DateKind.EVENT, placeholder=DATE_HELP)
    note = forms.CharField(
        label="終了の理由・引き継ぎ",
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="「終了」のときは理由を必ず書きます。多機関協働へは、ここがつなぐ理由になります。",
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "close-%s")
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.filter(  # type: ignore[attr-defined]
            municipality=municipality, active=True
        ).order_by("name", "pk")
        if not self.is_bound:
            self.initial.setdefault("closed_on", timezone.localdate())


class IdentifyForm(VersionForm):
    person = StrictIntegerField(widget=forms.HiddenInput, min_value=1)
