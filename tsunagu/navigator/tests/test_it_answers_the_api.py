"""POST /api/v1/navigator/suggest: the documented contract, bad input, OpenAPI, rate limit."""

from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache
from django.test import override_settings

pytestmark = pytest.mark.django_db
URL = "/api/v1/navigator/suggest"


@pytest.fixture(autouse=True)
def _fresh_rate_budget():
    cache.clear()


def post(client, body):
    return client.post(URL, json.dumps(body), content_type="application/json")


def test_it_answers_the_contract(client, city):
    r = post(client, {"municipality": city.code, "text": "母の介護が大変で、生活費も足りない", "lang": "ja"})
    assert r.status_code == 200
    data = r.json()
    assert set(data) >= {"concerns", "windows", "emergency"}
    assert [c["code"] for c in data["concerns"]][:2] == ["care", "poverty"] or {"care", "poverty"} <= {
        c["code"] for c in data["concerns"]
    }
    assert all(0 <= c["score"] <= 1 and c["label"] for c in data["concerns"])
    assert data["emergency"] is False and data["emergency_lines"] == []
    keys = [w["key"] for w in data["windows"]]
    assert "sogo" in keys and "kikan-muke" not in keys
    sogo = next(w for w in data["windows"] if w["key"] == "sogo")
    assert sogo["general"] is True and sogo["home_visit"] is None and sogo["by_phone"] is True
    assert not re.search(r"\{[^{}|]+\|", json.dumps(data, ensure_ascii=False))  # no ruby markup in JSON


def test_danger_is_flagged_with_the_lines(client, city):
    data = post(client, {"municipality": city.code, "text": "死にたい", "lang": "en"}).json()
    assert data["emergency"] is True
    assert [x["phone"] for x in data["emergency_lines"]][:2] == ["110", "119"]


@pytest.mark.parametrize(
    "body",
    [
        {"municipality": "12", "text": "介護"},
        {"municipality": "999997", "text": ""},
        {"municipality": "999997", "text": "あ" * 2001},
        {"municipality": "999997", "text": "介護", "lang": "fr"},
        {"text": "介護"},
    ],
)
def test_bad_input_is_422(client, city, body):
    assert post(client, body).status_code == 422


def test_an_unknown_city_is_404_and_not_json_is_400_or_422(client, city):
    assert post(client, {"municipality": "000000", "text": "介護"}).status_code == 404
    assert client.post(URL, "not json", content_type="application/json").status_code in (400, 422)
    assert client.get(URL).status_code == 405


def test_openapi_describes_it(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/navigator/suggest" in schema["paths"]
    assert "post" in schema["paths"]["/api/v1/navigator/suggest"]


@override_settings(NAVIGATOR_RATE_PER_MINUTE=2)
def test_it_is_rate_limited(client, city):
    codes = [post(client, {"municipality": city.code, "text": "介護"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
