"""Login with TOTP, enrolment, recovery codes and password change. Staff administration: staff_views.py."""

from __future__ import annotations

from typing import Any

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tsunagu.access.models import AuditAction
from tsunagu.access.permissions import permission, public

from . import actions
from .forms import GENERIC_LOGIN_ERROR, CodeForm, StaffLoginForm
from .landing import landing_url
from .models import Staff

MFA_ERROR = "確認コードが正しくありません。認証アプリの6桁の数字か、リカバリーコードを入力してください。"


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path of this site: redirect() would take any other text for a view name and fail (500).
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@public("sends a logged-in user to their own work and anyone else to the login page")
def root(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    return redirect(landing_url(request.user))


class StaffLoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = False


login_view = public("the login form")(StaffLoginView.as_view())
logout_view = public("logging out needs no rights")(auth_views.LogoutView.as_view())


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """django-axes hook: a locked-out login looks exactly like any other failed login (no enumeration)."""
    if original_response is not None and original_response.status_code == 200:
        return original_response
    form = StaffLoginForm(request)
    return render(request, "accounts/login.html", {"form": form, "generic_error": GENERIC_LOGIN_ERROR})


def _verify_code(user: Staff, code: str) -> TOTPDevice | StaticDevice | None:
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(code):
            return device
    for static in StaticDevice.objects.filter(user=user, confirmed=True):
        if static.verify_token(code):
            return static
    return None


def _complete_mfa(request: HttpRequest, user: Staff, device: Any) -> None:
    otp_login(request, device)
    # A new privilege level gets a new session id (ASVS 7.2.4).
    request.session.cycle_key()
    axes_reset(username=user.username)
    actions.record_auth_event(actor=user, action=AuditAction.LOGIN, detail={"mfa": device.__class__.__name__})


def _mfa_failed(request: HttpRequest, user: Staff) -> bool:
    """Count a wrong code as a failed login (django-axes locks the account after the limit).
    Returns True when the account is now locked and the session has been ended."""
    user_login_failed.send(
        sender=__name__, credentials={"username": user.username, "tsunagu_step": "mfa"}, request=request
    )
    if getattr(request, "axes_locked_out", False) or AxesProxyHandler.is_locked(
        request, {"username": user.username}
    ):
        logout(request)
        return True
    return False


@permission("account.self", mfa=False)
def mfa_verify(request: HttpRequest) -> HttpResponse:
    user: Staff = request.user  # type: ignore[assignment]
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect(_next_url(request))
    if not user_has_device(user):
        return redirect("accounts:mfa_setup")
    form = CodeForm(request.POST or None)
    error = ""
    if request.method == "POST":
        if AxesProxyHandler.is_locked(request, {"username": user.username}):
            logout(request)
            messages.error(request, GENERIC_LOGIN_ERROR)
            return redirect("accounts:login")
        device = _verify_code(user, form.cleaned_data["code"]) if form.is_valid() else None
        if device is not None:
            _complete_mfa(request, user, device)
            return redirect(_next_url(request))
        if _mfa_failed(request, user):
            messages.error(request, GENERIC_LOGIN_ERROR)
            return redirect("accounts:login")
        error = MFA_ERROR
    return render(
        request, "accounts/mfa_verify.html", {"form": form, "error": error, "next": _next_url(request)}
    )


def _secret_b32(device: TOTPDevice) -> str:
    import base64

    raw = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@permission("account.self", mfa=False)
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """First enrolment (or re-enrolment after an administrator's reset): scan, type one code, done."""
    user: Staff = request.user  # type: ignore[assignment]
    if user_has_device(user):
        return redirect("accounts:security" if user.is_verified() else "accounts:mfa_verify")  # type: ignore[attr-defined]
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="enrolment", confirmed=False)
    form = CodeForm(request.POST or None)
    error = ""
    if request.method == "POST":
        if form.is_valid() and device.verify_token(form.cleaned_data["code"]):
            codes = actions.confirm_totp_enrolment(actor=user, device=device)
            _complete_mfa(request, user, device)
            request.session["tsunagu_recovery_codes"] = codes
            return redirect("accounts:recovery_codes")
        if _mfa_failed(request, user):
            messages.error(request, GENERIC_LOGIN_ERROR)
            return redirect("accounts:login")
        error = "確認コードが正しくありません。認証アプリに表示されている6桁の数字を入力してください。"
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff")
    return render(
        request,
        "accounts/mfa_setup.html",
        {"form": form, "error": error, "qr_svg": qr_svg, "secret": _secret_b32(device)},
    )


@permission("account.self")
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """Shows freshly issued recovery codes once; POST issues a new set (the old ones stop working)."""
    user: Staff = request.user  # type: ignore[assignment]
    if request.method == "POST":
        codes = actions.issue_recovery_codes(actor=user)
    else:
        codes = request.session.pop("tsunagu_recovery_codes", None)
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@permission("account.self")
def security(request: HttpRequest) -> HttpResponse:
    user: Staff = request.user  # type: ignore[assignment]
    static = StaticDevice.objects.filter(user=user, confirmed=True).first()
    remaining = static.token_set.count() if static else 0
    totp = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return render(request, "accounts/security.html", {"remaining_codes": remaining, "totp": totp})


@permission("account.self")
def password_change(request: HttpRequest) -> HttpResponse:
    user: Staff = request.user  # type: ignore[assignment]
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.change_own_password(actor=user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, user)
        messages.success(request, "パスワードを変更しました。")
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(
        request, "accounts/password_change.html", {"form": form, "forced": user.must_change_password}
    )
