"""Referrals between windows (つなぎ): one window sends a resident to another organization, and nobody is
lost between them.

A referral is sent, received (受信確認), accepted (受け入れ) or returned with a reason (差し戻し), and closed
when the receiving side records its first contact with the resident (初回連絡). The sender may withdraw it
(取り下げ). Every step is a `ReferralEvent`. An open referral past its `due_on` is overdue (期限切れ) on
both sides' lists; the default interval comes from the city's profile (`referral_due_days`).

What the receiving organization sees follows the resident's consent to this provision (個人情報の第三者提供):
with consent, or under the emergency exception, it sees who the referral is about, the reason and the
consultation it came from; without it, only that a referral exists, its number and how to reach the
sending window — the resident contacts the receiving window themselves.

Written only through `tsunagu.intake.referrals`; read only through `tsunagu.intake.referral_policy`.
Imported by `intake.models` so that Django registers the models with the intake app.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from tsunagu.directory.models import Organization, Window
from tsunagu.municipalities.models import Municipality
from tsunagu.people.models import Household, Person


class ReferralStatus(models.TextChoices):
    SENT = "sent", "受付待ち"
    RECEIVED = "received", "受信確認済み"
    ACCEPTED = "accepted", "受け入れ"
    RETURNED = "returned", "差し戻し"
    CLOSED = "closed", "完了（初回連絡済み）"
    WITHDRAWN = "withdrawn", "取り下げ"


OPEN_REFERRAL_STATUSES = (ReferralStatus.SENT, ReferralStatus.RECEIVED, ReferralStatus.ACCEPTED)


class ReferralConsent(models.TextChoices):
    """The resident's consent to giving their information to the receiving organization (第三者提供)."""

    SELF = "self", "本人が同意"
    PROXY = "proxy", "代理人が同意（親権者・成年後見人など）"
    EMERGENCY = "emergency", "同意を得ずに提供（生命・身体・財産の保護に必要で、本人の同意を得ることが困難）"
    NONE = "none", "同意なし（内容は伝えない）"


# The note of an event that moved the due date starts with this (the state stays the same).
DUE_CHANGE_PREFIX = "期限を変更"

# Consent values under which the receiving organization reads the referral's content.
SHARING_CONSENTS = frozenset({ReferralConsent.SELF, ReferralConsent.PROXY, ReferralConsent.EMERGENCY})


class ContactBy(models.TextChoices):
    """Who makes the first contact."""

    RECEIVER = "receiver", "つなぎ先から本人へ連絡する"
    RESIDENT = "resident", "本人からつなぎ先へ連絡する"
    TOGETHER = "together", "同行・三者で面談する"


class ContactMethod(models.TextChoices):
    VISIT = "visit", "来所"
    PHONE = "phone", "電話"
    HOME_VISIT = "home_visit", "訪問"
    ACCOMPANIED = "accompanied", "同行・三者面談"
    OTHER = "other", "その他"


class Referral(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField("つなぎ番号")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="本人")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+", verbose_name="世帯")
    consultation = models.ForeignKey(
        "intake.Consultation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name="もとの相談",
    )
    from_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name="つなぎ元"
    )
    from_window = models.ForeignKey(
        Window,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="つなぎ元の窓口",
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="送った職員"
    )
    sent_at = models.DateTimeField("送付日時", default=timezone.now)
    to_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name="つなぎ先"
    )
    to_window = models.ForeignKey(
        Window,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="つなぎ先の窓口",
    )
    reason = models.TextField("つなぐ理由・依頼の内容", blank=True)
    consent = models.CharField("情報提供への同意", max_length=12, choices=ReferralConsent.choices)
    consent_note = models.CharField("同意の確認方法・理由", max_length=200, blank=True)
    contact_by = models.CharField("初回連絡", max_length=12, choices=ContactBy.choices)
    due_on = models.DateField("初回連絡の期限")
    status = models.CharField(
        "状態", max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    received_at = models.DateTimeField("受信確認日時", null=True, blank=True)
    responded_at = models.DateTimeField("受け入れ・差し戻し日時", null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="担当職員（つなぎ先）",
    )
    return_reason = models.TextField("差し戻しの理由", blank=True)
    first_contact_on = models.DateField("初回連絡日", null=True, blank=True)
    first_contact_method = models.CharField(
        "初回連絡の方法", max_length=12, choices=ContactMethod.choices, blank=True
    )
    first_contact_note = models.TextField("初回連絡の記録", blank=True)
    closed_at = models.DateTimeField("完了日時", null=True, blank=True)
    withdraw_reason = models.TextField("取り下げの理由", blank=True)
    submission_token = models.UUIDField("送信識別子", editable=False)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "窓口間のつなぎ"
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "number"], name="referral_unique_number"),
            # A double submit of the same form can never send two referrals.
            models.UniqueConstraint(
                fields=["municipality", "submission_token"], name="referral_unique_submission"
            ),
            # One open referral of a person to an organization: a second one joins the first.
            models.UniqueConstraint(
                fields=["municipality", "person", "to_organization"],
                condition=models.Q(status__in=["sent", "received", "accepted"]),
                name="referral_one_open_per_person_and_receiver",
            ),
            models.CheckConstraint(
                condition=~models.Q(from_organization=models.F("to_organization")),
                name="referral_to_another_organization",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "from_organization", "status"], name="referral_sender"),
            models.Index(fields=["municipality", "to_organization", "status"], name="referral_receiver"),
            models.Index(fields=["municipality", "household", "-sent_at"], name="referral_household"),
        ]

    def __str__(self) -> str:
        return f"つなぎ No.{self.number}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REFERRAL_STATUSES

    @property
    def shares_content(self) -> bool:
        """May the receiving organization read who and why (the resident's consent or the exception)?"""
        return self.consent in SHARING_CONSENTS

    def overdue_days(self, today: dt.date | None = None) -> int:
        """Days past the due date while still open (0 when not overdue)."""
        if not self.is_open:
            return 0
        today = today or timezone.localdate()
        return max((today - self.due_on).days, 0)


class ReferralEvent(models.Model):
    """One step of a referral's life: who moved it from which state to which, when, and why."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=12, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=ReferralStatus.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "つなぎの経過"
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["municipality", "referral", "at"], name="referral_event_order")]

    def __str__(self) -> str:
        return f"{self.from_status}→{self.to_status}"

    @property
    def step_label(self) -> str:
        """What happened, in Japanese: a change of state, or (state unchanged) a due date or consent change."""
        if self.from_status == self.to_status:
            return "期限の変更" if self.note.startswith(DUE_CHANGE_PREFIX) else "同意の記録"
        if self.to_status == ReferralStatus.SENT:
            return "送付"
        return str(ReferralStatus(self.to_status).label)
