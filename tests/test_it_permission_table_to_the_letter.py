"""The permission table and its decorators, to the letter (issue 9 B4, mutation testing of
`tsunagu/access/permissions.py`): who passes `@permission`, why the others are refused, how the table is
extended, and what the resolver walk reports — each refusal told apart from the others, so that a check
dropped or turned round (the MFA check inside the decorator among them) fails a test."""

from __future__ import annotations

import re
import sys
import types
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import URLResolver, include, path
from django.views import View

from tsunagu.access import permissions
from tsunagu.access.permissions import (
    ALL_STAFF,
    PERMISSIONS,
    find_unmarked_views,
    has_permission,
    iter_url_patterns,
    permission,
    public,
    register_permission,
    view_marking,
)
from tsunagu.accounts.models import Role


@pytest.fixture
def table(monkeypatch):
    """Rows registered by a test do not outlive it."""
    monkeypatch.setattr(permissions, "PERMISSIONS", dict(PERMISSIONS))
    return permissions.PERMISSIONS


def user(role: str = Role.COORDINATOR, *, active: bool = True, verified: bool | None = True) -> Any:
    """A stand-in for request.user: authenticated, of `role`; `verified=None` has no is_verified at all
    (an account the OTP middleware never saw)."""
    u = SimpleNamespace(is_authenticated=True, is_active=active, role=role)
    if verified is not None:
        u.is_verified = lambda: verified
    return u


ANONYMOUS = SimpleNamespace(is_authenticated=False, is_active=False, role="")


def echo(request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
    return HttpResponse(f"args={args} kwargs={sorted(kwargs.items())}")


def call(view: Any, who: Any, url: str = "/cases/7/?tab=plan", *args: Any, **kwargs: Any) -> Any:
    request = RequestFactory().get(url)
    request.user = who
    return view(request, *args, **kwargs)


# ---- register_permission ----------------------------------------------------------------------------


def test_a_new_row_holds_the_role_values_as_plain_strings(table):
    register_permission("test.new", [Role.MANAGER, Role.AUDITOR])
    assert table["test.new"] == frozenset({"manager", "auditor"})
    assert all(type(r) is str for r in table["test.new"])


def test_registering_the_same_roles_again_is_accepted_and_changes_nothing(table):
    register_permission("test.twice", {Role.COORDINATOR})
    register_permission("test.twice", ["coordinator"])
    assert table["test.twice"] == frozenset({"coordinator"})
    # The rows the apps registered at start-up are there, with their own roles.
    register_permission("cases.coordinate", {Role.COORDINATOR})
    assert table["cases.coordinate"] == frozenset({"coordinator"})


def test_an_unknown_role_is_refused_and_named(table):
    with pytest.raises(ValueError) as refused:
        register_permission("test.bad", [Role.MANAGER, "janitor", "clerk"])
    assert str(refused.value) == "unknown roles ['clerk', 'janitor'] for permission 'test.bad'"
    assert "test.bad" not in table


def test_a_row_cannot_be_redefined_with_other_roles(table):
    register_permission("test.fixed", {Role.MANAGER})
    with pytest.raises(ValueError) as refused:
        register_permission("test.fixed", {Role.MANAGER, Role.AUDITOR})
    assert str(refused.value) == "permission 'test.fixed' is already defined with other roles"
    assert table["test.fixed"] == frozenset({"manager"})
    with pytest.raises(ValueError, match="already defined"):
        register_permission("intake.use", ALL_STAFF)
    assert table["intake.use"] == permissions.CASEWORK


# ---- has_permission ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_has_permission_follows_the_table_for_every_role(role):
    assert has_permission(user(role), "audit.view") is (role == Role.AUDITOR)
    assert has_permission(user(role), "intake.use") is (role in permissions.CASEWORK)
    assert has_permission(user(role), "account.self") is True


def test_has_permission_refuses_anonymous_disabled_and_unmarked_users():
    assert has_permission(ANONYMOUS, "account.self") is False
    assert has_permission(user(Role.AUDITOR, active=False), "audit.view") is False
    # Something that is not a user at all (no is_authenticated) is refused, not trusted.
    assert has_permission(SimpleNamespace(is_active=True, role=Role.AUDITOR), "audit.view") is False


# ---- @permission ------------------------------------------------------------------------------------


def test_an_unknown_permission_name_cannot_be_used():
    with pytest.raises(KeyError) as refused:
        permission("cases.nonexistent")
    assert refused.value.args[0] == (
        "permission 'cases.nonexistent' is not in tsunagu.access.permissions.PERMISSIONS"
    )


def test_the_decorated_view_is_called_with_its_arguments_and_carries_its_marking():
    guarded = permission("audit.view")(echo)
    response = call(guarded, user(Role.AUDITOR), "/x/", 7, "a", tab="plan")
    assert response.status_code == 200
    assert response.content.decode() == "args=(7, 'a') kwargs=[('tab', 'plan')]"
    assert guarded.tsunagu_permission == "audit.view"
    assert guarded.__name__ == "echo" and guarded.__wrapped__ is echo
    assert view_marking(guarded) == ("permission", "audit.view")


def test_anonymous_visitors_go_to_the_login_page_with_the_full_path():
    guarded = permission("audit.view")(echo)
    response = call(guarded, ANONYMOUS, "/access/audit/?page=2")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/access/audit/%3Fpage%3D2"


def test_without_mfa_even_the_right_role_is_refused_for_that_reason():
    guarded = permission("audit.view")(echo)
    for who in (user(Role.AUDITOR, verified=False), user(Role.AUDITOR, verified=None)):
        with pytest.raises(PermissionDenied) as refused:
            call(guarded, who)
        assert str(refused.value) == "MFA not verified"


def test_mfa_false_lets_an_unverified_user_reach_the_mfa_pages_but_not_with_the_wrong_role():
    guarded = permission("account.self", mfa=False)(echo)
    assert call(guarded, user(Role.MANAGER, verified=False)).status_code == 200
    assert call(guarded, user(Role.MANAGER, verified=None)).status_code == 200
    audit_only = permission("audit.view", mfa=False)(echo)
    with pytest.raises(PermissionDenied) as refused:
        call(audit_only, user(Role.MANAGER, verified=False))
    assert str(refused.value) == "role may not use audit.view"


def test_a_verified_user_of_another_role_is_refused_with_the_permissions_name():
    guarded = permission("audit.view")(echo)
    with pytest.raises(PermissionDenied) as refused:
        call(guarded, user(Role.COORDINATOR))
    assert str(refused.value) == "role may not use audit.view"
    with pytest.raises(PermissionDenied) as refused:
        call(guarded, user(Role.AUDITOR, active=False))
    assert str(refused.value) == "role may not use audit.view"


# ---- @public and view_marking -----------------------------------------------------------------------


def test_public_marks_the_view_itself_with_its_reason():
    def login(request: Any) -> HttpResponse:
        return HttpResponse("login")

    marked = public("ログイン画面")(login)
    assert marked is login
    assert marked.tsunagu_public == "ログイン画面"
    assert view_marking(marked) == ("public", "ログイン画面")


def test_view_marking_reads_the_class_of_a_class_based_view_and_the_wrapped_function():
    class Page(View):
        tsunagu_permission = "directory.view"

    assert view_marking(Page.as_view()) == ("permission", "directory.view")

    class Login(View):
        tsunagu_public = "ログイン"

    assert view_marking(Login.as_view()) == ("public", "ログイン")

    # A function without view_class whose __wrapped__ is marked (e.g. behind a decorator that does not
    # copy attributes): the missing view_class must not end the search.
    @permission("staff.manage")
    def inner(request: Any) -> HttpResponse:
        return HttpResponse()

    def outer(request: Any) -> HttpResponse:
        return inner(request)

    outer.__wrapped__ = inner  # type: ignore[attr-defined]
    assert view_marking(outer) == ("permission", "staff.manage")

    def bare(request: Any) -> HttpResponse:
        return HttpResponse()

    assert view_marking(bare) is None
    bare.tsunagu_permission = ""  # type: ignore[attr-defined]
    bare.tsunagu_public = ""  # type: ignore[attr-defined]
    assert view_marking(bare) is None


# ---- the resolver walk ------------------------------------------------------------------------------


def _unmarked(request: Any) -> HttpResponse:
    return HttpResponse("personal data")


@permission("directory.view")
def _marked(request: Any) -> HttpResponse:
    return HttpResponse("ok")


def _urlconf() -> str:
    """A URLconf with nested namespaces, an unnamed pattern, and unmarked views inside and outside the
    namespace that is allowed to be unmarked ("admin")."""
    name = "tsunagu_test_walk_urls"
    inner = [path("deep/", _unmarked, name="deep"), path("ok/", _marked, name="ok")]
    admin = [
        path("a/", _unmarked, name="a"),
        path("sub/", include((inner, "inner"), namespace="inner")),
    ]
    other = [
        path("x/", _unmarked, name="x"),
        path("sub/", include((inner, "inner"), namespace="inner")),
        path("plain/", include(inner)),
    ]
    module = types.ModuleType(name)
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("admin/", include((admin, "admin"), namespace="admin")),
        path("other/", include((other, "other"), namespace="other")),
        path("forgotten/", _unmarked),
        path("admin-lookalike/", _unmarked, name="admin"),
        path("fine/", _marked, name="fine"),
    ]
    sys.modules[name] = module
    return name


def _resolver() -> URLResolver:
    return URLResolver(re.compile("^/"), _urlconf())


def test_the_walk_yields_every_route_with_its_full_namespaced_name():
    walked = [(route, view_name) for route, view_name, _ in iter_url_patterns(_resolver())]
    assert walked == [
        ("admin/a/", "admin:a"),
        ("admin/sub/deep/", "admin:inner:deep"),
        ("admin/sub/ok/", "admin:inner:ok"),
        ("other/x/", "other:x"),
        ("other/sub/deep/", "other:inner:deep"),
        ("other/sub/ok/", "other:inner:ok"),
        ("other/plain/deep/", "other:deep"),
        ("other/plain/ok/", "other:ok"),
        ("forgotten/", ""),
        ("admin-lookalike/", "admin"),
        ("fine/", "fine"),
    ]
    patterns = {route: p for route, _, p in iter_url_patterns(_resolver())}
    assert patterns["fine/"].callback is _marked


def test_the_walk_of_the_project_starts_at_the_root():
    walked = {(route, view_name) for route, view_name, _ in iter_url_patterns()}
    assert ("accounts/login/", "accounts:login") in walked
    assert all(not route.startswith("/") for route, _ in walked)


def test_find_unmarked_views_skips_only_the_admin_namespace_and_names_each_route():
    lookup = f"{__name__}._unmarked"
    assert find_unmarked_views(_resolver()) == [
        "other/x/ (other:x)",
        "other/sub/deep/ (other:inner:deep)",
        "other/plain/deep/ (other:deep)",
        f"forgotten/ ({lookup})",
        "admin-lookalike/ (admin)",
    ]
