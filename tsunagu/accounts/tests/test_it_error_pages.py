"""Error pages (A5): 400, 403, 404, 500 and a refused CSRF token answer in Japanese, in Tsunagu's layout,
with a way back, and leak nothing — no path, no id, no exception text. pytest-django runs with
DEBUG off, as production does."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, RequestFactory, override_settings
from django.urls import include, path

from tests.factories import make_personas
from tsunagu import urls as root_urls
from tsunagu.access.permissions import public
from tsunagu.accounts import errors

pytestmark = pytest.mark.django_db

SECRET = "秘密7f3a-/srv/tsunagu/var/secret.txt-id=48213"


def _layout(body: str) -> None:
    """Tsunagu's layout: our stylesheet, the brand, the footer, Japanese."""
    assert '<html lang="ja">' in body
    assert "/static/tsunagu/tsunagu.css" in body
    assert "つなぐ <span>Tsunagu</span>" in body
    assert "重層的支援体制整備事業" in body
    assert 'href="/"' in body  # the way back


def _leaks_nothing(body: str, *needles: str) -> None:
    for needle in (SECRET, "Traceback", "Exception", "Error:", "Django", "DEBUG", *needles):
        assert needle not in body, needle


@public("test: raises")
def _boom(request):
    raise RuntimeError(SECRET)


def _urlconf() -> str:
    module = types.ModuleType("tsunagu_test_error_urls")
    module.urlpatterns = [path("boom/", _boom), path("", include("tsunagu.urls"))]  # type: ignore[attr-defined]
    for name in ("handler400", "handler403", "handler404", "handler500"):
        setattr(module, name, getattr(root_urls, name))
    sys.modules[module.__name__] = module
    return module.__name__


def test_debug_is_off_in_these_tests():
    assert settings.DEBUG is False


def test_404_is_japanese_in_the_layout_and_echoes_nothing(client):
    response = client.get("/no-such-page-48213/?name=山田太郎")
    body = response.content.decode()
    assert response.status_code == 404
    assert "ページが見つかりません" in body
    _layout(body)
    _leaks_nothing(body, "no-such-page", "48213", "山田太郎", "Not Found")


def test_404_for_a_logged_in_user_keeps_the_menu(client):
    p = make_personas()
    client.force_login(p.coordinator)
    response = client.get("/cases/99999999/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "ページが見つかりません" in body and 'class="global-nav"' in body
    _leaks_nothing(body, "99999999")


def test_403_names_no_permission_and_no_reason(client):
    p = make_personas()
    client.force_login(p.window_worker)
    response = client.get("/accounts/staff/")
    body = response.content.decode()
    assert response.status_code == 403
    assert "このページは表示できません" in body
    _layout(body)
    _leaks_nothing(body, "staff.manage", "role may not", "/accounts/staff/")


def test_a_view_outside_the_permission_registry_gets_the_same_403_page(client):
    def forgotten(request):
        raise AssertionError("must not run")

    module = types.ModuleType("tsunagu_test_forgotten_urls")
    module.urlpatterns = [path("forgotten/", forgotten)]  # type: ignore[attr-defined]
    module.handler403 = root_urls.handler403  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    p = make_personas()
    client.force_login(p.coordinator)
    with override_settings(ROOT_URLCONF=module.__name__):
        response = client.get("/forgotten/")
    assert response.status_code == 403
    assert "このページは表示できません" in response.content.decode()


def test_500_is_japanese_in_the_layout_and_shows_no_exception():
    client = Client(raise_request_exception=False)
    with override_settings(ROOT_URLCONF=_urlconf()):
        response = client.get("/boom/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "システムでエラーが起きました" in body and "発生日時: 令和" in body
    _layout(body)
    _leaks_nothing(body, "RuntimeError", "boom")


def _failing_context_processor(request):
    raise RuntimeError("context processor failed")


def test_500_renders_when_context_processors_fail():
    engine: dict[str, Any] = dict(settings.TEMPLATES[0])
    options: dict[str, Any] = dict(engine["OPTIONS"])
    options["context_processors"] = [*options["context_processors"], f"{__name__}._failing_context_processor"]
    templates = [{**engine, "OPTIONS": options}]
    client = Client(raise_request_exception=False)
    with override_settings(ROOT_URLCONF=_urlconf(), TEMPLATES=templates):
        response = client.get("/boom/")
        assert response.status_code == 500
        assert "システムでエラーが起きました" in response.content.decode()
        # 403/404 use the request's context; when that fails they fall back to the plain layout.
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        assert "ページが見つかりません" in response.content.decode()


class _NoUser:
    def __getattr__(self, name):
        raise RuntimeError("the 500 page must not touch the user")


def test_500_needs_no_database_and_no_user(django_db_blocker):
    request = RequestFactory().get("/anything/")
    request.user = _NoUser()  # type: ignore[assignment]
    with django_db_blocker.block():
        response = errors.server_error(request)
    body = response.content.decode()
    assert response.status_code == 500
    assert "システムでエラーが起きました" in body and "/static/tsunagu/tsunagu.css" in body


def test_500_falls_back_to_plain_japanese_when_no_template_renders(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("template engine down")

    monkeypatch.setattr(errors.loader, "get_template", broken)
    response = errors.server_error(RequestFactory().get("/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "システムでエラーが起きました" in body and 'href="/"' in body
    _leaks_nothing(body, "template engine down")


def test_400_is_japanese_and_does_not_echo_the_host(client):
    response = client.get("/accounts/login/", HTTP_HOST="attacker-48213.example")
    body = response.content.decode()
    assert response.status_code == 400
    assert "リクエストを処理できませんでした" in body
    _layout(body)
    _leaks_nothing(body, "attacker-48213", "DisallowedHost", "ALLOWED_HOSTS")


def test_csrf_failure_explains_in_japanese_without_djangos_reason():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    body = response.content.decode()
    assert response.status_code == 403
    assert "画面の有効期限が切れました" in body and "もう一度入力して送信してください" in body
    _layout(body)
    _leaks_nothing(body, "CSRF cookie", "not set", "Referer", "Forbidden", "token")
