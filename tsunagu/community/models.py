"""地域づくり（第3号）の記録: sittings (開催) of the city's community groups, the needs (気づき) surfaced
there and what they became, and volunteer points ledgers (支え合いいきいきポイント …).

Groups and points programs are configuration (tsunagu.directory.community_models, from the profile).
A sitting carries counts only (住民・専門職・ボランティア), never names. A need may mention a person: it
is read through policy.py. A ledger names a volunteer (a Person): it is personal data too.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tsunagu.directory.models import CommunityGroup, PointsProgram
from tsunagu.intake.models import Consultation
from tsunagu.municipalities.models import Area, Municipality
from tsunagu.people.models import Person


class Sitting(models.Model):
    """One sitting (開催) of a community group: when, where, how many came (by kind), what was talked about."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(
        CommunityGroup, on_delete=models.PROTECT, related_name="sittings", verbose_name="団体・活動"
    )
    held_on = models.DateField("開催日")
    place = models.CharField("場所", max_length=160, blank=True)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="地区"
    )
    residents = models.PositiveIntegerField("参加者（住民）", default=0)
    professionals = models.PositiveIntegerField("参加者（専門職）", default=0)
    volunteers = models.PositiveIntegerField("参加者（ボランティア）", default=0)
    others = models.PositiveIntegerField("参加者（その他）", default=0)
    topics = models.TextField("話題・内容", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    submission_token = models.UUIDField()
    # A correction after the fact (訂正) bumps the version (a stale form is refused) and keeps who, when and
    # why (the latest); which fields changed (counts and dates from → to) is in each correction's audit row.
    version = models.PositiveIntegerField(default=0)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    corrected_at = models.DateTimeField("訂正日時", null=True, blank=True)
    correction_reason = models.CharField("訂正の理由", max_length=400, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "開催"
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "submission_token"], name="community_sitting_unique_submission"
            )
        ]
        indexes = [models.Index(fields=["municipality", "held_on"], name="community_sitting_held")]

    def __str__(self) -> str:
        return f"{self.group.name} {self.held_on}"

    @property
    def participants(self) -> int:
        return self.residents + self.professionals + self.volunteers + self.others


class Urgency(models.TextChoices):
    URGENT = "urgent", "至急"
    SOON = "soon", "早めに"
    WATCH = "watch", "見守り"


class SurfacedNeed(models.Model):
    """A need (気づき) surfaced at a sitting: a neighbour's worry, a change someone noticed.

    It may mention a person, so only the running organization's staff and 束ね役 read it (policy.py).
    When it becomes a consultation, `consultation` keeps the link and the consultation's own policy governs
    what the link reveals.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    sitting = models.ForeignKey(Sitting, on_delete=models.PROTECT, related_name="needs", verbose_name="開催")
    text = models.TextField("気づきの内容")
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="地区"
    )
    urgency = models.CharField("緊急度", max_length=10, choices=Urgency.choices, default=Urgency.SOON)
    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="community_needs",
        verbose_name="つながった相談",
    )
    linked_at = models.DateTimeField("相談につないだ日時", null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    submission_token = models.UUIDField()
    # An edit (the text, urgency or area) bumps the version (a stale form is refused) and keeps who and
    # when (the latest); which fields changed is in each edit's audit row.
    version = models.PositiveIntegerField(default=0)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    edited_at = models.DateTimeField("修正日時", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "地域の気づき"
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "submission_token"], name="community_need_unique_submission"
            ),
            # A consultation comes from one need at most.
            models.UniqueConstraint(
                fields=["municipality", "consultation"],
                condition=models.Q(consultation__isnull=False),
                name="community_need_one_per_consultation",
            ),
            models.CheckConstraint(
                condition=models.Q(consultation__isnull=True, linked_at__isnull=True)
                | models.Q(consultation__isnull=False, linked_at__isnull=False),
                name="community_need_link_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"気づき #{self.pk}"


class Volunteer(models.Model):
    """A resident registered in a points program (ボランティア登録). The person lives in people."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    program = models.ForeignKey(
        PointsProgram, on_delete=models.PROTECT, related_name="volunteers", verbose_name="ポイント制度"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="本人")
    registered_on = models.DateField("登録日")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "ボランティア登録"
        ordering = ["program", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "program", "person"], name="community_volunteer_unique_person"
            )
        ]

    def __str__(self) -> str:
        return f"ボランティア #{self.pk}"


class EntryKind(models.TextChoices):
    EARN = "earn", "付与"
    REDEEM = "redeem", "交換"
    REVERSAL = "reversal", "取消"


class PointEntry(models.Model):
    """One line of a volunteer's points ledger. Append-only: a mistake is undone by a reversal line.

    `points` is signed (付与 +, 交換 −, 取消 the opposite of the line it reverses); the balance is their
    sum. `balance_after` is the running balance the action computed under a row lock on the volunteer, so
    that the database itself refuses a ledger that would go below zero.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField("種別", max_length=10, choices=EntryKind.choices)
    on = models.DateField("日付")
    activity = models.CharField("活動・内容", max_length=160, blank=True)
    activities = models.PositiveSmallIntegerField("活動回数", default=1)
    points = models.IntegerField("ポイント")
    balance_after = models.IntegerField("残高")
    reverses = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversals"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    submission_token = models.UUIDField()

    class Meta:
        verbose_name = verbose_name_plural = "ポイント台帳"
        ordering = ["volunteer", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "submission_token"], name="community_point_unique_submission"
            ),
            # A line is reversed once.
            models.UniqueConstraint(
                fields=["municipality", "reverses"],
                condition=models.Q(reverses__isnull=False),
                name="community_point_reversed_once",
            ),
            models.CheckConstraint(
                condition=models.Q(balance_after__gte=0), name="community_point_no_overdraw"
            ),
            models.CheckConstraint(
                condition=models.Q(kind=EntryKind.EARN, points__gt=0, reverses__isnull=True)
                | models.Q(kind=EntryKind.REDEEM, points__lt=0, reverses__isnull=True)
                | models.Q(kind=EntryKind.REVERSAL, reverses__isnull=False),
                name="community_point_sign_by_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.points}"
