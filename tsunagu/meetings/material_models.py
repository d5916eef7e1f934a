"""Materials before a meeting: each information-providing agency's part of an agenda item (情報提供機関の記入)
— its view of the situation, what it has done, its question for the meeting — owed by a due date.

Imported by models.py so that Django registers the model with the meetings app.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from tsunagu.directory.models import Organization
from tsunagu.municipalities.models import Municipality


class AgencyPart(models.Model):
    """One agency's part of an item's materials (機関の記入): asked for by the item's 束ね役 with a due date,
    filled by a staff member of that agency. Filled parts print in the case's summary sheet."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey("meetings.AgendaItem", on_delete=models.PROTECT, related_name="parts")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name="情報提供機関"
    )
    due_on = models.DateField("提出期限")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    situation = models.TextField("現在の状況", blank=True)
    done = models.TextField("これまでの対応", blank=True)
    question = models.TextField("会議で検討したいこと", blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField("提出日時", null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = verbose_name_plural = "機関の記入"
        ordering = ["item", "due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "item", "organization"], name="agency_part_once"),
        ]

    def __str__(self) -> str:
        return f"機関の記入 {self.pk}"

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return self.submitted_at is None and self.due_on < (today or timezone.localdate())
