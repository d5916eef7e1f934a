"""Page benchmark: p50/p95 of every staff page on a `generate_history` database, and the request overhead.

Pages are requested in-process through Django's test client (the whole middleware stack, templates and
audit writes; no HTTP), each `--requests` times after `--warmup` requests, as the staff member who would
open it (`pages` lists them: the coordinator's case, meeting, 連絡帳, outreach, participation, resource and
community screens, the manager's overview, the auditor's log, the administrator's staff list, the window
worker's households, search and 名寄せ). Logins are forced on existing generated staff and marked
MFA-verified (a confirmed TOTP device is added to each). Every page view writes its audit row into that
database, as in production. The run prints how many records of each kind the city holds first: pages
whose app generate_history does not fill yet are measured on what there is. `--only TEXT` measures the
pages whose label contains TEXT.

`--throughput` also serves the project with gunicorn (2 sync workers, the bench extra) and measures
requests/s of the household page and of a hello view behind the same login, session and MFA middleware
(bench/bench_urls.py), with `--clients` keep-alive clients for `--seconds` each; the figure of issue 10
is household ÷ hello.

    .venv/bin/python manage.py generate_history …                      # into e.g. wt_scale_big
    .venv/bin/python bench/bench_pages.py --database-url postgres://postgres@127.0.0.1:5432/wt_scale_big
    .venv/bin/python bench/bench_pages.py --database-url … --throughput --json /tmp/pages.json
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def setup(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    os.environ["TSUNAGU_DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
    import django

    django.setup()


def staff_of(role: str, municipality_id: int) -> Any:
    """The generated staff member of `role` who would open the pages (with a confirmed TOTP device).

    The coordinator is the one holding the most open cases (the heaviest dashboard and case list). An
    administrator is not generated: one `bench-<code>-administrator` is made once (unusable password).
    """
    from django.db.models import Count
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tsunagu.accounts.models import Role, Staff
    from tsunagu.cases.models import Case, CaseStatus

    generated = Staff.objects.filter(
        role=role, municipality_id=municipality_id, is_active=True, username__startswith="hist-"
    )
    user = generated.order_by("pk").first()
    if role == Role.COORDINATOR:
        busiest = (
            Case.objects.filter(municipality_id=municipality_id, coordinator__in=generated)
            .exclude(status=CaseStatus.CLOSED)
            .values("coordinator_id")
            .annotate(n=Count("pk"))
            .order_by("-n", "coordinator_id")
            .first()
        )
        if busiest is not None:
            user = generated.get(pk=busiest["coordinator_id"])
    if user is None and role == Role.ADMINISTRATOR:
        from tsunagu.municipalities.models import Municipality

        code = Municipality.objects.get(pk=municipality_id).code
        user, _ = Staff.objects.get_or_create(
            username=f"bench-{code}-administrator",
            defaults={
                "municipality_id": municipality_id,
                "role": Role.ADMINISTRATOR,
                "display_name": "ベンチ管理者",
                "password": "!bench-unusable",
                "is_active": True,
            },
        )
    if user is None:
        raise SystemExit(f"no generated {role} in this database: run generate_history first")
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    return user


def session_for(user: Any) -> tuple[str, Any]:
    """A logged-in, MFA-verified session (as after a real login) and a test client carrying it."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tsunagu.accounts.middleware import stamp_login

    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = (
        TOTPDevice.objects.filter(user=user, confirmed=True).first().persistent_id
    )
    request = type("R", (), {"session": session})()
    stamp_login(request)  # type: ignore[arg-type]
    session.save()
    return session.session_key, client


def data_counts(municipality_id: int) -> dict[str, int]:
    """How many rows the pages below had to work with (generate_history does not yet write every app's)."""
    from tsunagu.access.models import AuditEvent
    from tsunagu.cases.models import Case
    from tsunagu.community.models import Sitting
    from tsunagu.directory.resource_models import Resource
    from tsunagu.intake.models import Consultation, EscalationRequest
    from tsunagu.meetings.models import AgendaItem, Meeting
    from tsunagu.meetings.notebook_models import NotebookPost, NotebookThread
    from tsunagu.outreach.models import Engagement
    from tsunagu.participation.models import SupportRecord

    models = {
        "consultations": Consultation,
        "cases": Case,
        "escalation requests": EscalationRequest,
        "meetings": Meeting,
        "agenda items": AgendaItem,
        "連絡帳 threads": NotebookThread,
        "連絡帳 posts": NotebookPost,
        "outreach engagements": Engagement,
        "participation records": SupportRecord,
        "community sittings": Sitting,
        "resources": Resource,
        "audit events": AuditEvent,
    }
    return {
        label: model.objects.filter(municipality_id=municipality_id).count()
        for label, model in models.items()
    }


def pages(municipality_id: int) -> list[tuple[str, str, str, dict[str, str] | None]]:
    """(label, role, url, POST data or None) of each page measured, with real ids from the database.

    Each page is opened by the role that opens it daily: the coordinator (the one holding the most open
    cases) for the case, meeting, 連絡帳, outreach, participation, resource and community screens; the
    manager for the overview; the auditor for the audit log; an administrator for the staff list; a window
    worker for households, search and 名寄せ. Pages whose records the database lacks are still measured
    (an empty list costs its queries too); `data_counts` says what they had.
    """
    from django.db.models import Count
    from django.urls import reverse

    from tsunagu.access.models import AuditObject
    from tsunagu.intake.models import Consultation
    from tsunagu.meetings.models import AgendaItem
    from tsunagu.meetings.policy import visible_meetings
    from tsunagu.people.models import Person

    heavy = (
        Consultation.objects.filter(municipality_id=municipality_id)
        .values("household_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    typical = (
        Consultation.objects.filter(municipality_id=municipality_id)
        .order_by("-pk")
        .values("household_id")
        .first()
    )
    person = Person.objects.filter(municipality_id=municipality_id).order_by("pk").first()
    assert heavy and typical and person
    reading = f"{person.family_kana}{person.given_kana}"
    # One kana wrong at the end (the slowest class of the search benchmark): the typo tier answers.
    typo = reading[:-1] + ("ア" if reading[-1] != "ア" else "イ")
    # The household page itself (intake's URL answers with a redirect to it).
    household = reverse("people:household", args=[typical["household_id"]])

    def most_audited(kind: str) -> tuple[int, int] | None:
        row = (
            AuditObject.objects.filter(municipality_id=municipality_id, kind=kind)
            .values("obj_id")
            .annotate(n=Count("pk"))
            .order_by("-n", "obj_id")
            .first()
        )
        return (row["obj_id"], row["n"]) if row else None

    audit_person = most_audited("person") or (person.pk, 0)
    audit_case = most_audited("case")
    audit_url = reverse("access:audit_log")
    meetings = visible_meetings(staff_of("coordinator", municipality_id))
    meeting = (
        meetings.filter(pk__in=AgendaItem.objects.values("meeting_id"))
        .annotate(n=Count("items"))
        .order_by("-n", "pk")
        .first()
    ) or meetings.order_by("pk").first()

    out: list[tuple[str, str, str, dict[str, str] | None]] = [
        ("dashboard", "coordinator", reverse("cases:dashboard"), None),
        ("case list", "coordinator", reverse("cases:list"), None),
        ("case list, all visible", "coordinator", reverse("cases:list") + "?scope=all&status=", None),
        ("escalations", "coordinator", reverse("intake:escalations"), None),
        ("meetings calendar", "coordinator", reverse("meetings:calendar"), None),
    ]
    if meeting is not None:
        out.append(("meeting page", "coordinator", reverse("meetings:detail", args=[meeting.pk]), None))
    out += [
        ("会議の宿題 (todo)", "coordinator", reverse("meetings:todo"), None),
        ("連絡帳 inbox", "coordinator", reverse("meetings:notebook"), None),
        ("outreach list", "coordinator", reverse("outreach:list"), None),
        ("participation list", "coordinator", reverse("participation:list"), None),
        ("resources list", "coordinator", reverse("directory:resources"), None),
        ("community home", "coordinator", reverse("community:home"), None),
        ("insights overview (manager)", "manager", reverse("insights:overview"), None),
        ("staff list (administrator)", "administrator", reverse("accounts:staff_list"), None),
        ("household (typical)", "window_worker", household, None),
        (
            f"household (heaviest, {heavy['n']} consultations)",
            "window_worker",
            reverse("people:household", args=[heavy["household_id"]]),
            None,
        ),
        ("名寄せ candidates", "window_worker", reverse("people:candidates"), None),
        ("名寄せ namesakes", "window_worker", reverse("people:candidates") + "?view=namesake", None),
        ("audit log, unfiltered", "auditor", audit_url, None),
        (
            f"audit by person (most audited, {audit_person[1]} events)",
            "auditor",
            audit_url + f"?obj_type=person&obj_id={audit_person[0]}",
            None,
        ),
        ("audit, a person's trail", "auditor", audit_url + f"?person={audit_person[0]}", None),
    ]
    if audit_case is not None:
        out.append(
            (
                f"audit by record (case, {audit_case[1]} events)",
                "auditor",
                audit_url + f"?obj_type=case&obj_id={audit_case[0]}",
                None,
            )
        )
    out += [
        ("intake search, reading (POST)", "window_worker", reverse("intake:person_search"), {"q": reading}),
        (
            "intake search, reading with a typo (POST)",
            "window_worker",
            reverse("intake:person_search"),
            {"q": typo},
        ),
    ]
    return out


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.count += 1
        return execute(sql, params, many, context)


def time_pages(
    municipality_id: int, requests: int, warmup: int, only: str | None = None
) -> list[dict[str, Any]]:
    from django.db import connection

    clients = {}
    out = []
    for label, role, url, data in pages(municipality_id):
        if only and not any(part.strip().lower() in label.lower() for part in only.split(",")):
            continue
        if role not in clients:
            clients[role] = session_for(staff_of(role, municipality_id))[1]
        client = clients[role]

        def get(client: Any = client, url: str = url, data: dict[str, str] | None = data) -> Any:
            return client.get(url) if data is None else client.post(url, data)

        for _ in range(warmup):
            get()
        # Counted with an execute wrapper: Django clears connection.queries at each request start.
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            response = get()
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            response = get()
            times.append((time.perf_counter() - started) * 1000)
        row = {
            "page": label,
            "url": url.split("?")[0],
            "status": response.status_code,
            "bytes": len(response.content),
            "queries": counter.count,
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 0.95), 1),
            "max_ms": round(max(times), 1),
            "requests": requests,
        }
        print(
            f"  {label:<44} {row['status']}  p50 {row['p50_ms']:8.1f} ms  p95 {row['p95_ms']:8.1f} ms  "
            f"{row['bytes'] / 1024:7.1f} KB  {row['queries']:4d} queries",
            flush=True,
        )
        out.append(row)
    return out


# ------------------------------------------------------------------------------------------ throughput


def _load(port: int, path: str, cookie: str, seconds: float, clients: int) -> float:
    done = [0] * clients
    stop = time.perf_counter() + seconds

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while time.perf_counter() < stop:
            conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise SystemExit(f"{path}: HTTP {response.status}")
            done[n] += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.perf_counter() - started)


def throughput(
    database_url: str, municipality_id: int, seconds: float, clients: int, port: int
) -> dict[str, Any]:
    from django.conf import settings
    from django.urls import reverse

    from tsunagu.intake.models import Consultation

    key, _client = session_for(staff_of("window_worker", municipality_id))
    cookie = f"{settings.SESSION_COOKIE_NAME}={key}"
    household = Consultation.objects.filter(municipality_id=municipality_id).order_by("-pk").first()
    assert household is not None
    paths = {
        "hello": "/bench/hello/",
        # The page itself (intake:household only redirects here since the page moved to people).
        "household": reverse("people:household", args=[household.household_id]),
    }
    env = {
        **os.environ,
        "TSUNAGU_DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}",
    }
    gunicorn = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        "2",
        # The application is imported once, before the workers fork: on a loaded machine a worker's first
        # request would otherwise import the whole project (tens of seconds at load 10) inside the run.
        "--preload",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "tsunagu.wsgi:application",
    ]
    server = subprocess.Popen(gunicorn, env=env, cwd=ROOT)  # noqa: S603
    try:
        for _ in range(600):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/")
                break
            except OSError:
                time.sleep(0.2)
        # Both workers answer a page before anything is timed (each client's first request warms one).
        _load(port, paths["hello"], cookie, 1, clients)
        result: dict[str, Any] = {
            "workers": 2,
            "clients": clients,
            "seconds": seconds,
            "load_average_before": os.getloadavg(),
        }
        for name, path in paths.items():
            _load(port, path, cookie, 2, clients)  # warm the workers and their connections
            result[f"{name}_rps"] = round(_load(port, path, cookie, seconds, clients), 1)
            print(f"  {name:<12} {result[f'{name}_rps']:8.1f} requests/s", flush=True)
        result["ratio"] = round(result["household_rps"] / result["hello_rps"], 3)
        result["load_average_after"] = os.getloadavg()
        print(f"  household ÷ hello = {result['ratio']}", flush=True)
        return result
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True, help="a database filled by generate_history")
    parser.add_argument(
        "--city", default="132047", help="municipality code (default 三鷹市, generate_history's)"
    )
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--throughput", action="store_true")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--json", help="write the results here")
    parser.add_argument(
        "--only", help="measure only the pages whose label contains one of these comma-separated texts"
    )
    args = parser.parse_args()
    setup(args.database_url)
    from django.db import connection

    from tsunagu.municipalities.models import Municipality
    from tsunagu.people.models import Person

    muni = Municipality.objects.get(code=args.city)
    result: dict[str, Any] = {
        "database": connection.vendor,
        "persons": Person.objects.filter(municipality=muni).count(),
        "load_average_before": os.getloadavg(),
    }
    print(f"{muni}: {result['persons']:,} persons, {connection.vendor}, load average {os.getloadavg()}")
    result["data"] = data_counts(muni.pk)
    print("  data: " + ", ".join(f"{k} {v:,}" for k, v in result["data"].items()), flush=True)
    result["pages"] = time_pages(muni.pk, args.requests, args.warmup, args.only)
    if args.throughput:
        result["throughput"] = throughput(args.database_url, muni.pk, args.seconds, args.clients, args.port)
    result["load_average_after"] = os.getloadavg()
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
