"""連絡帳 forms: a post (kind, body, the post it answers or corrects, one attachment, the submission
token), and turning a post into an agenda item. Messages in Japanese; nothing is written on an error."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils import timezone

from tsunagu.core.forms import StrictIntegerField, StrictModelChoiceField, StrictModelMultipleChoiceField
from tsunagu.core.uploads import checked_document
from tsunagu.directory.models import Organization

from .models import ItemFunction, Meeting, Purpose
from .notebook_models import POST_MAX_CHARS, NotebookPost, PostKind


class PostForm(forms.Form):
    kind = forms.ChoiceField(
        label="種類",
        choices=PostKind.choices,
        initial=PostKind.UPDATE,
        error_messages={
            "required": "投稿の種類を選んでください。",
            "invalid_choice": "投稿の種類を選んでください。",
        },
    )
    refers_to = StrictModelChoiceField(
        label="回答する質問・訂正する投稿",
        queryset=NotebookPost.objects.none(),
        required=False,
        empty_label="（連絡・質問のときは選びません）",
        error_messages={"invalid_choice": "回答する質問・訂正する投稿を一覧から選んでください。"},
    )
    body = forms.CharField(
        label="本文",
        max_length=POST_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "本文を入力してください。",
            "max_length": f"本文は{POST_MAX_CHARS}文字以内にしてください。",
        },
    )
    document = forms.FileField(
        label="添付ファイル（任意・PDF/JPEG/PNG、10MBまで）",
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ),
    )
    submission_token = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "invalid": "画面を開き直してから投稿してください。",
            "required": "画面を開き直してから投稿してください。",
        },
    )

    def __init__(self, *args: Any, references: QuerySet[NotebookPost], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("submission_token", uuid.uuid4())
        field = self.fields["refers_to"]
        field.queryset = references  # type: ignore[attr-defined]
        field.label_from_instance = (  # type: ignore[attr-defined]
            lambda p: f"No.{p.pk}（{p.get_kind_display()}・{p.author}）{p.body[:30]}"
        )
        # Django's own NUL check answers in English on some setups: ours is in Japanese.
        self.fields["body"].validators = [
            v for v in self.fields["body"].validators if type(v).__name__ != "ProhibitNullCharactersValidator"
        ]

    def clean_body(self) -> str:
        text = str(self.cleaned_data.get("body", ""))
        if "\x00" in text:
            raise forms.ValidationError("本文に使えない文字（NUL）が含まれています。")
        if not text.strip():
            raise forms.ValidationError("本文を入力してください。")
        return text

    def clean_document(self) -> UploadedFile | None:
        return checked_document(self.cleaned_data.get("document"), what="添付ファイル")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, ref = data.get("kind"), data.get("refers_to")
        if kind in (PostKind.ANSWER, PostKind.CORRECTION) and ref is None and "refers_to" not in self.errors:
            self.add_error("refers_to", "回答する質問・訂正する投稿を選んでください。")
        return data


def _meeting_label(m: Meeting) -> str:
    return f"{m.title()} {timezone.localtime(m.starts_at):%Y年%m月%d日 %H:%M}"


class ToAgendaForm(forms.Form):
    meeting = StrictModelChoiceField(
        label="会議", queryset=Meeting.objects.none(), error_messages={"required": "会議を選んでください。"}
    )
    function = forms.ChoiceField(
        label="検討の根拠",
        choices=ItemFunction.choices,
        error_messages={
            "required": "検討の根拠を選んでください。",
            "invalid_choice": "検討の根拠を選んでください。",
        },
    )
    purpose = forms.ChoiceField(
        label="目的",
        choices=Purpose.choices,
        error_messages={"required": "目的を選んでください。", "invalid_choice": "目的を選んでください。"},
    )
    minutes = StrictIntegerField(
        label="時間（分）",
        min_value=1,
        max_value=240,
        initial=15,
        error_messages={
            "required": "時間を入力してください。",
            "min_value": "時間は1分から240分の間で入力してください。",
            "max_value": "時間は1分から240分の間で入力してください。",
        },
    )
    organizations = StrictModelMultipleChoiceField(
        label="この事案の構成機関",
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args: Any, meetings: QuerySet[Meeting], organizations: QuerySet[Organization], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings  # type: ignore[attr-defined]
        self.fields["meeting"].label_from_instance = _meeting_label  # type: ignore[attr-defined]
        self.fields["organizations"].queryset = organizations  # type: ignore[attr-defined]


class PlanChangeTokenForm(forms.Form):
    """The submission token of a plan change made from a post (the plan's own fields are cases' forms)."""

    submission_token = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "invalid": "画面を開き直してから保存してください。",
            "required": "画面を開き直してから保存してください。",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("submission_token", uuid.uuid4())
