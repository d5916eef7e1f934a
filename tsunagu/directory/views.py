"""Directory screens: the city's organizations, windows, programs, coordinators and meeting bodies.

Views stay thin: scope to the staff member's municipality, fetch through `queries`, render. Detail
views look objects up inside that municipality only, so another city's pk is the same 404 as a
missing one. Nothing here is personal data; URLs carry plain primary keys.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_vary_headers

from tsunagu.access.permissions import permission
from tsunagu.access.tenancy import current_municipality
from tsunagu.municipalities.models import ConcernType

from . import queries
from .forms import DirectoryFilterForm
from .models import EscalationRule, MeetingBody, Organization, Window


@login_required
@permission("directory.view")
def home(request: HttpRequest) -> HttpResponse:
    muni = current_municipality(request)
    form = DirectoryFilterForm(request.GET, municipality=muni)
    filters = form.filters()
    context = {
        "municipality": muni,
        "form": form,
        "filters": filters,
        "tab": form.current_tab(),
        "results": queries.search_directory(muni, filters),
        "has_areas": form.fields["area"].queryset.exists(),  # type: ignore[attr-defined]
    }
    # htmx swaps only the result region; the full page stays the no-JavaScript path.
    template = "directory/_results.html" if getattr(request, "htmx", False) else "directory/home.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@permission("directory.view")
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    muni = current_municipality(request)
    org = get_object_or_404(
        Organization.objects.select_related("department").prefetch_related("areas"),
        pk=pk,
        municipality=muni,
    )
    return render(
        request,
        "directory/organization_detail.html",
        {"municipality": muni, "detail": queries.organization_detail(org)},
    )


@login_required
@permission("directory.view")
def window_detail(request: HttpRequest, pk: int) -> HttpResponse:
    muni = current_municipality(request)
    window = get_object_or_404(
        Window.objects.select_related("organization__department").prefetch_related("areas"),
        pk=pk,
        municipality=muni,
    )
    concern_names = dict(
        ConcernType.objects.filter(municipality=muni, code__in=window.concerns).values_list("code", "name")
    )
    return render(
        request,
        "directory/window_detail.html",
        {
            "municipality": muni,
            "window": window,
            "concerns": [concern_names.get(code, code) for code in window.concerns],
            "rules": EscalationRule.objects.filter(
                municipality=muni, active=True, from_windows=window
            ).select_related("to_body"),
        },
    )


@login_required
@permission("directory.view")
def body_detail(request: HttpRequest, pk: int) -> HttpResponse:
    muni = current_municipality(request)
    body = get_object_or_404(
        MeetingBody.objects.select_related("secretariat", "parent"), pk=pk, municipality=muni
    )
    return render(
        request,
        "directory/body_detail.html",
        {"municipality": muni, "detail": queries.body_detail(body)},
    )


@login_required
@permission("directory.view")
def structure(request: HttpRequest) -> HttpResponse:
    muni = current_municipality(request)
    return render(
        request,
        "directory/structure.html",
        {"municipality": muni, "structure": queries.city_structure(muni)},
    )
