"""Forms of the materials screens (agencies' parts, the packet's recipients): strict fields only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from tsunagu.accounts.models import Staff
from tsunagu.core.dates import DateKind
from tsunagu.core.forms import (
    JapaneseDateField,
    StrictIntegerField,
    StrictModelChoiceField,
    StrictModelMultipleChoiceField,
)
from tsunagu.directory.models import Organization


class RequestPartsForm(forms.Form):
    organizations = StrictModelMultipleChoiceField(
        queryset=Organization.objects.none(),
        label="記入を依頼する機関",
        widget=forms.CheckboxSelectMultiple,
    )
    due_on = JapaneseDateField(label="提出期限", kind=DateKind.SCHEDULE)

    def __init__(self, *args: Any, organizations: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organizations"].queryset = organizations  # type: ignore[attr-defined]


class PartForm(forms.Form):
    situation = forms.CharField(
        label="現在の状況", max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    done = forms.CharField(
        label="これまでの対応", max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    question = forms.CharField(
        label="会議で検討したいこと",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = StrictIntegerField(widget=forms.HiddenInput, min_value=0)


class RecipientsForm(forms.Form):
    recipients = forms.MultipleChoiceField(
        label="配付先",
        widget=forms.CheckboxSelectMultiple,
        choices=[],
        error_messages={
            "required": "配付先を1人以上選んでください。",
            "invalid_choice": "配付先を選び直してください。",
        },
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipients"].choices = choices  # type: ignore[attr-defined]


class ItemInviteForm(forms.Form):
    """Invite someone for one item only: a staff member, or an individual by post (主治医, 民生委員)."""

    staff = StrictModelChoiceField(queryset=Staff.objects.none(), label="職員", required=False)
    guest_post = forms.CharField(
        label="個人（職・立場: 主治医、民生委員など）", max_length=60, required=False
    )
    guest_name = forms.CharField(label="氏名（任意）", max_length=60, required=False)

    def __init__(self, *args: Any, staff: QuerySet[Staff], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff  # type: ignore[attr-defined]
        self.fields["staff"].label_from_instance = (  # type: ignore[attr-defined]
            lambda s: (
                f"{s.organization.name if s.organization else ''} {s.display_name or s.username}".strip()
            )
        )


class GuestAcknowledgementForm(forms.Form):
    signed = forms.BooleanField(
        label="本人が署名した守秘義務の確認書を受け取りました",
        error_messages={"required": "署名済みの確認書を受け取ったことをチェックしてください。"},
    )
