"""The public pages: no login, three languages, bad input answered in words, the text never kept."""

from __future__ import annotations

import json
import logging

import pytest
from django.apps import apps
from django.core import serializers
from django.core.cache import cache
from django.test import override_settings

pytestmark = pytest.mark.django_db
MARK = "ナビ試験用の秘密の文章XYZZY"


@pytest.fixture(autouse=True)
def _fresh_rate_budget():
    cache.clear()


@pytest.mark.parametrize("lang", ["ja", "easy", "en"])
def test_every_page_answers_anonymously_in_each_language(client, city, lang):
    for url in (
        f"/navigator/{city.code}/",
        f"/navigator/{city.code}/result/?c=care&c=poverty&age=elderly",
        f"/navigator/{city.code}/code/",
    ):
        r = client.get(f"{url}{'&' if '?' in url else '?'}lang={lang}")
        assert r.status_code == 200, url
        assert f'lang="{"en" if lang == "en" else "ja"}"' in r.content.decode()
    assert r["Cache-Control"] == "no-store"


def test_easy_japanese_carries_furigana(client, city):
    html = client.get(f"/navigator/{city.code}/?lang=easy").content.decode()
    assert "<ruby>困<rp>(</rp><rt>こま</rt><rp>)</rp></ruby>" in html


def test_the_result_lists_windows_with_reasons_and_says_what_is_unknown(client, city):
    html = client.get(f"/navigator/{city.code}/result/?c=poverty&lang=ja").content.decode()
    assert "くらし・しごと相談窓口" in html and "福祉の総合相談窓口" in html
    assert "「生活費が足りない・食べるものに困っている」の相談を受けています" in html
    assert "つなぐ市役所1階" in html and "お薬手帳（あれば）" in html
    assert "まだ登録されていないこと" in html
    assert "多機関協働（支援機関向け）" not in html


@pytest.mark.parametrize(
    "query", ["c=no-such", "who=boss", "age=200", "area=nowhere", "c=care&c=" + "x" * 500]
)
def test_bad_choices_get_a_message_not_an_error(client, city, query):
    r = client.get(f"/navigator/{city.code}/result/?{query}")
    assert r.status_code == 400
    assert "選択肢にない値が送られました" in r.content.decode()


def test_an_unknown_city_is_404(client, city):
    assert client.get("/navigator/000000/").status_code == 404


def test_the_code_opens_the_same_result(client, city):
    html = client.get(f"/navigator/{city.code}/result/?c=care&c=debt&who=family&age=elderly").content.decode()
    code = html.split('class="nav-code" lang="en">')[1].split("<")[0]
    r = client.get(f"/navigator/{city.code}/code/?code={code}")
    assert r.status_code == 302
    assert "c=debt" in r["Location"] and "c=care" in r["Location"] and "age=elderly" in r["Location"]
    bad = client.get(f"/navigator/{city.code}/code/?code=ZZZZ-ZZZZ")
    assert bad.status_code == 400
    assert "このコードは読み取れません" in bad.content.decode()


def test_free_text_is_understood_and_editable(client, city):
    r = client.post(
        f"/navigator/{city.code}/understand/", {"text": "母の介護と借金で困っています", "lang": "ja"}
    )
    html = r.content.decode()
    assert r.status_code == 200
    assert "こう受け止めました" in html
    assert 'value="care" checked' in html and 'value="debt" checked' in html


def test_danger_words_show_emergency_numbers_before_anything_else(client, city):
    html = client.post(
        f"/navigator/{city.code}/understand/", {"text": "夫に殴られています", "lang": "ja"}
    ).content.decode()
    assert html.index("tel:110") < html.index("こう受け止めました") or html.index("tel:110") < html.index(
        "nav-understood"
    )
    assert 'name="e" value="1"' in html
    result = client.get(f"/navigator/{city.code}/result/?c=abuse-dv&e=1").content.decode()
    assert result.index("tel:110") < result.index("相談できる窓口")
    assert "0000-00-0000" in result


@pytest.mark.parametrize(
    ("text", "message"), [("", "困っていることを書いてください"), ("あ" * 2001, "2000文字以内")]
)
def test_empty_or_long_text_is_refused_with_a_message(client, city, text, message):
    r = client.post(f"/navigator/{city.code}/understand/", {"text": text, "lang": "ja"})
    assert r.status_code == 400
    assert message in r.content.decode()


@override_settings(NAVIGATOR_RATE_PER_MINUTE=3)
def test_free_text_is_rate_limited_per_client(client, city):
    url = f"/navigator/{city.code}/understand/"
    codes = [client.post(url, {"text": "介護", "lang": "ja"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    other = client.post(url, {"text": "介護", "lang": "ja"}, REMOTE_ADDR="10.0.0.2")
    assert other.status_code == 200


def test_the_residents_text_is_never_stored_or_logged(client, city, caplog):
    caplog.set_level(logging.DEBUG)
    client.post(f"/navigator/{city.code}/understand/", {"text": f"{MARK} 介護", "lang": "ja"})
    client.post(f"/navigator/{city.code}/understand/", {"text": MARK * 200, "lang": "ja"})  # a 400
    client.post(
        "/api/v1/navigator/suggest",
        json.dumps({"municipality": city.code, "text": f"{MARK} 借金"}),
        content_type="application/json",
    )
    client.post(
        "/api/v1/navigator/suggest",
        json.dumps({"municipality": "x", "text": MARK}),
        content_type="application/json",
    )
    assert MARK not in caplog.text
    for model in apps.get_models():
        dump = serializers.serialize("json", model._default_manager.all())
        assert MARK not in dump, model
