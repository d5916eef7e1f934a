"""Tenancy: the municipality, its areas and its concern taxonomy.

Every table of municipal data carries `municipality` and every unique constraint includes it (the
scale-out plan distributes by municipality).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.db import models

from .choices import KIND_WORD, NATIONAL_COUNTED_DOMAINS, MunicipalityKind, national_domain_label


@dataclass(frozen=True)
class DomainLabel:
    """A domain a city counts: its code (stable, used in data) and the city's own word for it."""

    code: str
    label: str


# Tsunagu's default for `referral_due_days` (docs/profile.md): two weeks. No source document fixes an
# interval; a city writes its own in its profile.
REFERRAL_DUE_DAYS_DEFAULT = 14
# Tsunagu's default retention (docs/profile.md, docs/operations.md): closed cases and consultations are kept
# five years after closure / last activity, then `manage.py apply_retention` removes them.
RETENTION_YEARS_DEFAULT = 5
# Tsunagu's default for `outreach_lapse_days` (docs/profile.md): an outreach engagement (第4号) with no
# contact for 30 days is 途切れ. No source document fixes an interval; a city writes its own.
OUTREACH_LAPSE_DAYS_DEFAULT = 30


class Municipality(models.Model):
    """One city (市町村) served by this installation, loaded from its profile."""

    code = models.CharField("全国地方公共団体コード", max_length=6, unique=True)
    name = models.CharField("名称", max_length=50)
    kind = models.CharField("種別", max_length=20, choices=MunicipalityKind.choices, default="city")
    prefecture = models.CharField("都道府県", max_length=10)
    population = models.PositiveIntegerField("人口", null=True, blank=True)
    population_note = models.CharField("人口の時点・出典", max_length=100, blank=True)
    program_name = models.CharField("事業の名称", max_length=100, blank=True)
    started = models.CharField("事業開始", max_length=50, blank=True)
    lead_summary = models.TextField("推進体制の概要", blank=True)
    # Published aggregates (the navigator's evidence, reports) hide counts below this (small-cell rule).
    small_cell_threshold = models.PositiveSmallIntegerField("小さな件数を伏せる基準", default=10)
    # A referral between windows (つなぎ) is due for its first contact this many days after it is sent,
    # unless the sender sets another date; open referrals past it are 期限切れ on both sides' lists.
    referral_due_days = models.PositiveSmallIntegerField(
        "つなぎの初回連絡までの標準日数", default=REFERRAL_DUE_DAYS_DEFAULT
    )
    # An outreach engagement (アウトリーチ, 第4号) is lapsed (途切れ) when no contact was made for this many
    # days, or its next planned contact date has passed.
    outreach_lapse_days = models.PositiveSmallIntegerField(
        "アウトリーチの途切れ判定日数", default=OUTREACH_LAPSE_DAYS_DEFAULT
    )
    # Years a closed case (from closed_at) and a closed consultation (from its last change) are kept.
    case_retention_years = models.PositiveSmallIntegerField(
        "終結したケースの保存年数", default=RETENTION_YEARS_DEFAULT
    )
    consultation_retention_years = models.PositiveSmallIntegerField(
        "終了した相談の保存年数", default=RETENTION_YEARS_DEFAULT
    )
    # The domains this city's escalation rules count, in its own words: [{"code", "name"}], in the
    # profile's order. Empty means the national default (NATIONAL_COUNTED_DOMAINS).
    domains = models.JSONField("数える分野", default=list, blank=True)
    profile_path = models.CharField("プロファイル", max_length=255, blank=True)
    profile_sha256 = models.CharField(max_length=64, blank=True)
    loaded_at = models.DateTimeField("読込日時", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "自治体"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.prefecture}{self.name}"

    @property
    def kind_label(self) -> str:
        """市・町・村・区: the word for this municipality in UI text (市の所管課 → 町の所管課)."""
        return KIND_WORD.get(self.kind, "市")

    @cached_property
    def _domain_names(self) -> dict[str, str]:
        rows = self.domains or [{"code": c, "name": ""} for c in NATIONAL_COUNTED_DOMAINS]
        return {r["code"]: r.get("name") or national_domain_label(r["code"]) for r in rows}

    def counted_domains(self) -> list[DomainLabel]:
        """The domains this city's escalation rules count, in order, each with the city's label.

        This is the API the intake escalation logic uses (tsunagu/municipalities/README.md).
        """
        return [DomainLabel(code, label) for code, label in self._domain_names.items()]

    def counted_domain_codes(self) -> list[str]:
        return list(self._domain_names)

    def domain_label(self, code: str) -> str:
        """The city's word for a domain, else the national label (a domain the city does not count,
        such as その他 in 小牧, is still shown by its national name)."""
        return self._domain_names.get(code) or national_domain_label(code)

    def domain_labels(self, codes: list[str]) -> list[str]:
        return [self.domain_label(c) for c in codes]


class Area(models.Model):
    """An area of a kind the city uses (日常生活圏域, 地区, 中学校区, 公民館区 …), nestable."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="areas")
    key = models.SlugField("キー", max_length=60)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("種別", max_length=40)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    sort_order = models.PositiveIntegerField(default=0)
    active = models.BooleanField("有効", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "地区・圏域"
        ordering = ["municipality", "kind", "sort_order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "key"], name="area_unique_key_per_municipality")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.kind}）"


class ConcernType(models.Model):
    """A concern (課題) of the city's taxonomy: the national default plus the profile's additions."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="concern_types")
    code = models.SlugField("コード", max_length=60)
    name = models.CharField("名称", max_length=60)
    kana = models.CharField("よみ", max_length=120, blank=True)
    domains = models.JSONField("分野", default=list)
    description = models.CharField("説明", max_length=200, blank=True)
    national = models.BooleanField("全国標準", default=True)
    sort_order = models.PositiveIntegerField(default=0)
    active = models.BooleanField("有効", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "課題の分類"
        ordering = ["municipality", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "code"], name="concern_unique_code_per_municipality"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def domain_labels(self) -> list[str]:
        return self.municipality.domain_labels(self.domains)
