"""The main menu, grouped so that it fits one line, still leads every role to exactly what it led to
before the grouping (the permission conditions stay), marks the page shown and its group, and stays
plain links for the roles with a short menu."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from tsunagu.core.templatetags.nav import FLAT_UP_TO, menu

from .factories import login_client, make_personas

pytestmark = pytest.mark.django_db

CASEWORK_MENU = {
    "intake:new",
    "intake:escalations",
    "intake:referrals_received",
    "cases:list",
    "outreach:list",
    "participation:list",
    "meetings:calendar",
    "meetings:notebook",
    "community:home",
    "directory:home",
    "directory:structure",
    "access:break_glass",
}
# What each role's menu linked to before the grouping (the conditions of base.html's flat menu).
EXPECTED = {
    "window_worker": CASEWORK_MENU | {"people:candidates"},
    "coordinator": CASEWORK_MENU | {"people:candidates", "insights:overview"},
    "agency_worker": CASEWORK_MENU,
    "manager": {
        "meetings:calendar",
        "community:home",
        "insights:overview",
        "directory:home",
        "directory:structure",
        "access:break_glass",
    },
    "auditor": {"directory:home", "directory:structure", "access:audit_log"},
    "administrator": {"directory:home", "directory:structure", "accounts:staff_list"},
}


def _nav(client, url: str) -> str:
    body = client.get(url).content.decode()
    found = re.search(r'<nav class="global-nav"[^>]*>(.*?)</nav>', body, re.S)
    assert found is not None, url
    return found.group(1)


def test_every_role_reaches_what_it_reached_before(client):
    p = make_personas()
    for role, names in EXPECTED.items():
        client.logout()
        login_client(client, getattr(p, role))
        nav = _nav(client, "/directory/")
        hrefs = re.findall(r'<a href="([^"]+)"', nav)
        assert sorted(hrefs) == sorted(reverse(n) for n in names), role
        groups = re.findall(r"<summary[^>]*>([^<]+)</summary>", nav)
        if len(names) <= FLAT_UP_TO:
            assert groups == [], role
        else:
            # Casework roles get the five groups, or four when no entry of 管理 but one is theirs.
            assert groups[:4] == ["相談・つなぎ", "支援", "会議・連絡帳", "地域・機関"], (role, groups)


def test_the_page_shown_and_its_group_are_marked(client):
    p = make_personas()
    login_client(client, p.coordinator)
    nav = _nav(client, "/intake/escalations/")
    assert re.findall(r'aria-current="page">([^<]+)<', nav) == ["つなぎ依頼"]
    assert re.findall(r'<summary aria-current="true">([^<]+)<', nav) == ["相談・つなぎ"]
    # A page below the directory marks 支援機関・窓口 as "true" (not the page itself) and its group.
    nav = _nav(client, "/directory/resources/")
    assert re.findall(r'aria-current="(?:page|true)">([^<]+)</a', nav) == ["支援機関・窓口"]
    assert 'aria-current="true">支援機関・窓口</a>' in nav
    nav = _nav(client, "/directory/structure/")
    assert re.findall(r'aria-current="page">([^<]+)<', nav) == ["体制図"]
    assert re.findall(r'<summary aria-current="true">([^<]+)<', nav) == ["地域・機関"]


def test_a_group_with_one_entry_is_a_plain_link():
    can = {"meetings_use": True, "community_view": True, "intake_use": True}
    groups = menu(can, "meetings", "calendar")
    by_label = {g["label"]: g for g in groups}
    assert [e["label"] for e in by_label["会議・連絡帳"]["entries"]] == ["会議"]
    assert by_label["会議・連絡帳"]["current"] == "true"
    assert "管理" not in by_label and by_label["地域・機関"]["current"] == ""
    html = render_to_string("core/_main_nav.html", {"groups": groups, "flat": False})
    summaries = re.findall(r"<summary[^>]*>([^<]+)</summary>", html)
    assert summaries == ["相談・つなぎ", "地域・機関"]
    assert f'<a href="{reverse("meetings:calendar")}" aria-current="page">会議</a>' in html
