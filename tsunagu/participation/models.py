"""参加支援事業（第2号）: a person's participation support record, the places proposed, and how it went.

- `SupportRecord` (参加支援の記録): one per person — needs and interests (goals, activities wanted) and
  constraints (days, times, accessibility, languages, group size, cost, area or distance), the supporting
  organization and worker, optionally the case (多機関協働) it belongs to.
- `Match` (マッチング): one resource proposed to the person, moving 提案 → 見学 → 体験 → 参加開始, or to
  中断 / 終了; every move is a `StageChange`; `FollowUp`s record the worker's follow-ups.
- `ReceiverReport`: what the receiving side (受け入れ先, staff of the resource's organization) recorded.
- `ParticipationConsent`: the person's consent, scoped to one receiving organization, for persons whose
  case consent does not already name it (cases' `Consent`).

Every row carries its business line 第2号 so the official figures count it (`figures.py`).
Written only through `tsunagu.participation.actions`; read only through `tsunagu.participation.policy`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from tsunagu.cases.models import Case
from tsunagu.directory.models import Organization
from tsunagu.directory.resource_models import Accessibility, GroupSize, Resource, TimeSlot, Weekday
from tsunagu.municipalities.choices import BusinessLine
from tsunagu.municipalities.models import Municipality
from tsunagu.people.models import Household, Person

PARTICIPATION_LINE = BusinessLine.L2


class Goal(models.TextChoices):
    """参加の目的 (matching.GOAL_KINDS says which kinds of place serve each)."""

    IBASHO = "ibasho", "居場所"
    WORK_EXPERIENCE = "work_experience", "就労体験"
    VOLUNTEER = "volunteer", "ボランティア"
    LEARNING = "learning", "学び"
    HEALTH = "health", "健康づくり・介護予防"
    PEER = "peer", "同じ立場の人とのつながり"
    MEALS = "meals", "食事・交流"


class RecordStatus(models.TextChoices):
    ACTIVE = "active", "支援中"
    CLOSED = "closed", "終了"


class SupportRecord(models.Model):
    """参加支援の記録: one person's needs, interests and constraints."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    business_line = models.CharField(
        "事業区分", max_length=12, choices=BusinessLine.choices, default=PARTICIPATION_LINE, editable=False
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="本人")
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="世帯"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name="支援機関"
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="担当者"
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="ケース"
    )
    status = models.CharField(
        "状態", max_length=10, choices=RecordStatus.choices, default=RecordStatus.ACTIVE
    )
    # Needs and interests.
    goals = models.JSONField("参加の目的", default=list, blank=True)
    activities = models.JSONField("やりたいこと", default=list, blank=True)
    wish = models.TextField("本人の思い", blank=True)
    # Constraints.
    weekdays = models.JSONField("行ける曜日", default=list, blank=True)
    time_slots = models.JSONField("行ける時間帯", default=list, blank=True)
    accessibility = models.JSONField("必要な配慮", default=list, blank=True)
    languages = models.JSONField("使える言語", default=list, blank=True)
    max_group_size = models.CharField("人数の上限（集団が苦手）", max_length=12, blank=True)
    max_cost_yen = models.PositiveIntegerField("費用の上限（円/回）", null=True, blank=True)
    same_area_only = models.BooleanField("同じ地区の中だけ", default=False)
    max_distance_km = models.PositiveSmallIntegerField("距離の上限（km）", null=True, blank=True)
    # Where the person sets out from (自宅・最寄り駅), for distances to resources with coordinates; optional.
    origin_latitude = models.DecimalField(
        "出発地の緯度",
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(20), MaxValueValidator(46)],
    )
    origin_longitude = models.DecimalField(
        "出発地の経度",
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(122), MaxValueValidator(154)],
    )
    constraints_note = models.TextField("配慮・制約（補足）", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = verbose_name_plural = "参加支援の記録"
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One record per person: a second "new" submission finds the first.
            models.UniqueConstraint(fields=["municipality", "person"], name="participation_one_per_person"),
        ]
        indexes = [models.Index(fields=["municipality", "organization", "status"], name="participation_org")]

    def __str__(self) -> str:
        return f"参加支援 No.{self.pk}"

    @property
    def area_id(self) -> int | None:
        """The person's area (地区), else the household's: where "same area" and distance start."""
        household = self.household
        return self.person.area_id or (household.area_id if household is not None else None)

    def goal_labels(self) -> list[str]:
        return [str(Goal(g).label) for g in self.goals if g in Goal.values]

    def weekday_labels(self) -> list[str]:
        return [str(Weekday(d).label) for d in self.weekdays if d in Weekday.values]

    def time_slot_labels(self) -> list[str]:
        return [str(TimeSlot(t).label) for t in self.time_slots if t in TimeSlot.values]

    def constraint_labels(self) -> list[str]:
        """Accessibility, languages, group size, cost and distance, in words."""
        out = [str(Accessibility(a).label) for a in self.accessibility if a in Accessibility.values]
        if self.languages:
            out.append(f"言語: {'・'.join(self.languages)}")
        if self.max_group_size in GroupSize.values:
            out.append(f"人数の上限: {GroupSize(self.max_group_size).label}")
        if self.max_cost_yen is not None:
            out.append(
                "費用: 無料のみ" if self.max_cost_yen == 0 else f"費用: {self.max_cost_yen:,}円/回まで"
            )
        if self.same_area_only:
            out.append("同じ地区の中だけ")
        if self.max_distance_km is not None:
            out.append(f"距離: {self.max_distance_km}kmまで")
        return out


class Stage(models.TextChoices):
    PROPOSED = "proposed", "提案"
    VISIT = "visit", "見学"
    TRIAL = "trial", "体験"
    PARTICIPATING = "participating", "参加開始"
    INTERRUPTED = "interrupted", "中断"
    ENDED = "ended", "終了"


# The allowed moves. 中断 can resume into participation; 終了 is final.
TRANSITIONS: dict[str, frozenset[str]] = {
    Stage.PROPOSED: frozenset({Stage.VISIT, Stage.TRIAL, Stage.PARTICIPATING, Stage.ENDED}),
    Stage.VISIT: frozenset({Stage.TRIAL, Stage.PARTICIPATING, Stage.ENDED}),
    Stage.TRIAL: frozenset({Stage.PARTICIPATING, Stage.INTERRUPTED, Stage.ENDED}),
    Stage.PARTICIPATING: frozenset({Stage.INTERRUPTED, Stage.ENDED}),
    Stage.INTERRUPTED: frozenset({Stage.PARTICIPATING, Stage.ENDED}),
    Stage.ENDED: frozenset(),
}
# Stages that occupy a place (counted against the resource's capacity).
OCCUPYING = (Stage.TRIAL, Stage.PARTICIPATING)
OPEN_STAGES = [s for s in Stage.values if s != Stage.ENDED]


class Match(models.Model):
    """One resource proposed to a person, and where it stands."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    business_line = models.CharField(
        "事業区分", max_length=12, choices=BusinessLine.choices, default=PARTICIPATION_LINE, editable=False
    )
    record = models.ForeignKey(SupportRecord, on_delete=models.PROTECT, related_name="matches")
    resource = models.ForeignKey(
        Resource, on_delete=models.PROTECT, related_name="+", verbose_name="社会資源"
    )
    stage = models.CharField("段階", max_length=16, choices=Stage.choices, default=Stage.PROPOSED)
    proposed_on = models.DateField("提案日")
    first_participation_on = models.DateField("参加開始日", null=True, blank=True)
    ended_on = models.DateField("終了日", null=True, blank=True)
    # The ranking as it stood when proposed: rank, score and the explanation staff read.
    rank_at_proposal = models.PositiveIntegerField("提案時の順位", null=True, blank=True)
    score_at_proposal = models.IntegerField("提案時の点数", null=True, blank=True)
    explanation = models.TextField("提案の理由", blank=True)
    # Addressed to the receiving side: the only free text they read.
    note_to_receiver = models.TextField("受け入れ先への連絡事項", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = verbose_name_plural = "参加支援のマッチング"
        ordering = ["-proposed_on", "-pk"]
        constraints = [
            # One open match per person and place: proposing it twice (a double submit) finds the first.
            models.UniqueConstraint(
                fields=["municipality", "record", "resource"],
                condition=~models.Q(stage="ended"),
                name="participation_match_open_once",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "resource", "stage"], name="participation_match_res"),
            models.Index(fields=["municipality", "stage"], name="participation_match_stage"),
        ]

    def __str__(self) -> str:
        return f"マッチング No.{self.pk}"

    def days_to_first_participation(self) -> int | None:
        """提案から参加開始までの日数 (derived; None until participation starts)."""
        if self.first_participation_on is None:
            return None
        return (self.first_participation_on - self.proposed_on).days

    def allowed_stages(self) -> list[str]:
        return [s for s in Stage.values if s in TRANSITIONS[self.stage]]


class StageChange(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    business_line = models.CharField(
        "事業区分", max_length=12, choices=BusinessLine.choices, default=PARTICIPATION_LINE, editable=False
    )
    match = models.ForeignKey(Match, on_delete=models.PROTECT, related_name="changes")
    from_stage = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    on = models.DateField("日付")
    note = models.TextField("記録", blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "参加支援の段階の記録"
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return f"{self.from_stage}→{self.to_stage}"


class FollowUp(models.Model):
    """フォローアップ: the worker's check on how participation is going."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    business_line = models.CharField(
        "事業区分", max_length=12, choices=BusinessLine.choices, default=PARTICIPATION_LINE, editable=False
    )
    match = models.ForeignKey(Match, on_delete=models.PROTECT, related_name="follow_ups")
    on = models.DateField("実施日")
    note = models.TextField("内容")
    next_on = models.DateField("次回予定", null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    submission_token = models.UUIDField(editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "参加支援のフォローアップ"
        ordering = ["-on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "submission_token"], name="participation_followup_submission"
            )
        ]

    def __str__(self) -> str:
        return f"フォローアップ {self.on}"


class Attendance(models.TextChoices):
    CAME = "came", "来所した"
    ABSENT = "absent", "来所しなかった"


class Continuation(models.TextChoices):
    YES = "yes", "続けたい"
    UNDECIDED = "undecided", "迷っている"
    NO = "no", "続けない"


class ReceiverReport(models.Model):
    """How it went, as the receiving side (受け入れ先) saw it."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    business_line = models.CharField(
        "事業区分", max_length=12, choices=BusinessLine.choices, default=PARTICIPATION_LINE, editable=False
    )
    match = models.ForeignKey(Match, on_delete=models.PROTECT, related_name="receiver_reports")
    on = models.DateField("日付")
    attendance = models.CharField("来所", max_length=10, choices=Attendance.choices)
    observation = models.TextField("体験・参加の様子", blank=True)
    continuation = models.CharField("継続の意向", max_length=10, choices=Continuation.choices, blank=True)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    submission_token = models.UUIDField(editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "受け入れ先の記録"
        ordering = ["-on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "submission_token"], name="participation_report_submission"
            )
        ]

    def __str__(self) -> str:
        return f"受け入れ先の記録 {self.on}"


class ParticipationConsent(models.Model):
    """本人同意 for participation support, scoped to one receiving organization (for persons whose case
    consent does not name it, or who have no case). The name is always shared; the contact only if said."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    business_line = models.CharField(
        "事業区分", max_length=12, choices=BusinessLine.choices, default=PARTICIPATION_LINE, editable=False
    )
    record = models.ForeignKey(SupportRecord, on_delete=models.PROTECT, related_name="consents")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name="共有してよい受け入れ先"
    )
    share_contact = models.BooleanField("連絡先（電話）も伝えてよい", default=False)
    method = models.CharField("方法", max_length=10, choices=[("written", "書面"), ("oral", "口頭")])
    given_on = models.DateField("同意日")
    expires_on = models.DateField("有効期限", null=True, blank=True)
    withdrawn_at = models.DateTimeField("撤回日時", null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "参加支援の本人同意"
        ordering = ["-given_on", "-pk"]

    def __str__(self) -> str:
        return f"参加支援の同意 {self.pk}"
