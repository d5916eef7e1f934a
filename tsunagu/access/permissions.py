"""The role × endpoint permission table and the decorators every view carries.

Every URL of Tsunagu resolves to a view marked either `@permission("name")` (a row of PERMISSIONS) or
`@public("why")` (login pages only). `PermissionRegistryMiddleware` refuses any other view at run time,
and `tests/test_it_url_permissions.py` walks the URL resolver and fails on an unmarked one, so a new
view cannot forget authorization.

Feature apps add their rows with `register_permission("cases.view", {Role.COORDINATOR, ...})` in their
`apps.py` `ready()` or at import of their views module — before the decorator that names them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver, get_resolver

from tsunagu.accounts.models import Role

ALL_STAFF = frozenset(Role.values)
CASEWORK = frozenset({Role.WINDOW_WORKER, Role.COORDINATOR, Role.AGENCY_WORKER})

PERMISSIONS: dict[str, frozenset[str]] = {
    # Own account: MFA, recovery codes, password. Every role.
    "account.self": ALL_STAFF,
    # The directory of the staff member's own municipality: every role.
    "directory.view": ALL_STAFF,
    # Keeping the community resources (社会資源) of the directory: coordinators and the city's administrator.
    "directory.resources.manage": frozenset({Role.COORDINATOR, Role.ADMINISTRATOR}),
    # Staff management (MFA reset, disable, role change): administrators only.
    "staff.manage": frozenset({Role.ADMINISTRATOR}),
    # The audit log, read-volume alerts and break-glass review: auditors only.
    "audit.view": frozenset({Role.AUDITOR}),
    "break_glass.review": frozenset({Role.AUDITOR}),
    # Asking for emergency access: staff who handle cases, and managers.
    "break_glass.request": CASEWORK | {Role.MANAGER},
    # Intake (相談受付): staff who take consultations.
    "intake.use": CASEWORK,
}

# URL namespaces that are not ours to mark: the Django admin checks is_staff itself and sits behind
# the same MFA middleware.
ALLOWED_UNMARKED_NAMESPACES = frozenset({"admin"})


def register_permission(name: str, roles: Iterable[str]) -> None:
    """Add a permission row (idempotent for the same roles; a conflicting redefinition is an error)."""
    roles = frozenset(str(r) for r in roles)
    unknown = roles - ALL_STAFF
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)} for permission {name!r}")
    existing = PERMISSIONS.get(name)
    if existing is not None and existing != roles:
        raise ValueError(f"permission {name!r} is already defined with other roles")
    PERMISSIONS[name] = roles


def has_permission(user: Any, name: str) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.role in PERMISSIONS[name]


def permission(
    name: str, *, mfa: bool = True
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Mark and guard a view: logged in, MFA-verified (unless mfa=False, for the MFA pages themselves),
    and of a role the table allows. Anonymous users go to the login page; others get 403.

    Objects inside the view are still fetched through `get_…_for(staff, id)` helpers, which add the
    municipality and record-level rules and answer 404 for both missing and forbidden.
    """
    if name not in PERMISSIONS:
        raise KeyError(f"permission {name!r} is not in tsunagu.access.permissions.PERMISSIONS")

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if mfa and not getattr(user, "is_verified", lambda: False)():
                raise PermissionDenied("MFA not verified")
            if not has_permission(user, name):
                raise PermissionDenied(f"role may not use {name}")
            return view(request, *args, **kwargs)

        wrapped.tsunagu_permission = name  # type: ignore[attr-defined]
        return wrapped

    return decorator


def public(reason: str) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Mark a view that anonymous users may reach (login, logout). The test keeps the list short."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        view.tsunagu_public = reason  # type: ignore[attr-defined]
        return view

    return decorator


def view_marking(view: Any) -> tuple[str, str] | None:
    """("permission", name) or ("public", reason) for a marked view, None for an unmarked one."""
    for candidate in (view, getattr(view, "view_class", None), getattr(view, "__wrapped__", None)):
        if candidate is None:
            continue
        name = getattr(candidate, "tsunagu_permission", None)
        if name:
            return ("permission", name)
        reason = getattr(candidate, "tsunagu_public", None)
        if reason:
            return ("public", reason)
    return None


def iter_url_patterns(
    resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, URLPattern]]:
    """(route, view_name, pattern) for every URL pattern reachable from the root URLconf."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from iter_url_patterns(entry, prefix + str(entry.pattern), ns)
        else:
            name = entry.name or ""
            view_name = f"{namespace}:{name}" if namespace else name
            yield prefix + str(entry.pattern), view_name, entry


def find_unmarked_views(resolver: URLResolver | None = None) -> list[str]:
    """Routes whose view carries neither @permission nor @public (outside the allowed namespaces)."""
    missing = []
    for route, view_name, pattern in iter_url_patterns(resolver):
        top_namespace = view_name.split(":", 1)[0] if ":" in view_name else ""
        if top_namespace in ALLOWED_UNMARKED_NAMESPACES:
            continue
        if view_marking(pattern.callback) is None:
            missing.append(f"{route} ({view_name or pattern.lookup_str})")
    return missing
