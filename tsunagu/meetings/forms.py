"""Forms of the meeting screens: strict fields only (core.forms), choices limited to the city's rows."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.db.models import QuerySet

from tsunagu.cases.models import Case, PlanAction, PlanGoal
from tsunagu.core.dates import DateKind
from tsunagu.core.forms import (
    JapaneseDateField,
    RangedDateTimeField,
    StrictIntegerField,
    StrictModelChoiceField,
    StrictModelMultipleChoiceField,
)
from tsunagu.directory.models import MeetingBody, Organization

from .models import DecisionKind, ItemFunction, MeetingKindOfSitting, Purpose, ReviewOutcome


class CalendarForm(forms.Form):
    body = StrictModelChoiceField(queryset=MeetingBody.objects.none(), label="会議体")
    year = StrictIntegerField(label="年度（西暦）", min_value=2000, max_value=2100)

    def __init__(self, *args: Any, bodies: QuerySet[MeetingBody], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = bodies  # type: ignore[attr-defined]


MONTH_CHOICES = [(str(m), f"{m}月") for m in range(1, 13)]
CALENDAR_FIRST_YEAR, CALENDAR_LAST_YEAR = 2000, 2100


class MonthForm(forms.Form):
    """The calendar's query: the month shown (year, month) and the 年度 of past sittings listed (fy)."""

    year = StrictIntegerField(
        label="年（西暦）",
        required=False,
        min_value=CALENDAR_FIRST_YEAR,
        max_value=CALENDAR_LAST_YEAR,
        error_messages={
            "invalid": "年は半角数字の西暦（例: 2025）で指定してください。",
            "min_value": f"年は{CALENDAR_FIRST_YEAR}年から{CALENDAR_LAST_YEAR}年の間で指定してください。",
            "max_value": f"年は{CALENDAR_FIRST_YEAR}年から{CALENDAR_LAST_YEAR}年の間で指定してください。",
        },
    )
    month = StrictIntegerField(
        label="月",
        required=False,
        min_value=1,
        max_value=12,
        widget=forms.Select(choices=MONTH_CHOICES),
        error_messages={
            "invalid": "月は1から12の半角数字で指定してください。",
            "min_value": "月は1から12の半角数字で指定してください。",
            "max_value": "月は1から12の半角数字で指定してください。",
        },
    )
    fy = StrictIntegerField(
        label="年度",
        required=False,
        min_value=CALENDAR_FIRST_YEAR,
        max_value=CALENDAR_LAST_YEAR,
        error_messages={
            "invalid": "年度は半角数字の西暦（例: 2025）で指定してください。",
            "min_value": f"年度は{CALENDAR_FIRST_YEAR}年度から{CALENDAR_LAST_YEAR}年度の間で指定してください。",
            "max_value": f"年度は{CALENDAR_FIRST_YEAR}年度から{CALENDAR_LAST_YEAR}年度の間で指定してください。",
        },
    )


class CallForm(forms.Form):
    body = StrictModelChoiceField(queryset=MeetingBody.objects.none(), label="会議体")
    kind = forms.ChoiceField(
        label="開催の種別",
        choices=[(k.value, k.label) for k in (MeetingKindOfSitting.AD_HOC, MeetingKindOfSitting.EMERGENCY)],
    )
    starts_at = RangedDateTimeField(label="開始日時", kind=DateKind.SCHEDULE)
    minutes = StrictIntegerField(label="時間（分）", min_value=15, max_value=480, initial=90)
    place = forms.CharField(label="場所", max_length=120, required=False)
    reason = forms.CharField(label="招集の理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, bodies: QuerySet[MeetingBody], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = bodies  # type: ignore[attr-defined]


class InviteForm(forms.Form):
    organization = StrictModelChoiceField(queryset=Organization.objects.none(), label="機関", required=False)
    guest_post = forms.CharField(
        label="個人（職・立場: 主治医、民生委員など）", max_length=60, required=False
    )
    guest_name = forms.CharField(label="氏名（任意）", max_length=60, required=False)

    def __init__(self, *args: Any, organizations: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]


class AcknowledgeForm(forms.Form):
    agree = forms.BooleanField(
        label="上記の守秘義務を理解し、会議で知り得た秘密を漏らさないことを確認します",
        error_messages={"required": "確認のチェックを入れてください。"},
    )


class ItemForm(forms.Form):
    case = StrictModelChoiceField(queryset=Case.objects.none(), label="ケース")
    function = forms.ChoiceField(label="検討の根拠（法的機能）", choices=[])
    purpose = forms.ChoiceField(label="目的", choices=Purpose.choices)
    minutes = StrictIntegerField(label="時間（分）", min_value=1, max_value=240, initial=20)
    organizations = StrictModelMultipleChoiceField(
        queryset=Organization.objects.none(),
        label="この事案の構成機関",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    question = forms.CharField(
        label="会議への問い", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        *args: Any,
        cases: QuerySet[Case],
        functions: list[str],
        organizations: QuerySet[Organization],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases  # type: ignore[attr-defined]
        self.fields["function"].choices = [(f, ItemFunction(f).label) for f in functions]  # type: ignore[attr-defined]
        self.fields["organizations"].queryset = organizations  # type: ignore[attr-defined]


class VersionForm(forms.Form):
    version = StrictIntegerField(widget=forms.HiddenInput, min_value=0)


class AttendanceForm(VersionForm):
    present = forms.MultipleChoiceField(
        label="出席", choices=[], required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, invitations: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = [(str(pk), label) for pk, label in invitations]  # type: ignore[attr-defined]


class ReviewForm(forms.Form):
    action = StrictModelChoiceField(queryset=PlanAction.objects.none(), label="前回の支援内容")
    outcome = forms.ChoiceField(label="振り返り", choices=ReviewOutcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label="補足（実施されなかった理由・変わった状況）", max_length=2000, required=False
    )

    def __init__(self, *args: Any, actions: QuerySet[PlanAction], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].queryset = actions  # type: ignore[attr-defined]


ATTAINMENT = [
    ("", "（終結のときに選ぶ）"),
    ("achieved", "達成"),
    ("partly", "一部達成"),
    ("not_achieved", "未達成"),
    ("unknown", "評価不能"),
]


_ALL_BUT_CLOSE = tuple(k for k in DecisionKind.values if k != DecisionKind.CLOSE)
_PLAN = (DecisionKind.ROLE.value, DecisionKind.PLAN_CHANGE.value)


class DecisionForm(forms.Form):
    # The decision kinds each field is used by (`kind` and `note`: every kind). The item page marks each
    # control with its kinds (data-kinds) and meetings/decision.js shows only the selected kind's fields;
    # without script every field shows, and decisions.decide checks what each kind needs as before.
    FIELD_KINDS: ClassVar[dict[str, tuple[str, ...]]] = {
        "next_monitoring_on": (DecisionKind.MONITORING.value, DecisionKind.PLAN_CHANGE.value),
        "to_body": (DecisionKind.MOVE.value,),
        "to_function": (DecisionKind.MOVE.value,),
        # A follow-up by an organization can come with any decision that keeps the case open.
        "responsible": _ALL_BUT_CLOSE,
        "follow_up_on": _ALL_BUT_CLOSE,
        "closure_review_on": _ALL_BUT_CLOSE,
        "goal_attainment": (DecisionKind.CLOSE.value,),
        "main_agency": (DecisionKind.CLOSE.value,),
        "action_description": (DecisionKind.ROLE.value,),
        "plan_action": (DecisionKind.ROLE.value,),
        "goal": _PLAN,
        "goal_text": (DecisionKind.PLAN_CHANGE.value,),
        "approve": _PLAN,
    }

    kind = forms.ChoiceField(label="決定の種類", choices=DecisionKind.choices)
    note = forms.CharField(label="決定の内容", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    next_monitoring_on = JapaneseDateField(
        label="次回モニタリング日（空欄: 会議体の標準の間隔）", kind=DateKind.SCHEDULE, required=False
    )
    to_body = StrictModelChoiceField(
        queryset=MeetingBody.objects.none(), label="検討する会議体（上げる・下げる）", required=False
    )
    to_function = forms.ChoiceField(
        label="その会議体での検討の根拠",
        choices=[("", "（同じ根拠）"), *ItemFunction.choices],
        required=False,
    )
    responsible = StrictModelChoiceField(
        queryset=Organization.objects.none(), label="担当機関", required=False
    )
    follow_up_on = JapaneseDateField(
        label="担当機関の対応の期限（役割分担では必須）", kind=DateKind.SCHEDULE, required=False
    )
    closure_review_on = JapaneseDateField(
        label="終結の見直し予定日（任意）", kind=DateKind.SCHEDULE, required=False
    )
    goal_attainment = forms.ChoiceField(label="目標の達成状況（終結）", choices=ATTAINMENT, required=False)
    main_agency = StrictModelChoiceField(
        queryset=Organization.objects.none(), label="終結後の主担当機関", required=False
    )
    # Role assignment and plan change (written into the case's plan, decision_plan.py).
    action_description = forms.CharField(
        label="支援内容（役割分担）",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    plan_action = StrictModelChoiceField(
        queryset=PlanAction.objects.none(),
        label="担当を変える支援内容（空欄: 新しい支援内容として加える）",
        required=False,
    )
    goal = StrictModelChoiceField(
        queryset=PlanGoal.objects.none(),
        label="目標（役割分担: 支援内容の目標／プラン変更: 書き換える目標）",
        required=False,
    )
    goal_text = forms.CharField(label="追加・書き換える目標（プラン変更）", max_length=2000, required=False)
    approve = forms.BooleanField(
        label="この変更で支援プランを協議済とする（重層的支援会議として検討した議題）", required=False
    )
    plan_id = StrictIntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    plan_edit_version = StrictIntegerField(widget=forms.HiddenInput, min_value=0, required=False)
    submission_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        bodies: QuerySet[MeetingBody],
        organizations: QuerySet[Organization],
        plan_actions: QuerySet[PlanAction] | None = None,
        plan_goals: QuerySet[PlanGoal] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_body"].queryset = bodies  # type: ignore[attr-defined]
        self.fields["responsible"].queryset = organizations  # type: ignore[attr-defined]
        self.fields["main_agency"].queryset = organizations  # type: ignore[attr-defined]
        self.fields["plan_action"].queryset = (  # type: ignore[attr-defined]
            plan_actions if plan_actions is not None else PlanAction.objects.none()
        )
        self.fields["goal"].queryset = (  # type: ignore[attr-defined]
            plan_goals if plan_goals is not None else PlanGoal.objects.none()
        )
        self.fields["plan_action"].label_from_instance = (  # type: ignore[attr-defined]
            lambda a: f"{a.description}（{a.organization.name}）"
        )
        self.fields["goal"].label_from_instance = lambda g: g.text  # type: ignore[attr-defined]
        for name, kinds in self.FIELD_KINDS.items():
            self.fields[name].widget.attrs["data-kinds"] = " ".join(kinds)
