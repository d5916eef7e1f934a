"""The city's service structure, loaded from its profile: organizations, programs, windows,
coordinator posts, meeting bodies and escalation rules. No personal data lives here.

Rows are never deleted by the loader: an entry removed from a profile is marked inactive, so that
records referring to it keep their meaning.
"""

from __future__ import annotations

import datetime as dt

from django.db import models

from tsunagu.core.wareki import wareki
from tsunagu.municipalities.choices import BusinessLine
from tsunagu.municipalities.models import Area, Municipality


class Operation(models.TextChoices):
    """直営 / 委託."""

    DIRECT = "direct", "直営"
    CONTRACTED = "contracted", "委託"
    MIXED = "mixed", "直営・委託"


class OrganizationKind(models.TextChoices):
    # Shown as 市の所管課 / 町の所管課 … through Organization.get_kind_display (the municipality's word).
    DEPARTMENT = "department", "所管課"
    SOCIAL_WELFARE_COUNCIL = "social_welfare_council", "社会福祉協議会"
    COMMUNITY_GENERAL_SUPPORT_CENTER = "community_general_support_center", "地域包括支援センター"
    DISABILITY_SUPPORT_CENTER = "disability_support_center", "障害者相談支援センター"
    CHILD_FAMILY_CENTER = "child_family_center", "子ども・子育て支援機関"
    SELF_RELIANCE_SUPPORT = "self_reliance_support", "自立相談支援機関"
    HEALTH_CENTER = "health_center", "保健所・保健センター"
    EDUCATION = "education", "教育委員会・学校"
    NPO = "npo", "NPO法人・民間団体"
    MEDICAL = "medical", "医療法人・医療機関"
    COMMUNITY_FACILITY = "community_facility", "公民館・地域拠点"
    OTHER = "other", "その他"


class ScopedModel(models.Model):
    """Common columns of every directory entry: owning municipality, profile key, active flag."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    key = models.SlugField("キー", max_length=60)
    active = models.BooleanField("有効", default=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    def business_line_labels(self) -> list[str]:
        return [BusinessLine.short_label(v) for v in getattr(self, "business_lines", [])]

    def domain_labels(self) -> list[str]:
        return self.municipality.domain_labels(getattr(self, "domains", []))


def period_label(start: dt.date | None, end: dt.date | None) -> str:
    """令和7年10月1日〜 / 〜令和8年3月31日 / both; empty when neither is known."""
    if start is None and end is None:
        return ""
    return f"{wareki(start) if start else ''}〜{wareki(end) if end else ''}"


class Dated(models.Model):
    """Start and end of a program or a post, as the 要綱 or the plan gives them (empty when it does not)."""

    starts_on = models.DateField("開始日", null=True, blank=True)
    ends_on = models.DateField("終了日", null=True, blank=True)

    class Meta:
        abstract = True

    def period_label(self) -> str:
        return period_label(self.starts_on, self.ends_on)

    def is_current(self, on: dt.date) -> bool:
        """In force on `on` (an open end counts as in force)."""
        return (self.starts_on is None or self.starts_on <= on) and (
            self.ends_on is None or on <= self.ends_on
        )


class Contracted(models.Model):
    """The period of a 委託 contract (委託期間), for entries operated under contract."""

    contract_starts_on = models.DateField("委託期間（開始）", null=True, blank=True)
    contract_ends_on = models.DateField("委託期間（終了）", null=True, blank=True)

    class Meta:
        abstract = True

    def contract_period_label(self) -> str:
        return period_label(self.contract_starts_on, self.contract_ends_on)


class Organization(ScopedModel, Contracted):
    """A department (所管課) or an outside body (社協, 地域包括支援センター, NPO, 医療法人 …)."""

    name = models.CharField("名称", max_length=120)
    kind = models.CharField("種別", max_length=40, choices=OrganizationKind.choices)
    operation = models.CharField("実施形態", max_length=12, choices=Operation.choices, blank=True)
    department = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracted_bodies",
        verbose_name="所管課",
    )
    business_lines = models.JSONField("事業区分", default=list, blank=True)
    domains = models.JSONField("分野", default=list, blank=True)
    sites = models.PositiveIntegerField("拠点数", null=True, blank=True)
    areas = models.ManyToManyField(Area, blank=True, related_name="organizations", verbose_name="担当地区")
    note = models.TextField("備考", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "関係機関・所管課"
        ordering = ["municipality", "sort_order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "key"], name="organization_unique_key")
        ]

    def __str__(self) -> str:
        return self.name

    def get_kind_display(self) -> str:  # type: ignore[no-redef]
        """The kind in the municipality's words: a department is 市の所管課, 町の所管課, 村の所管課 …"""
        if self.kind == OrganizationKind.DEPARTMENT:
            return f"{self.municipality.kind_label}の所管課"
        return str(OrganizationKind(self.kind).label) if self.kind in OrganizationKind.values else self.kind


class Program(ScopedModel, Dated, Contracted):
    """A program (事業) the city counts under a business line, e.g. 地域包括支援センターの運営【第1号イ】."""

    name = models.CharField("事業名", max_length=160)
    business_lines = models.JSONField("事業区分", default=list, blank=True)
    domains = models.JSONField("分野", default=list, blank=True)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="programs",
        verbose_name="実施体制",
    )
    department = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_programs",
        verbose_name="担当課",
    )
    operation = models.CharField("実施形態", max_length=12, choices=Operation.choices, blank=True)
    sites = models.PositiveIntegerField("拠点数", null=True, blank=True)
    target = models.CharField("支援対象者", max_length=200, blank=True)
    description = models.TextField("事業内容", blank=True)
    areas = models.ManyToManyField(Area, blank=True, related_name="programs", verbose_name="実施地区")
    is_new = models.BooleanField("重層事業で新設", default=False)
    # A program run jointly by several organizations (共同事業体): all of them, the lead included.
    operators = models.ManyToManyField(
        Organization, blank=True, related_name="joint_programs", verbose_name="共同で実施する機関"
    )
    consortium_name = models.CharField("共同事業体の名称", max_length=160, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "事業"
        ordering = ["municipality", "sort_order", "key"]
        constraints = [models.UniqueConstraint(fields=["municipality", "key"], name="program_unique_key")]

    def __str__(self) -> str:
        return self.name

    def operation_label(self) -> str:
        """直営/委託 of the program, or of the body carrying it when the profile says it only there."""
        value = self.operation or (self.organization.operation if self.organization else "")
        return str(Operation(value).label) if value else ""

    def operator_names(self) -> list[str]:
        """Who runs it: the joint operators (lead first) when there are several, else the one organization."""
        joint = sorted(self.operators.all(), key=lambda o: (o.pk != self.organization_id, o.sort_order))
        if joint:
            return [o.name for o in joint]
        return [self.organization.name] if self.organization else []


class Window(ScopedModel):
    """A service window (相談窓口): a place a resident can go or call."""

    name = models.CharField("窓口名", max_length=160)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="windows", verbose_name="運営機関"
    )
    address = models.CharField("所在地", max_length=200, blank=True)
    hours = models.CharField("受付時間", max_length=200, blank=True)
    phone = models.CharField("電話", max_length=40, blank=True)
    serves = models.CharField("対象", max_length=200, blank=True)
    domains = models.JSONField("分野", default=list, blank=True)
    concerns = models.JSONField("主な相談内容（課題コード）", default=list, blank=True)
    business_lines = models.JSONField("事業区分", default=list, blank=True)
    areas = models.ManyToManyField(Area, blank=True, related_name="windows", verbose_name="担当地区")
    description = models.TextField("説明", blank=True)
    # Facts for the public navigator (profile `[windows.navigator]`); None means the sources do not say.
    general = models.BooleanField("総合相談窓口（どんな相談も受け止める）", default=False)
    for_residents = models.BooleanField("住民が直接相談できる", default=True)
    bring = models.CharField("持ち物", max_length=300, blank=True)
    by_phone = models.BooleanField("電話で相談できる", null=True, blank=True)
    home_visit = models.BooleanField("自宅への訪問ができる", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "相談窓口"
        ordering = ["municipality", "sort_order", "key"]
        constraints = [models.UniqueConstraint(fields=["municipality", "key"], name="window_unique_key")]

    def __str__(self) -> str:
        return self.name


class HelpLine(ScopedModel):
    """A telephone line of the city a resident can call (profile `[[help_lines]]`), e.g. a 24-hour line.

    The public navigator shows the always-open ones first when a message speaks of immediate danger.
    """

    name = models.CharField("名称", max_length=160)
    phone = models.CharField("電話", max_length=20)
    hours = models.CharField("受付時間", max_length=200, blank=True)
    always_open = models.BooleanField("24時間受付", default=False)
    concerns = models.JSONField("主な相談内容（課題コード）", default=list, blank=True)
    description = models.TextField("説明", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "電話相談"
        ordering = ["municipality", "sort_order", "key"]
        constraints = [models.UniqueConstraint(fields=["municipality", "key"], name="help_line_unique_key")]

    def __str__(self) -> str:
        return self.name


class CoordinatorPost(ScopedModel, Dated):
    """A coordinator post (地域福祉コーディネーター, 丸ごと相談員 …) and how many hold it."""

    title = models.CharField("職名", max_length=100)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coordinator_posts",
        verbose_name="配置機関",
    )
    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coordinator_posts",
        verbose_name="担当地区",
    )
    count = models.PositiveIntegerField("人数", null=True, blank=True)
    employment = models.CharField("勤務形態", max_length=60, blank=True)
    business_lines = models.JSONField("事業区分", default=list, blank=True)
    is_bundler = models.BooleanField("束ね役（多機関協働の担い手）", default=False)
    note = models.TextField("備考", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "コーディネーター等の配置"
        ordering = ["municipality", "sort_order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "key"], name="coordinator_post_unique_key")
        ]

    def __str__(self) -> str:
        return self.title


class MeetingKind(models.TextChoices):
    """会議体の種別."""

    CONSENTED_CONFERENCE = "consented_conference", "重層的支援会議"
    CONFIDENTIAL_CONFERENCE = "confidential_conference", "支援会議"
    INTERNAL = "internal", "庁内会議"
    EXTERNAL_LIAISON = "external_liaison", "外部連絡会"
    COUNCIL = "council", "協議体"
    LONELINESS_COUNCIL = "loneliness_council", "孤独・孤立対策地域協議会"
    OTHER = "other", "その他"


class LegalFunction(models.TextChoices):
    """The legal functions a body may carry; one body may carry several (三鷹 推進会議)."""

    CONSENTED_CONFERENCE = "consented_conference", "重層的支援会議（本人同意に基づく検討）"
    CONFIDENTIAL_CONFERENCE = "confidential_conference", "支援会議（社会福祉法第106条の6・守秘義務）"
    LONELINESS_COUNCIL = "loneliness_council", "孤独・孤立対策地域協議会（孤独・孤立対策推進法）"
    CASE_REVIEW = "case_review", "個別ケース検討"
    COORDINATION = "coordination", "庁内・関係機関の連携調整"
    PLANNING = "planning", "事業計画・進行管理"
    TRAINING = "training", "研修・人材育成"


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "月1回"
    BIMONTHLY = "bimonthly", "2か月に1回"
    QUARTERLY = "quarterly", "3か月に1回"
    PER_YEAR = "per_year", "年n回"
    REGULAR = "regular", "定例（回数の定めなし）"
    AD_HOC = "ad_hoc", "随時"
    # The source documents do not always give a rhythm; recording "unknown" beats inventing one.
    UNSPECIFIED = "unspecified", "頻度の記載なし"


FREQUENCY_PER_YEAR = {"monthly": 12, "bimonthly": 6, "quarterly": 4}

# Only these legal functions allow discussing a person without their consent.
CONFIDENTIAL_FUNCTIONS = {LegalFunction.CONFIDENTIAL_CONFERENCE.value}


class MemberSelection(models.TextChoices):
    FIXED = "fixed", "固定の構成員"
    PER_CASE = "per_case", "事案ごとに別表から選ぶ"


class Acknowledgement(models.TextChoices):
    """When a 支援会議 attendee acknowledges 守秘義務: at each meeting, or once per term (年度)."""

    PER_MEETING = "per_meeting", "会議ごと"
    PER_TERM = "per_term", "年度ごと"


# When a profile does not say: how long members may read a case after a 支援会議 discussed it, and when the
# next monitoring is due after a decision. Both are shown on the body's page so nobody relies on a guess.
DEFAULT_FOLLOW_UP_DAYS = 90
DEFAULT_MONITORING_INTERVAL_DAYS = 90


class MeetingBody(ScopedModel):
    """A meeting body (会議体) with its legal functions, rhythm, members and tier in the ladder."""

    name = models.CharField("名称", max_length=160)
    kind = models.CharField("種別", max_length=40, choices=MeetingKind.choices)
    legal_functions = models.JSONField("法的機能", default=list, blank=True)
    frequency = models.CharField(
        "頻度", max_length=12, choices=Frequency.choices, default=Frequency.UNSPECIFIED
    )
    per_year_min = models.PositiveSmallIntegerField("年間開催回数（下限）", null=True, blank=True)
    per_year_max = models.PositiveSmallIntegerField("年間開催回数（上限）", null=True, blank=True)
    also_ad_hoc = models.BooleanField("必要に応じ随時開催", default=False)
    members = models.ManyToManyField(
        Organization, blank=True, related_name="meeting_bodies", verbose_name="構成機関"
    )
    members_note = models.TextField("構成員（機関以外・補足）", blank=True)
    chair = models.CharField("座長・事務局", max_length=160, blank=True)
    secretariat = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="secretariat_of",
        verbose_name="事務局",
    )
    confidentiality_duty = models.BooleanField("構成員に守秘義務", default=False)
    tier = models.PositiveSmallIntegerField("段階", null=True, blank=True)
    purpose = models.TextField("目的", blank=True)
    caseload_note = models.CharField("取扱件数の目安", max_length=200, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sub_bodies",
        verbose_name="上位の会議体",
    )
    # How the body works as a meeting (issue 11; the meetings app reads these).
    member_selection = models.CharField(
        "構成員の決め方", max_length=10, choices=MemberSelection.choices, default=MemberSelection.FIXED
    )
    eligible_members = models.ManyToManyField(
        Organization, blank=True, related_name="eligible_for_bodies", verbose_name="構成員の候補（別表）"
    )
    invited_posts = models.JSONField("事案ごとに招く個人（職・立場）", default=list, blank=True)
    vice_chair = models.CharField("副座長", max_length=160, blank=True)
    closed = models.BooleanField("非公開", default=False)
    areas = models.ManyToManyField(
        Area, blank=True, related_name="meeting_bodies", verbose_name="地区ごとの開催"
    )
    referral_only = models.BooleanField("付議があるときだけ開催", default=False)
    follow_up_days = models.PositiveSmallIntegerField(
        "会議後に情報を見られる期間（日）", null=True, blank=True
    )
    monitoring_interval_days = models.PositiveSmallIntegerField(
        "次回モニタリングまでの標準の間隔（日）", null=True, blank=True
    )
    closure_review_interval_days = models.PositiveSmallIntegerField(
        "終結の見直しまでの標準の間隔（日）", null=True, blank=True
    )
    sitting_months = models.JSONField("開催月", default=list, blank=True)
    acknowledgement = models.CharField(
        "守秘義務の確認", max_length=12, choices=Acknowledgement.choices, default=Acknowledgement.PER_MEETING
    )
    ad_hoc_callers = models.JSONField("随時・緊急の会議を招集できる役割", default=list, blank=True)
    emergency = models.BooleanField("緊急会議を開く", default=False)
    screened_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="screens",
        verbose_name="事前に協議する会議体",
    )

    class Meta:
        verbose_name = verbose_name_plural = "会議体"
        ordering = ["municipality", "tier", "sort_order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "key"], name="meeting_body_unique_key")
        ]

    def __str__(self) -> str:
        return self.name

    def frequency_label(self) -> str:
        if self.frequency == Frequency.PER_YEAR:
            lo, hi = self.per_year_min, self.per_year_max
            text = f"年{lo}回" if lo == hi or hi is None else f"年{lo}〜{hi}回"
        else:
            text = str(Frequency(self.frequency).label)
        if self.also_ad_hoc and self.frequency not in (Frequency.AD_HOC, Frequency.UNSPECIFIED):
            text += "＋随時"
        return text

    def meetings_per_year(self) -> int | None:
        if self.frequency in FREQUENCY_PER_YEAR:
            return FREQUENCY_PER_YEAR[self.frequency]
        return self.per_year_min

    def legal_function_labels(self) -> list[str]:
        return [str(LegalFunction(v).label) for v in self.legal_functions]

    def legal_function_badges(self) -> list[dict[str, str]]:
        """One badge per legal function; the two conference kinds state what a case needs to be put there.

        A 支援会議 without 守秘義務 on its members cannot discuss a person without consent, so it is
        flagged instead of being shown as 同意不要.
        """
        badges = []
        for value in self.legal_functions:
            name = str(LegalFunction(value).label).split("（")[0]
            if value == LegalFunction.CONFIDENTIAL_CONFERENCE:
                if self.confidentiality_duty:
                    badges.append({"name": name, "note": "守秘義務・本人同意不要", "css": "tag-duty"})
                else:
                    badges.append({"name": name, "note": "守秘義務の定めなし（要確認）", "css": "tag-warn"})
            elif value == LegalFunction.CONSENTED_CONFERENCE:
                badges.append({"name": name, "note": "本人同意が必要", "css": "tag-consent"})
            else:
                badges.append({"name": name, "note": "", "css": ""})
        return badges

    def follow_up_window(self) -> dt.timedelta:
        return dt.timedelta(days=self.follow_up_days or DEFAULT_FOLLOW_UP_DAYS)

    def monitoring_interval(self) -> dt.timedelta:
        return dt.timedelta(days=self.monitoring_interval_days or DEFAULT_MONITORING_INTERVAL_DAYS)

    def closure_review_interval(self) -> dt.timedelta | None:
        """The profile's default interval to the expected review of closure; None when the city set none."""
        days = self.closure_review_interval_days
        return dt.timedelta(days=days) if days else None

    def may_discuss_without_consent(self) -> bool:
        """A person may be discussed without consent only in a 支援会議 whose members bear 守秘義務."""
        return self.confidentiality_duty and bool(CONFIDENTIAL_FUNCTIONS & set(self.legal_functions))


class EscalationTrigger(models.TextChoices):
    DOMAINS_AT_LEAST = "domains_at_least", "課題の分野数が基準以上"
    CONCERNS_ANY = "concerns_any", "特定の課題を含む"
    MANUAL = "manual", "担当者の判断（解決困難）"


class EscalationTarget(models.TextChoices):
    CASE = "case", "多機関協働事業"
    MEETING_BODY = "meeting_body", "会議体"
    # A meeting *function* rather than one body: whichever of the city's bodies carries it (小牧:
    # こまきつながる会議 as 重層的支援会議, 支援会議 without consent).
    MEETING_FUNCTION = "meeting_function", "会議の機能"


class EscalationFunction(models.TextChoices):
    """The meeting functions a rule may point at, with what each needs of the person."""

    CONSENTED_CONFERENCE = "consented_conference", "重層的支援会議（本人の同意を得て）"
    CONFIDENTIAL_CONFERENCE = "confidential_conference", "支援会議（本人の同意がなくても。構成員に守秘義務）"


class EscalationRule(ScopedModel):
    """When a household goes up a level: to 多機関協働 or to a meeting body of a higher tier."""

    name = models.CharField("名称", max_length=160)
    trigger = models.CharField("条件", max_length=20, choices=EscalationTrigger.choices)
    min_domains = models.PositiveSmallIntegerField("分野数の基準", null=True, blank=True)
    counted_domains = models.JSONField("数える分野", default=list, blank=True)
    concerns = models.JSONField("対象の課題コード", default=list, blank=True)
    from_windows = models.ManyToManyField(
        Window, blank=True, related_name="escalation_rules", verbose_name="起点の窓口"
    )
    from_body = models.ForeignKey(
        MeetingBody,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escalations_out",
        verbose_name="起点の会議体",
    )
    target = models.CharField("つなぎ先の種別", max_length=20, choices=EscalationTarget.choices)
    to_body = models.ForeignKey(
        MeetingBody,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escalations_in",
        verbose_name="つなぎ先の会議体",
    )
    to_function = models.CharField(
        "つなぎ先の会議の機能", max_length=30, choices=EscalationFunction.choices, blank=True
    )
    description = models.TextField("説明", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "つなぎの基準"
        ordering = ["municipality", "sort_order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "key"], name="escalation_rule_unique_key")
        ]

    def __str__(self) -> str:
        return self.name

    def counted_domain_codes(self) -> list[str]:
        """The domains this rule counts: its own list, else every domain its city counts."""
        return list(self.counted_domains) or self.municipality.counted_domain_codes()

    def condition_text(self) -> str:
        if self.trigger == EscalationTrigger.DOMAINS_AT_LEAST:
            domains = "・".join(self.municipality.domain_labels(self.counted_domain_codes()))
            return f"課題が{self.min_domains}分野以上（{domains}）"
        if self.trigger == EscalationTrigger.CONCERNS_ANY:
            return "次の課題を含む: " + "、".join(self.concerns)
        return "担当者・会議で解決が難しいと判断したとき"

    def target_text(self) -> str:
        if self.target == EscalationTarget.CASE:
            return "多機関協働事業"
        if self.target == EscalationTarget.MEETING_FUNCTION:
            label = str(EscalationFunction(self.to_function).label) if self.to_function else ""
            names = "・".join(b.name for b in self.function_bodies())
            return f"{label}（{names}）" if names else label
        return self.to_body.name if self.to_body else ""

    def function_bodies(self) -> list[MeetingBody]:
        """The city's active bodies that carry the function this rule points at."""
        if self.target != EscalationTarget.MEETING_FUNCTION or not self.to_function:
            return []
        bodies = MeetingBody.objects.filter(municipality_id=self.municipality_id, active=True)
        return [b for b in bodies.order_by("sort_order", "key") if self.to_function in b.legal_functions]

    def is_met_by(self, domains: set[str], concern_codes: set[str]) -> bool:
        """Whether the household's open concerns meet this rule (manual rules never fire by themselves)."""
        if self.trigger == EscalationTrigger.DOMAINS_AT_LEAST:
            return len(domains & set(self.counted_domain_codes())) >= (self.min_domains or 0)
        if self.trigger == EscalationTrigger.CONCERNS_ANY:
            return bool(set(self.concerns) & concern_codes)
        return False


# Community resources (社会資源) and the 地域づくり（第3号） settings live in their own modules; imported here
# so that Django registers the models with the app.
from .community_models import CommunityGroup as CommunityGroup  # noqa: E402
from .community_models import PointsProgram as PointsProgram  # noqa: E402
from .resource_models import Resource as Resource  # noqa: E402
