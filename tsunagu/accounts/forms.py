from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator

from .models import Role

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


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="役割", choices=Role.choices)
