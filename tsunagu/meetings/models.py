"""Meetings of the profile's bodies: sittings, invitations, 守秘義務 acknowledgements, agenda items under a
legal function, follow-up access after a 支援会議, and minutes as data (reviews of actions, decisions).

The body (directory.MeetingBody) says how a meeting works; these rows say what happened at one. The gate
follows the item, not the body: each AgendaItem names the legal function it is discussed under.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tsunagu.cases.models import Case, PlanAction
from tsunagu.directory.models import MeetingBody, Organization
from tsunagu.municipalities.models import Area, Municipality


class MeetingKindOfSitting(models.TextChoices):
    SCHEDULED = "scheduled", "定例"
    AD_HOC = "ad_hoc", "随時"
    EMERGENCY = "emergency", "緊急"


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", "予定"
    HELD = "held", "開催済み"
    CANCELLED = "cancelled", "中止"


class Meeting(models.Model):
    """One sitting of a body (会議の開催)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    body = models.ForeignKey(
        MeetingBody, on_delete=models.PROTECT, related_name="meetings", verbose_name="会議体"
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="地区"
    )
    kind = models.CharField("開催の種別", max_length=12, choices=MeetingKindOfSitting.choices)
    starts_at = models.DateTimeField("開始日時")
    ends_at = models.DateTimeField("終了日時")
    place = models.CharField("場所", max_length=120, blank=True)
    status = models.CharField(
        "状態", max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    reason = models.TextField("招集の理由", blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    held_at = models.DateTimeField("開催記録日時", null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "会議"
        ordering = ["starts_at", "pk"]
        constraints = [
            # A calendar generated twice does not double a sitting.
            models.UniqueConstraint(
                fields=["municipality", "body", "area", "starts_at"],
                condition=Q(kind="scheduled"),
                name="meeting_scheduled_once",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body.name} {timezone.localtime(self.starts_at):%Y-%m-%d}"

    def title(self) -> str:
        """The city's name for the body, with the area and the kind of sitting when not 定例."""
        name = self.body.name
        if self.area is not None:
            name += f"（{self.area.name}）"
        if self.kind != MeetingKindOfSitting.SCHEDULED:
            name += f"【{self.get_kind_display()}】"
        return name

    def follow_up_until(self) -> dt.datetime:
        return self.ends_at + self.body.follow_up_window()


class Invitation(models.Model):
    """Who is invited: an organization (its staff attend), a named staff member, or an individual without an
    account (主治医, 民生委員) recorded by post. `item` set: invited for that case only."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="invitations")
    item = models.ForeignKey(
        "AgendaItem", on_delete=models.PROTECT, null=True, blank=True, related_name="invitations"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    guest_post = models.CharField("職・立場", max_length=60, blank=True)
    guest_name = models.CharField("氏名", max_length=60, blank=True)
    attended = models.BooleanField("出席", null=True, blank=True)
    # For a guest without an account, the secretariat records the signed acknowledgement.
    guest_duty_acknowledged_at = models.DateTimeField("守秘義務の確認日時（個人）", null=True, blank=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organization__isnull=False) | Q(staff__isnull=False) | ~Q(guest_post=""),
                name="invitation_names_someone",
            ),
            models.UniqueConstraint(
                fields=["municipality", "meeting", "organization"],
                condition=Q(organization__isnull=False, item__isnull=True, staff__isnull=True),
                name="invitation_org_once",
            ),
            models.UniqueConstraint(
                fields=["municipality", "meeting", "staff", "item"],
                condition=Q(staff__isnull=False),
                name="invitation_staff_once",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"招待 {self.pk}"

    def label(self) -> str:
        if self.staff is not None:
            return self.staff.display_name or self.staff.username
        if self.guest_post:
            return f"{self.guest_post} {self.guest_name}".strip()
        return self.organization.name if self.organization else ""


class Acknowledgement(models.Model):
    """守秘義務の確認: per meeting, or per term (年度) of a body, as the body's profile says."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    body = models.ForeignKey(MeetingBody, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    acknowledged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "staff", "meeting"],
                condition=Q(meeting__isnull=False),
                name="ack_once_per_meeting",
            ),
            models.UniqueConstraint(
                fields=["municipality", "staff", "body", "fiscal_year"],
                condition=Q(fiscal_year__isnull=False),
                name="ack_once_per_term",
            ),
            models.CheckConstraint(
                condition=Q(meeting__isnull=False) | Q(fiscal_year__isnull=False), name="ack_has_scope"
            ),
        ]

    def __str__(self) -> str:
        return f"守秘義務の確認 {self.pk}"


class ItemFunction(models.TextChoices):
    """The legal function an item is discussed under (its gate)."""

    CONSENTED_CONFERENCE = "consented_conference", "重層的支援会議（本人同意）"
    CONFIDENTIAL_CONFERENCE = "confidential_conference", "支援会議（法第106条の6・守秘義務）"
    LONELINESS_COUNCIL = "loneliness_council", "孤独・孤立対策地域協議会（守秘義務）"
    INTERNAL = "coordination", "庁内・関係機関の連携調整"


# Functions whose members bear a statutory duty and need no consent: acknowledgement first, then access.
DUTY_FUNCTIONS = {ItemFunction.CONFIDENTIAL_CONFERENCE.value, ItemFunction.LONELINESS_COUNCIL.value}
LEGAL_BASIS = {
    "consented_conference": "本人同意（社会福祉法第106条の4）",
    "confidential_conference": "社会福祉法第106条の6（支援会議）",
    "loneliness_council": "孤独・孤立対策推進法第15条・第16条（地域協議会）",
    "coordination": "庁内の連携調整（本人同意の範囲）",
}


class Purpose(models.TextChoices):
    SHARING = "sharing", "情報共有"
    ROLES = "roles", "役割分担"
    PLAN = "plan", "プラン協議"
    CLOSURE = "closure", "終結評価"


class ItemStatus(models.TextChoices):
    PROPOSED = "proposed", "提案"
    PLACED = "placed", "議題に決定"
    DISCUSSED = "discussed", "協議済み"
    WITHDRAWN = "withdrawn", "取り下げ"


class AgendaItem(models.Model):
    """A case on a meeting's agenda, under one legal function, with its purpose and time box."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="items")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField("目的", max_length=10, choices=Purpose.choices)
    minutes = models.PositiveSmallIntegerField("時間（分）")
    legal_function = models.CharField("検討の根拠", max_length=30, choices=ItemFunction.choices)
    status = models.CharField("状態", max_length=12, choices=ItemStatus.choices, default=ItemStatus.PLACED)
    organizations: models.ManyToManyField[Organization, AgendaItemOrganization] = models.ManyToManyField(
        Organization, through="AgendaItemOrganization", related_name="+", verbose_name="この事案の構成機関"
    )
    escalated_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="escalated_to"
    )
    question = models.TextField("会議への問い", blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sort_order = models.PositiveSmallIntegerField(default=0)
    discussed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "議題"
        ordering = ["meeting", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "meeting", "case"],
                condition=~Q(status="withdrawn"),
                name="agenda_case_once",
            ),
            models.CheckConstraint(condition=Q(minutes__gte=1, minutes__lte=240), name="agenda_time_box"),
        ]

    def __str__(self) -> str:
        return f"議題 {self.pk}"

    def needs_acknowledgement(self) -> bool:
        return self.legal_function in DUTY_FUNCTIONS

    def legal_basis(self) -> str:
        return LEGAL_BASIS[self.legal_function]


class AgendaItemOrganization(models.Model):
    """An organization of the case's members for one agenda item (この事案の構成機関): the item's
    many-to-many table, with the municipality so that a city's rows stay together (docs/scaling.md).
    Keeps the table and column names of the implicit table it replaced."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    agendaitem = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "meetings_agendaitem_organizations"
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "agendaitem", "organization"], name="agenda_org_once"
            )
        ]

    def __str__(self) -> str:
        return f"議題 {self.agendaitem_id} の構成機関 {self.organization_id}"


class FollowUpAccess(models.Model):
    """After an item under 支援会議 (or the 地域協議会) was discussed, an attending member who acknowledged the
    duty may read the case until the body's follow-up window ends. Read by cases' policy through the
    access registry ("meetings.follow_up")."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="follow_ups")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    duty_acknowledged_at = models.DateTimeField("守秘義務の確認日時")
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()

    class Meta:
        ordering = ["-valid_until"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "item", "staff"], name="follow_up_once")
        ]

    def __str__(self) -> str:
        return f"会議後の閲覧 {self.pk}"


class ReviewOutcome(models.TextChoices):
    """Last time's actions, reviewed: kept apart so that 'the agency did not act' is not hidden."""

    DONE = "done", "実施済み"
    CHANGED = "changed", "状況が変わった"
    NOT_ACTED = "not_acted", "機関が実施していない"


class ActionReview(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="reviews")
    action = models.ForeignKey(PlanAction, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField("振り返り", max_length=10, choices=ReviewOutcome.choices)
    note = models.TextField("補足", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "item", "action"], name="review_once_per_action")
        ]

    def __str__(self) -> str:
        return f"振り返り {self.pk}"


class DecisionKind(models.TextChoices):
    PLAN_AGREED = "plan_agreed", "支援プランを協議済みとする"
    MONITORING = "monitoring", "次回モニタリング日を決める"
    MOVE = "move", "別の会議体で検討する（上げる・下げる）"
    CLOSE = "close", "終結とする"
    ROLE = "role", "役割分担（支援内容・担当機関・期限）をプランに入れる"
    PLAN_CHANGE = "plan_change", "支援プランを変更する（目標・次回モニタリング日）"
    NOTE = "note", "その他の決定"


# Decisions written into the case's plan through cases' `save_plan_within` (decision_plan.py).
PLAN_DECISIONS = {DecisionKind.ROLE.value, DecisionKind.PLAN_CHANGE.value}


class Decision(models.Model):
    """A decision on an item, carried out through cases' actions when it moves the case."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField("決定の種類", max_length=12, choices=DecisionKind.choices)
    note = models.TextField("内容")
    next_monitoring_on = models.DateField("次回モニタリング日", null=True, blank=True)
    to_body = models.ForeignKey(
        MeetingBody, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responsible = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The responsible organization's follow-up: due by this day, reminded until marked done (follow_ups.py).
    follow_up_on = models.DateField("対応の期限", null=True, blank=True)
    followed_up_at = models.DateTimeField("対応済みの記録日時", null=True, blank=True)
    followed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The expected review of closure (終結の見直し): the case's 束ね役 sees it on the cases dashboard.
    closure_review_on = models.DateField("終結の見直し予定日", null=True, blank=True)
    # A role assignment or plan change (PLAN_DECISIONS): the plan version it saved through cases' action,
    # in the same transaction; the action it assigned; whether the decision approved it (協議済).
    plan = models.ForeignKey(
        "cases.SupportPlan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="反映した支援プラン",
    )
    action_description = models.TextField("役割分担の支援内容", blank=True)
    plan_agreed = models.BooleanField("協議済とした", default=False)
    # The decision form's submission token: a double submit returns the first decision.
    submission_token = models.UUIDField("送信識別子", null=True, blank=True, editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(follow_up_on__isnull=True) | Q(responsible__isnull=False),
                name="decision_follow_up_has_responsible",
            ),
            models.UniqueConstraint(
                fields=["municipality", "submission_token"],
                condition=Q(submission_token__isnull=False),
                name="decision_unique_submission",
            ),
        ]

    def __str__(self) -> str:
        return f"決定 {self.pk}"


# Models kept in modules of their own (the 連絡帳, the agencies' parts of the materials), registered with
# this app by being imported here.
from .material_models import AgencyPart as AgencyPart  # noqa: E402
from .notebook_models import (  # noqa: E402, F401
    NotebookLink,
    NotebookPlanLink,
    NotebookPost,
    NotebookRead,
    NotebookThread,
)
