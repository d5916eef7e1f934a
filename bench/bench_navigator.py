"""Benchmark: the navigator's free-text understanding — candidates compared, and the shipped one's latency.

Candidates (DESIGN.md), all offline from a PyPI wheel, all given the same dictionary (lexicon.toml):
- own: the shipped analyzer — normalisation (NFKC, katakana → hiragana) + substring and one-typo matching;
- sudachi-core / sudachi-small: the same, plus SudachiPy's normalised forms (引き篭もり → 引き籠もり,
  殴られた → 殴る+れる+た) and readings searched as two more streams (dictionary spellings converted alike);
- fugashi-unidic-lite: the same with MeCab (fugashi) + unidic-lite lemmas and readings.
For each: top-1 / top-3 / recall on the tuning and report phrasings, the median and p95 latency of one
message (model load excluded), the load time, and the installed size of the wheels it needs.

    .venv/bin/pip install sudachipy==0.7.0 sudachidict-core==20261015 sudachidict-small==20261015 \
        fugashi==1.5.2 unidic-lite==1.0.8        # only for this comparison; never a run-time dependency
    .venv/bin/python bench/bench_navigator.py [--repeat 20] [--candidates own,sudachi-core,...]
    .venv/bin/python bench/bench_navigator.py --endpoint 132047   # whole API requests on the current database

Without the optional wheels, only `own` is measured (the others are reported as not installed).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagu.settings")

import jaconv  # noqa: E402

from tsunagu.navigator.evaluate import SETS, evaluate, load_set, markdown_table  # noqa: E402
from tsunagu.navigator.understanding import Analyzer, Stream  # noqa: E402


def site_size(*modules: str) -> float:
    """Installed size in MB of the packages (module directories and their .dist-info)."""
    total = 0
    for module in modules:
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            continue
        for location in spec.submodule_search_locations:
            for path in Path(location).rglob("*"):
                if path.is_file():
                    total += path.stat().st_size
    return total / 1e6


def sudachi_streams(edition: str) -> list[Stream]:
    from sudachipy import Dictionary, SplitMode

    tokenizer = Dictionary(dict=edition).create(SplitMode.C)

    def lemmas(text: str) -> str:
        return jaconv.kata2hira("".join(m.normalized_form() for m in tokenizer.tokenize(text)))

    def readings(text: str) -> str:
        return jaconv.kata2hira("".join(m.reading_form() for m in tokenizer.tokenize(text)))

    return [lemmas, readings]


def fugashi_streams() -> list[Stream]:
    import fugashi
    import unidic_lite

    tagger = fugashi.Tagger(f"-d {unidic_lite.DICDIR}")

    def lemmas(text: str) -> str:
        return jaconv.kata2hira("".join((w.feature.lemma or w.surface).split("-")[0] for w in tagger(text)))

    def readings(text: str) -> str:
        return jaconv.kata2hira("".join(w.feature.kana or w.surface for w in tagger(text)))

    return [lemmas, readings]


CANDIDATES: dict[str, tuple[Callable[[], list[Stream]], tuple[str, ...]]] = {
    "own": (lambda: [], ("jaconv",)),
    "sudachi-core": (lambda: sudachi_streams("core"), ("jaconv", "sudachipy", "sudachidict_core")),
    "sudachi-small": (lambda: sudachi_streams("small"), ("jaconv", "sudachipy", "sudachidict_small")),
    "fugashi-unidic-lite": (fugashi_streams, ("jaconv", "fugashi", "unidic_lite")),
}


def bench_endpoint(code: str, repeat: int) -> None:
    """Whole requests to POST /api/v1/navigator/suggest through Django (middleware, database, JSON)."""
    import json

    import django
    from django.test import Client, override_settings

    django.setup()
    texts = [p.text for name in SETS for p in load_set(name)]
    client = Client()
    times = []
    with override_settings(NAVIGATOR_RATE_PER_MINUTE=10**9):
        client.post(
            "/api/v1/navigator/suggest",
            json.dumps({"municipality": code, "text": "介護"}),
            content_type="application/json",
        )
        for _ in range(repeat):
            for text in texts:
                body = json.dumps({"municipality": code, "text": text})
                t0 = time.perf_counter()
                r = client.post("/api/v1/navigator/suggest", body, content_type="application/json")
                times.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, r.status_code
    times.sort()
    print(
        f"POST /api/v1/navigator/suggest ({code}): {len(times)} requests, median {statistics.median(times):.1f} ms,"
        f" p95 {times[int(len(times) * 0.95)]:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="passes over all phrasings for latency")
    parser.add_argument("--candidates", default=",".join(CANDIDATES))
    parser.add_argument(
        "--endpoint", metavar="CITY_CODE", help="time whole API requests for this loaded city"
    )
    args = parser.parse_args()
    if args.endpoint:
        bench_endpoint(args.endpoint, max(1, args.repeat // 4))
        return
    sets = {name: load_set(name) for name in SETS}
    every = [p.text for items in sets.values() for p in items]
    rows = []
    for name in args.candidates.split(","):
        build, modules = CANDIDATES[name]
        if any(importlib.util.find_spec(m) is None for m in modules):
            rows.append({"candidate": name, "note": "not installed"})
            continue
        start = time.perf_counter()
        analyzer = Analyzer(streams=build())
        load_ms = (time.perf_counter() - start) * 1000
        results = {s: evaluate(analyzer, s, items) for s, items in sets.items()}
        latencies = []
        for _ in range(args.repeat):
            for text in every:
                t0 = time.perf_counter()
                analyzer.understand(text)
                latencies.append((time.perf_counter() - t0) * 1000)
        latencies.sort()
        row = {"candidate": name}
        for s, r in results.items():
            cells = r.row()
            row[f"{s} top-1"] = cells["top-1"]
            row[f"{s} top-3"] = cells["top-3"]
            row[f"{s} recall"] = cells["recall"]
            row[f"{s} general"] = cells["general"]
        row["median ms"] = f"{statistics.median(latencies):.2f}"
        row["p95 ms"] = f"{latencies[int(len(latencies) * 0.95)]:.2f}"
        row["load ms"] = f"{load_ms:.0f}"
        row["installed MB"] = f"{site_size(*modules):.1f}"
        rows.append(row)
    complete = [r for r in rows if "note" not in r]
    if complete:
        print(markdown_table(complete))
    for r in rows:
        if "note" in r:
            print(f"{r['candidate']}: {r['note']}")
    print(
        f"\n{sum(len(v) for v in sets.values())} phrasings, latency over {args.repeat} passes; Python {sys.version.split()[0]}"
    )


if __name__ == "__main__":
    main()
