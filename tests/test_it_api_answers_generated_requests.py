"""The API under schemathesis, per role (issue 9 B2): every operation `/api/v1/openapi.json` describes
gets requests generated from its schema — valid and invalid — as anonymous, as each staff role of city A
and as a staff member of city B, and none may answer 5xx.

Runs over whatever the schema exposes, so each endpoint the API gains is covered without editing this
file; while there is no API yet the test is skipped with that reason. A second test proves the harness
catches a 500 on a small API of its own.
"""

from __future__ import annotations

import os
import sys
import types
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client, override_settings
from django.urls import path
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis.checks import not_a_server_error

from tests.factories import make_personas
from tsunagu.access.permissions import public

pytestmark = pytest.mark.django_db

SCHEMA_URL = "/api/v1/openapi.json"
EXAMPLES = int(os.environ.get("TSUNAGU_API_FUZZ_EXAMPLES", "25"))


class _Rollback(Exception):
    pass


@contextmanager
def _rolled_back() -> Iterator[None]:
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


def _session_cookies(users: dict[str, object | None]) -> dict[str, dict[str, str]]:
    """A logged-in, MFA-verified session cookie per role (anonymous: none)."""
    out: dict[str, dict[str, str]] = {}
    for label, user in users.items():
        if user is None:
            out[label] = {}
            continue
        client = Client()
        client.force_login(user)
        out[label] = {
            django_settings.SESSION_COOKIE_NAME: client.cookies[django_settings.SESSION_COOKIE_NAME].value
        }
    return out


def _fuzz_operation(operation, label: str, jar: dict[str, str], examples: int) -> tuple[int, list[str]]:
    made = 0
    failures: list[str] = []

    @seed(zlib.crc32(f"{operation.label} {label}".encode()))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case):  # type: ignore[no-untyped-def]
        nonlocal made
        made += 1
        with _rolled_back():
            try:
                response = case.call(cookies=jar)
                case.validate_response(response, checks=[not_a_server_error])
            except (Exception, BaseExceptionGroup) as exc:  # a 5xx (FailureGroup), or the view raised
                failures.append(f"{label} {case.method} {case.formatted_path} {case.query!r}: {exc!s}"[:400])

    run()
    return made, failures


def run_schema(users: dict[str, object | None], examples: int) -> tuple[int, list[str]]:
    """Every operation of the schema, every role: (requests made, failures)."""
    app = WSGIHandler()
    # As Django's test client does: a request's start and end must not close the test's connection (inside the
    # test transaction it is "obsolete" to close_old_connections, and PostgreSQL then loses it).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, app)
        cookies = _session_cookies(users)
        requests = 0
        failures: list[str] = []
        for result in schema.get_all_operations():
            operation = result.ok()
            for label, jar in cookies.items():
                made, found = _fuzz_operation(operation, label, jar, examples)
                requests += made
                failures += found
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return requests, failures


def _api_exists() -> bool:
    return Client().get(SCHEMA_URL).status_code == 200


def test_every_api_operation_answers_generated_requests_without_a_500_for_every_role():
    if not _api_exists():
        pytest.skip(f"{SCHEMA_URL} does not exist yet (the navigator adds /api/v1/): nothing to run")
    p = make_personas()
    users: dict[str, object | None] = {"anonymous": None, **{f"A {u.role}": u for u in p.all_a()}}
    users["B window_worker"] = p.worker_b
    requests, failures = run_schema(users, EXAMPLES)
    print(f"\napi-schemathesis: {requests} requests over {SCHEMA_URL}")
    assert failures == [], "\n".join(failures[:30])
    assert requests > 0


# ---- the harness has teeth ------------------------------------------------------------------------


def _buggy_api_urlconf() -> types.ModuleType:
    from ninja import NinjaAPI

    api = NinjaAPI(urls_namespace="tsunagu_test_buggy_api")

    @api.get("/echo")
    def echo(request, n: int = 1):  # type: ignore[no-untyped-def]
        if n > 2**31:
            raise OverflowError("the bug the harness must find")
        return {"n": n}

    patterns, app_name, namespace = api.urls
    for pattern in patterns:  # the permission middleware refuses unmarked views; this API is public
        public("test API")(pattern.callback)
    module = types.ModuleType("tsunagu_test_buggy_api_urls")
    module.urlpatterns = [path("api/v1/", (patterns, app_name, namespace))]  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    return module


def test_the_api_harness_catches_a_500():
    with override_settings(ROOT_URLCONF=_buggy_api_urlconf().__name__):
        assert _api_exists()
        requests, failures = run_schema({"anonymous": None}, 200)
    assert requests > 0
    assert any("/api/v1/echo" in f for f in failures), failures
