"""Writes of staff accounts. Each is audited in its own transaction; changes that alter what an account
may see end all of its sessions (Staff._get_session_auth_hash covers is_active, role, organization and
session_generation)."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tsunagu.access import audit
from tsunagu.access.models import AuditAction, AuditChannel

from .models import Role, Staff

RECOVERY_CODE_COUNT = 10


class AccountError(Exception):
    """A refused account change; the message is shown to the user."""


def _same_municipality_admin(actor: Staff, staff: Staff) -> None:
    if actor.role != Role.ADMINISTRATOR or actor.municipality_id != staff.municipality_id:
        raise AccountError("同じ自治体のシステム管理者だけが変更できます。")
    if actor.pk == staff.pk:
        raise AccountError("自分自身のアカウントはこの画面では変更できません。")


def _recovery_code() -> str:
    raw = "".join(secrets.choice("23456789abcdefghjkmnpqrstuvwxyz") for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _end_sessions(staff: Staff) -> None:
    Staff.objects.filter(pk=staff.pk).update(session_generation=F("session_generation") + 1)
    staff.refresh_from_db(fields=["session_generation"])


@transaction.atomic
def issue_recovery_codes(*, actor: Staff) -> list[str]:
    """Replace the actor's recovery codes with new single-use ones; returns them to show once."""
    StaticDevice.objects.filter(user=actor).delete()
    device = StaticDevice.objects.create(user=actor, name="recovery", confirmed=True)
    codes = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        StaticToken.objects.create(device=device, token=code.replace("-", ""))
    audit.record(actor=actor, action=AuditAction.RECOVERY_CODES, objects=[("staff", actor.pk)])
    return codes


@transaction.atomic
def confirm_totp_enrolment(*, actor: Staff, device: TOTPDevice) -> list[str]:
    """Confirm a verified TOTP device (any earlier ones are removed) and issue recovery codes."""
    TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.name = "authenticator"
    device.save(update_fields=["confirmed", "name"])
    audit.record(actor=actor, action=AuditAction.MFA_ENROLLED, objects=[("staff", actor.pk)])
    return issue_recovery_codes(actor=actor)


@transaction.atomic
def reset_mfa(*, actor: Staff, staff: Staff, reason: str = "") -> None:
    """An administrator removes a staff member's authenticator and recovery codes (lost phone).
    The staff member enrols again at the next login; every current session ends now."""
    _same_municipality_admin(actor, staff)
    TOTPDevice.objects.filter(user=staff).delete()
    StaticDevice.objects.filter(user=staff).delete()
    _end_sessions(staff)
    audit.record(actor=actor, action=AuditAction.MFA_RESET, objects=[("staff", staff.pk)], reason=reason)


@transaction.atomic
def set_staff_active(*, actor: Staff, staff: Staff, active: bool) -> Staff:
    """Disable or re-enable an account. Disabling ends all its sessions at once."""
    _same_municipality_admin(actor, staff)
    if staff.is_active == active:
        return staff
    staff.is_active = active
    staff.save(update_fields=["is_active"])
    _end_sessions(staff)
    audit.record(
        actor=actor,
        action=AuditAction.ACCOUNT_ENABLED if active else AuditAction.ACCOUNT_DISABLED,
        objects=[("staff", staff.pk)],
    )
    return staff


@transaction.atomic
def change_role(*, actor: Staff, staff: Staff, role: str) -> Staff:
    """Change a staff member's role; all of their sessions end (they log in again with the new rights)."""
    _same_municipality_admin(actor, staff)
    if role not in Role.values:
        raise AccountError("役割が正しくありません。")
    if staff.role == role:
        return staff
    old = staff.role
    staff.role = role
    staff.save(update_fields=["role"])
    _end_sessions(staff)
    audit.record(
        actor=actor,
        action=AuditAction.ROLE_CHANGED,
        objects=[("staff", staff.pk)],
        detail={"old": old, "new": role},
    )
    return staff


@transaction.atomic
def set_initial_password(*, actor: Staff, staff: Staff) -> str:
    """An administrator issues a temporary password; the staff member must change it at next login."""
    _same_municipality_admin(actor, staff)
    password = "-".join(secrets.token_urlsafe(6) for _ in range(3))
    staff.set_password(password)
    staff.must_change_password = True
    staff.save(update_fields=["password", "must_change_password"])
    _end_sessions(staff)
    audit.record(
        actor=actor,
        action=AuditAction.PASSWORD_CHANGED,
        objects=[("staff", staff.pk)],
        detail={"initial": True},
    )
    return password


@transaction.atomic
def change_own_password(*, actor: Staff, new_password: str) -> Staff:
    """The staff member sets their own password (already validated by the form)."""
    actor.set_password(new_password)
    actor.must_change_password = False
    actor.password_changed_at = timezone.now()
    actor.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit.record(actor=actor, action=AuditAction.PASSWORD_CHANGED, objects=[("staff", actor.pk)])
    return actor


def record_auth_event(*, actor: Any, action: str, municipality: Any = None, detail: Any = None) -> None:
    """Login, logout and failures go to the same audit log as data access."""
    with transaction.atomic():
        audit.record(
            actor=actor,
            action=action,
            channel=AuditChannel.VIEW,
            objects=[("staff", actor.pk)] if actor is not None else [],
            municipality=municipality,
            detail=detail,
        )
