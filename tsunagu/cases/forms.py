"""Forms of the case screens: Japanese messages; nothing is saved unless the whole form is valid."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet

from tsunagu.accounts.models import Role, Staff
from tsunagu.core.dates import DateKind
from tsunagu.core.forms import (
    JapaneseDateField,
    StrictIntegerField,
    StrictModelChoiceField,
    StrictModelMultipleChoiceField,
)
from tsunagu.core.uploads import checked_document
from tsunagu.directory.models import LegalFunction, MeetingBody, MeetingKind, Organization
from tsunagu.municipalities.models import Municipality
from tsunagu.people.models import Person

from .models import (
    ATTAINMENT_CHOICES,
    ActionStatus,
    ConsentBasis,
    ConsentMethod,
    LifeArea,
    PlanGoal,
    TeamRole,
)

GOAL_ROWS_EMPTY = 2
ACTION_ROWS_EMPTY = 3
MIN_GOAL_ROWS = 3
MIN_ACTION_ROWS = 5


def organizations_of(municipality: Municipality) -> QuerySet[Organization]:
    return Organization.objects.filter(municipality=municipality, active=True)


class PersonChoiceField(StrictModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.full_name)


class OpenCaseForm(forms.Form):
    persons = PersonChoiceField(
        queryset=Person.objects.none(),
        label="主な対象者",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    title = forms.CharField(
        label="ケースの呼び名（任意）",
        required=False,
        max_length=100,
        help_text="氏名を入れずに、担当者どうしで分かる呼び名を。",
    )
    coordinator = StrictModelChoiceField(queryset=Staff.objects.none(), label="束ね役", empty_label=None)

    def __init__(self, *args: Any, members: QuerySet[Person], municipality: Municipality, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["persons"].queryset = members  # type: ignore[attr-defined]
        self.fields["coordinator"].queryset = Staff.objects.filter(  # type: ignore[attr-defined]
            municipality=municipality, role=Role.COORDINATOR, is_active=True
        ).order_by("display_name", "username")


class HouseholdLookupForm(forms.Form):
    household = StrictIntegerField(
        label="世帯番号", min_value=1, error_messages={"required": "世帯番号を入力してください。"}
    )


class TransitionForm(forms.Form):
    version = StrictIntegerField(widget=forms.HiddenInput, min_value=0)
    to = forms.CharField()
    note = forms.CharField(required=False, max_length=2000)


class ResumeForm(forms.Form):
    version = StrictIntegerField(widget=forms.HiddenInput, min_value=0)
    note = forms.CharField(required=False, max_length=2000)


class TeamForm(forms.Form):
    organization = StrictModelChoiceField(
        queryset=Organization.objects.none(),
        label="機関",
        empty_label="（選んでください）",
        error_messages={"required": "機関を選んでください。", "invalid_choice": "機関を選び直してください。"},
    )
    role = forms.ChoiceField(label="役割", choices=TeamRole.choices, initial=TeamRole.COOPERATING)
    op = forms.ChoiceField(choices=[("set", "set"), ("remove", "remove")], initial="set")

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations_of(municipality)  # type: ignore[attr-defined]


class OneSubmissionForm(forms.Form):
    """A form that records something once: the page carries a one-time token, and the action finds the
    first record by it (a unique constraint) when the same form is submitted again."""

    submission_token = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "画面の有効期限が切れました。開き直して、もう一度入力してください。",
            "invalid": "画面の有効期限が切れました。開き直して、もう一度入力してください。",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("submission_token", uuid.uuid4())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # The token is a hidden field: say its problem at the top of the form, where it is seen.
        if problems := self.errors.pop("submission_token", None):
            for message in problems:
                self.add_error(None, message)
        return cleaned


class ConsentForm(OneSubmissionForm):
    given_by = StrictModelChoiceField(
        queryset=Person.objects.none(),
        label="同意した人",
        empty_label="（選んでください）",
        error_messages={"required": "同意した人を選んでください。"},
    )
    given_by_note = forms.CharField(label="同意者の補足（代理人・続柄など）", required=False, max_length=100)
    basis = forms.ChoiceField(
        label="同意の根拠",
        choices=ConsentBasis.choices,
        widget=forms.RadioSelect,
        initial=ConsentBasis.SELF,
        help_text="本人以外の人の分も同意するときは、その根拠を選びます（未成年の子: 親権者、成人: 成年後見人等・代理人）。",
        error_messages={
            "required": "同意の根拠を選んでください。",
            "invalid_choice": "同意の根拠を選び直してください。",
        },
    )
    persons = PersonChoiceField(
        queryset=Person.objects.none(),
        label="対象となる人",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "同意の対象となる人を1人以上選んでください。"},
    )
    organizations = StrictModelMultipleChoiceField(
        queryset=Organization.objects.none(),
        label="共有してよい機関",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "共有してよい機関を1つ以上選んでください。"},
    )
    meeting_kinds = forms.MultipleChoiceField(
        label="共有してよい会議",
        choices=MeetingKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    method = forms.ChoiceField(
        label="方法",
        choices=ConsentMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "同意の方法を選んでください。"},
    )
    given_on = JapaneseDateField(
        label="同意日", kind=DateKind.EVENT, error_messages={"required": "同意日を入力してください。"}
    )
    expires_on = JapaneseDateField(label="有効期限（任意）", kind=DateKind.SCHEDULE, required=False)
    document = forms.FileField(
        label="同意書のスキャン（任意・PDF/JPEG/PNG、10MBまで）",
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ),
    )

    def __init__(
        self, *args: Any, members: QuerySet[Person], municipality: Municipality, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["given_by"].queryset = members  # type: ignore[attr-defined]
        self.fields["given_by"].label_from_instance = lambda p: p.full_name  # type: ignore[attr-defined]
        self.fields["persons"].queryset = members  # type: ignore[attr-defined]
        self.fields["organizations"].queryset = organizations_of(municipality)  # type: ignore[attr-defined]

    def clean_document(self) -> UploadedFile | None:
        return checked_document(self.cleaned_data.get("document"), what="同意書")


class WithdrawConsentForm(forms.Form):
    note = forms.CharField(
        label="撤回の経緯", max_length=2000, error_messages={"required": "撤回の経緯を記録してください。"}
    )


def _area_field(label: str) -> forms.CharField:
    return forms.CharField(label=label, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AssessmentForm(forms.Form):
    based_on = StrictIntegerField(widget=forms.HiddenInput, min_value=0)
    person_wish = forms.CharField(
        label="本人の思い", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    summary = forms.CharField(
        label="見立て（課題の整理）", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    change_reason = forms.CharField(label="変更の理由", required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for area in LifeArea.values:
            self.fields[f"{area}-situation"] = _area_field("現状")
            self.fields[f"{area}-strengths"] = _area_field("強み")
            self.fields[f"{area}-risks"] = _area_field("リスク")

    def area_rows(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (str(label), [self[f"{area}-{part}"] for part in ("situation", "strengths", "risks")])
            for area, label in LifeArea.choices
        ]

    def areas(self) -> dict[str, dict[str, str]]:
        d = self.cleaned_data
        return {
            area: {
                part: (d.get(f"{area}-{part}") or "").strip() for part in ("situation", "strengths", "risks")
            }
            for area in LifeArea.values
        }


class PlanForm(forms.Form):
    """The plan header; goal and action rows are formsets (fixed extra empty rows, no JavaScript)."""

    edit_version = StrictIntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    plan_id = StrictIntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    overall_goal = forms.CharField(
        label="総合的な目標（本人の望む暮らし）", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    monitoring_on = JapaneseDateField(label="次回モニタリング日", kind=DateKind.SCHEDULE, required=False)
    change_reason = forms.CharField(label="改訂・変更の理由", required=False, max_length=200)


class GoalRowForm(forms.Form):
    text = forms.CharField(
        label="目標", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    life_area = forms.ChoiceField(
        label="生活領域", required=False, choices=[("", "（なし）"), *LifeArea.choices]
    )
    review_on = JapaneseDateField(label="評価日", kind=DateKind.SCHEDULE, required=False)


class ActionRowForm(forms.Form):
    goal_no = forms.TypedChoiceField(label="目標", required=False, coerce=int, empty_value=None)
    description = forms.CharField(
        label="支援内容", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    organization = StrictModelChoiceField(
        queryset=Organization.objects.none(), label="担当機関", required=False, empty_label="（未選択）"
    )
    role = forms.ChoiceField(label="役割", choices=TeamRole.choices, initial=TeamRole.COOPERATING)
    person_in_charge = forms.CharField(label="担当者", required=False, max_length=60)
    due_on = JapaneseDateField(
        label="期限", kind=DateKind.SCHEDULE, required=False, placeholder="例: R7.6.30"
    )
    review_on = JapaneseDateField(
        label="確認日", kind=DateKind.SCHEDULE, required=False, placeholder="例: R7.6.30"
    )
    status = forms.ChoiceField(label="状況", choices=ActionStatus.choices, initial=ActionStatus.PLANNED)

    def __init__(
        self, *args: Any, municipality: Municipality, goal_rows: int = MIN_GOAL_ROWS, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations_of(municipality)  # type: ignore[attr-defined]
        self.fields["goal_no"].choices = [  # type: ignore[attr-defined]
            ("", "（目標なし）"),
            *[(str(i), f"目標{i}") for i in range(1, goal_rows + 1)],
        ]

    def is_blank(self) -> bool:
        d = self.cleaned_data
        return not (d.get("description") or "").strip() and d.get("organization") is None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_text = bool((data.get("description") or "").strip())
        has_org = data.get("organization") is not None
        if has_text and not has_org:
            self.add_error("organization", "担当機関を選んでください。")
        if has_org and not has_text:
            self.add_error("description", "支援内容を入力してください。")
        return data


GoalFormSet = forms.formset_factory(GoalRowForm, extra=0)
ActionFormSet = forms.formset_factory(ActionRowForm, extra=0)


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label="状況", choices=ActionStatus.choices)


class MonitoringForm(OneSubmissionForm):
    held_on = JapaneseDateField(
        label="実施日", kind=DateKind.EVENT, error_messages={"required": "実施日を入力してください。"}
    )
    summary = forms.CharField(
        label="経過と評価",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        error_messages={"required": "経過と評価を入力してください。"},
    )
    next_on = JapaneseDateField(label="次回モニタリング日（任意）", kind=DateKind.SCHEDULE, required=False)

    def __init__(self, *args: Any, goals: Sequence[PlanGoal] = (), **kwargs: Any) -> None:
        """One 達成状況 choice per goal of the plan in force (blank: not judged this time)."""
        super().__init__(*args, **kwargs)
        self.goals = list(goals)
        for goal in self.goals:
            self.fields[f"goal_{goal.pk}"] = forms.ChoiceField(
                label=f"目標{goal.order}",
                required=False,
                initial=goal.attainment,
                choices=[("", "（今回は評価しない）"), *ATTAINMENT_CHOICES],
                error_messages={"invalid_choice": "達成状況を選び直してください。"},
            )

    def goal_rows(self) -> list[tuple[PlanGoal, forms.BoundField]]:
        return [(goal, self[f"goal_{goal.pk}"]) for goal in self.goals]

    def attainments(self) -> dict[int, str]:
        return {g.pk: self.cleaned_data.get(f"goal_{g.pk}") or "" for g in self.goals}


class CloseCaseForm(forms.Form):
    version = StrictIntegerField(widget=forms.HiddenInput, min_value=0)
    goal_attainment = forms.ChoiceField(
        label="目標の達成状況",
        choices=ATTAINMENT_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "目標の達成状況を選んでください。"},
    )
    reason = forms.CharField(
        label="終結の理由",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "終結の理由を入力してください。"},
    )
    handover_to = StrictModelChoiceField(
        queryset=Organization.objects.none(), label="引継ぎ先（任意）", required=False, empty_label="（なし）"
    )
    handover_note = forms.CharField(
        label="引継ぎの内容", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    main_agency_after_closure = StrictModelChoiceField(
        queryset=Organization.objects.none(),
        label="終結後の主担当機関",
        empty_label="（選んでください）",
        error_messages={"required": "終結後に世帯を見守る主担当機関を選んでください。"},
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        orgs = organizations_of(municipality)
        self.fields["handover_to"].queryset = orgs  # type: ignore[attr-defined]
        self.fields["main_agency_after_closure"].queryset = orgs  # type: ignore[attr-defined]


class _BodyChoice(StrictModelChoiceField):
    def label_from_instance(self, obj: MeetingBody) -> str:  # type: ignore[override]
        return obj.name


class PlanAgreeForm(forms.Form):
    """協議済: which 重層的支援会議 approved the plan, and when."""

    edit_version = StrictIntegerField(widget=forms.HiddenInput, min_value=0)
    body = _BodyChoice(queryset=MeetingBody.objects.none(), label="協議した会議体", empty_label=None)
    held_on = JapaneseDateField(label="開催日", kind=DateKind.EVENT, placeholder="例: R8.11.20、2026-11-20")

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bodies = [
            b.pk
            for b in MeetingBody.objects.filter(municipality=municipality, active=True)
            if LegalFunction.CONSENTED_CONFERENCE in b.legal_functions
        ]
        self.fields["body"].queryset = MeetingBody.objects.filter(pk__in=bodies)  # type: ignore[attr-defined]


class _StaffChoice(StrictModelChoiceField):
    def label_from_instance(self, obj: Staff) -> str:  # type: ignore[override]
        return f"{obj}（{obj.organization}）" if obj.organization else str(obj)


class ReassignForm(forms.Form):
    version = StrictIntegerField(widget=forms.HiddenInput, min_value=0)
    coordinator = _StaffChoice(queryset=Staff.objects.none(), label="新しい束ね役", empty_label=None)
    note = forms.CharField(label="引継ぎの理由", max_length=200)

    def __init__(
        self, *args: Any, municipality: Municipality, exclude: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        qs = Staff.objects.filter(municipality=municipality, role=Role.COORDINATOR, is_active=True)
        if exclude is not None:
            qs = qs.exclude(pk=exclude)
        self.fields["coordinator"].queryset = qs.select_related("organization")  # type: ignore[attr-defined]
