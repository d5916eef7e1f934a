"""Login bookkeeping: session clocks and audit records of logins, logouts and failures."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from tsunagu.access.models import AuditAction

from .actions import record_auth_event
from .middleware import stamp_login
from .models import Staff


def on_logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        stamp_login(request)


def on_logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None and getattr(user, "pk", None):
        record_auth_event(actor=user, action=AuditAction.LOGOUT)


def on_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = credentials.get("username") or ""
    staff = (
        Staff.objects.filter(username=username).select_related("organization").first() if username else None
    )
    step = credentials.get("tsunagu_step", "password")
    action = AuditAction.MFA_FAILED if step == "mfa" else AuditAction.LOGIN_FAILED
    # The typed username of an unknown account is not kept: it is often a password typed in the wrong box.
    record_auth_event(
        actor=staff,
        action=action,
        municipality=staff.municipality if staff is not None else None,
        detail={"known_account": staff is not None},
    )


def connect() -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="tsunagu_logged_in")
    user_logged_out.connect(on_logged_out, dispatch_uid="tsunagu_logged_out")
    user_login_failed.connect(on_login_failed, dispatch_uid="tsunagu_login_failed")
