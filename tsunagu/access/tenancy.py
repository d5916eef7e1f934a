"""Tenancy helpers: every staff request is scoped to the staff member's own municipality."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from tsunagu.municipalities.models import Municipality


def current_municipality(request: HttpRequest) -> Municipality:
    """The municipality of the logged-in staff member; 404 for accounts without one."""
    muni = getattr(request.user, "municipality", None)
    if muni is None:
        raise Http404
    return muni
