"""The audit log (append-only, hash-chained), per-city alert thresholds and emergency access grants."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from tsunagu.municipalities.models import Municipality


class AuditAction(models.TextChoices):
    VIEW = "view", "閲覧"
    LIST = "list", "一覧・検索結果"
    CREATE = "create", "登録"
    UPDATE = "update", "更新"
    DELETE = "delete", "削除"
    EXPORT = "export", "出力"
    PRINT = "print", "印刷"
    LOGIN = "login", "ログイン"
    LOGIN_FAILED = "login_failed", "ログイン失敗"
    LOGOUT = "logout", "ログアウト"
    MFA_ENROLLED = "mfa_enrolled", "多要素認証の登録"
    MFA_FAILED = "mfa_failed", "多要素認証の失敗"
    MFA_RESET = "mfa_reset", "多要素認証のリセット"
    RECOVERY_CODES = "recovery_codes", "リカバリーコードの再発行"
    PASSWORD_CHANGED = "password_changed", "パスワード変更"
    ACCOUNT_DISABLED = "account_disabled", "アカウント停止"
    ACCOUNT_ENABLED = "account_enabled", "アカウント再開"
    ROLE_CHANGED = "role_changed", "役割の変更"
    BREAK_GLASS = "break_glass", "緊急アクセスの開始"
    BREAK_GLASS_ENDED = "break_glass_ended", "緊急アクセスの終了"
    BREAK_GLASS_REVIEWED = "break_glass_reviewed", "緊急アクセスの確認"
    SETTINGS_CHANGED = "settings_changed", "設定変更"


class AuditChannel(models.TextChoices):
    """How the data was reached."""

    VIEW = "view", "画面"
    EXPORT = "export", "ファイル出力"
    PRINT = "print", "印刷"
    API = "api", "API"
    SYSTEM = "system", "システム"


class AuditEvent(models.Model):
    """One audited event. Never updated or deleted (DB triggers refuse it); `hash` chains the rows.

    Who (actor + a snapshot of username, role and organization, since those can change later), when,
    what (record types and ids only — never names), how (channel) and why (reason).
    """

    # Numbers the rows of one chain: each municipality has its own chain (1, 2, 3 … per city), and the
    # events that belong to no city (a failed login with an unknown ID, an installation superuser) form
    # the system chain, whose rows have no municipality.
    seq = models.PositiveBigIntegerField("通番")
    at = models.DateTimeField("日時", db_index=True)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="自治体"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="職員",
    )
    actor_username = models.CharField("ログインID", max_length=150, blank=True)
    actor_role = models.CharField("役割", max_length=20, blank=True)
    organization_id_snapshot = models.BigIntegerField("所属機関ID", null=True, blank=True, db_index=True)
    organization_name = models.CharField("所属機関", max_length=200, blank=True)
    action = models.CharField("操作", max_length=30, choices=AuditAction.choices)
    channel = models.CharField("経路", max_length=10, choices=AuditChannel.choices, default=AuditChannel.VIEW)
    objects_json = models.JSONField("対象", default=list, blank=True)
    # " person:12 household:3 " — the same list as text. Part of the hashed row (older rows were chained
    # with it), no longer queried: lookups by record go through AuditObject, an indexed table.
    object_index = models.TextField(blank=True, default="")
    reason = models.TextField("理由", blank=True)
    detail = models.JSONField("詳細", default=dict, blank=True)
    view_name = models.CharField("画面", max_length=120, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = verbose_name_plural = "監査ログ"
        ordering = ["municipality", "seq"]
        constraints = [
            # One number per row of a city's chain; the system chain (municipality NULL) is kept unique
            # by its head's lock and checked by verify_audit.
            models.UniqueConstraint(fields=["municipality", "seq"], name="audit_seq_per_municipality"),
        ]
        indexes = [
            models.Index(fields=["municipality", "at"], name="audit_muni_at"),
            models.Index(fields=["actor", "at"], name="audit_actor_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    @property
    def objects_list(self) -> list[tuple[str, int]]:
        return [(str(t), int(i)) for t, i in self.objects_json]


class AuditChainHead(models.Model):
    """The end of one chain: one row per municipality, and one for the system chain. Appenders lock their
    chain's row, so a chain never forks and writers of different cities never wait for each other; `mac`
    is signed with the audit key, and checkpoints outside the database anchor it (checkpoints.py).

    The primary key is the chain: the municipality's id, or SYSTEM_CHAIN (0) for events of no city — so
    concurrent first writers of a chain create its head race-free (INSERT … ON CONFLICT DO NOTHING).
    """

    SYSTEM_CHAIN = 0

    id = models.BigIntegerField(primary_key=True)
    municipality = models.OneToOneField(
        Municipality, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="自治体"
    )
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)
    # HMAC under the audit key over (last_seq, last_hash): rolling the head back needs the key
    # (tsunagu.access.auditkey.head_mac).
    mac = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = verbose_name_plural = "監査ログの末尾"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(municipality__isnull=True, id=0) | models.Q(id=models.F("municipality")),
                name="audit_head_is_its_chain",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.last_seq}"


class AuditObject(models.Model):
    """The object index: one row per record an audit event of a city names (監査ログの対象索引).

    "Everything about this person" is then an index scan on (municipality, kind, obj_id) instead of a text
    search through every row. Written with the event in the same transaction (audit.record). The rows are
    derived from the hashed `objects_json`: verify_audit checks that each event's index rows are exactly
    its objects, so a deleted or added index row is reported like a changed audit row.
    System-chain events (no municipality) are not indexed: no city's auditor screen shows them.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("対象の種類", max_length=40)
    obj_id = models.BigIntegerField("対象ID")

    class Meta:
        verbose_name = verbose_name_plural = "監査ログの対象索引"
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "kind", "obj_id", "event"], name="audit_object_lookup"
            )
        ]
        indexes = [models.Index(fields=["event"], name="audit_object_event")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.obj_id}"


class AuditAlertSetting(models.Model):
    """Per-city threshold: a user opening more than this many personal records within one hour is listed
    (households, persons, cases … counted as in access/alerts.py; the field keeps its first name)."""

    DEFAULT_HOURLY_HOUSEHOLD_LIMIT = 30

    municipality = models.OneToOneField(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name="自治体"
    )
    hourly_household_limit = models.PositiveIntegerField(
        "1時間あたりの閲覧件数の上限", default=DEFAULT_HOURLY_HOUSEHOLD_LIMIT
    )

    class Meta:
        verbose_name = verbose_name_plural = "監査アラート設定"

    def __str__(self) -> str:
        return f"{self.municipality}: {self.hourly_household_limit}"


class ReviewOutcome(models.TextChoices):
    APPROPRIATE = "appropriate", "適切"
    INAPPROPRIATE = "inappropriate", "不適切（要対応）"


class BreakGlassGrant(models.Model):
    """Emergency access (緊急アクセス) to one record outside the staff member's normal rights.

    Time-limited, with a stated reason, listed for auditors at once and reviewed by them.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    obj_type = models.CharField("対象の種類", max_length=30)
    obj_id = models.BigIntegerField("対象ID")
    reason = models.TextField("理由")
    started_at = models.DateTimeField("開始", default=timezone.now)
    expires_at = models.DateTimeField("期限")
    ended_at = models.DateTimeField("終了", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField("確認日時", null=True, blank=True)
    review_outcome = models.CharField("確認結果", max_length=20, choices=ReviewOutcome.choices, blank=True)
    review_note = models.TextField("確認メモ", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "緊急アクセス"
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["municipality", "staff", "obj_type", "obj_id"], name="breakglass_lookup"),
            models.Index(fields=["municipality", "reviewed_at"], name="breakglass_review"),
        ]

    def __str__(self) -> str:
        return f"緊急アクセス {self.pk}"

    def is_active(self, now=None) -> bool:  # type: ignore[no-untyped-def]
        now = now or timezone.now()
        return self.ended_at is None and self.expires_at > now
