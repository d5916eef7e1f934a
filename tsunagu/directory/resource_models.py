"""Community resources (社会資源): the places a person can be connected to — 居場所, サロン, 子ども食堂,
就労体験・中間的就労, ボランティア, 通いの場 … No personal data lives here.

The columns follow the Open Referral HSDS split (organization → service → location, schedule, contact,
eligibility, fees, accessibility, languages) flattened into one row per place and activity, because that
is how a city's staff keep their 社会資源マップ. Participation support (参加支援, 第2号) ranks these rows
against a person's needs and constraints, so the attributes it filters on are structured, not free text.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from tsunagu.municipalities.models import Area

from .models import Dated, Organization, ScopedModel


class ResourceKind(models.TextChoices):
    """社会資源の種類."""

    IBASHO = "ibasho", "居場所"
    SALON = "salon", "サロン"
    CHILDREN_CAFETERIA = "children_cafeteria", "子ども食堂"
    WORK_EXPERIENCE = "work_experience", "就労体験"
    INTERMEDIATE_WORK = "intermediate_work", "中間的就労"
    VOLUNTEER = "volunteer", "ボランティア活動"
    KAYOI_NO_BA = "kayoi_no_ba", "通いの場"
    LEARNING = "learning", "学習支援"
    PEER_GROUP = "peer_group", "当事者の会・ピアサポート"
    OTHER = "other", "その他"


class TimeSlot(models.TextChoices):
    """When in the day a resource runs (matched against the times a person can go)."""

    MORNING = "morning", "午前"
    AFTERNOON = "afternoon", "午後"
    EVENING = "evening", "夕方・夜間"


class Weekday(models.IntegerChoices):
    MON = 0, "月"
    TUE = 1, "火"
    WED = 2, "水"
    THU = 3, "木"
    FRI = 4, "金"
    SAT = 5, "土"
    SUN = 6, "日"


class GroupSize(models.TextChoices):
    """How many people are there at once — for a person uneasy in groups (集団が苦手)."""

    ONE_TO_ONE = "one_to_one", "個別"
    SMALL = "small", "少人数（おおむね5人以下）"
    MEDIUM = "medium", "中人数（おおむね6〜20人）"
    LARGE = "large", "大人数（おおむね21人以上）"


class Accessibility(models.TextChoices):
    """HSDS accessibility, the features staff ask about."""

    STEP_FREE = "step_free", "段差なし・車いす可"
    ACCESSIBLE_TOILET = "accessible_toilet", "多目的トイレ"
    PARKING = "parking", "駐車場"
    NEAR_STATION = "near_station", "駅・バス停から近い"
    PICK_UP = "pick_up", "送迎あり"
    HEARING_SUPPORT = "hearing_support", "筆談・手話対応"


class ResourceSource(models.TextChoices):
    """Where a row was last written from: a profile load deactivates only its own rows that it no longer lists."""

    PROFILE = "profile", "プロファイル"
    SCREEN = "screen", "画面"
    IMPORT = "import", "ファイル取込"


class Resource(ScopedModel, Dated):
    """A community resource (社会資源) as the city's directory keeps it."""

    name = models.CharField("名称", max_length=160)
    kind = models.CharField("種類", max_length=40, choices=ResourceKind.choices)
    description = models.TextField("内容", blank=True)
    # 運営主体: a registered organization where there is one, else the group's own name (a 自治会, a 有志).
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resources",
        verbose_name="運営主体（関係機関）",
    )
    operator_name = models.CharField("運営主体（名称）", max_length=160, blank=True)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="resources", verbose_name="地区"
    )
    address = models.CharField("所在地", max_length=200, blank=True)
    latitude = models.DecimalField(
        "緯度",
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(20), MaxValueValidator(46)],
    )
    longitude = models.DecimalField(
        "経度",
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(122), MaxValueValidator(154)],
    )
    # Schedule: the structured days and times drive matching; the text is what staff read out.
    weekdays = models.JSONField("開催曜日", default=list, blank=True)
    time_slots = models.JSONField("時間帯", default=list, blank=True)
    schedule_text = models.CharField("日時", max_length=200, blank=True)
    # Who it welcomes (eligibility): ages, domains and a sentence in the resource's own words.
    welcomes = models.CharField("対象", max_length=200, blank=True)
    age_min = models.PositiveSmallIntegerField(
        "対象年齢（下限）", null=True, blank=True, validators=[MaxValueValidator(130)]
    )
    age_max = models.PositiveSmallIntegerField(
        "対象年齢（上限）", null=True, blank=True, validators=[MaxValueValidator(130)]
    )
    domains = models.JSONField("分野", default=list, blank=True)
    # What one does there (料理, 農作業, 軽作業, 学習, 交流, 運動 …): matched against interests.
    activities = models.JSONField("活動内容", default=list, blank=True)
    accessibility = models.JSONField("アクセシビリティ", default=list, blank=True)
    accessibility_note = models.CharField("アクセシビリティ（補足）", max_length=200, blank=True)
    languages = models.JSONField("対応言語", default=list, blank=True)
    group_size = models.CharField("人数規模", max_length=12, choices=GroupSize.choices, blank=True)
    capacity = models.PositiveIntegerField(
        "定員", null=True, blank=True, validators=[MaxValueValidator(100_000)]
    )
    # Cost per visit in yen (0 = 無料); empty when unknown. The note says what the fee covers.
    cost_yen = models.PositiveIntegerField(
        "費用（円/回）", null=True, blank=True, validators=[MaxValueValidator(1_000_000)]
    )
    cost_note = models.CharField("費用（補足）", max_length=200, blank=True)
    phone = models.CharField("電話", max_length=20, blank=True)
    email = models.EmailField("メール", max_length=120, blank=True)
    url = models.URLField("ウェブサイト", max_length=300, blank=True)
    contact_name = models.CharField("連絡先（担当）", max_length=100, blank=True)
    business_lines = models.JSONField("事業区分", default=list, blank=True)
    # Whether a participation-support match may be proposed here (a 受け入れ先 that agreed to it).
    accepts_referrals = models.BooleanField("参加支援の受け入れ", default=True)
    source = models.CharField(
        "登録元", max_length=10, choices=ResourceSource.choices, default=ResourceSource.SCREEN
    )
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = verbose_name_plural = "社会資源"
        ordering = ["municipality", "sort_order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "key"], name="resource_unique_key"),
            models.CheckConstraint(
                condition=models.Q(age_min__isnull=True)
                | models.Q(age_max__isnull=True)
                | models.Q(age_min__lte=models.F("age_max")),
                name="resource_age_range_ordered",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "kind", "active"], name="resource_kind_idx")]

    def __str__(self) -> str:
        return self.name

    def operator_label(self) -> str:
        return self.organization.name if self.organization is not None else self.operator_name

    def weekday_labels(self) -> list[str]:
        return [str(Weekday(d).label) for d in self.weekdays if d in Weekday.values]

    def time_slot_labels(self) -> list[str]:
        return [str(TimeSlot(t).label) for t in self.time_slots if t in TimeSlot.values]

    def accessibility_labels(self) -> list[str]:
        return [str(Accessibility(a).label) for a in self.accessibility if a in Accessibility.values]

    def cost_label(self) -> str:
        if self.cost_yen is None:
            return self.cost_note
        base = "無料" if self.cost_yen == 0 else f"{self.cost_yen:,}円/回"
        return f"{base}（{self.cost_note}）" if self.cost_note else base
