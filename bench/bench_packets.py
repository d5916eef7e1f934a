"""Meeting packets through the meetings app (issue 11): what the 会議資料 button does, on SQLite and PostgreSQL.

Unlike `bench_packet.py` (a packet assembled by hand from the drawing and PDF layers), this times
`meetings.packet_pdf.print_own_copy` — the items read through `policy.visible_items`, the summary sheets
(`summary_sheet.case_sheets`: item facts, genogram, ecomap, concerns, monitoring, agencies, plan, each
agency's part, the questions), the audit row and the Typst PDF — exactly as the `packet_pdf` view calls it.

Generated, untimed (families from `bench_packet._generate`: three generations, divorces, relatives
elsewhere, a case with team and plan each): a 支援会議 body (members chosen per case) and an agency
worker per organization. Every item has two organizations selected; the 束ね役 asks both for their part
(`materials.request_parts`) and each worker acknowledges 守秘義務 and fills it (`materials.submit_part`).

1. A 10-case sitting: the 束ね役's own copy, `--runs` runs after one warm-up, median (target ≤ 2 s).
2. A year of a 土浦-sized city: 12 sittings × `--year-cases` cases of one body and 6 × `--year-cases`
   of a second body (the second body's cases are other families), every packet built once in one run;
   total time and the median per packet.

Each backend runs in its own process on a fresh database (SQLite: a temporary file; PostgreSQL: the
database `wt_meetings_packets_bench` next to `BENCH_PG_ADMIN_URL`'s, created and dropped here).

    .venv/bin/python bench/bench_packets.py                          # both backends
    .venv/bin/python bench/bench_packets.py --backend sqlite --runs 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_packet

ROOT = Path(__file__).resolve().parent.parent
PG_DB = "wt_meetings_packets_bench"
TARGET = 2.0
CASES = 10
YEAR = ((12, "スクラムネット"), (6, "支援調整会議"))  # (sittings, body name) of the year


def _bodies_and_workers(muni: object) -> tuple[list[object], dict[int, object]]:
    from tsunagu.accounts.models import Role, Staff
    from tsunagu.directory.models import MeetingBody, Organization

    bodies = [
        MeetingBody.objects.create(
            municipality=muni,
            key=f"body{n}",
            name=name,
            kind="confidential_conference",
            legal_functions=["confidential_conference"],
            confidentiality_duty=True,
            member_selection="per_case",
            closed=True,
        )
        for n, (_, name) in enumerate(YEAR)
    ]
    workers = {
        org.pk: Staff.objects.create_user(
            username=f"bench-agency-{org.pk}",
            password=None,
            municipality=muni,
            organization=org,
            role=Role.AGENCY_WORKER,
            display_name=f"職員 {org.name}",
        )
        for org in Organization.objects.filter(municipality=muni).order_by("pk")
    }
    return bodies, workers


def _sitting(coord: object, body: object, starts: dt.datetime, case_ids: list[int], workers: dict) -> object:
    """A planned sitting with one item per case, every part asked for and filled."""
    from django.utils import timezone

    from tsunagu.cases.models import Case
    from tsunagu.directory.models import Organization
    from tsunagu.meetings import actions, materials
    from tsunagu.meetings.models import Meeting, MeetingKindOfSitting

    meeting = Meeting.objects.create(
        municipality=body.municipality,  # type: ignore[attr-defined]
        body=body,
        kind=MeetingKindOfSitting.SCHEDULED,
        starts_at=starts,
        ends_at=starts + dt.timedelta(minutes=120),
        place="市役所 第1会議室",
    )
    orgs = list(Organization.objects.filter(municipality=meeting.municipality).order_by("pk"))
    for k, case in enumerate(Case.objects.filter(pk__in=case_ids).order_by("number")):
        item = actions.place_item(
            actor=coord,
            meeting=meeting,
            case=case,
            purpose="roles",
            minutes=10,
            function="confidential_conference",
            organizations=[orgs[k % len(orgs)], orgs[(k + 5) % len(orgs)]],
            question="就労に向けた役割分担を決めたい",
        )
        due = timezone.localdate() + dt.timedelta(days=1)  # every sitting is at least two days ahead
        for part in materials.request_parts(
            actor=coord, item=item, organizations=list(item.organizations.all()), due_on=due
        ):
            worker = workers[part.organization_id]
            actions.acknowledge_duty(actor=worker, meeting=meeting)
            materials.submit_part(
                actor=worker,
                part=part,
                version=part.version,
                situation="週1回訪問している。母の通院の付き添いが負担になっている。",
                done="家計相談につなぎ、介護保険の申請を一緒に進めた。",
                question="就労支援の担当機関を決めたい。",
            )
    return meeting


def _packet(coord: object, meeting: object, keep: str | None = None) -> tuple[float, int]:
    """The timed part, as the packet_pdf view runs it: items through policy, then the reader's copy."""
    from tsunagu.meetings.packet_pdf import print_own_copy
    from tsunagu.meetings.policy import visible_items

    t0 = time.perf_counter()
    items = list(visible_items(coord).filter(meeting=meeting).order_by("sort_order", "pk"))  # type: ignore[arg-type]
    pdf = print_own_copy(staff=coord, meeting=meeting, items=items)  # type: ignore[arg-type]
    took = time.perf_counter() - t0
    if keep:
        Path(keep).write_bytes(pdf)
    return took, len(pdf)


def child(args: argparse.Namespace) -> int:
    bench_packet._setup(args.database_url)
    from django.core.management import call_command
    from django.utils import timezone

    from tsunagu.meetings.models import AgendaItem

    call_command("migrate", verbosity=0, interactive=False)
    per_year = sum(n for n, _ in YEAR) * args.year_cases
    coord, case_ids = bench_packet._generate(args.seed, cases=max(CASES, len(YEAR) * args.year_cases))
    bodies, workers = _bodies_and_workers(coord.municipality)  # type: ignore[attr-defined]
    start = (timezone.now() + dt.timedelta(days=2)).replace(
        hour=5, minute=0, second=0, microsecond=0
    )  # 14:00 JST

    ten = _sitting(coord, bodies[0], start, case_ids[:CASES], workers)
    _packet(coord, ten)  # warm-up: fonts, templates, query plans
    runs = [_packet(coord, ten, args.pdf) for _ in range(args.runs)]
    results: dict[str, object] = {
        "ten": {
            "median": statistics.median(t for t, _ in runs),
            "min": min(t for t, _ in runs),
            "max": max(t for t, _ in runs),
            "bytes": runs[-1][1],
        }
    }

    t_gen = time.perf_counter()
    year = []
    for b, ((sittings, _), body) in enumerate(zip(YEAR, bodies, strict=True)):
        own = case_ids[b * args.year_cases : (b + 1) * args.year_cases]
        for m in range(sittings):
            when = start + dt.timedelta(days=3 + m * (365 // sittings), hours=b)
            year.append(_sitting(coord, body, when, own, workers))
    generated = time.perf_counter() - t_gen
    items = AgendaItem.objects.filter(meeting__in=year).count()
    t0 = time.perf_counter()
    each = [_packet(coord, m)[0] for m in year]
    results["year"] = {
        "sittings": len(year),
        "items": items,
        "planned_items": per_year,
        "total": time.perf_counter() - t0,
        "median": statistics.median(each),
        "max": max(each),
        "generated": generated,
    }
    print(json.dumps(results))
    return 0


def run_backend(backend: str, args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="tsunagu-bench-packets-") as tmp:
        if backend == "sqlite":
            url = f"sqlite:///{tmp}/bench.sqlite3"
        else:
            bench_packet._pg(f'DROP DATABASE IF EXISTS "{PG_DB}"')
            bench_packet._pg(
                f"CREATE DATABASE \"{PG_DB}\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
            )
            url = f"{bench_packet.PG_ADMIN_URL.rsplit('/', 1)[0]}/{PG_DB}"
        env = {**os.environ, "TSUNAGU_VAR_DIR": tmp}
        cmd = [sys.executable, __file__, "--child", "--database-url", url]
        cmd += ["--runs", str(args.runs), "--seed", str(args.seed), "--year-cases", str(args.year_cases)]
        if args.pdf:
            cmd += ["--pdf", str(Path(args.pdf).resolve())]
        try:
            out = subprocess.run(cmd, env=env, check=True, cwd=ROOT, capture_output=True, text=True)  # noqa: S603
        finally:
            if backend == "postgresql":
                bench_packet._pg(f'DROP DATABASE IF EXISTS "{PG_DB}"')
        return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--year-cases", type=int, default=8, help="cases per sitting in the year")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pdf", help="write the 10-case packet here to look at")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"machine: {bench_packet.cpu_model()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load {load:.1f}"
    )
    ok = True
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(
        f"| backend | {CASES}-case packet, median of {args.runs} (min–max) | year: sittings / items | year: all packets | per packet median (max) |"
    )
    print("|---|---|---|---|---|")
    for backend in backends:
        r = run_backend(backend, args)
        ten, year = r["ten"], r["year"]
        print(
            f"| {backend} | **{ten['median']:.2f} s** ({ten['min']:.2f}–{ten['max']:.2f} s, "
            f"{ten['bytes'] / 1024:.0f} KiB) | {year['sittings']} / {year['items']} | **{year['total']:.1f} s** | "
            f"{year['median']:.2f} s ({year['max']:.2f} s) |"
        )
        ok &= ten["median"] <= TARGET
    print(f"target ≤ {TARGET} s for the {CASES}-case packet: {'OK' if ok else 'TOO SLOW'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
