"""多機関協働: the case of a household, its consent, assessment, support plan, monitoring and closure.

Personal data: read only through `tsunagu.cases.policy`; written only through `tsunagu.cases.actions`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from tsunagu.directory.models import MeetingKind, Organization
from tsunagu.intake.models import EscalationRequest
from tsunagu.municipalities.models import Municipality
from tsunagu.people.models import Household, Person


class CaseStatus(models.TextChoices):
    INTAKE = "intake", "受付"
    ASSESSMENT = "assessment", "アセスメント"
    PLANNING = "planning", "プラン作成"
    SUPPORT = "support", "支援中"
    EVALUATION = "evaluation", "評価"
    CLOSED = "closed", "終結"
    SUSPENDED = "suspended", "中断"


# The lifecycle: forward steps, evaluation back to planning (plan revised), 中断 from any open state,
# 再開 from 中断 to the state the case was suspended in (checked in actions).
TRANSITIONS: dict[str, set[str]] = {
    CaseStatus.INTAKE: {CaseStatus.ASSESSMENT, CaseStatus.SUSPENDED, CaseStatus.CLOSED},
    CaseStatus.ASSESSMENT: {CaseStatus.PLANNING, CaseStatus.SUSPENDED, CaseStatus.CLOSED},
    CaseStatus.PLANNING: {CaseStatus.SUPPORT, CaseStatus.ASSESSMENT, CaseStatus.SUSPENDED, CaseStatus.CLOSED},
    CaseStatus.SUPPORT: {CaseStatus.EVALUATION, CaseStatus.SUSPENDED, CaseStatus.CLOSED},
    CaseStatus.EVALUATION: {CaseStatus.SUPPORT, CaseStatus.PLANNING, CaseStatus.CLOSED, CaseStatus.SUSPENDED},
    CaseStatus.SUSPENDED: set(),  # resumed through `resume_case` only
    CaseStatus.CLOSED: set(),
}
OPEN_STATUSES = [s for s in CaseStatus.values if s != CaseStatus.CLOSED]


class Case(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField("ケース番号")
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="cases", verbose_name="世帯"
    )
    persons = models.ManyToManyField(Person, related_name="cases", verbose_name="主な対象者", blank=True)
    # A ForeignKey with a unique constraint that includes the municipality, not a OneToOneField: a
    # one-to-one is unique on the request id alone, which a table distributed by municipality cannot
    # enforce (docs/scaling.md). Still at most one case per request.
    escalation_request = models.ForeignKey(
        EscalationRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    title = models.CharField("ケースの呼び名", max_length=100, blank=True)
    status = models.CharField("状態", max_length=12, choices=CaseStatus.choices, default=CaseStatus.INTAKE)
    suspended_from = models.CharField(max_length=12, choices=CaseStatus.choices, blank=True)
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="束ね役"
    )
    opened_at = models.DateTimeField("開始日時", default=timezone.now)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Closure (終結) and what happens after it.
    closed_at = models.DateTimeField("終結日時", null=True, blank=True)
    closure_reason = models.TextField("終結の理由", blank=True)
    goal_attainment = models.CharField("目標の達成状況", max_length=20, blank=True)
    handover_to = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="引継ぎ先",
    )
    handover_note = models.TextField("引継ぎの内容", blank=True)
    main_agency_after_closure = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="終結後の主担当機関",
    )
    # The plan in force when the case was closed: what the case's papers print while it stays closed,
    # whatever drafts exist. Set by `actions.close_case`, cleared by `actions.reopen_case`.
    closure_plan = models.ForeignKey(
        "SupportPlan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="終結時の支援プラン",
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = verbose_name_plural = "ケース（多機関協働）"
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "number"], name="case_unique_number"),
            models.UniqueConstraint(
                fields=["municipality", "escalation_request"], name="case_one_per_escalation_request"
            ),
        ]

    def __str__(self) -> str:
        return f"ケース {self.label}"

    @property
    def label(self) -> str:
        return f"{timezone.localtime(self.opened_at).year}-{self.number:04d}"


class CaseTransition(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="transitions")
    from_status = models.CharField(max_length=12, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=CaseStatus.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status}→{self.to_status}"


class TeamRole(models.TextChoices):
    LEAD = "lead", "主担当"
    COOPERATING = "cooperating", "協力"
    INFORMATION = "information", "情報提供"


class CaseTeamMember(models.Model):
    """An organization on the case team (役割分担)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="team")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    role = models.CharField("役割", max_length=12, choices=TeamRole.choices)
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["removed_at", "role", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "case", "organization"],
                condition=models.Q(removed_at__isnull=True),
                name="case_team_one_active_membership",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization}（{self.get_role_display()}）"


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", "書面"
    ORAL = "oral", "口頭"


class ConsentBasis(models.TextChoices):
    """On what authority the person who agreed (同意した人) agreed for each person the consent covers."""

    SELF = "self", "本人"
    PARENT = "parent", "親権者（未成年の子について）"
    GUARDIAN = "guardian", "成年後見人・保佐人・補助人"
    AGENT = "agent", "代理人（本人からの委任）"


ADULT_AGE = 18  # 民法第4条


class Consent(models.Model):
    """本人同意: who agreed, for which persons, to share with which organizations and meeting kinds, until when."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="consents")
    given_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name="同意した人"
    )
    given_by_note = models.CharField("同意者（補足: 代理人など）", max_length=100, blank=True)
    # Blank only on consents recorded before the basis was asked for; `actions.record_consent` requires it.
    basis = models.CharField(
        "同意の根拠", max_length=12, choices=ConsentBasis.choices, blank=True, db_default=""
    )
    persons = models.ManyToManyField(Person, related_name="consents", verbose_name="対象となる人")
    organizations = models.ManyToManyField(Organization, related_name="+", verbose_name="共有してよい機関")
    meeting_kinds = models.JSONField("共有してよい会議", default=list, blank=True)
    method = models.CharField("方法", max_length=10, choices=ConsentMethod.choices)
    given_on = models.DateField("同意日")
    expires_on = models.DateField("有効期限", null=True, blank=True)
    withdrawn_at = models.DateTimeField("撤回日時", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_note = models.TextField("撤回の記録", blank=True)
    document = models.FileField("同意書（スキャン）", upload_to="consents/%Y/", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    # The form's one-time token: a second submit of the same form (double click, reload) finds the
    # first record through the constraint instead of recording the consent twice. Empty on old rows.
    submission_token = models.UUIDField("送信識別子", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "本人同意"
        ordering = ["-given_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "submission_token"],
                condition=models.Q(submission_token__isnull=False),
                name="consent_unique_submission",
            )
        ]

    def __str__(self) -> str:
        return f"同意 {self.pk}"

    def meeting_kind_labels(self) -> list[str]:
        return [str(MeetingKind(k).label) for k in self.meeting_kinds if k in MeetingKind.values]


class LifeArea(models.TextChoices):
    HEALTH = "health", "健康・医療"
    ECONOMY = "economy", "経済"
    HOUSING = "housing", "住まい"
    WORK_STUDY = "work_study", "就労・学び"
    FAMILY = "family", "家族関係"
    CARE = "care", "介護・養育"
    PARTICIPATION = "participation", "社会参加・孤立"
    RIGHTS = "rights", "権利擁護"
    PROCEDURES = "procedures", "手続き"


class Assessment(models.Model):
    """A version of the case's assessment (アセスメント). Each save is a new version; the newest is current."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="assessments")
    version_no = models.PositiveIntegerField("版")
    person_wish = models.TextField("本人の思い", blank=True)
    summary = models.TextField("見立て（課題の整理）", blank=True)
    change_reason = models.CharField("変更の理由", max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-version_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "case", "version_no"], name="assessment_unique_version"
            )
        ]

    def __str__(self) -> str:
        return f"アセスメント 第{self.version_no}版"


class AssessmentArea(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="areas")
    area = models.CharField("生活領域", max_length=20, choices=LifeArea.choices)
    situation = models.TextField("現状", blank=True)
    strengths = models.TextField("強み", blank=True)
    risks = models.TextField("リスク", blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "assessment", "area"], name="assessment_area_unique"
            )
        ]

    def __str__(self) -> str:
        return self.get_area_display()


# 達成状況: of each goal at a monitoring (評価), and of the case as a whole at closure (終結).
ATTAINMENT_CHOICES = [
    ("achieved", "達成"),
    ("partly", "一部達成"),
    ("not_achieved", "未達成"),
    ("unknown", "評価不能"),
]
ATTAINMENT_LABELS = dict(ATTAINMENT_CHOICES)


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "作成中"
    AGREED = "agreed", "協議済"
    SUPERSEDED = "superseded", "改訂済"


class SupportPlan(models.Model):
    """A version of the support plan (支援プラン). Revisions create a new version with the reason."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="plans")
    version_no = models.PositiveIntegerField("版")
    status = models.CharField("状態", max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    overall_goal = models.TextField("総合的な目標（本人の望む暮らし）", blank=True)
    monitoring_on = models.DateField("次回モニタリング日", null=True, blank=True)
    change_reason = models.CharField("改訂の理由", max_length=200, blank=True)
    agreed_at = models.DateTimeField("協議の記録日時", null=True, blank=True)
    agreed_on = models.DateField("協議日", null=True, blank=True)  # the meeting's day (older plans: none)
    agreed_note = models.CharField("協議した会議", max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    edit_version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-version_no"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "case", "version_no"], name="plan_unique_version")
        ]

    def __str__(self) -> str:
        return f"支援プラン 第{self.version_no}版"


class PlanGoal(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="goals")
    order = models.PositiveSmallIntegerField(default=1)
    text = models.TextField("目標")
    life_area = models.CharField("生活領域", max_length=20, choices=LifeArea.choices, blank=True)
    review_on = models.DateField("評価日", null=True, blank=True)
    # Written only by `actions.record_monitoring` (評価): the latest attainment and the day it was judged.
    attainment = models.CharField("達成状況", max_length=20, blank=True)
    attainment_on = models.DateField("達成状況を評価した日", null=True, blank=True)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text[:30]

    def get_attainment_label(self) -> str:
        return ATTAINMENT_LABELS.get(self.attainment, self.attainment)


class ActionStatus(models.TextChoices):
    PLANNED = "planned", "未着手"
    IN_PROGRESS = "in_progress", "実施中"
    DONE = "done", "完了"
    CANCELLED = "cancelled", "中止"


class PlanAction(models.Model):
    """One action of the plan: who (organization, person) does what by when, for which goal (役割分担)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="actions")
    goal = models.ForeignKey(
        PlanGoal, on_delete=models.CASCADE, related_name="actions", null=True, blank=True
    )
    description = models.TextField("支援内容")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name="担当機関"
    )
    role = models.CharField("役割", max_length=12, choices=TeamRole.choices, default=TeamRole.COOPERATING)
    person_in_charge = models.CharField("担当者", max_length=60, blank=True)
    due_on = models.DateField("期限", null=True, blank=True)
    review_on = models.DateField("確認日", null=True, blank=True)
    status = models.CharField(
        "状況", max_length=12, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )

    class Meta:
        ordering = ["goal__order", "pk"]

    def __str__(self) -> str:
        return self.description[:30]


class Monitoring(models.Model):
    """A monitoring (モニタリング) of the plan: what happened, and when the next one is due."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="monitorings")
    plan = models.ForeignKey(SupportPlan, on_delete=models.PROTECT, related_name="monitorings")
    held_on = models.DateField("実施日")
    summary = models.TextField("経過と評価")
    next_on = models.DateField("次回モニタリング日", null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    # The form's one-time token (see Consent.submission_token); empty when a meeting's decision records it.
    submission_token = models.UUIDField("送信識別子", null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "submission_token"],
                condition=models.Q(submission_token__isnull=False),
                name="monitoring_unique_submission",
            )
        ]

    def __str__(self) -> str:
        return f"モニタリング {self.held_on}"
