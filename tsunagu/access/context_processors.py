"""Which menu entries the logged-in staff member may use (templates show only those)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .permissions import PERMISSIONS, has_permission


def permissions(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"can": {}}
    return {"can": {name.replace(".", "_"): has_permission(user, name) for name in PERMISSIONS}}
