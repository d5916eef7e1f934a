"""Password rules beyond Django's (length ≥ 12, common-password list, not all digits, not like the user)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

# Words an attacker tries first against this system, all offline.
CONTEXT_WORDS = ("tsunagu", "つなぐ", "password", "passw0rd", "jyusou", "juso", "fukushi")


class ContextWordsValidator:
    """Refuse passwords built on the system's name or the municipality's name or code."""

    def validate(self, password: str, user: Any = None) -> None:
        lowered = password.lower()
        words = list(CONTEXT_WORDS)
        muni = getattr(user, "municipality", None) if user is not None else None
        if muni is not None:
            words += [muni.name, muni.code]
        for word in words:
            if word and word.lower() in lowered:
                raise ValidationError(
                    "システム名や自治体名・団体コードを含むパスワードは使えません。",
                    code="password_context_word",
                )

    def get_help_text(self) -> str:
        return "システム名や自治体名・団体コードを含まないこと。"


class MaximumLengthValidator:
    """Allow long passphrases (ASVS: at least 64 characters) but cap hashing work."""

    def __init__(self, max_length: int = 256) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                f"パスワードは{self.max_length}文字以内にしてください。", code="password_too_long"
            )

    def get_help_text(self) -> str:
        return f"{self.max_length}文字以内。"
