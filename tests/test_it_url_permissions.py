"""No URL without authorization: every view is in the role × endpoint permission table or on a short
public list; an unmarked view is caught by the resolver walk and refused at run time."""

from __future__ import annotations

import re
import sys
import types

import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import URLResolver, path

from tsunagu.access.permissions import (
    PERMISSIONS,
    find_unmarked_views,
    iter_url_patterns,
    permission,
    public,
    view_marking,
)

from .factories import make_personas

# The only views anonymous users may reach. Adding one needs a reason in docs/security.md.
PUBLIC_VIEWS = {"root", "admin_login_redirect", "accounts:login", "accounts:logout"}
# The public 相談先ナビ (tsunagu/navigator/README.md): no login, no personal data; its API and schema.
PUBLIC_VIEWS |= {
    "navigator:home",
    "navigator:start",
    "navigator:understand",
    "navigator:result",
    "navigator:code",
    "api:openapi-json",
    "api:api-root",
    "api:suggest_endpoint",
}


def test_every_url_is_in_the_permission_table_or_explicitly_public():
    assert find_unmarked_views() == []
    public_names = set()
    for _route, view_name, pattern in iter_url_patterns():
        marking = view_marking(pattern.callback)
        if marking and marking[0] == "public":
            public_names.add(view_name)
        if marking and marking[0] == "permission":
            assert marking[1] in PERMISSIONS
    assert public_names == PUBLIC_VIEWS


def _unprotected(request):
    return HttpResponse("personal data")


@permission("directory.view")
def _protected(request):
    return HttpResponse("ok")


def _dummy_urlconf() -> types.ModuleType:
    module = types.ModuleType("tsunagu_test_dummy_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("forgotten/", _unprotected, name="forgotten"),
        path("fine/", _protected, name="fine"),
        path("open/", public("test")(_protected), name="open"),
    ]
    # Like tsunagu.urls: the 403 page falls back to the plain layout when the menu's URLs are missing.
    module.handler403 = "tsunagu.accounts.errors.permission_denied"  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    return module


def test_the_walk_catches_an_unregistered_view():
    module = _dummy_urlconf()
    missing = find_unmarked_views(URLResolver(re.compile("^/"), module.__name__))
    assert len(missing) == 1 and "forgotten" in missing[0]


@pytest.mark.django_db
def test_an_unregistered_view_is_refused_at_run_time(client):
    module = _dummy_urlconf()
    p = make_personas()
    client.force_login(p.coordinator)
    with override_settings(ROOT_URLCONF=module.__name__):
        response = client.get("/forgotten/")
        assert response.status_code == 403
        assert b"personal data" not in response.content
        assert client.get("/fine/").status_code == 200


def _simple_get_routes():
    for route, view_name, pattern in iter_url_patterns():
        marking = view_marking(pattern.callback)
        if marking and marking[0] == "permission" and "<" not in route:
            yield "/" + route, view_name, marking[1]


@pytest.mark.django_db
def test_role_matrix_matches_the_table_for_every_parameterless_page(client):
    p = make_personas()
    routes = list(_simple_get_routes())
    assert len(routes) >= 8
    for user in p.all_a():
        client.force_login(user)
        for url, view_name, perm in routes:
            status = client.get(url).status_code
            allowed = user.role in PERMISSIONS[perm]
            if allowed:
                assert status in (200, 302, 405), (user.role, view_name, status)
            else:
                assert status == 403, (user.role, view_name, status)
        client.logout()


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_login_everywhere(client):
    for url, view_name, _perm in _simple_get_routes():
        response = client.get(url)
        assert response.status_code == 302, view_name
        assert response["Location"].startswith("/accounts/login/"), view_name


def test_urls_carry_ids_only_never_free_text():
    """Personal data never appears in URLs: path parameters are ints (or uuids/slugs of non-personal keys)."""
    for route, view_name, _pattern in iter_url_patterns():
        if view_name.startswith("admin:"):
            continue
        for converter in re.findall(r"<(?:(\w+):)?\w+>", route):
            assert converter in ("int", "uuid", "slug"), (route, converter)
