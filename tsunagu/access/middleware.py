"""Response headers for every page, and the run-time half of the permission registry."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .permissions import ALLOWED_UNMARKED_NAMESPACES, view_marking

logger = logging.getLogger("tsunagu.security")

# 'self' only: Tsunagu runs offline (LGWAN) and needs nothing from elsewhere; no inline script or style.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    """CSP, Permissions-Policy and `Cache-Control: no-store` (pages may hold personal data: no copy may
    stay in a browser or proxy cache). Static files keep their own caching."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.static_prefix = str(getattr(settings, "STATIC_URL", "/static/") or "/static/")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if not request.path.startswith(self.static_prefix):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
            response["Expires"] = "0"
        return response


class PermissionRegistryMiddleware:
    """Refuse (403) any view that is neither @permission nor @public: forgetting authorization fails closed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        namespace = match.namespaces[0] if match is not None and match.namespaces else ""
        if namespace in ALLOWED_UNMARKED_NAMESPACES:
            return None
        if view_marking(view_func) is None:
            logger.error("view without @permission or @public refused: %s", match.view_name if match else "?")
            # Raised, not returned: the refusal gets the same Japanese 403 page as any other.
            raise PermissionDenied("view is not in the permission registry")
        return None
