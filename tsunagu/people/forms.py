"""Forms of the people screens (名寄せ, family relationships). Messages are Japanese; the actions re-check
everything that matters."""

from __future__ import annotations

from typing import Any

from django import forms

from tsunagu.core.dates import DateKind
from tsunagu.core.forms import JapaneseDateField, StrictIntegerField, StrictModelChoiceField

from .models import Person, RelationshipKind

REASON_REQUIRED = {"required": "理由を入力してください。"}


class PersonSearchForm(forms.Form):
    """Finding a registered person by name or kana, the birth date to tell namesakes apart — for the apps
    that link a record to a person (outreach's 本人を特定する, community's volunteers). POSTed, so that a
    resident's name never lands in a URL; the caller searches `visible_persons` and audits the hits."""

    q = forms.CharField(
        label="氏名・フリガナ",
        max_length=100,
        error_messages={"required": "氏名かフリガナを入力してください。"},
    )
    birth = JapaneseDateField(
        label="生年月日", kind=DateKind.BIRTH, required=False, placeholder="例: S33.4.7"
    )


class MergeForm(forms.Form):
    """Merge one of two compared records into the other. Nothing is pre-selected: staff choose which
    record to keep. The versions are those of the records shown, so a stale screen is refused."""

    left = StrictIntegerField(widget=forms.HiddenInput, min_value=1)
    right = StrictIntegerField(widget=forms.HiddenInput, min_value=1)
    left_version = StrictIntegerField(widget=forms.HiddenInput, min_value=0)
    right_version = StrictIntegerField(widget=forms.HiddenInput, min_value=0)
    keep = forms.ChoiceField(
        label="残す記録",
        choices=[("left", "左の記録を残す"), ("right", "右の記録を残す")],
        widget=forms.RadioSelect,
        error_messages={"required": "どちらの記録を残すか選んでください。"},
    )
    reason = forms.CharField(
        label="名寄せの理由（確認した方法など）",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=REASON_REQUIRED,
    )
    confirm_namesake = forms.BooleanField(
        label="同姓同名の別人でないことを、生年月日・性別の違いも含めて確認しました", required=False
    )

    def __init__(self, *args: Any, namesake: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.namesake = namesake

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("left") is not None and data.get("left") == data.get("right"):
            raise forms.ValidationError("同じ記録どうしは名寄せできません。")
        if self.namesake and not data.get("confirm_namesake"):
            self.add_error(
                "confirm_namesake",
                "同姓同名の可能性があります。別人でないことを確認してチェックしてください。",
            )
        return data


class SplitForm(forms.Form):
    reason = forms.CharField(
        label="取り消しの理由",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=REASON_REQUIRED,
    )


class _PersonChoice(StrictModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:  # type: ignore[override]
        return obj.full_name


class RelationshipForm(forms.Form):
    """「A は B の…」 between two members of the household."""

    person_a = _PersonChoice(queryset=Person.objects.none(), label="A（この人は）", empty_label=None)
    kind = forms.ChoiceField(label="関係", choices=RelationshipKind.choices)
    person_b = _PersonChoice(queryset=Person.objects.none(), label="B（の）", empty_label=None)
    living_together = forms.BooleanField(label="同居", required=False, initial=True)
    ended = forms.BooleanField(label="離別・死別", required=False)
    note = forms.CharField(label="メモ", required=False, max_length=200)

    def __init__(self, *args: Any, members: list[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [p.pk for p in members]
        self.fields["person_a"].queryset = Person.objects.filter(pk__in=ids)  # type: ignore[attr-defined]
        self.fields["person_b"].queryset = Person.objects.filter(pk__in=ids)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("person_a") and data.get("person_a") == data.get("person_b"):
            raise forms.ValidationError("A と B には別の人を選んでください。")
        return data


class MemberAttributesForm(forms.Form):
    """A member's disability, nationality and language need (what the escalation rules count)."""

    version = StrictIntegerField(widget=forms.HiddenInput, min_value=0)
    disability = forms.BooleanField(label="障害がある（手帳・診断・障害福祉サービスの利用）", required=False)
    nationality = forms.CharField(label="国籍", required=False, max_length=40)
    language_needs = forms.CharField(label="言語・通訳の必要", required=False, max_length=100)
