"""Consultations (相談受付・対応記録) and escalation requests (多機関協働へのつなぎ).

Personal data: read only through `tsunagu.access`; written only through `tsunagu.intake.actions`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tsunagu.directory.models import EscalationRule, MeetingBody, Organization, Window
from tsunagu.municipalities.choices import BusinessLine
from tsunagu.municipalities.models import ConcernType, Municipality
from tsunagu.people.models import Household, Person

# Referrals between windows (つなぎ) live in their own module; importing them here registers them with intake.
from .referral_models import Referral, ReferralEvent  # noqa: F401


class Channel(models.TextChoices):
    """How the consultation reached the window (相談経路)."""

    VISIT = "visit", "来所"
    PHONE = "phone", "電話"
    HOME_VISIT = "home_visit", "訪問"
    EMAIL = "email", "メール"
    OUTREACH = "outreach", "出張相談・サロン"
    REFERRAL = "referral", "関係機関から"
    OTHER = "other", "その他"


class ConsulterKind(models.TextChoices):
    """Who consulted (相談者)."""

    SELF = "self", "本人"
    FAMILY = "family", "家族"
    NEIGHBOUR = "neighbour", "近隣住民"
    MINSEI = "minsei", "民生委員・児童委員"
    AGENCY = "agency", "関係機関"
    OTHER = "other", "その他"


class ActionKind(models.TextChoices):
    """What the window did (対応)."""

    LISTENING = "listening", "傾聴・助言"
    INFORMATION = "information", "情報提供"
    REFERRAL = "referral", "つなぎ"
    CONTINUING = "continuing", "継続支援"
    MULTI_AGENCY = "multi_agency", "多機関協働へ"


class SharingConsent(models.TextChoices):
    """Whether the person agreed to share this record with other agencies (相談受付・申込票 同意あり／なし)."""

    CONSENTED = "consented", "同意あり（関係機関での共有に同意）"
    NOT_CONSENTED = "not_consented", "同意なし"
    UNCONFIRMED = "unconfirmed", "未確認"


class ConsultationStatus(models.TextChoices):
    OPEN = "open", "対応中"
    CLOSED = "closed", "終了"


class Consultation(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField("受付日時")
    window = models.ForeignKey(Window, on_delete=models.PROTECT, related_name="+", verbose_name="受付窓口")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name="記録した機関"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="対応職員"
    )
    channel = models.CharField("相談経路", max_length=20, choices=Channel.choices)
    consulter_kind = models.CharField("相談者", max_length=20, choices=ConsulterKind.choices)
    consulter_note = models.CharField("相談者（補足）", max_length=100, blank=True)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="consultations", verbose_name="本人"
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="consultations", verbose_name="世帯"
    )
    concerns = models.ManyToManyField(ConcernType, related_name="+", verbose_name="課題")
    note = models.TextField("相談内容", blank=True)
    actions = models.JSONField("対応", default=list)
    referred_to = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="つなぎ先",
    )
    follow_up_on = models.DateField("次回対応予定日", null=True, blank=True)
    business_line = models.CharField("計上する事業区分", max_length=12, choices=BusinessLine.choices)
    sharing_consent = models.CharField(
        "情報共有への同意", max_length=20, choices=SharingConsent.choices, default=SharingConsent.UNCONFIRMED
    )
    status = models.CharField(
        "状態", max_length=10, choices=ConsultationStatus.choices, default=ConsultationStatus.OPEN
    )
    submission_token = models.UUIDField("送信識別子", editable=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "相談記録"
        ordering = ["-received_at", "-pk"]
        constraints = [
            # A double submit of the same form can never create two records.
            models.UniqueConstraint(
                fields=["municipality", "submission_token"], name="consultation_unique_submission"
            )
        ]
        indexes = [
            models.Index(fields=["municipality", "household", "-received_at"], name="consultation_household"),
            models.Index(fields=["municipality", "person", "-received_at"], name="consultation_person"),
            # The overview's consultations per window per month of a 年度 (and the first 年度 with data)
            # read this index only (PostgreSQL: window in the leaf, an index-only scan of one 年度).
            models.Index(
                fields=["municipality", "received_at"], include=["window"], name="consultation_received"
            ),
        ]

    def __str__(self) -> str:
        return f"相談 {self.pk}"

    def action_labels(self) -> list[str]:
        return [str(ActionKind(a).label) for a in self.actions]


class EscalationStatus(models.TextChoices):
    PENDING = "pending", "受付待ち"
    ACCEPTED = "accepted", "受理（多機関協働へ）"
    DECLINED = "declined", "見送り"


class EscalationRequest(models.Model):
    """A request to take a household to 多機関協働 (or a higher meeting body); the cases app picks it up."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="escalation_requests")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="escalation_requests", null=True, blank=True
    )
    rule = models.ForeignKey(
        EscalationRule, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_body = models.ForeignKey(
        MeetingBody, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField("理由")
    status = models.CharField(
        "状態", max_length=10, choices=EscalationStatus.choices, default=EscalationStatus.PENDING
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    handling_note = models.TextField("対応メモ", blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = verbose_name_plural = "多機関協働へのつなぎ"
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # One open request per household: a second click joins the first instead of duplicating it.
            models.UniqueConstraint(
                fields=["municipality", "household"],
                condition=models.Q(status="pending"),
                name="escalation_one_pending_per_household",
            )
        ]

    def __str__(self) -> str:
        return f"つなぎ {self.pk}"


class ConcernSubject(models.Model):
    """Whom a concern of a consultation is about (誰についての相談か), when it is not the person consulting:
    the mother consults about her son's 不登校, a daughter about her father's 認知症. The escalation rules
    count the concern's domains from its type and from this member (age, disability, nationality)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="concern_subjects")
    concern = models.ForeignKey(ConcernType, on_delete=models.PROTECT, related_name="+", verbose_name="課題")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="誰について")

    class Meta:
        verbose_name = verbose_name_plural = "課題の対象の世帯員"
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "consultation", "concern"], name="concern_subject_one_per_concern"
            )
        ]

    def __str__(self) -> str:
        return f"課題の対象 {self.pk}"
