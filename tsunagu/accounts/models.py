"""Staff accounts. Every staff member belongs to one municipality and one organization."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac

from tsunagu.directory.models import Organization
from tsunagu.municipalities.models import Municipality


class Role(models.TextChoices):
    WINDOW_WORKER = "window_worker", "相談員（窓口）"
    COORDINATOR = "coordinator", "束ね役（多機関協働）"
    AGENCY_WORKER = "agency_worker", "関係機関職員"
    MANAGER = "manager", "管理職"
    AUDITOR = "auditor", "監査担当"
    ADMINISTRATOR = "administrator", "システム管理者"


class Staff(AbstractUser):
    """A staff login. `municipality` is empty only for an installation-wide superuser."""

    display_name = models.CharField("氏名", max_length=60, blank=True)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name="自治体",
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name="所属機関",
    )
    role = models.CharField("役割", max_length=20, choices=Role.choices, default=Role.WINDOW_WORKER)
    must_change_password = models.BooleanField(
        "初期パスワードの変更が必要",
        default=False,
        help_text="管理者が設定したパスワードは初回ログイン時に変更させます。",
    )
    password_changed_at = models.DateTimeField("パスワード変更日時", null=True, blank=True)
    # Bumped to end every session of this account at once (MFA reset, "log out everywhere").
    session_generation = models.PositiveIntegerField(default=0, editable=False)
    # Read with the staff administration form; a change made meanwhile by another administrator makes
    # the form stale instead of being overwritten (accounts.actions.assign).
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "職員"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_superuser=True) | models.Q(municipality__isnull=False),
                name="staff_belongs_to_municipality",
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Sessions carry this hash; when it changes every existing session of the account ends.

        Django's default covers only the password. Ours also covers the things that change what the
        account may see: disabling it, its role, municipality and organization, and an explicit
        `session_generation` bump (ASVS 7.4.2: sessions end when the account is disabled or changed).
        """
        material = "|".join(
            [
                self.password,
                str(self.is_active),
                self.role,
                str(self.municipality_id),
                str(self.organization_id),
                str(self.session_generation),
            ]
        )
        return salted_hmac(
            "tsunagu.accounts.Staff.get_session_auth_hash", material, secret=secret, algorithm="sha256"
        ).hexdigest()

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)
