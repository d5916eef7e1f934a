"""Writes of staff accounts — the only way to create them or change what they may see (the Django admin
shows Staff read-only). Each is audited in its own transaction; changes that alter what an account may
see end all of its sessions (Staff._get_session_auth_hash covers is_active, role, organization and
session_generation)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tsunagu.access import audit
from tsunagu.access.models import AuditAction, AuditChannel
from tsunagu.directory.models import Organization
from tsunagu.municipalities.models import Municipality

from .models import Role, Staff
from .staffing import NewStaff, login_id_taken

RECOVERY_CODE_COUNT = 10


class AccountError(Exception):
    """A refused account change; the message is shown to the user."""


def _require_administrator(actor: Staff) -> None:
    if actor.role != Role.ADMINISTRATOR or not actor.is_active or actor.municipality_id is None:
        raise AccountError("自治体のシステム管理者だけが職員を管理できます。")


def _same_municipality_admin(actor: Staff, staff: Staff) -> None:
    _require_administrator(actor)
    if actor.municipality_id != staff.municipality_id:
        raise AccountError("同じ自治体のシステム管理者だけが変更できます。")
    if actor.pk == staff.pk:
        raise AccountError("自分自身のアカウントはこの画面では変更できません。")
    if staff.is_superuser:
        raise AccountError("システム全体の管理者アカウントは、この画面では変更できません。")


def _new_password() -> str:
    """Four groups of five (about 99 bits), e.g. 7kq2m-x9fhr-3wpeb-t6nza."""
    return "-".join(_readable(5) for _ in range(4))


# Codes and first passwords are read aloud or written on paper: no look-alikes (0/O, 1/l/I), no case.
_READABLE = "23456789abcdefghjkmnpqrstuvwxyz"


def _readable(length: int) -> str:
    return "".join(secrets.choice(_READABLE) for _ in range(length))


def _recovery_code() -> str:
    return f"{_readable(5)}-{_readable(5)}"


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
    staff.version += 1
    staff.save(update_fields=["is_active", "version"])
    _end_sessions(staff)
    audit.record(
        actor=actor,
        action=AuditAction.ACCOUNT_ENABLED if active else AuditAction.ACCOUNT_DISABLED,
        objects=[("staff", staff.pk)],
    )
    return staff


@transaction.atomic
def assign(*, actor: Staff, staff: Staff, organization: Organization, role: str, version: int) -> Staff:
    """Give a staff member an organization and a role (配属・役割). Every session of theirs ends, so they
    log in again with exactly the new rights; the audit row records old → new. A form read before
    another administrator's change is refused as stale."""
    _same_municipality_admin(actor, staff)
    if role not in Role.values:
        raise AccountError("役割が正しくありません。")
    if organization.municipality_id != staff.municipality_id or not organization.active:
        raise AccountError("所属機関は、この自治体の機関から選んでください。")
    current = Staff.objects.select_for_update().get(pk=staff.pk)
    if current.version != version:
        raise AccountError("ほかの管理者が先にこの職員を変更しました。画面を開き直して確認してください。")
    if current.role == role and current.organization_id == organization.pk:
        return current
    old_role, old_org = current.role, current.organization_id
    current.role = role
    current.organization = organization
    current.version += 1
    current.save(update_fields=["role", "organization", "version"])
    _end_sessions(current)
    audit.record(
        actor=actor,
        action=AuditAction.ROLE_CHANGED if old_role != role else AuditAction.UPDATE,
        objects=[("staff", current.pk)],
        detail={
            "role_old": old_role,
            "role_new": role,
            "organization_old": old_org,
            "organization_new": organization.pk,
        },
    )
    return current


def _create(municipality: Municipality, data: NewStaff) -> tuple[Staff, str]:
    if data.organization.municipality_id != municipality.pk or not data.organization.active:
        raise AccountError("所属機関は、この自治体の機関から選んでください。")
    if data.role not in Role.values:
        raise AccountError("役割が正しくありません。")
    if login_id_taken(data.login_id):
        raise AccountError(f"ログインID「{data.login_id}」はすでに使われています。")
    password = _new_password()
    staff = Staff(
        username=data.login_id,
        display_name=data.display_name,
        email=data.email,
        municipality=municipality,
        organization=data.organization,
        role=data.role,
        must_change_password=True,
    )
    staff.set_password(password)
    try:
        with transaction.atomic():
            staff.save(force_insert=True)
    except IntegrityError:
        # Another administrator took the same login ID a moment ago.
        raise AccountError(f"ログインID「{data.login_id}」はすでに使われています。") from None
    return staff, password


@transaction.atomic
def create_staff(*, actor: Staff, data: NewStaff) -> tuple[Staff, str]:
    """Create one staff member of the administrator's municipality with a first password, returned to be
    shown once. The staff member changes it and enrols MFA at first login."""
    _require_administrator(actor)
    assert actor.municipality is not None
    staff, password = _create(actor.municipality, data)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        objects=[("staff", staff.pk)],
        detail={"role": staff.role, "organization": data.organization.pk, "source": "form"},
    )
    return staff, password


@transaction.atomic
def import_staff(*, actor: Staff, rows: Sequence[NewStaff]) -> list[tuple[Staff, str]]:
    """Create every row (already checked by staff_csv.check_csv) in one transaction: all or none."""
    _require_administrator(actor)
    assert actor.municipality is not None
    if not rows:
        raise AccountError("登録する職員がいません。")
    created = [_create(actor.municipality, row) for row in rows]
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        objects=[("staff", staff.pk) for staff, _ in created],
        detail={"source": "csv", "count": len(created)},
    )
    return created


@transaction.atomic
def create_administrator_by_command(*, municipality: Municipality, data: NewStaff) -> tuple[Staff, str]:
    """A システム管理者 created from the command line (manage.py create_city_administrator): the first of a
    new municipality, or a way back when no administrator can log in. Audited as a system action."""
    if data.role != Role.ADMINISTRATOR:
        raise AccountError("コマンドで作成できるのはシステム管理者だけです。")
    staff, password = _create(municipality, data)
    audit.record(
        actor=None,
        action=AuditAction.CREATE,
        channel=AuditChannel.SYSTEM,
        municipality=municipality,
        objects=[("staff", staff.pk)],
        detail={"role": staff.role, "organization": data.organization.pk, "source": "command"},
    )
    return staff, password


@transaction.atomic
def set_initial_password(*, actor: Staff, staff: Staff) -> str:
    """An administrator issues a temporary password; the staff member must change it at next login."""
    _same_municipality_admin(actor, staff)
    password = _new_password()
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
