"""`{% page_count page %}` and `{% pager page %}`: the count line and the page links of a list, the same
on every screen (the count above the table, the links below it).

`page` is a Django `Page` (core.pagination.numbered_page) or a `KeysetPage` (core.pagination.keyset_page).
The links keep the request's other query parameters (filters, tabs) and replace only the page's own.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.core.paginator import Page
from django.http import QueryDict

from tsunagu.core.pagination import KeysetPage

register = template.Library()

_PAGE_PARAMS = ("page", "after", "before")


def _link(context: template.Context, **params: object) -> str:
    request = context.get("request")
    query = request.GET.copy() if request is not None else QueryDict(mutable=True)
    for name in _PAGE_PARAMS:
        query.pop(name, None)
    for name, value in params.items():
        query[name] = str(value)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.inclusion_tag("core/_page_count.html", takes_context=True)
def page_count(context: template.Context, page: Page | KeysetPage, unit: str = "件") -> dict[str, Any]:
    """ "全 53件のうち 1〜50件目" (or "10,000件以上（新しい順に 100件を表示）") — `unit`: 件, 組, 人 …"""
    return _describe(context, page, unit)


@register.inclusion_tag("core/_pager.html", takes_context=True)
def pager(context: template.Context, page: Page | KeysetPage, unit: str = "件") -> dict[str, Any]:
    """The links to the other pages (nothing when everything fits on one)."""
    return _describe(context, page, unit)


def _describe(context: template.Context, page: Page | KeysetPage, unit: str) -> dict[str, Any]:
    if isinstance(page, KeysetPage):
        return {
            "keyset": True,
            "unit": unit,
            "total_label": page.total_label.replace("件", unit),
            "shown": len(page),
            "first": page.first,
            "first_link": _link(context),
            "previous_link": _link(context, before=page.previous_cursor) if page.previous_cursor else "",
            "next_link": _link(context, after=page.next_cursor) if page.next_cursor else "",
            "last_link": _link(context, after=1) if page.next_cursor else "",
        }
    paginator = page.paginator
    return {
        "keyset": False,
        "unit": unit,
        "total": paginator.count,
        "start": page.start_index(),
        "end": page.end_index(),
        "number": page.number,
        "num_pages": paginator.num_pages,
        "first_link": _link(context, page=1) if page.number > 2 else "",
        "previous_link": _link(context, page=page.previous_page_number()) if page.has_previous() else "",
        "next_link": _link(context, page=page.next_page_number()) if page.has_next() else "",
        "last_link": _link(context, page=paginator.num_pages)
        if page.number < paginator.num_pages - 1
        else "",
    }
