"""Session limits and the MFA gate. Both sit after AuthenticationMiddleware and OTPMiddleware."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

SESSION_STARTED = "tsunagu_auth_started"
SESSION_LAST_SEEN = "tsunagu_last_seen"
LAST_SEEN_RESOLUTION = 60  # seconds

# Pages a password-authenticated user may reach before finishing MFA.
MFA_EXEMPT = frozenset({"accounts:login", "accounts:logout", "accounts:mfa_verify", "accounts:mfa_setup"})
# Pages a user with an initial password may reach before changing it.
PASSWORD_CHANGE_EXEMPT = frozenset(
    {"accounts:logout", "accounts:password_change", "accounts:recovery_codes", "accounts:mfa_verify"}
)


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def stamp_login(request: HttpRequest) -> None:
    now = timezone.now().timestamp()
    request.session[SESSION_STARTED] = now
    request.session[SESSION_LAST_SEEN] = now


class SessionTimeoutMiddleware:
    """Idle (default 15 min) and absolute (default 12 h) session limits, checked on every request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = timezone.now().timestamp()
            started = request.session.get(SESSION_STARTED)
            last = request.session.get(SESSION_LAST_SEEN)
            expired = (
                started is None
                or last is None
                or now - float(last) > settings.SESSION_IDLE_TIMEOUT
                or now - float(started) > settings.SESSION_ABSOLUTE_TIMEOUT
            )
            if expired:
                logout(request)
                messages.info(
                    request, "一定時間が過ぎたため、ログアウトしました。もう一度ログインしてください。"
                )
                login_url = resolve_url(settings.LOGIN_URL)
                if request.method == "GET":
                    login_url += "?" + urlencode({"next": request.path})
                return _redirect(request, login_url)
            # Stamping every request would write the session row on every request. Stamping at most once a
            # minute can only end an idle session earlier (by under a minute), never later.
            if last is None or now - float(last) >= LAST_SEEN_RESOLUTION:
                request.session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


class MFARequiredMiddleware:
    """Nothing but the MFA pages until the second factor is verified; nothing but the password page
    until an initial password is changed. Applies to every URL, the admin included."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        match = request.resolver_match
        name = match.view_name if match is not None else ""
        if not user.is_verified():
            if name in MFA_EXEMPT:
                return None
            from django_otp import user_has_device

            target = "accounts:mfa_verify" if user_has_device(user) else "accounts:mfa_setup"
            url = reverse(target)
            if request.method == "GET":
                url += "?" + urlencode({"next": request.path})
            return _redirect(request, url)
        if user.must_change_password and name not in PASSWORD_CHANGE_EXEMPT:
            return _redirect(request, reverse("accounts:password_change"))
        return None
