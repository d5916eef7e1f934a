from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator

from tsunagu.core.forms import StrictIntegerField, StrictModelChoiceField
from tsunagu.directory.models import Organization
from tsunagu.municipalities.models import Municipality

from .models import Role
from .staffing import (
    EMAIL_MAX,
    LOGIN_ID_MAX,
    LOGIN_ID_RULE,
    NAME_MAX,
    FieldError,
    NewStaff,
    clean_display_name,
    clean_email,
    clean_login_id,
    login_id_taken,
)

# One message for every failed login: unknown user, wrong password, disabled account, locked out.
GENERIC_LOGIN_ERROR = (
    "ログインできませんでした。ログインIDとパスワードを確認してください。"
    "続けて失敗すると、しばらくの間ログインできなくなります。"
)


class StaffLoginForm(AuthenticationForm):
    error_messages = {"invalid_login": GENERIC_LOGIN_ERROR, "inactive": GENERIC_LOGIN_ERROR}

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "ログインID"
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        self.fields["password"].label = "パスワード"
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})
        # AuthenticationForm sets max_length after the field is built, so nothing checks it: a 300-character
        # ID reached authenticate() and django-axes' varchar(255) username column (DataError on PostgreSQL).
        # No account has a longer ID, so the length says nothing about which accounts exist.
        self.fields["username"].validators.append(
            MaxLengthValidator(getattr(self.fields["username"], "max_length", None) or 150)
        )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="確認コード",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 12}
        ),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split()).replace("-", "")


def _from(check: Callable[[str], Any]) -> Callable[[str], Any]:
    """Turn a staffing check (raising FieldError) into a form-field clean."""

    def clean(value: str) -> Any:
        try:
            return check(value)
        except FieldError as exc:
            raise forms.ValidationError(str(exc)) from None

    return clean


def _organizations(municipality: Municipality) -> Any:
    return Organization.objects.filter(municipality=municipality, active=True).order_by("sort_order", "key")


class OrganizationChoice(StrictModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


_CHOICE_ERRORS = {"invalid_choice": "一覧から選んでください。", "required": "選んでください。"}


class StaffCreateForm(forms.Form):
    """One new staff member. Text fields are checked by staffing.py, the same rules as the CSV import."""

    login_id = forms.CharField(
        label="ログインID",
        help_text=f"{LOGIN_ID_RULE}。全角で入力しても半角にします。",
        error_messages={"required": "ログインIDを入力してください。"},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "maxlength": LOGIN_ID_MAX, "spellcheck": "false"}
        ),
    )
    display_name = forms.CharField(
        label="氏名",
        error_messages={"required": "氏名を入力してください。"},
        widget=forms.TextInput(attrs={"maxlength": NAME_MAX}),
    )
    organization = OrganizationChoice(
        label="所属機関", queryset=Organization.objects.none(), error_messages=_CHOICE_ERRORS
    )
    role = forms.ChoiceField(label="役割", choices=Role.choices, error_messages=_CHOICE_ERRORS)
    email = forms.CharField(
        label="メールアドレス",
        required=False,
        help_text="任意。",
        widget=forms.EmailInput(attrs={"maxlength": EMAIL_MAX}),
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = _organizations(municipality)  # type: ignore[attr-defined]

    def clean_login_id(self) -> str:
        login_id: str = _from(clean_login_id)(self.cleaned_data["login_id"])
        if login_id_taken(login_id):
            raise forms.ValidationError(f"ログインID「{login_id}」はすでに使われています。")
        return login_id

    def clean_display_name(self) -> str:
        return str(_from(clean_display_name)(self.cleaned_data["display_name"]))

    def clean_email(self) -> str:
        return str(_from(clean_email)(self.cleaned_data.get("email", "")))

    def new_staff(self) -> NewStaff:
        d = self.cleaned_data
        return NewStaff(d["login_id"], d["display_name"], d["organization"], d["role"], d["email"])


class StaffAssignForm(forms.Form):
    """配属・役割 of one staff member, with the version that was read (a stale form is refused)."""

    organization = OrganizationChoice(
        label="所属機関", queryset=Organization.objects.none(), error_messages=_CHOICE_ERRORS
    )
    role = forms.ChoiceField(label="役割", choices=Role.choices, error_messages=_CHOICE_ERRORS)
    version = StrictIntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = _organizations(municipality)  # type: ignore[attr-defined]


STATUS_CHOICES = [
    ("", "すべて"),
    ("active", "有効"),
    ("inactive", "停止中"),
    ("no_mfa", "多要素認証が未登録"),
    ("must_change", "初期パスワードのまま"),
]


class StaffSearchForm(forms.Form):
    """Search and filter the city's staff. Sent by POST so that names never travel in a URL."""

    q = forms.CharField(label="ログインID・氏名", required=False, max_length=60)
    organization = OrganizationChoice(
        label="所属機関",
        queryset=Organization.objects.none(),
        required=False,
        empty_label="すべて",
        error_messages=_CHOICE_ERRORS,
    )
    role = forms.ChoiceField(
        label="役割", choices=[("", "すべて"), *Role.choices], required=False, error_messages=_CHOICE_ERRORS
    )
    status = forms.ChoiceField(
        label="状態", choices=STATUS_CHOICES, required=False, error_messages=_CHOICE_ERRORS
    )
    page = StrictIntegerField(required=False, min_value=1, max_value=100000, widget=forms.HiddenInput)

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = _organizations(municipality)  # type: ignore[attr-defined]
        self.fields["q"].error_messages["max_length"] = "検索語は60文字以内にしてください。"


class StaffImportForm(forms.Form):
    file = forms.FileField(
        label="CSVファイル",
        error_messages={"required": "CSVファイルを選んでください。", "empty": "ファイルが空です。"},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
