"""地域づくり（第3号）の設定: the city's community groups and its volunteer points programs.

Configuration from the profile (`[[community_groups]]`, `[[points_programs]]`), no personal data: what a
group is, where it meets, who runs it and which 第3号 line it is counted under. Sittings, needs and
points ledgers are records of the community app (tsunagu/community), which refers to these rows.
Kept in its own module (imported from models.py) so that other directory sections do not collide with it.
"""

from __future__ import annotations

from django.db import models

from tsunagu.municipalities.choices import BusinessLine
from tsunagu.municipalities.models import Area

from .models import Frequency, Organization, ScopedModel

# The 第3号 lines a community group may be counted under (法第106条の4第2項第3号 イ〜ニ and 困窮).
COMMUNITY_LINES = ("3i", "3ro", "3ha", "3ni", "3hardship")


class CommunityGroupKind(models.TextChoices):
    """What kind of community group (地域づくりの団体・活動) it is."""

    CARE_NETWORK = "care_network", "地域ケアネットワーク"
    WATCH_NETWORK = "watch_network", "見守りネットワーク（ほのぼのネット等）"
    COUNCIL = "council", "協議体"
    CONSULTATION_SALON = "consultation_salon", "相談サロン"
    SALON = "salon", "サロン"
    GATHERING_PLACE = "gathering_place", "通いの場"
    DISTRICT_CENTER = "district_center", "地区センター・地域拠点"
    FORUM = "forum", "フォーラム・交流会"
    OTHER = "other", "その他"


class CommunityGroup(ScopedModel):
    """A community group or activity (地域ケアネットワーク, ほのぼのネット, 協議体, 相談サロン …).

    `sites` is how many places or groups the entry stands for when the source gives a number and no names
    (三鷹's 28 ほのぼのネット): one entry with sites=28, never 28 invented names.
    """

    name = models.CharField("名称", max_length=160)
    kind = models.CharField("種別", max_length=30, choices=CommunityGroupKind.choices)
    # Empty when the source does not say which 第3号 line the group is counted under (never guessed).
    business_line = models.CharField("事業区分", max_length=12, choices=BusinessLine.choices, blank=True)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="community_groups",
        verbose_name="運営・事務局",
    )
    areas = models.ManyToManyField(Area, blank=True, related_name="community_groups", verbose_name="地区")
    sites = models.PositiveIntegerField("箇所数", null=True, blank=True)
    venue = models.CharField("開催場所", max_length=160, blank=True)
    frequency = models.CharField(
        "開催頻度", max_length=12, choices=Frequency.choices, default=Frequency.UNSPECIFIED
    )
    per_year = models.PositiveSmallIntegerField("年間開催回数", null=True, blank=True)
    description = models.TextField("説明", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "地域づくりの団体・活動"
        ordering = ["municipality", "sort_order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "key"], name="community_group_unique_key"),
            models.CheckConstraint(
                condition=models.Q(business_line__in=("", *COMMUNITY_LINES)),
                name="community_group_line_3",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def business_line_label(self) -> str:
        return BusinessLine.short_label(self.business_line) if self.business_line else "区分の記載なし"

    def rhythm_label(self) -> str:
        if self.frequency == Frequency.PER_YEAR and self.per_year:
            return f"年{self.per_year}回"
        return str(Frequency(self.frequency).label)


class PointsProgram(ScopedModel):
    """A volunteer points program (支え合いいきいきポイント …): only what the city configures.

    Empty numbers mean the program's rules do not fix them (the source does not say): points are then
    entered per activity, and there is no yearly cap or redemption unit.
    """

    name = models.CharField("名称", max_length=160)
    business_line = models.CharField("事業区分", max_length=12, choices=BusinessLine.choices)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="points_programs",
        verbose_name="所管・運営",
    )
    points_per_activity = models.PositiveIntegerField("1回の活動のポイント", null=True, blank=True)
    yearly_cap = models.PositiveIntegerField("年度あたりの上限ポイント", null=True, blank=True)
    redemption_unit = models.PositiveIntegerField("交換の単位（ポイント）", null=True, blank=True)
    reward = models.CharField("交換できるもの", max_length=160, blank=True)
    description = models.TextField("説明", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "ボランティアポイント制度"
        ordering = ["municipality", "sort_order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "key"], name="points_program_unique_key"),
        ]

    def __str__(self) -> str:
        return self.name
