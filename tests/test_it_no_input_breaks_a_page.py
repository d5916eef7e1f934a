"""No input gives a 500 (issue 9 B1): every URL, every role, generated values in every field.

The walk takes every URL the resolver knows (a new view is picked up without touching this file), fills
its path ids from a world of two cities, and for each role — anonymous, every staff role of city A and a
coordinator of city B — first opens each page and reads what it can submit (forms, htmx requests, query
links). Then Hypothesis sends, to every page and every form target found, GETs with generated query
parameters and POSTs with generated values: the values the page offers mixed with dates of every era and
none, Unicode digits, huge numbers, 20,000-character and zero-width strings, lone surrogates (as the HTTP
layer delivers them) and ids of city B's records. Every answer must be 2xx, 3xx or 4xx, and a 4xx must
have changed nothing but the audit log (every table fingerprinted; audit rows may only be appended to an
intact chain). Each example runs in a savepoint that is rolled back, so examples are independent and a
failure replays exactly.

CI: a fixed seed per (URL, method, role) and TSUNAGU_FUZZ_EXAMPLES examples for each page a role can use
(default 5). A longer local run: `TSUNAGU_FUZZ_EXAMPLES=200 TSUNAGU_FUZZ_SEED=7 pytest -n 0 -s <this file>`.
The number of requests is printed at the end and written to docs/security.md (B1).
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import sys
import time
import traceback
import types
import uuid
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.http import Http404, HttpResponse
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import Resolver404, path, resolve, reverse
from django.utils import timezone
from hypothesis import HealthCheck, Phase, example, given, seed, settings
from hypothesis import strategies as st

from tests.factories import make_person, make_staff
from tsunagu import urls as tsunagu_urls
from tsunagu.access import actions as access_actions
from tsunagu.access.permissions import PERMISSIONS, iter_url_patterns, permission, view_marking
from tsunagu.accounts.models import Role
from tsunagu.cases.models import PlanAction
from tsunagu.cases.tests.helpers import BREAK_GLASS_REASON, World, add_member, make_world
from tsunagu.directory.models import MeetingBody, Organization, PointsProgram, Window
from tsunagu.intake import actions as intake_actions
from tsunagu.intake import referrals as intake_referrals
from tsunagu.intake.models import Consultation
from tsunagu.people.actions import merge_persons

from .fuzzing import (
    FieldInfo,
    WriteLog,
    changes,
    encode,
    fingerprint,
    requests_on_page,
    show,
    sweep_rows,
    value_strategy,
)

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("TSUNAGU_FUZZ_EXAMPLES", "2"))
# The role that sweeps a target: the first of these the route's permission allows.
SWEEP_ORDER = [
    "A coordinator",
    "A window_worker",
    "A agency_worker",
    "A auditor",
    "A administrator",
    "A manager",
]
SEED = int(os.environ.get("TSUNAGU_FUZZ_SEED", "0"))
# Django's own admin sits behind is_staff and the same MFA middleware; its forms are not ours to fuzz.
SKIPPED_NAMESPACES = ("admin",)
# Parameter names views read from the request outside their forms (query filters, htmx parameters).
KNOWN_PARAMETERS = [
    "page",
    "scope",
    "status",
    "view",
    "tab",
    "q",
    "next",
    "birth",
    "person_choice",
    "concerns",
    "household",
    "obj_type",
    "obj_id",
    "date_from",
    "date_to",
    "actor",
    "organization",
    "action",
    "left",
    "right",
    "keep",
    "active",
    "reason",
    "more_rows",
]


# ---- the world ------------------------------------------------------------------------------------


@dataclass
class Fuzz:
    world: World
    roles: dict[str, object | None]  # role label → Staff (None: anonymous)
    path_ids: dict[str, tuple[int, int]]  # path parameter → (id in city A, id in city B)
    foreign_ids: list[int]  # ids of city B's records, sent in fields
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    reached: dict[str, set[str]] = field(default_factory=dict)  # view name → roles whose view code ran
    failures: list[str] = field(default_factory=list)
    baseline: dict[str, str] = field(default_factory=dict)  # fingerprint of every table before each request


def _body(muni, key: str) -> MeetingBody:
    return MeetingBody.objects.create(
        municipality=muni,
        key=key,
        name=f"重層的支援会議 {key}",
        kind="other",
        frequency="monthly",
        legal_functions=["consented_conference", "case_review"],
        confidentiality_duty=True,
    )


def _referral(actor, to_organization, consultation):
    referral, _ = intake_referrals.send_referral(
        actor=actor,
        data=intake_referrals.ReferralInput(
            person=consultation.person,
            household=consultation.household,
            to_organization=to_organization,
            consent="self",
            contact_by="receiver",
            submission_token=uuid.uuid4(),
            reason="家計の相談へ",
            consultation=consultation,
        ),
    )
    return referral


def _meetings(w: World, body_a: MeetingBody, body_b: MeetingBody) -> tuple[Any, Any, Any, Any]:
    """A sitting of each city's body that began an hour ago, each with the city's case on its agenda."""
    from tsunagu.meetings.models import AgendaItem, Invitation, Meeting

    start = timezone.now() - dt.timedelta(hours=1)
    found = []
    for body, case, coord, org in (
        (body_a, w.case, w.city.coordinator, w.city.agency_org),
        (body_b, w.other_case, w.other.coordinator, w.other.agency_org),
    ):
        m = Meeting.objects.create(
            municipality=body.municipality,
            body=body,
            kind="scheduled",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
        )
        Invitation.objects.create(
            municipality_id=m.municipality_id, meeting=m, organization=org, invited_by=coord
        )
        item = AgendaItem.objects.create(
            municipality=body.municipality,
            meeting=m,
            case=case,
            purpose="plan",
            minutes=20,
            legal_function="consented_conference",
            proposed_by=coord,
        )
        item.organizations.set([org], through_defaults={"municipality_id": item.municipality_id})
        found.append((m, item))
    return found[0][0], found[1][0], found[0][1], found[1][1]


def build() -> Fuzz:
    w = make_world()
    a, b = w.city, w.other
    admin_a = make_staff(a.muni, Role.ADMINISTRATOR, a.window_org)
    body_a, body_b = _body(a.muni, "jusou-a"), _body(b.muni, "jusou-b")
    req_a, _ = intake_actions.request_escalation(
        actor=a.window_worker, household=w.household, reason="3分野の課題"
    )
    b_household = w.other_case.household
    req_b, _ = intake_actions.request_escalation(actor=b.window_worker, household=b_household, reason="課題")
    # A 名寄せ pair (one merged, one left to compare) in city A, and persons of city B.
    twin = make_person(a.muni, family_name="山田", given_name="太郎")
    add_member(w.household, twin)
    merge = merge_persons(actor=a.coordinator, keep=w.p1, absorb=twin, reason="同一人物と確認（テスト）")
    b_person = b_household.members.first().person
    grant_a = access_actions.request_break_glass(
        actor=a.window_worker, obj_type="household", obj_id=w.household.pk, reason=BREAK_GLASS_REASON
    )
    grant_b = access_actions.request_break_glass(
        actor=b.window_worker, obj_type="household", obj_id=b_household.pk, reason=BREAK_GLASS_REASON
    )
    # A referral between windows (つなぎ) in each city: A's window to A's agency, B's window to another body.
    ref_a = _referral(a.window_worker, a.agency_org, w.consultation_p1)
    b_consultation = Consultation.objects.filter(household=b_household).first()
    ref_b = _referral(b.window_worker, b.agency_org, b_consultation)
    action_a = PlanAction.objects.filter(plan__case=w.case).first()
    meeting_a, meeting_b, item_a, item_b = _meetings(w, body_a, body_b)
    org_b = Organization.objects.filter(municipality=b.muni).first()
    # A volunteer points program in each city (地域づくり), run by the city's agency.
    program_a, program_b = (
        PointsProgram.objects.create(
            municipality=c.muni,
            key="walk-points",
            name="ポイント",
            business_line="3i",
            organization=c.agency_org,
        )
        for c in (a, b)
    )
    path_ids = {
        "case_id": (w.case.pk, w.other_case.pk),
        "consent_id": (w.consents["active"].pk, w.consents["withdrawn"].pk),
        "action_id": (action_a.pk, 10**6),
        "request_id": (req_a.pk, req_b.pk),
        "household_id": (w.household.pk, b_household.pk),
        "left_id": (w.p1.pk, b_person.pk),
        "right_id": (w.p2.pk, b_person.pk),
        "merge_id": (merge.pk, 10**6),
        "grant_id": (grant_a.pk, grant_b.pk),
        "referral_id": (ref_a.pk, ref_b.pk),
        "staff_id": (a.colleague.pk, b.window_worker.pk),
        "pk:directory:organization": (a.window_org.pk, org_b.pk),
        "pk:directory:window": (a.window.pk, Window.objects.get(municipality=b.muni).pk),
        "pk:directory:body": (body_a.pk, body_b.pk),
        "meeting_id": (meeting_a.pk, meeting_b.pk),
        "item_id": (item_a.pk, item_b.pk),
        "program_id": (program_a.pk, program_b.pk),
    }
    foreign_ids = [
        w.other_case.pk,
        b_household.pk,
        b_person.pk,
        req_b.pk,
        grant_b.pk,
        org_b.pk,
        b.coordinator.pk,
        body_b.pk,
        ref_b.pk,
        *[c.pk for c in b.concerns.values()],
    ]
    roles: dict[str, object | None] = {
        "anonymous": None,
        "A window_worker": a.window_worker,
        "A coordinator": a.coordinator,
        "A agency_worker": a.agency_worker,
        "A manager": a.manager,
        "A auditor": a.auditor,
        "A administrator": admin_a,
        "B coordinator": b.coordinator,
    }
    return Fuzz(w, roles, path_ids, foreign_ids)


# ---- routes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    view_name: str
    params: tuple[str, ...]
    permission: str | None  # None: public

    def url(self, fuzz: Fuzz, variant: str = "a") -> str:
        kwargs = {}
        for p in self.params:
            a_id, b_id = fuzz.path_ids.get(f"{p}:{self.view_name}") or fuzz.path_ids.get(p) or (1, 2)
            kwargs[p] = {"a": a_id, "b": b_id, "huge": int("9" * 30), "zero": 0}[variant]
        return reverse(self.view_name, kwargs=kwargs)

    def allows(self, user: object | None) -> bool:
        if self.permission is None:
            return True
        return user is not None and user.role in PERMISSIONS[self.permission]  # type: ignore[attr-defined]


def routes() -> list[Route]:
    found = []
    for _route, view_name, pattern in iter_url_patterns():
        if view_name.split(":", 1)[0] in SKIPPED_NAMESPACES or not view_name:
            continue
        marking = view_marking(pattern.callback)
        params = tuple(pattern.pattern.converters)
        found.append(Route(view_name, params, marking[1] if marking and marking[0] == "permission" else None))
    return found


# ---- sending one request --------------------------------------------------------------------------


class _Rollback(Exception):
    pass


def _is_gate(response) -> bool:
    """The request stopped at the door: login redirect, MFA step, 403 or 405 — the view code never ran."""
    if response.status_code in (403, 405):
        return True
    location = response.get("Location", "") if response.status_code in (301, 302) else ""
    return location.startswith(("/accounts/login/", "/accounts/mfa/"))


def send(fuzz: Fuzz, client: Client, label: str, route: Route, method: str, url: str, pairs) -> object:
    """One request inside a savepoint that is rolled back; returns the response (None for a 500)."""
    fuzz.requests += 1
    query = encode(pairs)
    cookies = copy.deepcopy(client.cookies)
    response = None
    log = WriteLog()
    # Marked as the test framework's own block (as Django's TestCase marks its own), so that the durable
    # actions a screen calls run inside it as they would at the top level.
    savepoint = transaction.atomic()
    savepoint._from_testcase = True  # type: ignore[attr-defined]
    try:
        with savepoint:
            with connection.execute_wrapper(log):
                if method == "GET":
                    response = client.generic("GET", f"{url}?{query}" if query else url)
                else:
                    response = client.generic(
                        "POST", url, query.encode("ascii"), content_type="application/x-www-form-urlencoded"
                    )
            fuzz.statuses[response.status_code // 100 * 100] += 1
            problem = ""
            if response.status_code >= 500:
                problem = f"status {response.status_code}"
            elif 400 <= response.status_code < 500:
                changed = changes(log, fuzz.baseline)
                if changed:
                    problem = f"status {response.status_code} but changed {changed}"
            if not _is_gate(response):
                fuzz.reached.setdefault(route.view_name, set()).add(label)
            if problem:
                fuzz.failures.append(f"{label} {method} {url} {show(pairs)}: {problem}")
            raise _Rollback
    except _Rollback:
        pass
    except Exception as exc:  # the test client re-raises what the view raised: a 500
        fuzz.statuses[500] += 1
        where = traceback.extract_tb(exc.__traceback__)[-1]
        fuzz.failures.append(
            f"{label} {method} {url} {show(pairs)}: {type(exc).__name__}: {str(exc)[:200]} "
            f"at {where.filename.rsplit('/tsunagu/', 1)[-1]}:{where.lineno}"
        )
        response = None
    finally:
        client.cookies = cookies
    return response


# ---- generating requests --------------------------------------------------------------------------


def _pairs_strategy(fields: dict[str, FieldInfo], fuzz: Fuzz) -> st.SearchStrategy[list[tuple[str, str]]]:
    """The fields as the page would submit them, with a few of them (and sometimes an extra known
    parameter) replaced by generated values, left out, or sent several times."""
    names = sorted(fields)
    extra = [n for n in KNOWN_PARAMETERS if n not in fields]

    @st.composite
    def build(draw: st.DrawFn) -> list[tuple[str, str]]:
        chosen = draw(st.sets(st.sampled_from(names), max_size=3)) if names else set()
        added = draw(st.sets(st.sampled_from(extra), max_size=1))
        pairs: list[tuple[str, str]] = []
        for name in [*names, *sorted(added)]:
            info = fields.get(name, FieldInfo())
            if name not in chosen and name not in added:
                pairs.extend((name, v) for v in info.default)
                continue
            values = draw(st.lists(value_strategy(info.options, fuzz.foreign_ids), min_size=0, max_size=2))
            pairs.extend((name, v) for v in values)
        return pairs

    return build()


def fuzz_target(
    fuzz: Fuzz, client: Client, label: str, route: Route, method: str, fields, examples: int, sweep: bool
) -> None:
    """`examples` generated requests, and with `sweep` first the SWEEP rows (explicit examples: every
    field with every kind of bad value; GET targets also sweep the known query parameters)."""

    def run(pairs, variant):  # type: ignore[no-untyped-def]
        send(fuzz, client, label, route, method, route.url(fuzz, variant), pairs)

    test = given(
        pairs=_pairs_strategy(fields, fuzz),
        variant=st.sampled_from(["a", "a", "a", "b", "huge", "zero"]) if route.params else st.just("a"),
    )(run)
    if sweep:
        names = sorted(fields) if method == "POST" else sorted({*fields, *KNOWN_PARAMETERS})
        for row in sweep_rows(names, fuzz.foreign_ids):
            test = example(pairs=row, variant="a")(test)
    test = settings(
        max_examples=max(examples, 1),
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate] if examples else [Phase.explicit],
        suppress_health_check=list(HealthCheck),
    )(test)
    seed(zlib.crc32(f"{route.view_name} {method} {label}".encode()) + SEED)(test)()


def discover(fuzz: Fuzz, clients: dict[str, Client], all_routes: list[Route]) -> dict[tuple[str, str], dict]:
    """Open every page as every role (each opening is a checked request too) and collect what each page
    can submit, keyed by (method, view name): the union over roles of the fields seen."""
    targets: dict[tuple[str, str], dict[str, FieldInfo]] = {}
    for route in all_routes:
        targets.setdefault(("GET", route.view_name), {})
        targets.setdefault(("POST", route.view_name), {})
    for label, client in clients.items():
        for route in all_routes:
            url = route.url(fuzz, "b" if label.startswith("B ") else "a")
            response = send(fuzz, client, label, route, "GET", url, [])
            if response is None or "html" not in response.get("Content-Type", ""):
                continue
            for found in requests_on_page(url, response.content.decode("utf-8", "replace")):
                try:
                    match = resolve(found.path)
                except Resolver404:
                    continue
                fields = targets.setdefault((found.method, match.view_name), {})
                for name, info in found.fields.items():
                    if name != "csrfmiddlewaretoken":
                        fields.setdefault(name, FieldInfo()).merge(info)
    return targets


# ---- the test -------------------------------------------------------------------------------------


def _defaults(fields: dict[str, FieldInfo]) -> list[tuple[str, str]]:
    return [(name, v) for name in sorted(fields) for v in fields[name].default]


LOGIN_REFRESH_SECONDS = 600  # well inside the 15-minute idle timeout


def login_all(fuzz: Fuzz, clients: dict[str, Client]) -> None:
    """Log every role in (fresh sessions), then fingerprint the database every example starts from."""
    for label, user in fuzz.roles.items():
        if user is not None:
            clients[label].force_login(user)
    fuzz.baseline = fingerprint()


# The walk is split into shards by view (every other view name, sorted) so that `pytest -n 2` runs them
# side by side; each shard discovers every page (a form of one view is found on another's page) and
# fuzzes only its own views' targets.
SHARDS = 2


@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_input_gives_a_500_on_any_page_for_any_role(shard):
    started, cpu_started = time.monotonic(), time.process_time()
    fuzz = build()
    clients = {label: Client() for label in fuzz.roles}
    login_all(fuzz, clients)
    logged_in = time.monotonic()
    all_routes = routes()
    by_name = {r.view_name: r for r in all_routes}
    mine = set(sorted(by_name)[shard::SHARDS])
    targets = discover(fuzz, clients, all_routes)
    for (method, view_name), fields in sorted(targets.items()):
        route = by_name.get(view_name)
        if route is None or view_name not in mine:
            continue
        if time.monotonic() - logged_in > LOGIN_REFRESH_SECONDS:  # only in long local runs
            login_all(fuzz, clients)
            logged_in = time.monotonic()
        sweeper = next((r for r in SWEEP_ORDER if route.allows(fuzz.roles[r])), None)
        for label, client in clients.items():
            allowed = route.allows(fuzz.roles[label])
            sweep = label == sweeper and not _is_gate(
                send(fuzz, client, label, route, method, route.url(fuzz), _defaults(fields)) or HttpResponse()
            )
            fuzz_target(fuzz, client, label, route, method, fields, EXAMPLES if allowed else 1, sweep)
    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu_started
    print(
        f"\nno-input-breaks-a-page shard {shard + 1}/{SHARDS}: {fuzz.requests} requests, {len(mine)} of "
        f"{len(all_routes)} URLs, {len(targets)} targets, {len(fuzz.roles)} roles, {elapsed:.0f} s ({cpu:.0f} s "
        f"CPU), {EXAMPLES} examples per usable target, statuses {dict(sorted(fuzz.statuses.items()))}"
    )
    # The walk must have reached every view of the shard as some role it allows (not only bounced at the door).
    unreached = sorted(
        r.view_name
        for r in all_routes
        if r.view_name in mine and r.view_name not in fuzz.reached and r.permission is not None
    )
    assert fuzz.failures == [] and unreached == [], "\n".join(
        [f"unreached: {unreached}", *fuzz.failures[:50]]
    )
    assert fuzz.requests >= 20 * len(mine)


# ---- the walk has teeth ---------------------------------------------------------------------------


def _buggy_urlconf() -> types.ModuleType:
    """Two views with the bugs the walk exists to find."""

    @permission("directory.view")
    def parses_carelessly(request):
        n = int(request.GET.get("n", "1"))  # "²" passes str.isdigit() and int() raises: a 500
        return HttpResponse(f'<form method="get"><input name="n" value="{n}"></form>')

    @permission("directory.view")
    def writes_then_refuses(request):
        Organization.objects.filter(pk=request.user.organization_id).update(name="書き換え")
        raise Http404

    module = types.ModuleType("tsunagu_test_buggy_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("careless/", parses_carelessly, name="careless"),
        path("refuses/", writes_then_refuses, name="refuses"),
    ]
    # The city's own error pages, as in tsunagu/urls.py: Django's default 404 view would render our
    # 404.html, whose links do not resolve in this urlconf.
    for code in (400, 403, 404, 500):
        name = f"handler{code}"
        setattr(module, name, getattr(tsunagu_urls, name))
    sys.modules[module.__name__] = module
    return module


def test_the_walk_catches_a_500_and_a_change_behind_a_4xx():
    staff = make_staff(role=Role.COORDINATOR)
    fuzz = Fuzz(world=None, roles={"A coordinator": staff}, path_ids={}, foreign_ids=[])  # type: ignore[arg-type]
    clients = {"A coordinator": Client()}
    login_all(fuzz, clients)
    with override_settings(ROOT_URLCONF=_buggy_urlconf().__name__):
        all_routes = routes()
        assert {r.view_name for r in all_routes} == {"careless", "refuses"}
        targets = discover(fuzz, clients, all_routes)
        assert "n" in targets[("GET", "careless")]
        for (method, view_name), fields in targets.items():
            route = next(r for r in all_routes if r.view_name == view_name)
            fuzz_target(fuzz, clients["A coordinator"], "A coordinator", route, method, fields, 5, sweep=True)
    assert any("careless" in f and "ValueError" in f for f in fuzz.failures), fuzz.failures
    assert any(
        "refuses" in f and "status 404 but changed ['directory_organization']" in f for f in fuzz.failures
    )
    assert staff.organization.__class__.objects.get(pk=staff.organization_id).name != "書き換え"


# ---- 500s the walk found, each pinned -------------------------------------------------------------


@pytest.mark.parametrize("next_", ["²", "9999-12-31", "明治1年1月1日", "accounts:login", "\x00"])
def test_the_mfa_step_ignores_a_next_that_is_not_a_path(client, next_):
    """`next` text that is not a path was handed to redirect(), which took it for a view name (500)."""
    staff = make_staff(role=Role.COORDINATOR)
    client.force_login(staff)  # MFA verified: the step sends the user on to `next`
    response = client.get("/accounts/mfa/", {"next": next_})
    assert response.status_code == 302
    assert response["Location"] == resolve_url(django_settings.LOGIN_REDIRECT_URL)


@pytest.mark.parametrize("username", ["x" * 151, "あ" * 300, "x" * 20_000])
def test_an_over_long_login_id_is_refused_before_it_reaches_the_lockout_table(client, username):
    """django-axes stores the ID in a varchar(255): a 300-character ID was a DataError on PostgreSQL."""
    from axes.models import AccessAttempt

    response = client.post("/accounts/login/", {"username": username, "password": "whatever-it-is"})
    assert response.status_code == 200
    assert AccessAttempt.objects.count() == 0


def test_a_person_search_with_nul_answers_like_any_other_search(client):
    """PostgreSQL refuses NUL in a text parameter: `q` with \\x00 was a DataError there."""
    staff = make_staff(role=Role.WINDOW_WORKER)
    client.force_login(staff)
    response = client.post("/intake/person-search/", {"q": "山\x00田", "birth": "\x00"})
    assert response.status_code == 200
