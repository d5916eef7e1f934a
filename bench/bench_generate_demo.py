"""Benchmark: `manage.py generate_demo` for 100,000 households on a fresh SQLite database.

Each run migrates a new temporary database (TSUNAGU_DATABASE_URL=sqlite:////tmp/…), then times the whole
generate_demo command as a user runs it (process start, profile load, generation, writing). Prints every
run and the median; the target is under 60 s.

    .venv/bin/python bench/bench_generate_demo.py [--households 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 60.0


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def run_once(households: int, profile: str, seed: int) -> float:
    with tempfile.TemporaryDirectory(prefix="tsunagu-bench-") as tmp:
        env = {**os.environ, "TSUNAGU_DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3"}
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)  # noqa: S603
        started = time.perf_counter()
        out = subprocess.run(  # noqa: S603
            [
                *manage,
                "generate_demo",
                "--profile",
                profile,
                "--households",
                str(households),
                "--seed",
                str(seed),
            ],
            env=env,
            check=True,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - started
        print(f"  {elapsed:6.1f} s  {out.stdout.strip()}", flush=True)
        return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", default="profiles/mitaka.toml")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"generate_demo {args.households} households, {args.runs} runs, fresh SQLite each run")
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    times = [run_once(args.households, args.profile, args.seed) for _ in range(args.runs)]
    median = statistics.median(times)
    verdict = "OK" if median < TARGET_SECONDS else "TOO SLOW"
    print(
        f"median {median:.1f} s (min {min(times):.1f}, max {max(times):.1f}) — target < {TARGET_SECONDS:.0f} s: {verdict}"
    )
    return 0 if median < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
