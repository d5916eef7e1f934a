"""Reading staff data typed into a form or a CSV: one set of rules and Japanese messages for both.

Every function takes raw text and returns the clean value or raises `FieldError` with a message for the
person who typed it. Nothing here writes; `actions.create_staff` / `actions.import_staff` do.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from tsunagu.directory.models import Organization
from tsunagu.municipalities.models import Municipality

from .models import Role, Staff

LOGIN_ID_MAX = 40
NAME_MAX = 60
EMAIL_MAX = 254
ORGANIZATION_MAX = 120
ROLE_MAX = 30

LOGIN_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
LOGIN_ID_RULE = "半角の英小文字・数字と「.」「-」「_」で3〜40文字（先頭は英数字）"

# What staff write in a 役割 column: the code, the label, and the short words a city uses.
ROLE_WORDS: dict[str, str] = {
    **{value: value for value in Role.values},
    **{str(label): value for value, label in Role.choices},
    "相談員": Role.WINDOW_WORKER,
    "窓口": Role.WINDOW_WORKER,
    "相談員(窓口)": Role.WINDOW_WORKER,
    "束ね役": Role.COORDINATOR,
    "束ね役(多機関協働)": Role.COORDINATOR,
    "コーディネーター": Role.COORDINATOR,
    "関係機関": Role.AGENCY_WORKER,
    "監査": Role.AUDITOR,
    "システム管理": Role.ADMINISTRATOR,
}
ROLE_HINT = "、".join(str(label) for _, label in Role.choices)


class FieldError(ValueError):
    """A value that cannot be used; str(error) is the Japanese message."""


def _width_normalised(text: str) -> str:
    """Full-width letters, digits and symbols (typed with the IME on) become their ASCII forms; other
    characters are kept, so that ² or ① are refused rather than silently turned into 2 or 1."""
    return "".join(
        chr(ord(ch) - 0xFEE0) if 0xFF01 <= ord(ch) <= 0xFF5E else (" " if ch == "\u3000" else ch)
        for ch in text
    )


def _no_control_characters(text: str, what: str) -> None:
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") for ch in text):
        raise FieldError(f"{what}に使えない文字（制御文字など）が含まれています。")


def clean_login_id(raw: str) -> str:
    value = _width_normalised(raw or "").strip().lower()
    if not value:
        raise FieldError("ログインIDを入力してください。")
    if len(value) > LOGIN_ID_MAX:
        raise FieldError(f"ログインIDは{LOGIN_ID_MAX}文字以内にしてください（{len(value)}文字あります）。")
    if not LOGIN_ID_RE.match(value):
        raise FieldError(f"ログインIDは{LOGIN_ID_RULE}にしてください。")
    return value


def login_id_taken(login_id: str) -> bool:
    """Login IDs are unique across the installation (one login page), compared without case."""
    return Staff.objects.filter(username__iexact=login_id).exists()


def clean_display_name(raw: str) -> str:
    value = " ".join((raw or "").replace("\u3000", " ").split())
    if not value:
        raise FieldError("氏名を入力してください。")
    if len(value) > NAME_MAX:
        raise FieldError(f"氏名は{NAME_MAX}文字以内にしてください（{len(value)}文字あります）。")
    _no_control_characters(value, "氏名")
    return value


def clean_email(raw: str) -> str:
    value = _width_normalised(raw or "").strip()
    if not value:
        return ""
    if len(value) > EMAIL_MAX:
        raise FieldError(f"メールアドレスは{EMAIL_MAX}文字以内にしてください。")
    try:
        EmailValidator()(value)
    except ValidationError:
        raise FieldError("メールアドレスの形が正しくありません（例: taro@city.example.lg.jp）。") from None
    return value


def resolve_role(raw: str) -> str:
    value = unicodedata.normalize("NFKC", raw or "").strip()
    if not value:
        raise FieldError("役割を入力してください。")
    if len(value) > ROLE_MAX:
        raise FieldError(f"役割「{value[:ROLE_MAX]}…」は長すぎます。次のどれかを書いてください: {ROLE_HINT}")
    role = ROLE_WORDS.get(value) or ROLE_WORDS.get(value.lower())
    if role is None:
        normalised = {unicodedata.normalize("NFKC", k): v for k, v in ROLE_WORDS.items()}
        role = normalised.get(value)
    if role is None:
        raise FieldError(f"役割「{value}」はありません。次のどれかを書いてください: {ROLE_HINT}")
    return role


def resolve_organization(municipality: Municipality, raw: str) -> Organization:
    """An active organization of this municipality, by its profile key or its exact name."""
    value = " ".join((raw or "").replace("\u3000", " ").split())
    if not value:
        raise FieldError("所属機関を入力してください。")
    if len(value) > ORGANIZATION_MAX:
        raise FieldError(f"所属機関「{value[:20]}…」は長すぎます（{ORGANIZATION_MAX}文字まで）。")
    orgs = Organization.objects.filter(municipality=municipality, active=True)
    by_key = orgs.filter(key=value).first()
    if by_key is not None:
        return by_key
    by_name = list(orgs.filter(name=value)[:2])
    if len(by_name) == 1:
        return by_name[0]
    if len(by_name) > 1:
        raise FieldError(f"所属機関「{value}」という名前の機関が複数あります。機関のキーで書いてください。")
    raise FieldError(
        f"所属機関「{value}」は{municipality.name}の機関一覧にありません。"
        "「支援機関・窓口」に載っている名前かキーを書いてください。"
    )


@dataclass(frozen=True)
class NewStaff:
    """A staff member to create, already validated."""

    login_id: str
    display_name: str
    organization: Organization
    role: str
    email: str = ""

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)
