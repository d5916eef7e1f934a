"""Writes of the access app: emergency access (break-glass) and audit alert settings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tsunagu.accounts.models import Role

from . import audit
from .models import AuditAction, AuditAlertSetting, BreakGlassGrant, ReviewOutcome
from .scope import BREAK_GLASS_TYPES, break_glass_target

MIN_REASON_LENGTH = 10


class AccessError(Exception):
    """A request that changes nothing; the message is shown to the user."""


def break_glass_minutes() -> int:
    return int(getattr(settings, "BREAK_GLASS_MINUTES", 60))


@transaction.atomic
def request_break_glass(*, actor: Any, obj_type: str, obj_id: int, reason: str) -> BreakGlassGrant:
    """Open emergency access to one record for a limited time. The reason is required and the grant is
    on the auditors' review list at once (and in the audit log, in the same transaction)."""
    reason = (reason or "").strip()
    if actor.role in (Role.AUDITOR, Role.ADMINISTRATOR):
        raise AccessError("この役割では緊急アクセスを使えません。")
    if obj_type not in BREAK_GLASS_TYPES:
        raise AccessError("対象の種類が正しくありません。")
    if len(reason) < MIN_REASON_LENGTH:
        raise AccessError(f"理由を{MIN_REASON_LENGTH}文字以上で具体的に書いてください。")
    if break_glass_target(actor, obj_type, obj_id) is None:
        raise AccessError("対象が見つかりません。")
    now = timezone.now()
    grant = BreakGlassGrant.objects.create(
        municipality_id=actor.municipality_id,
        staff=actor,
        obj_type=obj_type,
        obj_id=obj_id,
        reason=reason,
        started_at=now,
        expires_at=now + dt.timedelta(minutes=break_glass_minutes()),
    )
    audit.record(
        actor=actor,
        action=AuditAction.BREAK_GLASS,
        objects=[(obj_type, obj_id), ("break_glass", grant.pk)],
        reason=reason,
        detail={"minutes": break_glass_minutes()},
    )
    return grant


@transaction.atomic
def end_break_glass(*, actor: Any, grant: BreakGlassGrant) -> BreakGlassGrant:
    """End one's own emergency access before it expires."""
    if grant.staff_id != actor.pk:
        raise AccessError("自分の緊急アクセスだけを終了できます。")
    if grant.ended_at is None:
        grant.ended_at = timezone.now()
        grant.save(update_fields=["ended_at"])
        audit.record(
            actor=actor,
            action=AuditAction.BREAK_GLASS_ENDED,
            objects=[(grant.obj_type, grant.obj_id), ("break_glass", grant.pk)],
        )
    return grant


@transaction.atomic
def review_break_glass(*, actor: Any, grant: BreakGlassGrant, outcome: str, note: str) -> BreakGlassGrant:
    """An auditor records the review of an emergency access."""
    if actor.role != Role.AUDITOR or grant.municipality_id != actor.municipality_id:
        raise AccessError("確認できるのは同じ自治体の監査担当だけです。")
    if outcome not in ReviewOutcome.values:
        raise AccessError("確認結果を選んでください。")
    if grant.reviewed_at is not None:
        raise AccessError("この緊急アクセスは確認済みです。")
    note = (note or "").strip()
    if outcome == ReviewOutcome.INAPPROPRIATE and not note:
        raise AccessError("不適切とする場合は、対応をメモに書いてください。")
    grant.reviewed_by = actor
    grant.reviewed_at = timezone.now()
    grant.review_outcome = outcome
    grant.review_note = note
    grant.save(update_fields=["reviewed_by", "reviewed_at", "review_outcome", "review_note"])
    audit.record(
        actor=actor,
        action=AuditAction.BREAK_GLASS_REVIEWED,
        objects=[("break_glass", grant.pk)],
        detail={"outcome": outcome},
    )
    return grant


@transaction.atomic
def set_alert_threshold(*, actor: Any, limit: int) -> AuditAlertSetting:
    """Auditors set their city's hourly limit of personal records read (access/alerts.py)."""
    if actor.role != Role.AUDITOR or not actor.municipality_id:
        raise AccessError("設定できるのは監査担当だけです。")
    if limit < 1 or limit > 100000:
        raise AccessError("1以上の数を入れてください。")
    setting, _ = AuditAlertSetting.objects.get_or_create(municipality_id=actor.municipality_id)
    old = setting.hourly_household_limit
    setting.hourly_household_limit = limit
    setting.save(update_fields=["hourly_household_limit"])
    audit.record(
        actor=actor,
        action=AuditAction.SETTINGS_CHANGED,
        detail={"setting": "hourly_household_limit", "old": old, "new": limit},
    )
    return setting
