"""Community resource (社会資源) screens: list, detail, create, edit, 掲載終了, export, import with preview.

Every staff member of the city reads the resources (`directory.view`); coordinators and the city's
administrator keep them (`directory.resources.manage`). Writes go through resource_actions (audited).
An import is validated in full on upload and shown as a preview; the file waits in MEDIA_ROOT under a
one-time token kept in the session, and the confirmation validates it again (the directory may have
changed meanwhile) before one transaction loads it.
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tsunagu.access import audit
from tsunagu.access.models import AuditAction, AuditChannel
from tsunagu.access.permissions import has_permission, permission
from tsunagu.access.tenancy import current_municipality
from tsunagu.core.kana import search_key
from tsunagu.core.pagination import numbered_page
from tsunagu.municipalities.models import Area

from . import resource_actions, resources_io
from .profile_schema import WEEKDAY_CODES
from .queries import _area_reach
from .resource_forms import ImportForm, ResourceFilterForm, ResourceForm, VersionForm
from .resource_models import Resource

PER_PAGE = 30
_SESSION_KEY = "directory.resource_import"


def _resource(request: HttpRequest, pk: int) -> Resource:
    """A resource of the staff member's own city; another city's is the same 404 as a missing one."""
    return get_object_or_404(
        Resource.objects.select_related("organization", "area"),
        pk=pk,
        municipality=current_municipality(request),
    )


def _matches(r: Resource, f: dict[str, Any], reach: set[int] | None, needle: str) -> bool:
    if f.get("kind") and r.kind != f["kind"]:
        return False
    if f.get("day") and WEEKDAY_CODES.index(f["day"]) not in r.weekdays:
        return False
    # A resource without an area serves the whole city, so it stays in an area's list.
    if reach is not None and r.area_id is not None and r.area_id not in reach:
        return False
    texts = (r.name, r.description, r.operator_label(), r.welcomes, r.address, *r.activities)
    return not needle or any(needle in search_key(t) for t in texts if t)


@login_required
@permission("directory.view")
def resource_list(request: HttpRequest) -> HttpResponse:
    muni = current_municipality(request)
    form = ResourceFilterForm(request.GET, municipality=muni)
    f = form.filters()
    qs = Resource.objects.filter(municipality=muni).select_related("organization", "area")
    if not f.get("inactive"):
        qs = qs.filter(active=True)
    area = f.get("area")
    reach = _area_reach(area, Area.objects.filter(municipality=muni)) if area else None
    needle = search_key(f.get("q") or "")
    # A city keeps a few hundred resources: filter in Python (SQLite has no JSON contains).
    rows = [r for r in qs.order_by("sort_order", "key") if _matches(r, f, reach, needle)]
    return render(
        request,
        "directory/resource_list.html",
        {
            "municipality": muni,
            "form": form,
            "page": numbered_page(rows, request.GET.get("page"), PER_PAGE),
            "can_manage": has_permission(request.user, "directory.resources.manage"),
        },
    )


@login_required
@permission("directory.view")
def resource_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resource = _resource(request, pk)
    return render(
        request,
        "directory/resource_detail.html",
        {
            "resource": resource,
            "domains": resource.municipality.domain_labels(resource.domains),
            "can_manage": has_permission(request.user, "directory.resources.manage"),
            "version_form": VersionForm(initial={"version": resource.version, "active": not resource.active}),
        },
    )


@login_required
@permission("directory.resources.manage")
def resource_create(request: HttpRequest) -> HttpResponse:
    muni = current_municipality(request)
    form = ResourceForm(
        request.POST or None, municipality=muni, initial={"accepts_referrals": True, "kind": "ibasho"}
    )
    if request.method == "POST" and form.is_valid():
        resource = resource_actions.create_resource(
            actor=request.user, key=form.cleaned_data["key"], values=form.values
        )
        messages.success(request, f"「{resource.name}」を登録しました。")
        return redirect("directory:resource", pk=resource.pk)
    return render(request, "directory/resource_form.html", {"form": form, "resource": None})


@login_required
@permission("directory.resources.manage")
def resource_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resource = _resource(request, pk)
    muni = resource.municipality
    version_form = VersionForm(request.POST or None, initial={"version": resource.version})
    form = ResourceForm(
        request.POST or None, municipality=muni, resource=resource, initial=ResourceForm.initial_for(resource)
    )
    if request.method == "POST" and version_form.is_valid() and form.is_valid():
        try:
            resource_actions.update_resource(
                actor=request.user,
                resource=resource,
                version=version_form.cleaned_data["version"],
                values=form.values,
            )
        except resource_actions.StaleResource as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"「{resource.name}」を更新しました。")
            return redirect("directory:resource", pk=resource.pk)
    return render(
        request,
        "directory/resource_form.html",
        {"form": form, "resource": resource, "version_form": version_form},
    )


@login_required
@permission("directory.resources.manage")
@require_POST
def resource_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    """掲載終了 (active=False) or 再掲載 (active=True); rows are never deleted."""
    resource = _resource(request, pk)
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "送信内容が読み取れませんでした。もう一度お試しください。")
        return redirect("directory:resource", pk=resource.pk)
    active = form.cleaned_data["active"]
    try:
        resource_actions.set_resource_active(
            actor=request.user, resource=resource, version=form.cleaned_data["version"], active=active
        )
    except resource_actions.StaleResource as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"「{resource.name}」を{'再掲載' if active else '掲載終了に'}しました。")
    return redirect("directory:resource", pk=resource.pk)


@login_required
@permission("directory.view")
def resource_export(request: HttpRequest, fmt: str) -> HttpResponse:
    muni = current_municipality(request)
    resources = list(
        Resource.objects.filter(municipality=muni)
        .select_related("organization", "area")
        .order_by("sort_order", "key")
    )
    with transaction.atomic():
        audit.record(
            actor=request.user,
            action=AuditAction.EXPORT,
            channel=AuditChannel.EXPORT,
            objects=[("municipality", muni.pk)],
            detail={"resources": len(resources), "format": fmt},
            request=request,
        )
    stamp = timezone.localdate().strftime("%Y%m%d")
    if fmt == "xlsx":
        body = resources_io.export_xlsx(resources)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = resources_io.export_csv(resources)
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="resources-{muni.code}-{stamp}.{fmt}"'
    return response


PENDING_HOURS = 12  # an upload not confirmed within a session's absolute lifetime is removed


def _upload_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "resource-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _forget_old_uploads() -> None:
    """Uploads previewed and never confirmed: removed once no session could confirm them any more."""
    cutoff = timezone.now().timestamp() - PENDING_HOURS * 3600
    for old in _upload_dir().glob("*.upload"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)


def _pending(request: HttpRequest) -> tuple[dict[str, Any], Path] | None:
    pending = request.session.get(_SESSION_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("token"), str):
        return None
    path = _upload_dir() / f"{pending['token']}.upload"
    return (pending, path) if path.is_file() else None


@login_required
@permission("directory.resources.manage")
def resource_import(request: HttpRequest) -> HttpResponse:
    """Upload: validate every row and show what would change (nothing is written yet)."""
    muni = current_municipality(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "max_rows": resources_io.MAX_ROWS}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > resources_io.MAX_BYTES:
            form.add_error(
                "file", f"ファイルが大きすぎます（{resources_io.MAX_BYTES // 1024 // 1024}MBまで）。"
            )
            return render(request, "directory/resource_import.html", context)
        raw = upload.read()
        parsed = resources_io.parse_upload(muni, upload.name or "", raw)
        context |= {"parsed": parsed, "filename": upload.name}
        if not parsed.problems:
            _forget_old_uploads()
            replaced = _pending(request)
            if replaced is not None:
                replaced[1].unlink(missing_ok=True)
            token = secrets.token_urlsafe(24)
            (_upload_dir() / f"{token}.upload").write_bytes(raw)
            request.session[_SESSION_KEY] = {
                "token": token,
                "filename": upload.name,
                "sha256": hashlib.sha256(raw).hexdigest(),
                "municipality": muni.pk,
            }
            context["token"] = token
    return render(request, "directory/resource_import.html", context)


@login_required
@permission("directory.resources.manage")
@require_POST
def resource_import_confirm(request: HttpRequest) -> HttpResponse:
    """Load the previewed file: validated again, then written in one transaction, then forgotten."""
    muni = current_municipality(request)
    found = _pending(request)
    if (
        found is None
        or found[0].get("token") != request.POST.get("token")
        or found[0].get("municipality") != muni.pk
    ):
        messages.error(
            request,
            "取込の確認が見つかりません（取込済みか、期限切れです）。もう一度ファイルを選んでください。",
        )
        return redirect("directory:resource_import")
    pending, path = found
    raw = path.read_bytes()
    path.unlink(missing_ok=True)
    request.session.pop(_SESSION_KEY, None)
    if hashlib.sha256(raw).hexdigest() != pending.get("sha256"):
        messages.error(request, "取込ファイルが確認時と違います。もう一度ファイルを選んでください。")
        return redirect("directory:resource_import")
    parsed = resources_io.parse_upload(muni, str(pending.get("filename") or ""), raw)
    if parsed.problems:
        form = ImportForm()
        context = {
            "form": form,
            "parsed": parsed,
            "filename": pending.get("filename"),
            "max_rows": resources_io.MAX_ROWS,
        }
        return render(request, "directory/resource_import.html", context)
    result = resource_actions.import_resources(
        actor=request.user, rows=parsed.rows, file_format=parsed.file_format
    )
    messages.success(
        request,
        f"取り込みました: 新規 {result.created}件、更新 {result.updated}件、変更なし {result.unchanged}件。",
    )
    return redirect("directory:resources")
