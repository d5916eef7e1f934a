"""A town's staff read 町, never a stray 市: "町の所管課", "町内全域", "この町の…".

A demo town is set up the way `make demo` sets up a city (profile, synthetic households, consultations,
one login per role); then each role opens one page of every view it can reach by following links from
its landing page, and the visible text — with the town's own data taken out — must not contain 市.
"""

from __future__ import annotations

import html
import io
import re
from collections import deque
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import Resolver404, resolve

from tests.factories import login_client
from tsunagu.accounts.models import Staff
from tsunagu.municipalities.models import Municipality
from tsunagu.people.models import Household, Person

TOWN = """\
schema_version = 1

[municipality]
code = "013030"
name = "みどり町"
prefecture = "テスト県"

[[areas]]
key = "kita"
name = "北部地区"
kind = "地区"

[[organizations]]
key = "fukushi"
name = "福祉課"
kind = "department"
domains = ["hardship"]

[[organizations]]
key = "hokatsu"
name = "地域包括支援センター"
kind = "community_general_support_center"
operation = "contracted"
department = "fukushi"
business_lines = ["1i"]
domains = ["elderly"]

[[organizations]]
key = "shakyo"
name = "社会福祉協議会"
kind = "social_welfare_council"
operation = "contracted"
department = "fukushi"

[[programs]]
key = "takikan"
name = "多機関協働事業"
business_lines = ["5", "6"]
department = "fukushi"
operation = "direct"

[[windows]]
key = "sogo"
name = "福祉の総合相談窓口"
organization = "fukushi"
domains = ["elderly", "disability", "child", "hardship", "other"]

[[windows]]
key = "hokatsu"
name = "地域包括支援センター"
organization = "hokatsu"
domains = ["elderly"]
areas = ["kita"]

[[coordinators]]
key = "co"
title = "地域福祉コーディネーター"
organization = "shakyo"
count = 1
bundler = true

[[meeting_bodies]]
key = "shien"
name = "支援会議"
kind = "confidential_conference"
legal_functions = ["confidential_conference"]
frequency = "monthly"
members = ["fukushi", "hokatsu", "shakyo"]
tier = 1

[[escalation_rules]]
key = "three"
name = "3分野以上の課題を多機関協働事業へ"
trigger = "domains_at_least"
min_domains = 3
target = "case"
"""

# National words that are not this town's name for itself.
ALLOWED = ("市町村", "市区町村")
SKIP = re.compile(r"^/(static|admin|accounts/logout)|\.(pdf|ics|csv|xlsx|svg|png)$|/pdf/|/download")


def visible_text(page: str) -> str:
    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    return html.unescape(re.sub(r"(?s)<[^>]+>", " ", page))


def data_words(town: Municipality) -> list[str]:
    """Strings that are the town's data, not the app's words (synthetic names may contain 市: 健市)."""
    words: set[str] = set()
    for p in Person.objects.filter(municipality=town):
        words |= {p.family_name, p.given_name, p.family_kana, p.given_kana, p.address}
    for h in Household.objects.filter(municipality=town):
        words |= {h.address, h.note}
    words |= {s.display_name for s in Staff.objects.all()}
    return sorted((w for w in words if w and "市" in w), key=len, reverse=True)


def crawl(client, start: str, limit: int = 80) -> dict[str, str]:
    """One page per view name reachable by links from `start`: {url: text}."""
    seen_views: set[str] = set()
    pages: dict[str, str] = {}
    queue = deque([start])
    visited: set[str] = set()
    while queue and len(pages) < limit:
        url = queue.popleft()
        if url in visited or SKIP.search(url):
            continue
        visited.add(url)
        try:
            view = resolve(urlsplit(url).path).view_name
        except Resolver404:
            continue
        if view in seen_views:
            continue
        response = client.get(url, follow=True)
        if response.redirect_chain:
            final = response.redirect_chain[-1][0]
            try:
                view = resolve(urlsplit(final).path).view_name
            except Resolver404:
                continue
            if view in seen_views:
                continue
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        seen_views.add(view)
        body = response.content.decode()
        pages[url] = body
        for href in re.findall(r'href="([^"#]+)"', body):
            href = html.unescape(href)
            if href.startswith("/"):
                queue.append(href)
    return pages


@pytest.mark.django_db
def test_every_page_a_town_sees_says_town(tmp_path, client):
    (tmp_path / "midori.toml").write_text(TOWN, encoding="utf-8")
    with override_settings(PROFILES_DIR=tmp_path):
        call_command("setup_demo", "--city", "013030", "--households", "30", stdout=io.StringIO())
    town = Municipality.objects.get(code="013030")
    assert (town.kind, town.kind_label) == ("town", "町")
    words = data_words(town)

    staff = list(Staff.objects.filter(municipality=town, is_active=True))
    assert len(staff) >= 5
    strays: list[str] = []
    views_seen = 0
    for user in staff:
        login_client(client, user)
        pages = crawl(client, "/")
        views_seen += len(pages)
        for url, body in pages.items():
            text = visible_text(body)
            for w in (*words, *ALLOWED):
                text = text.replace(w, "")
            for m in re.finditer("市", text):
                strays.append(f"{user.role} {url}: …{text[max(0, m.start() - 20) : m.end() + 20].strip()}…")
        client.logout()
    assert views_seen >= 15, views_seen
    assert not strays, "\n".join(strays)
    # The words that replaced 市 are really there.
    login_client(client, staff[0])
    directory = client.get("/directory/?tab=organizations").content.decode()
    assert "町の所管課" in directory


def test_templates_have_no_hard_coded_city_word():
    """A cheaper guard for pages the crawl cannot reach: no template says 市の/市内/市全体/この市."""
    root = Path(__file__).resolve().parent.parent / "tsunagu"
    pattern = re.compile(r"この市|市の所管課|市内全域|市全体|市内の|市の")
    found = [
        f"{path.relative_to(root)}: {line.strip()}"
        for path in root.rglob("*.html")
        for line in path.read_text("utf-8").splitlines()
        if pattern.search(line.replace("市町村", "").replace("市区町村", ""))
    ]
    assert not found, "\n".join(found)
