"""Directory screens: the city's organizations, windows, coordinators and meeting bodies."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .models import EscalationRule, MeetingBody, Organization, Window


def _municipality(request: HttpRequest):  # type: ignore[no-untyped-def]
    muni = getattr(request.user, "municipality", None)
    if muni is None:
        raise Http404
    return muni


@login_required
def home(request: HttpRequest) -> HttpResponse:
    muni = _municipality(request)
    return render(
        request,
        "directory/home.html",
        {
            "municipality": muni,
            "organizations": Organization.objects.filter(municipality=muni, active=True),
            "windows": Window.objects.filter(municipality=muni, active=True).select_related("organization"),
        },
    )


@login_required
def structure(request: HttpRequest) -> HttpResponse:
    muni = _municipality(request)
    return render(
        request,
        "directory/structure.html",
        {
            "municipality": muni,
            "bodies": MeetingBody.objects.filter(municipality=muni, active=True),
            "rules": EscalationRule.objects.filter(municipality=muni, active=True),
        },
    )
