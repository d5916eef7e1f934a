"""Where each role starts its day: the page after login and the answer of `/` (A6).

Each role lands on its own work. A landing page the role may not use (a permission table changed, an
app not installed) is skipped for the directory, which every role may open, so a login never ends on
a 403 or a 404.
"""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from tsunagu.access.permissions import has_permission, view_marking

from .models import Role

LANDING: dict[str, str] = {
    Role.WINDOW_WORKER: "intake:new",  # 相談受付
    Role.COORDINATOR: "cases:dashboard",  # 期限・予定 of the cases they hold
    Role.AGENCY_WORKER: "cases:list",  # the cases its organization is on
    Role.AUDITOR: "access:audit_log",
    Role.MANAGER: "insights:overview",  # 業務の状況
    Role.ADMINISTRATOR: "accounts:staff_list",
}
FALLBACK = "directory:home"


def landing_url(user: Any) -> str:
    """The URL of the user's own work, or the directory when that page is not theirs to open."""
    name = LANDING.get(getattr(user, "role", ""), FALLBACK)
    try:
        url = reverse(name)
        marking = view_marking(resolve(url).func)
    except (NoReverseMatch, Resolver404):
        return reverse(FALLBACK)
    if marking is None or (marking[0] == "permission" and not has_permission(user, marking[1])):
        return reverse(FALLBACK)
    return url
