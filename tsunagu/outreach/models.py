"""アウトリーチ等を通じた継続的支援（第4号）: engagements with people who do not ask, and every contact.

An engagement (継続的支援) starts from a report about someone — often known only by a description
(「隣家の高齢男性」) from a neighbour or a 民生委員 — and keeps going for months: visits, letters, calls,
contacts through family or neighbours, accompanied visits (同行), each with its response (不在, 拒否, 会話,
信頼関係の形成 …). Once the person is identified the engagement names a `people.Person` and household, and
its contacts appear on the household timeline. It ends with an outcome: connected to an organization,
on to participation support (参加支援), on to 多機関協働 (an escalation request through intake's action), or
ended with a reason.

An engagement is lapsed (途切れ) when its next planned contact has passed, or when no contact was made
within the city's interval (`Municipality.outreach_lapse_days`, profile `[municipality]
outreach_lapse_days`). That is derived state (`lapse.py`), never stored.

Written only through `tsunagu.outreach.actions`; read only through `tsunagu.outreach.policy`.
Every row carries its business line 第4号 so the official figures count it (`figures.py`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from tsunagu.directory.models import Organization
from tsunagu.municipalities.choices import BusinessLine
from tsunagu.municipalities.models import Area, Municipality
from tsunagu.people.models import Household, Person

OUTREACH_LINE = BusinessLine.L4


class Reporter(models.TextChoices):
    """Who told us about the person (発見・相談の経路)."""

    NEIGHBOUR = "neighbour", "近隣住民"
    COMMISSIONER = "commissioner", "民生委員・児童委員"
    FAMILY = "family", "家族・親族"
    AGENCY = "agency", "関係機関"
    COMMUNITY = "community", "地域の活動（サロン・見守りなど）"
    STAFF = "staff", "職員の気づき"
    SELF = "self", "本人"
    OTHER = "other", "その他"


class EngagementStatus(models.TextChoices):
    ACTIVE = "active", "継続中"
    CLOSED = "closed", "終了"


class Outcome(models.TextChoices):
    """How an engagement ended (終了時の結果)."""

    CONNECTED = "connected", "関係機関につながった"
    PARTICIPATION = "participation", "参加支援へ"
    COLLABORATION = "collaboration", "多機関協働へ"
    ENDED = "ended", "終了（理由を記録）"


class ContactMethod(models.TextChoices):
    VISIT = "visit", "訪問"
    LETTER = "letter", "手紙"
    PHONE = "phone", "電話"
    VIA_OTHERS = "via_others", "家族・近隣を通じて"
    ACCOMPANIED = "accompanied", "同行"
    OTHER = "other", "その他"


class ContactResponse(models.TextChoices):
    ABSENT = "absent", "不在"
    NO_RESPONSE = "no_response", "応答なし（居留守・返信なし）"
    REFUSED = "refused", "拒否"
    BRIEF = "brief", "短いやりとり"
    TALKED = "talked", "会話できた"
    RAPPORT = "rapport", "信頼関係の形成"
    OTHER = "other", "その他"


class Engagement(models.Model):
    """One continuing outreach to one person (継続的支援)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField("支援番号")
    business_line = models.CharField(
        "事業区分", max_length=12, choices=BusinessLine.choices, default=OUTREACH_LINE, editable=False
    )
    description = models.CharField("対象者の様子・呼び名", max_length=200)
    reported_by = models.CharField("把握のきっかけ", max_length=16, choices=Reporter.choices)
    reporter_note = models.CharField("連絡してきた人・経緯", max_length=200, blank=True)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="地区"
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="本人"
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="世帯"
    )
    identified_at = models.DateTimeField("本人を特定した日時", null=True, blank=True)
    purpose = models.TextField("目的")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name="実施機関"
    )
    status = models.CharField(
        "状態", max_length=12, choices=EngagementStatus.choices, default=EngagementStatus.ACTIVE
    )
    started_on = models.DateField("開始日")
    next_contact_on = models.DateField("次回の接触予定日", null=True, blank=True)
    outcome = models.CharField("結果", max_length=16, choices=Outcome.choices, blank=True)
    outcome_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="つながった機関",
    )
    outcome_note = models.TextField("終了の理由・引き継ぎ", blank=True)
    # The 多機関協働 request made on closing (intake's EscalationRequest, written by intake's action).
    escalation_request = models.ForeignKey(
        "intake.EscalationRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="多機関協働への依頼",
    )
    closed_on = models.DateField("終了日", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    submission_token = models.UUIDField("送信識別子", editable=False)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "アウトリーチ（継続的支援）"
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "number"], name="outreach_unique_number"),
            # A double submit of the new-engagement form can never open two engagements.
            models.UniqueConstraint(
                fields=["municipality", "submission_token"], name="outreach_unique_submission"
            ),
            models.CheckConstraint(
                condition=models.Q(status="active", outcome="") | ~models.Q(status="active"),
                name="outreach_outcome_only_when_closed",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "organization", "status"], name="outreach_org_status"),
            models.Index(fields=["municipality", "household"], name="outreach_household"),
        ]

    def __str__(self) -> str:
        return f"アウトリーチ No.{self.number}"

    @property
    def is_active(self) -> bool:
        return self.status == EngagementStatus.ACTIVE

    @property
    def identified(self) -> bool:
        return self.person_id is not None


class EngagementWorker(models.Model):
    """A worker assigned to an engagement (担当者). One row per worker."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="workers")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "アウトリーチの担当者"
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "engagement", "staff"], name="outreach_worker_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.engagement_id}:{self.staff_id}"


class Contact(models.Model):
    """One attempt or contact (訪問・手紙・電話 …) and how the person responded."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    engagement = models.ForeignKey(Engagement, on_delete=models.PROTECT, related_name="contacts")
    business_line = models.CharField(
        "事業区分", max_length=12, choices=BusinessLine.choices, default=OUTREACH_LINE, editable=False
    )
    on = models.DateField("接触日")
    method = models.CharField("方法", max_length=16, choices=ContactMethod.choices)
    response = models.CharField("反応", max_length=16, choices=ContactResponse.choices)
    companions = models.CharField("同行者・仲介した人", max_length=200, blank=True)
    note = models.TextField("記録", blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="記録した職員"
    )
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("記録日時", default=timezone.now)
    submission_token = models.UUIDField("送信識別子", editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "アウトリーチの接触記録"
        ordering = ["-on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "submission_token"], name="outreach_contact_unique_submission"
            )
        ]
        indexes = [
            models.Index(fields=["municipality", "engagement", "-on"], name="outreach_contact_order"),
            models.Index(fields=["municipality", "on"], name="outreach_contact_day"),
        ]

    def __str__(self) -> str:
        return f"{self.on} {self.method}"
