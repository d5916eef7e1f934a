"""Load and concurrency run (issue 9 C3): N staff sessions doing the daily mix against gunicorn on PostgreSQL.

Serves the project with gunicorn (`--workers`, sync, loopback only) and runs `--sessions` concurrent staff
sessions (each logged in and MFA-verified like bench_pages.py, each with its own keep-alive connection and
CSRF token) for `--seconds`. Each session repeats the daily mix:

- the dashboard and the case list (as a coordinator's screens are opened),
- a household page of a household with consultations,
- a person search by reading (POST),
- a write: the 障害・国籍・言語 of a member (people.actions.update_person_attributes, optimistic lock on
  `version`), on a small shared pool of persons (`--hot`) so that sessions collide on the same records,
  with the version read just before (as on a screen opened moments earlier). A collision is refused
  (「他の職員が記録を更新しました」) and counted, never an error.

Afterwards it checks: no response outside 2xx/3xx (an error), no lost update (for every person of the pool,
the version went up by exactly the number of writes the sessions saw succeed, and the last value written is
the one stored), and `verify_audit` over the whole chain. Latency per kind: median and p95.

    TSUNAGU_DATABASE_URL=postgres://… .venv/bin/python manage.py migrate && … manage.py setup_demo
    .venv/bin/python bench/bench_load.py --database-url postgres://postgres@127.0.0.1:5432/wt_x \\
        --sessions 20 --seconds 120 --workers 4 --json /tmp/load.json
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pages import ROOT, percentile, session_for, setup

SUCCESS = "を記録しました"
STALE = "他の職員が記録を更新しました"


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    writes_ok: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    last_written: dict[int, tuple[float, str]] = field(default_factory=dict)
    stale: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def staff_sessions(municipality_id: int, n: int) -> list[tuple[str, str]]:
    """(role, session key) of `n` sessions: window workers and coordinators of the city, in turn."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tsunagu.accounts.models import Staff

    sessions = []
    for i in range(n):
        role = "window_worker" if i % 2 == 0 else "coordinator"
        staff = list(
            Staff.objects.filter(role=role, municipality_id=municipality_id, is_active=True).order_by("pk")
        )
        if not staff:
            raise SystemExit(f"no {role} in this municipality: run setup_demo or generate_history first")
        user = staff[(i // 2) % len(staff)]
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        key, _client = session_for(user)
        sessions.append((role, key))
    return sessions


def targets(municipality_id: int, hot: int) -> dict[str, Any]:
    from django.db.models import Count

    from tsunagu.intake.models import Consultation
    from tsunagu.people.models import HouseholdMember

    households = list(
        Consultation.objects.filter(municipality_id=municipality_id)
        .values("household_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("household_id", flat=True)[:50]
    )
    members = list(
        HouseholdMember.objects.filter(municipality_id=municipality_id, household_id__in=households)
        .order_by("household_id", "person_id")
        .values_list("household_id", "person_id")[:hot]
    )
    readings = [
        f"{m.person.family_kana}{m.person.given_kana}"
        for m in HouseholdMember.objects.filter(household_id__in=households).select_related("person")[:20]
        if m.person.family_kana
    ]
    if not households or not members or not readings:
        raise SystemExit("no households with consultations in this municipality")
    return {"households": households, "members": members, "readings": readings}


class Session:
    def __init__(self, port: int, cookie_name: str, key: str, tally: Tally) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies = {cookie_name: key}
        self.tally = tally

    def request(self, kind: str, method: str, path: str, form: dict[str, str] | None = None) -> str:
        headers = {"Host": "127.0.0.1", "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            form = {**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            with self.tally.lock:
                self.tally.errors.append(f"{kind} {path}: {exc!r}")
            return ""
        elapsed = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        with self.tally.lock:
            self.tally.latencies[kind].append(elapsed)
            if response.status >= 400:
                self.tally.errors.append(f"{kind} {path}: HTTP {response.status}")
        if response.status in (301, 302, 303):
            location = urllib.parse.urlsplit(response.headers["Location"])
            return self.request(kind + " (redirect)", "GET", location.path + (f"?{location.query}" or ""))
        return text


def run_session(session: Session, role: str, t: dict[str, Any], stop: float, seed: int, tally: Tally) -> None:
    from django.db import connection
    from django.urls import reverse

    from tsunagu.people.models import Person

    rng = random.Random(seed)
    n = 0
    while time.perf_counter() < stop:
        n += 1
        household = rng.choice(t["households"])
        if role == "coordinator":
            session.request("dashboard", "GET", reverse("cases:dashboard"))
            session.request("case list", "GET", reverse("cases:list"))
        session.request("household", "GET", reverse("intake:household", args=[household]))
        session.request(
            "person search (POST)", "POST", reverse("intake:person_search"), {"q": rng.choice(t["readings"])}
        )
        if role != "window_worker":
            continue
        hh, person_id = rng.choice(t["members"])
        person = Person.objects.only("version", "nationality").get(pk=person_id)
        value = f"bench-{seed}-{n}"
        page = session.request(
            "write (POST)",
            "POST",
            reverse("people:member_attributes", args=[hh, person_id]),
            {"version": str(person.version), "nationality": person.nationality, "language_needs": value},
        )
        with tally.lock:
            if SUCCESS in page:
                tally.writes_ok[person_id] += 1
                tally.last_written[person_id] = (time.perf_counter(), value)
            elif STALE in page:
                tally.stale += 1
            else:
                tally.errors.append(f"write {person_id}: neither saved nor refused as stale")
    connection.close()


def serve(database_url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    import os

    env = {
        **os.environ,
        "TSUNAGU_DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}",
    }
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
    command += ["--log-level", "warning", "--timeout", "120", "tsunagu.wsgi:application"]
    server = subprocess.Popen(command, env=env, cwd=ROOT)  # noqa: S603
    for _ in range(150):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/")
            conn.getresponse().read()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--municipality", help="団体コード (default: the first with consultations)")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--hot", type=int, default=6, help="persons the writes share (collisions)")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    setup(args.database_url)

    from django.conf import settings

    from tsunagu.access.audit import verify_chain
    from tsunagu.intake.models import Consultation
    from tsunagu.municipalities.models import Municipality
    from tsunagu.people.models import Person

    munis = Municipality.objects.order_by("pk")
    if args.municipality:
        munis = munis.filter(code=args.municipality)
    muni = next((m for m in munis if Consultation.objects.filter(municipality=m).exists()), None)
    if muni is None:
        raise SystemExit("no municipality with consultations")
    t = targets(muni.pk, args.hot)
    sessions = staff_sessions(muni.pk, args.sessions)
    versions_before = {p: Person.objects.get(pk=p).version for _, p in t["members"]}
    tally = Tally()
    server = serve(args.database_url, args.port, args.workers)
    try:
        clients = [Session(args.port, settings.SESSION_COOKIE_NAME, key, tally) for _, key in sessions]
        for client in clients:  # the CSRF cookie, as a browser gets it with its first page
            client.request("warm-up", "GET", "/")
        tally.latencies.clear()
        stop = time.perf_counter() + args.seconds
        threads = [
            threading.Thread(target=run_session, args=(client, role, t, stop, seed, tally))
            for seed, (client, (role, _key)) in enumerate(zip(clients, sessions, strict=True))
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=60)

    lost = []
    for _, person_id in t["members"]:
        person = Person.objects.get(pk=person_id)
        ok = tally.writes_ok.get(person_id, 0)
        last = tally.last_written.get(person_id)
        if person.version - versions_before[person_id] != ok or (last and person.language_needs != last[1]):
            lost.append(
                {
                    "person": person_id,
                    "saved": ok,
                    "version_delta": person.version - versions_before[person_id],
                }
            )
    chain = verify_chain()
    kinds = {}
    for kind, values in sorted(tally.latencies.items()):
        kinds[kind] = {
            "requests": len(values),
            "median_ms": round(1000 * percentile(values, 0.5), 1),
            "p95_ms": round(1000 * percentile(values, 0.95), 1),
        }
    result = {
        "municipality": muni.code,
        "sessions": args.sessions,
        "seconds": round(elapsed, 1),
        "gunicorn_workers": args.workers,
        "requests": sum(k["requests"] for k in kinds.values()),
        "errors": len(tally.errors),
        "error_samples": tally.errors[:10],
        "writes_saved": sum(tally.writes_ok.values()),
        "writes_refused_stale": tally.stale,
        "lost_updates": lost,
        "audit_chain_ok": chain.ok,
        "audit_rows_checked": chain.checked,
        "kinds": kinds,
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2))
    if tally.errors or lost or not chain.ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
