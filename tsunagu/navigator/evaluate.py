"""Measure the free-text understanding on the labelled phrasings in evaluation/ (docs/navigator.md).

Metrics, for one set of phrasings:
- top-1: the first concern understood is one the practitioner recorded;
- top-3: one of the first three concerns understood is one the practitioner recorded;
- recall: share of all recorded concerns that were understood (several troubles in one message);
- general: share of messages answered "unsure" — the general window first;
- vague handled: share of the vague messages (labelled `-`) answered "unsure";
- danger recall / false alarms: messages marked `!` that showed emergency contacts, and unmarked ones that did.
Top-1 and top-3 count the messages that have at least one recorded concern.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from .understanding import Analyzer

EVALUATION_DIR = Path(__file__).resolve().parent / "evaluation"
SETS = ("tune", "report", "fresh")


@dataclass(frozen=True)
class Phrasing:
    concerns: tuple[str, ...]
    voices: frozenset[str]
    danger: bool
    text: str
    line: int


@dataclass
class Result:
    name: str
    n: int = 0
    labelled: int = 0
    top1: int = 0
    top3: int = 0
    gold_total: int = 0
    gold_found: int = 0
    unsure: int = 0
    vague: int = 0
    vague_unsure: int = 0
    danger: int = 0
    danger_found: int = 0
    false_alarms: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def pct(self, a: int, b: int) -> str:
        return f"{100 * a / b:.1f}%" if b else "—"

    def row(self) -> dict[str, str]:
        return {
            "set": self.name,
            "n": str(self.n),
            "top-1": self.pct(self.top1, self.labelled),
            "top-3": self.pct(self.top3, self.labelled),
            "recall": self.pct(self.gold_found, self.gold_total),
            "general": self.pct(self.unsure, self.n),
            "vague→general": f"{self.vague_unsure}/{self.vague}",
            "danger": f"{self.danger_found}/{self.danger}",
            "false alarms": str(self.false_alarms),
            "median ms": f"{statistics.median(self.latencies_ms):.2f}" if self.latencies_ms else "—",
        }


def load_set(name: str, directory: Path = EVALUATION_DIR) -> list[Phrasing]:
    items = []
    for number, raw in enumerate((directory / f"{name}.txt").read_text("utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        codes, flags, text = (part.strip() for part in line.split("|", 2))
        voices = {v.strip() for v in flags.split(",") if v.strip()}
        items.append(
            Phrasing(
                concerns=tuple(c for c in codes.split() if c != "-"),
                voices=frozenset(voices - {"!"}),
                danger="!" in voices,
                text=text,
                line=number,
            )
        )
    return items


def evaluate(analyzer: Analyzer, name: str, items: list[Phrasing], known: set[str] | None = None) -> Result:
    result = Result(name)
    for item in items:
        start = time.perf_counter()
        understood = analyzer.understand(item.text, known)
        result.latencies_ms.append((time.perf_counter() - start) * 1000)
        codes = understood.codes
        result.n += 1
        if understood.unsure:
            result.unsure += 1
        if item.concerns:
            result.labelled += 1
            gold = set(item.concerns)
            hit1 = bool(codes[:1]) and codes[0] in gold
            result.top1 += hit1
            result.top3 += bool(gold & set(codes[:3]))
            result.gold_total += len(gold)
            result.gold_found += len(gold & set(codes))
            if not hit1:
                result.failures.append(
                    f"{name}:{item.line} want {' '.join(item.concerns)} got {codes}  {item.text}"
                )
        else:
            result.vague += 1
            result.vague_unsure += understood.unsure
            if not understood.unsure:
                result.failures.append(f"{name}:{item.line} want general got {codes}  {item.text}")
        if item.danger:
            result.danger += 1
            result.danger_found += understood.emergency
            if not understood.emergency:
                result.failures.append(f"{name}:{item.line} danger missed  {item.text}")
        elif understood.emergency:
            result.false_alarms += 1
            result.failures.append(
                f"{name}:{item.line} false alarm {understood.danger_evidence}  {item.text}"
            )
    return result


def markdown_table(rows: list[dict[str, str]]) -> str:
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r[h] for h in head) + " |" for r in rows]
    return "\n".join(lines)
