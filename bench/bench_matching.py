"""名寄せ evaluation: Tsunagu's matcher and splink on the same generated data, in the same run.

The data: N synthetic residents in households (shared surname and address), plus planted duplicates —
the same resident registered again at another window with a kana typo, a 濁点 slip, a variant kanji
(高/髙, 崎/﨑 …), a half-width or hiragana reading, a missing birth date, a move, a one-field birth-date
slip, or a clean re-registration — and planted namesakes: another resident with the same name and
reading but a different birth date (and usually address), who must *not* be merged.

Reported, as pair-level precision / recall / F1 against the planted truth:
- Tsunagu `auto_link` (the only pairs that may be linked without a person),
- Tsunagu candidates (`auto_link` or `review`: what staff are asked to compare),
- splink (DuckDB backend; u by random sampling, m by EM, same blocking idea) at match probability
  ≥ 0.5 and ≥ 0.99,
and how the planted namesakes were treated (auto-linked: must be 0; flagged as namesakes).

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/bench_matching.py --size 20000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import random
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagu.settings")

import django  # noqa: E402

django.setup()

from bench_search import NamePool, half_width, synthetic_address, synthetic_birth  # noqa: E402

from tsunagu.people.matching import (  # noqa: E402
    BlockingStats,
    PersonRecord,
    make_record,
    match_for_storage,
    match_records,
)

_VARIANT_OF = {"高": "髙", "崎": "﨑", "斎": "齋", "辺": "邊", "浜": "濱", "沢": "澤", "桜": "櫻", "広": "廣"}
_VOICE = dict(
    zip("カキクケコサシスセソタチツテトハヒフヘホ", "ガギグゲゴザジズゼゾダヂヅデドバビブベボ", strict=True)
)
_VOICE.update({v: k for k, v in list(_VOICE.items())})
_KANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"
DUP_KINDS = (
    "clean",
    "kana_typo",
    "dakuten",
    "kanji_variant",
    "kana_form",
    "missing_birth",
    "moved",
    "birth_slip",
    "moved_and_typo",
    "missing_birth_and_moved",
)


@dataclass
class Raw:
    id: int
    family: str
    given: str
    family_kana: str
    given_kana: str
    birth: dt.date | None
    sex: str
    address: str
    household: int


def generate(size: int, dup_rate: float, namesake_rate: float, seed: int):
    rng = random.Random(seed)
    pool = NamePool(rng)
    people: list[Raw] = []
    next_id = 1
    household = 0
    while len(people) < size:
        household += 1
        address = synthetic_address(rng)
        members = pool.draw(rng.choice([1, 1, 2, 2, 3, 4]))
        family, family_kana = members[0].family, members[0].family_kana
        for m in members:
            people.append(
                Raw(
                    next_id,
                    family,
                    m.given,
                    family_kana,
                    m.given_kana,
                    synthetic_birth(rng),
                    m.sex,
                    address,
                    household,
                )
            )
            next_id += 1
    base = list(people)
    truth: set[tuple[int, int]] = set()
    kinds: dict[tuple[int, int], str] = {}
    used: set[int] = set()
    variantable = [p for p in base if any(c in _VARIANT_OF or c in _VARIANT_OF.values() for c in p.family)]
    for orig in rng.sample(base, int(size * dup_rate)):
        kind = rng.choice(DUP_KINDS)
        if kind == "kanji_variant" and variantable:
            orig = rng.choice(variantable)  # plant variants where a variant spelling exists
        if orig.id in used:
            continue  # two duplicates of one resident would make an unlisted true pair between them
        used.add(orig.id)
        dup = _duplicate(rng, orig, kind, next_id)
        if dup is None:
            continue
        # A re-registration at another window creates a new household record of its own.
        household += 1
        dup.household = household
        people.append(dup)
        pair = (orig.id, dup.id)
        truth.add(pair)
        kinds[pair] = kind
        next_id += 1
    namesakes: set[tuple[int, int]] = set()
    for orig in rng.sample(base, int(size * namesake_rate)):
        household += 1
        other = replace(
            orig,
            id=next_id,
            birth=synthetic_birth(rng),
            address=synthetic_address(rng) if rng.random() < 0.9 else orig.address,
            household=household,
        )
        people.append(other)
        namesakes.add((orig.id, other.id))
        next_id += 1
    return people, truth, kinds, namesakes


def _duplicate(rng: random.Random, o: Raw, kind: str, new_id: int) -> Raw | None:
    d = replace(o, id=new_id)
    if kind in ("kana_typo", "moved_and_typo"):
        which = "given_kana" if rng.random() < 0.6 else "family_kana"
        text = getattr(d, which)
        pos = rng.randrange(len(text))
        setattr(d, which, text[:pos] + rng.choice(_KANA.replace(text[pos], "")) + text[pos + 1 :])
    if kind == "dakuten":
        text = d.family_kana + "|" + d.given_kana
        spots = [i for i, ch in enumerate(text) if ch in _VOICE]
        if not spots:
            return None
        i = rng.choice(spots)
        text = text[:i] + _VOICE[text[i]] + text[i + 1 :]
        d.family_kana, d.given_kana = text.split("|")
    if kind == "kanji_variant":
        variant = "".join(_VARIANT_OF.get(c, c) for c in d.family)
        if variant == d.family:
            variant = d.family.translate(str.maketrans({b: a for a, b in _VARIANT_OF.items()}))
        if variant == d.family:
            return None
        d.family = variant
    if kind == "kana_form":
        d.family_kana, d.given_kana = half_width(d.family_kana), half_width(d.given_kana)
    if kind in ("missing_birth", "missing_birth_and_moved"):
        d.birth = None
    if kind in ("moved", "moved_and_typo", "missing_birth_and_moved"):
        d.address = synthetic_address(rng)
    if kind == "birth_slip" and d.birth is not None:
        try:
            d.birth = d.birth.replace(day=(d.birth.day % 28) + 1)
        except ValueError:
            return None
    return d


def records(people: list[Raw]) -> list[PersonRecord]:
    by_household: dict[int, list[Raw]] = {}
    for p in people:
        by_household.setdefault(p.household, []).append(p)
    out = []
    for p in people:
        others = [m.family + m.given for m in by_household[p.household] if m.id != p.id]
        out.append(
            make_record(
                p.id, p.family, p.given, p.family_kana, p.given_kana, p.birth, p.sex, p.address, others
            )
        )
    return out


def scores(predicted: set[tuple[int, int]], truth: set[tuple[int, int]]) -> dict:
    tp = len(predicted & truth)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "predicted": len(predicted),
        "true_positives": tp,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


def run_tsunagu(recs: list[PersonRecord], truth, namesakes, kinds) -> dict:
    started = time.perf_counter()
    stats = BlockingStats()
    results = match_records(recs, stats=stats)
    elapsed = time.perf_counter() - started
    auto = {r.pair for r in results if r.decision == "auto_link"}
    candidates = {r.pair for r in results if r.decision in ("auto_link", "review")}
    flagged = {r.pair for r in results if r.namesake}
    by_kind: dict[str, dict[str, int]] = {}
    for pair, kind in kinds.items():
        row = by_kind.setdefault(kind, {"planted": 0, "auto_link": 0, "candidate": 0})
        row["planted"] += 1
        row["auto_link"] += pair in auto
        row["candidate"] += pair in candidates
    return {
        "seconds": round(elapsed, 2),
        "compared_pairs": stats.pairs,
        "skipped_blocks": stats.skipped_blocks,
        "auto_link": scores(auto, truth),
        "candidates": scores(candidates, truth),
        "namesakes_planted": len(namesakes),
        "namesakes_auto_linked": len(auto & namesakes),
        "namesakes_suggested_for_merge": len(candidates & namesakes),
        "namesakes_flagged_side_by_side": len(flagged & namesakes),
        "by_duplicate_kind": by_kind,
    }


def run_stored(recs: list[PersonRecord], truth, namesakes) -> dict:
    """The pairs the candidates page lists (match_for_storage: what `manage.py match_persons` stores)."""
    started, cpu = time.perf_counter(), time.process_time()
    stats = BlockingStats()
    stored = list(match_for_storage(recs, stats=stats))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    auto = {r.pair for r in stored if r.decision == "auto_link"}
    candidates = {r.pair for r in stored if r.decision in ("auto_link", "review")}
    return {
        "seconds": round(elapsed, 2),
        "cpu_seconds": round(cpu, 2),
        "compared_pairs": stats.pairs,
        "sub_blocked_blocks": stats.sub_blocked,
        "stored_pairs": len(stored),
        "stored_namesake_only": sum(1 for r in stored if r.decision == "distinct"),
        "auto_link": scores(auto, truth),
        "candidates": scores(candidates, truth),
        "namesakes_auto_linked": len(auto & namesakes),
        "namesakes_suggested_for_merge": len(candidates & namesakes),
    }


def run_splink(recs: list[PersonRecord], truth, namesakes) -> dict:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    rows = [
        {
            "unique_id": r.id,
            "name_key": r.name_key,
            "kana_key": r.kana_key,
            "family_kana_key": r.family_kana_key,
            "given_kana_key": r.given_kana_key,
            "birth_date": r.birth_date.isoformat() if r.birth_date else None,
            "sex": r.sex,
            "address_key": r.address_key or None,
        }
        for r in recs
    ]
    started = time.perf_counter()
    db_api = DuckDBAPI()
    table = db_api.register(rows)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.ExactMatch("name_key"),
            cl.LevenshteinAtThresholds("kana_key", [1, 2]),
            cl.DateOfBirthComparison("birth_date", input_is_string=True),
            cl.ExactMatch("sex"),
            cl.ExactMatch("address_key"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("kana_key"),
            block_on("name_key"),
            block_on("birth_date", "family_kana_key"),
            block_on("birth_date", "given_kana_key"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(table, settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("name_key", "birth_date"), block_on("kana_key", "birth_date")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("address_key"))
    predictions = linker.inference.predict(threshold_match_probability=0.01)
    table_out = predictions.as_pyarrow_table()
    elapsed = time.perf_counter() - started
    left = table_out.column("unique_id_l").to_pylist()
    right = table_out.column("unique_id_r").to_pylist()
    prob = table_out.column("match_probability").to_pylist()
    out: dict = {"seconds": round(elapsed, 2), "scored_pairs": len(prob)}
    for threshold in (0.5, 0.99):
        predicted = {
            (min(a, b), max(a, b)) for a, b, p in zip(left, right, prob, strict=True) if p >= threshold
        }
        out[f"p>={threshold}"] = scores(predicted, truth)
        out[f"p>={threshold}"]["namesakes_linked"] = len(predicted & namesakes)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=20000, help="base residents")
    parser.add_argument("--dup-rate", type=float, default=0.1)
    parser.add_argument("--namesake-rate", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--no-splink", action="store_true")
    parser.add_argument(
        "--stored-only", action="store_true", help="only what match_persons stores (large sizes)"
    )
    args = parser.parse_args()
    people, truth, kinds, namesakes = generate(args.size, args.dup_rate, args.namesake_rate, args.seed)
    recs = records(people)
    result: dict[str, object] = {
        "records": len(recs),
        "planted_duplicates": len(truth),
        "planted_namesakes": len(namesakes),
    }
    if not args.stored_only:
        result["tsunagu"] = run_tsunagu(recs, truth, namesakes, kinds)
    result["tsunagu_stored"] = run_stored(recs, truth, namesakes)
    if not args.no_splink:
        result["splink"] = run_splink(recs, truth, namesakes)
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
