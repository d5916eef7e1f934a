"""`{% main_nav %}`: the main menu of every staff page, in five groups so that it fits one line.

Each entry shows only when the signed-in staff member holds its permission (`can`, filled by
access.context_processors.permissions: "cases.use" is `can.cases_use`); a group with no entry left is not
shown, a group with one entry is shown as that plain link, and a short menu (a manager, an auditor, an
administrator: up to FLAT_UP_TO entries) is all plain links. The entry of the page being shown carries aria-current="page" (or "true" for a
page below it) and so does its group's summary, so the place is visible while the menus are closed.

The menus are `<details name="main-nav">` disclosures: keyboard-usable without script, and only one open
at a time. core imports no app: the entries name URLs and permissions as strings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import reverse

register = template.Library()

# Up to this many entries in all, the menu is plain links (a manager, an auditor, an administrator).
FLAT_UP_TO = 6

# (namespace, url_name) of the page shown -> "page", "true" (a page below the entry) or "".
Current = Callable[[str, str], str]


def _in(namespace: str, test: Callable[[str], bool] = lambda _name: True) -> Current:
    return lambda ns, name: "page" if ns == namespace and test(name) else ""


def _directory_home(ns: str, name: str) -> str:
    if ns != "directory" or name == "structure":
        return ""
    return "page" if name == "home" else "true"


@dataclass(frozen=True)
class Entry:
    label: str
    url_name: str
    permission: str | None  # a key of `can`; None: every staff member
    current: Current = lambda _ns, _name: ""


GROUPS: tuple[tuple[str, tuple[Entry, ...]], ...] = (
    (
        "相談・つなぎ",
        (
            Entry("相談受付", "intake:new", "intake_use", _in("intake", lambda n: n == "new")),
            Entry(
                "つなぎ依頼", "intake:escalations", "intake_use", _in("intake", lambda n: n == "escalations")
            ),
            Entry(
                "窓口間のつなぎ",
                "intake:referrals_received",
                "intake_use",
                _in("intake", lambda n: "referral" in n),
            ),
            Entry("名寄せ", "people:candidates", "people_match", _in("people", lambda n: n != "household")),
        ),
    ),
    (
        "支援",
        (
            Entry("ケース", "cases:list", "cases_use", _in("cases")),
            Entry("アウトリーチ", "outreach:list", "outreach_use", _in("outreach")),
            Entry("参加支援", "participation:list", "participation_use", _in("participation")),
        ),
    ),
    (
        "会議・連絡帳",
        (
            Entry(
                "会議", "meetings:calendar", "meetings_use", _in("meetings", lambda n: "notebook" not in n)
            ),
            Entry(
                "連絡帳", "meetings:notebook", "meetings_notebook", _in("meetings", lambda n: "notebook" in n)
            ),
        ),
    ),
    (
        "地域・機関",
        (
            Entry("地域づくり", "community:home", "community_view", _in("community")),
            Entry("支援機関・窓口", "directory:home", None, _directory_home),
            Entry("体制図", "directory:structure", None, _in("directory", lambda n: n == "structure")),
        ),
    ),
    (
        "管理",
        (
            Entry("業務の状況", "insights:overview", "insights_overview", _in("insights")),
            Entry(
                "監査",
                "access:audit_log",
                "audit_view",
                _in("access", lambda n: n.startswith(("audit", "alert"))),
            ),
            Entry("職員管理", "accounts:staff_list", "staff_manage", _in("accounts", lambda n: "staff" in n)),
            Entry(
                "緊急アクセス",
                "access:break_glass",
                "break_glass_request",
                _in("access", lambda n: n == "break_glass"),
            ),
        ),
    ),
)


def menu(can: Mapping[str, bool], namespace: str, url_name: str) -> list[dict[str, Any]]:
    """The groups this staff member sees, each with its entries (label, url, current) and its own
    `current` ("true" when one of its entries is the page shown)."""
    groups = []
    for label, entries in GROUPS:
        shown = [
            {"label": e.label, "url": reverse(e.url_name), "current": e.current(namespace, url_name)}
            for e in entries
            if e.permission is None or can.get(e.permission)
        ]
        if shown:
            current = "true" if any(e["current"] for e in shown) else ""
            groups.append({"label": label, "entries": shown, "current": current})
    return groups


@register.inclusion_tag("core/_main_nav.html", takes_context=True)
def main_nav(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    namespace = (match.namespace or "") if match is not None else ""
    url_name = (match.url_name or "") if match is not None else ""
    groups = menu(context.get("can") or {}, namespace, url_name)
    return {"groups": groups, "flat": sum(len(g["entries"]) for g in groups) <= FLAT_UP_TO}
