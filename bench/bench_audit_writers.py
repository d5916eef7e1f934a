"""Audited writers in parallel (issue 10 item 4): throughput of 1 writer against 4 concurrent writers.

Each writer is its own process (own PostgreSQL connection, no shared GIL) that repeats one audited write —
`people.actions.create_household`: a household row, its audit row (chain head locked, row sealed) and its
object-index row, in one transaction — for `--seconds`. Three layouts, each run `--runs` times:
- `1`: one writer;
- `4-cities`: four writers, each in its own municipality (its own chain);
- `4-one-city`: four writers in one municipality (one chain: they queue on its head, as every writer of the
  installation did before per-municipality chains).
Prints writes/s, p50/p95 latency per layout and the ratios 4÷1 (medians over the runs), then verifies every
audit chain. PostgreSQL only (SQLite serialises writers).

    .venv/bin/python bench/bench_audit_writers.py --database-url postgres://postgres@127.0.0.1:5432/wt_bench \
        --seconds 20 --runs 3

`--verify written` verifies only the chains the writers wrote (the bench cities'), e.g. on a
generate_history database whose own chain of millions of rows would take minutes to walk.

The database must be migrated (`manage.py migrate`); the benchmark adds its own cities (codes 99xxx) and
leaves their rows (append-only audit log).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["TSUNAGU_DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagu.settings")
    import django

    django.setup()


def _city_staff(n: int) -> list[int]:
    """n window workers, each in a bench city of its own (created once, found again on later runs)."""
    from tsunagu.accounts.models import Role, Staff
    from tsunagu.directory.models import Organization
    from tsunagu.municipalities.models import Municipality

    ids = []
    for i in range(n):
        city, _ = Municipality.objects.get_or_create(
            code=f"99{i:03d}", defaults={"name": f"ベンチ市{i}", "prefecture": "ベンチ県"}
        )
        org, _ = Organization.objects.get_or_create(
            municipality=city, key="bench-window", defaults={"name": "ベンチ窓口", "kind": "department"}
        )
        staff, _ = Staff.objects.get_or_create(
            username=f"bench-writer-{i}",
            defaults={"municipality": city, "organization": org, "role": Role.WINDOW_WORKER},
        )
        ids.append(staff.pk)
    return ids


def _writer(database_url: str, staff_id: int, go, seconds: float, ready, out) -> None:  # type: ignore[no-untyped-def]
    _setup(database_url)
    from tsunagu.accounts.models import Staff
    from tsunagu.people.actions import create_household

    actor = Staff.objects.select_related("organization", "municipality").get(pk=staff_id)
    create_household(actor=actor, address="")  # connection opened, code paths warm
    ready.put(staff_id)
    go.wait()  # every writer set up before the clock starts
    latencies: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        create_household(actor=actor, address="")
        latencies.append(time.perf_counter() - t0)
    out.put(latencies)


def _run(database_url: str, staff_ids: list[int], seconds: float) -> tuple[float, float, float]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    ready = ctx.Queue()
    go = ctx.Event()
    procs = [ctx.Process(target=_writer, args=(database_url, s, go, seconds, ready, out)) for s in staff_ids]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get()
    go.set()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    latencies = sorted(x for r in results for x in r)
    rate = len(latencies) / seconds
    p50 = latencies[len(latencies) // 2] * 1000
    p95 = latencies[int(len(latencies) * 0.95)] * 1000
    return rate, p50, p95


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--verify",
        choices=["all", "written"],
        default="all",
        help="verify every audit chain (default) or only the bench cities' chains the writers wrote "
        "(on a generate_history database the city's own chain of millions of rows takes minutes)",
    )
    args = parser.parse_args()
    _setup(args.database_url)
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("PostgreSQL only: SQLite serialises writers")
    staff = _city_staff(4)
    layouts = {"1": staff[:1], "4-cities": staff, "4-one-city": [staff[0]] * 4}
    figures: dict[str, list[tuple[float, float, float]]] = {name: [] for name in layouts}
    for run in range(args.runs):
        for name, ids in layouts.items():
            figures[name].append(_run(args.database_url, ids, args.seconds))
            rate, p50, p95 = figures[name][-1]
            print(
                f"run {run + 1} {name:>10}: {rate:7.1f} writes/s  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms",
                flush=True,
            )
    medians = {
        name: tuple(statistics.median(f[i] for f in runs) for i in range(3)) for name, runs in figures.items()
    }
    print(f"load average: {os.getloadavg()}")
    for name, (rate, p50, p95) in medians.items():
        print(f"median {name:>10}: {rate:7.1f} writes/s  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms")
    one = medians["1"][0]
    print(f"4 writers in 4 cities ÷ 1: {medians['4-cities'][0] / one:.2f}×")
    print(f"4 writers in 1 city ÷ 1:   {medians['4-one-city'][0] / one:.2f}×")
    from tsunagu.access.audit import verify_all
    from tsunagu.accounts.models import Staff

    if args.verify == "all":
        results = verify_all()
    else:
        cities = Staff.objects.filter(pk__in=staff).values_list("municipality_id", flat=True)
        results = [r for city in sorted(set(cities)) for r in verify_all(municipality_id=city)]
    bad = [r for r in results if not r.ok]
    verdict = "OK" if not bad else f"NG {[(r.label, r.problem) for r in bad]}"
    print(f"audit chains verify ({args.verify}, {len(results)} chains): {verdict}")


if __name__ == "__main__":
    main()
