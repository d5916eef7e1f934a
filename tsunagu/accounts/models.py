"""Staff accounts. Every staff member belongs to one municipality and one organization."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

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

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)
