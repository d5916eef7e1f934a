"""Staff administration inside Tsunagu (A8): list and search the city's staff, create them one by one
or from a CSV, assign organization and role, disable or enable, reset MFA, issue a first password.

Administrators only (`staff.manage`), always inside their own municipality: a staff member of another
city is a 404. Every change goes through accounts.actions (audited; sessions end where rights change).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from tsunagu.access.audit import record
from tsunagu.access.models import AuditAction
from tsunagu.access.permissions import permission
from tsunagu.municipalities.models import Municipality

from . import actions, staff_csv
from .forms import StaffAssignForm, StaffCreateForm, StaffImportForm, StaffSearchForm
from .models import Staff
from .staffing import LOGIN_ID_RULE, ROLE_HINT

PAGE_SIZE = 50
ISSUED = "tsunagu_issued_password"


def _admin(request: HttpRequest) -> tuple[Staff, Municipality]:
    actor: Staff = request.user  # type: ignore[assignment]
    if actor.municipality is None:
        raise Http404
    return actor, actor.municipality


def _managed_staff(municipality: Municipality, staff_id: int) -> Staff:
    """A staff member of the administrator's own municipality; 404 for missing and for another city's."""
    staff = (
        Staff.objects.filter(municipality=municipality, pk=staff_id).select_related("organization").first()
    )
    if staff is None:
        raise Http404
    return staff


def _filtered(municipality: Municipality, form: StaffSearchForm) -> QuerySet[Staff]:
    qs = Staff.objects.filter(municipality=municipality).select_related("organization")
    if not form.is_valid():
        return qs
    d = form.cleaned_data
    if d.get("q"):
        words = d["q"].replace("\u3000", " ").split()
        for word in words:
            qs = qs.filter(Q(username__icontains=word) | Q(display_name__icontains=word))
    if d.get("organization"):
        qs = qs.filter(organization=d["organization"])
    if d.get("role"):
        qs = qs.filter(role=d["role"])
    status = d.get("status")
    if status == "active":
        qs = qs.filter(is_active=True)
    elif status == "inactive":
        qs = qs.filter(is_active=False)
    elif status == "no_mfa":
        qs = qs.exclude(pk__in=TOTPDevice.objects.filter(confirmed=True).values("user_id"))
    elif status == "must_change":
        qs = qs.filter(must_change_password=True)
    return qs


@permission("staff.manage")
def staff_list(request: HttpRequest) -> HttpResponse:
    actor, municipality = _admin(request)
    form = StaffSearchForm(request.POST if request.method == "POST" else None, municipality=municipality)  # type: ignore[arg-type]
    qs = _filtered(municipality, form).order_by("organization__sort_order", "organization__key", "username")
    number = form.cleaned_data.get("page") if form.is_bound and form.is_valid() else 1
    page = Paginator(qs, PAGE_SIZE).get_page(number)
    staff = list(page.object_list)
    with_mfa = set(
        TOTPDevice.objects.filter(user__in=staff, confirmed=True).values_list("user_id", flat=True)
    )
    record(actor=actor, action=AuditAction.LIST, objects=[("staff", s.pk) for s in staff], request=request)
    return render(
        request,
        "accounts/staff_list.html",
        {"form": form, "page": page, "staff": staff, "with_mfa": with_mfa},
    )


@permission("staff.manage")
def staff_new(request: HttpRequest) -> HttpResponse:
    actor, municipality = _admin(request)
    form = StaffCreateForm(request.POST if request.method == "POST" else None, municipality=municipality)  # type: ignore[arg-type]
    if request.method == "POST" and form.is_valid():
        try:
            staff, password = actions.create_staff(actor=actor, data=form.new_staff())
        except actions.AccountError as exc:
            form.add_error(None, str(exc))
        else:
            request.session[ISSUED] = {"staff_id": staff.pk, "password": password}
            messages.success(request, f"{staff}さんのアカウントを作成しました。")
            return redirect("accounts:staff_detail", staff_id=staff.pk)
    return render(request, "accounts/staff_new.html", {"form": form, "login_rule": LOGIN_ID_RULE})


@permission("staff.manage")
def staff_import(request: HttpRequest) -> HttpResponse:
    """Upload a CSV: 「確認する」 checks every line and reports; 「登録する」 checks again and creates all
    rows in one transaction — or none, when any line has a problem."""
    actor, municipality = _admin(request)
    form = StaffImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {
        "form": form,
        "header": staff_csv.TEMPLATE_HEADER,
        "role_hint": ROLE_HINT,
        "login_rule": LOGIN_ID_RULE,
        "max_rows": staff_csv.MAX_ROWS,
    }
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(staff_csv.MAX_BYTES + 1)
        check = staff_csv.check_csv(data, municipality)
        context["check"] = check
        if check.ok and request.POST.get("mode") == "import":
            try:
                context["created"] = actions.import_staff(actor=actor, rows=check.rows)
            except actions.AccountError as exc:
                context["import_error"] = str(exc)
    return render(request, "accounts/staff_import.html", context)


@permission("staff.manage")
def staff_import_template(request: HttpRequest) -> HttpResponse:
    """An empty CSV with the header line (UTF-8 with BOM, so that Excel opens it in Japanese)."""
    _admin(request)  # administrators of a municipality only
    response = HttpResponse(
        ("\ufeff" + staff_csv.TEMPLATE_HEADER + "\r\n").encode("utf-8"),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="staff-template.csv"'
    return response


@permission("staff.manage")
def staff_detail(request: HttpRequest, staff_id: int) -> HttpResponse:
    actor, municipality = _admin(request)
    staff = _managed_staff(municipality, staff_id)
    issued = request.session.pop(ISSUED, None)
    password = issued["password"] if isinstance(issued, dict) and issued.get("staff_id") == staff.pk else None
    assign_form = StaffAssignForm(
        municipality=municipality,
        initial={"organization": staff.organization_id, "role": staff.role, "version": staff.version},
    )
    record(actor=actor, action=AuditAction.VIEW, objects=[("staff", staff.pk)], request=request)
    return render(
        request,
        "accounts/staff_detail.html",
        {
            "staff": staff,
            "assign_form": assign_form,
            "has_mfa": TOTPDevice.objects.filter(user=staff, confirmed=True).exists(),
            "new_password": password,
            "is_self": staff.pk == actor.pk,
        },
    )


def _done(request: HttpRequest, staff: Staff, call: Any, success: str) -> HttpResponse:
    try:
        call()
    except actions.AccountError as exc:
        messages.error(request, str(exc))
    else:
        if success:
            messages.success(request, success)
    return redirect("accounts:staff_detail", staff_id=staff.pk)


@permission("staff.manage")
@require_POST
def staff_assign(request: HttpRequest, staff_id: int) -> HttpResponse:
    actor, municipality = _admin(request)
    staff = _managed_staff(municipality, staff_id)
    form = StaffAssignForm(request.POST, municipality=municipality)
    if not form.is_valid():
        messages.error(request, "所属機関と役割を一覧から選んでください。何も変更していません。")
        return redirect("accounts:staff_detail", staff_id=staff.pk)
    d = form.cleaned_data
    return _done(
        request,
        staff,
        lambda: actions.assign(
            actor=actor, staff=staff, organization=d["organization"], role=d["role"], version=d["version"]
        ),
        f"{staff}さんの所属機関・役割を保存しました。ログイン中の画面は終了し、次のログインから新しい権限になります。",
    )


@permission("staff.manage")
@require_POST
def staff_reset_mfa(request: HttpRequest, staff_id: int) -> HttpResponse:
    actor, municipality = _admin(request)
    staff = _managed_staff(municipality, staff_id)
    reason = request.POST.get("reason", "").strip()[:200]
    if "\x00" in reason:  # PostgreSQL text cannot hold NUL: refuse it as unreadable input
        messages.error(request, "理由に使えない文字が含まれています。何も変更していません。")
        return redirect("accounts:staff_detail", staff_id=staff.pk)
    return _done(
        request,
        staff,
        lambda: actions.reset_mfa(actor=actor, staff=staff, reason=reason),
        f"{staff}さんの多要素認証をリセットしました。次回ログイン時に再登録します。",
    )


@permission("staff.manage")
@require_POST
def staff_set_active(request: HttpRequest, staff_id: int) -> HttpResponse:
    actor, municipality = _admin(request)
    staff = _managed_staff(municipality, staff_id)
    value = request.POST.get("active")
    if value not in ("0", "1"):
        messages.error(request, "操作を読み取れませんでした。何も変更していません。")
        return redirect("accounts:staff_detail", staff_id=staff.pk)
    active = value == "1"
    return _done(
        request,
        staff,
        lambda: actions.set_staff_active(actor=actor, staff=staff, active=active),
        f"{staff}さんのアカウントを{'再開' if active else '停止'}しました。",
    )


@permission("staff.manage")
@require_POST
def staff_initial_password(request: HttpRequest, staff_id: int) -> HttpResponse:
    actor, municipality = _admin(request)
    staff = _managed_staff(municipality, staff_id)

    def issue() -> None:
        password = actions.set_initial_password(actor=actor, staff=staff)
        request.session[ISSUED] = {"staff_id": staff.pk, "password": password}

    return _done(request, staff, issue, "")
