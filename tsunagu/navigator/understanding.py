"""Free-text understanding for the public navigator: the resident's words → concerns, danger, who it is about.

It runs offline on the navigator's own dictionary (lexicon.toml) and needs nothing but the standard library
and jaconv: docs/navigator.md shows the measurements (accuracy, latency, installed size) against
SudachiPy + SudachiDict and fugashi + unidic-lite that led to this choice.

How a message is read:
1. `normalise`: NFKC (full-width → half-width, ｶﾀｶﾅ → カタカナ), lower case, katakana → hiragana, no spaces,
   so that "カイゴ", "かいご" and "ｶｲｺﾞ" are one spelling; polite set phrases (お世話になっております) removed.
2. Every spelling of every dictionary entry is looked for as a substring. Entries are stems (殴ら, 殴っ) so
   conjugations match; a longer match hides a shorter one inside it (死んでしまいたい is not 死んで = 死別).
3. Spellings of 5+ characters also match with one typo (a missing, extra or wrong
   character) at 3/4 weight, so "ひきこもっり" and "生活保誤" are still understood.
4. A match directly followed by a negation (…はない, …はありません) does not count, except danger words:
   safety first.
5. Combination rules read who the message is about (signals): hikikomori with an elderly parent is 8050,
   care with a baby is ダブルケア, a student who cares is a young carer, care of a younger family member is
   family-care.
The resident's text is never stored or logged here: it lives only in local variables of one call.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import jaconv

LEXICON_PATH = Path(__file__).resolve().parent / "lexicon.toml"

STRONG, WEAK = 2.0, 1.0
FUZZY_FACTOR = 0.75
# A concern is reported when its evidence reaches this many points (one strong term, or two weak ones).
REPORT_AT = 2.0
MAX_CONCERNS = 5
MAX_TEXT = 2000
DANGER_CONCERNS = ("suicide-risk", "abuse-dv")

# "…ではないか(と思う)" / "…じゃないかな" voice a suspicion, not a denial: the lookahead keeps them.
_NEGATION = re.compile(
    r"^(は|も)(ない|ありません|なく|特にない|とくにない|してい(ない|ません)|されてい(ない|ません))(?!か)"
    r"|^(では|じゃ)(ない|ありません)(?!か)"
)
_KANA_ONLY = re.compile(r"^[ぁ-ゖー]+$")
_ASCII_WORD = re.compile(r"[a-z0-9]")


def normalise(text: str) -> str:
    """NFKC, lower case, katakana → hiragana, whitespace removed (the same for messages and dictionary)."""
    text = unicodedata.normalize("NFKC", text[:MAX_TEXT]).lower()
    text = jaconv.kata2hira(text)
    return re.sub(r"\s+", "", text)


def normalise_en(text: str) -> str:
    """English: NFKC, lower case, single spaces, padded so that whole words can be found with ' word '."""
    text = unicodedata.normalize("NFKC", text[:MAX_TEXT]).lower().replace("’", "'")
    return " " + " ".join(re.findall(r"[a-z0-9']+", text)) + " "


@dataclass(frozen=True)
class Term:
    """One dictionary entry: its spellings (normalised), what it points at, and its weight."""

    target: str  # a concern code, "signal:<name>" or "danger"
    forms: tuple[str, ...]
    weight: float
    label: str  # the entry's first spelling, as written in the dictionary (for "why")


@dataclass
class Match:
    term: Term
    start: int
    end: int
    weight: float
    stream: int = 0


@dataclass(frozen=True)
class ScoredConcern:
    code: str
    score: float  # 0..1 for the API; raw points / 4, capped
    points: float
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Understanding:
    concerns: tuple[ScoredConcern, ...]
    emergency: bool
    signals: frozenset[str]
    # True when the message was understood too little to point at a specialised window with confidence.
    unsure: bool
    danger_evidence: tuple[str, ...] = ()

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self.concerns]


@dataclass
class Lexicon:
    terms: list[Term] = field(default_factory=list)
    en_terms: list[Term] = field(default_factory=list)
    ignore: tuple[str, ...] = ()

    @property
    def concern_codes(self) -> set[str]:
        return {t.target for t in self.terms if not t.target.startswith(("signal:", "danger"))}


def _forms(entry: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for raw in entry.split("|"):
        form = normalise(raw)
        if form:
            seen.setdefault(form, None)
    return tuple(seen)


def load_lexicon(path: Path = LEXICON_PATH) -> Lexicon:
    data = tomllib.loads(path.read_text("utf-8"))
    lex = Lexicon()

    def add(target: str, entries: Iterable[str], weight: float) -> None:
        for entry in entries:
            forms = _forms(entry)
            if forms:
                lex.terms.append(Term(target, forms, weight, entry.split("|")[0]))

    def add_en(target: str, entries: Iterable[str], weight: float) -> None:
        for entry in entries:
            form = normalise_en(entry).strip()
            if form:
                lex.en_terms.append(Term(target, (f" {form} ",), weight, entry))

    for code, spec in data.get("concerns", {}).items():
        add(code, spec.get("strong", []), STRONG)
        add(code, spec.get("weak", []), WEAK)
        add_en(code, spec.get("en", []), STRONG)
    for name, spec in data.get("signals", {}).items():
        add(f"signal:{name}", spec.get("terms", []), WEAK)
        add_en(f"signal:{name}", spec.get("en", []), WEAK)
    add("danger", data.get("danger", {}).get("terms", []), STRONG)
    add_en("danger", data.get("danger", {}).get("en", []), STRONG)
    lex.ignore = tuple(f for entry in data.get("ignore", {}).get("terms", []) for f in _forms(entry))
    return lex


# A stream turns the normalised message into another string to search (e.g. readings from a tokenizer);
# dictionary spellings are turned into the same kind of string. The shipped analyzer uses none: the
# benchmark (bench/bench_navigator.py) plugs SudachiPy and fugashi in here to compare them fairly.
Stream = Callable[[str], str]


class Analyzer:
    """Reads a message with a lexicon. Build once (≈ 30 ms) and reuse: `understand` keeps no state."""

    def __init__(self, lexicon: Lexicon | None = None, streams: Iterable[Stream] = (), fuzzy: bool = True):
        self.lexicon = lexicon or load_lexicon()
        self.streams = list(streams)
        self.fuzzy = fuzzy
        # Per stream: spelling → terms. Stream 0 is the normalised text itself.
        self.index: list[dict[str, list[Term]]] = [self._index(lambda f: f)]
        for stream in self.streams:
            self.index.append(self._index(stream))
        self.deletions: dict[str, list[tuple[str, Term]]] = {}
        self.form_lengths: set[int] = set()
        if fuzzy:
            for form, terms in self.index[0].items():
                if len(form) >= 5 and not _ASCII_WORD.search(form):
                    self.form_lengths.add(len(form))
                    # Not the first or last character: a typo there cannot be told from a word boundary
                    # (「行かなくなった」 is not 「なくなった母」 with 母 mistyped).
                    for k in range(1, len(form) - 1):
                        for term in terms:
                            self.deletions.setdefault(form[:k] + form[k + 1 :], []).append((form, term))

    def _index(self, convert: Callable[[str], str]) -> dict[str, list[Term]]:
        index: dict[str, list[Term]] = {}
        for term in self.lexicon.terms:
            for form in term.forms:
                converted = convert(form)
                if converted and term not in index.setdefault(converted, []):
                    index[converted].append(term)
        return index

    # -- matching -------------------------------------------------------------------------------------

    def _exact(self, text: str, stream: int) -> list[Match]:
        found = []
        for form, terms in self.index[stream].items():
            start = text.find(form)
            while start != -1:
                for term in terms:
                    found.append(Match(term, start, start + len(form), term.weight, stream))
                start = text.find(form, start + 1)
        return found

    def _fuzzy(self, text: str, covered: list[bool]) -> list[Match]:
        found = []
        n = len(text)
        exact = self.index[0]
        for length in self.form_lengths:
            for width in (length - 1, length, length + 1):
                for i in range(0, n - width + 1):
                    if any(covered[i : i + width]):
                        continue  # typo matches only where nothing was found exactly
                    window = text[i : i + width]
                    hits: list[tuple[str, Term]] = []
                    if width == length - 1:
                        hits += [h for h in self.deletions.get(window, ()) if len(h[0]) == length]
                    elif width == length:
                        for k in range(1, width - 1):
                            hits += [
                                h
                                for h in self.deletions.get(window[:k] + window[k + 1 :], ())
                                if len(h[0]) == length
                            ]
                    else:
                        for k in range(1, width - 1):
                            cut = window[:k] + window[k + 1 :]
                            hits += [(cut, t) for t in exact.get(cut, ()) if len(cut) == length]
                    for form, term in hits:
                        if form != window:
                            found.append(Match(term, i, i + width, term.weight * FUZZY_FACTOR))
        return found

    @staticmethod
    def _keep_longest(matches: list[Match]) -> list[Match]:
        """A match inside a longer one (of any entry) does not count; danger words always count."""
        kept = [m for m in matches if m.term.target == "danger"]
        spans: list[tuple[int, int]] = []
        for m in sorted(matches, key=lambda m: (-(m.end - m.start), m.start)):
            if m.term.target == "danger":
                continue
            if any(s <= m.start and m.end <= e and (e - s) > (m.end - m.start) for s, e in spans):
                continue
            kept.append(m)
            spans.append((m.start, m.end))
        return kept

    def _matches(self, text: str) -> list[Match]:
        norm = normalise(text)
        for phrase in self.lexicon.ignore:
            norm = norm.replace(phrase, "、")
        matches = self._exact(norm, 0)
        if self.fuzzy and norm:
            covered = [False] * len(norm)
            for m in matches:
                for j in range(m.start, m.end):
                    covered[j] = True
            matches += self._fuzzy(norm, covered)
        matches = [m for m in matches if m.term.target == "danger" or not _NEGATION.match(norm[m.end :])]
        matches = self._keep_longest(matches)
        for s, stream in enumerate(self.streams, start=1):
            converted = stream(norm)
            matches += [m for m in self._exact(converted, s) if not _NEGATION.match(converted[m.end :])]
        english = normalise_en(text)
        if english.strip():
            for term in self.lexicon.en_terms:
                if term.forms[0] in english:
                    matches.append(Match(term, 0, 0, term.weight, -1))
        return matches

    # -- scoring --------------------------------------------------------------------------------------

    def understand(self, text: str, known: set[str] | None = None) -> Understanding:
        """Concerns (best first), danger and who it is about. `known`: the city's active concern codes."""
        points: dict[str, float] = {}
        evidence: dict[str, list[str]] = {}
        best_per_term: dict[Term, float] = {}
        first_at: dict[str, int] = {}
        for m in self._matches(text):
            # One entry counts once, at its best match (an exact match beats a typo match).
            if m.weight > best_per_term.get(m.term, 0.0):
                best_per_term[m.term] = m.weight
            first_at[m.term.target] = min(first_at.get(m.term.target, m.start), m.start)
        signals: set[str] = set()
        danger: list[str] = []
        for term, weight in best_per_term.items():
            if term.target == "danger":
                danger.append(term.label)
            elif term.target.startswith("signal:"):
                signals.add(term.target.removeprefix("signal:"))
            else:
                points[term.target] = points.get(term.target, 0.0) + weight
                evidence.setdefault(term.target, []).append(term.label)
        self._combine(points, evidence, signals)
        codes = [c for c in points if known is None or c in known]
        # Equal evidence: the trouble mentioned first is usually the one the message is about.
        ranked = sorted(codes, key=lambda c: (-points[c], first_at.get(c, -1), c))
        top = points[ranked[0]] if ranked else 0.0
        reported = [c for c in ranked if points[c] >= REPORT_AT][:MAX_CONCERNS]
        if not reported and ranked:
            reported = ranked[:1]  # weak evidence only: shown, but the answer says it is unsure
        concerns = tuple(
            ScoredConcern(c, round(min(1.0, points[c] / 4.0), 2), points[c], tuple(evidence.get(c, ())))
            for c in reported
        )
        unsure = top < REPORT_AT or "where-to-go" in signals
        # Wanting to die, or violence, understood as a concern is danger even in words the danger list lacks.
        for c in concerns:
            if c.code in DANGER_CONCERNS and c.points >= REPORT_AT:
                danger.append(c.evidence[0])
        return Understanding(concerns, bool(danger), frozenset(signals), unsure, tuple(danger))

    @staticmethod
    def _combine(points: dict[str, float], evidence: dict[str, list[str]], signals: set[str]) -> None:
        def add(code: str, parts: tuple[str, ...], why: str) -> None:
            # A combination names the situation better than its parts: it ranks just above them.
            value = max(points.get(p, 0.0) for p in parts) + 1.0
            points[code] = max(points.get(code, 0.0), value)
            evidence.setdefault(code, []).append(why)

        care = max(points.get("care", 0.0), points.get("dementia", 0.0))
        if points.get("hikikomori", 0.0) >= REPORT_AT and "elderly" in signals and "adult-child" in signals:
            add("8050", ("hikikomori",), "高齢の親＋ひきこもりの子")
        if care >= REPORT_AT and points.get("parenting", 0.0) >= REPORT_AT:
            add("double-care", ("care", "dementia", "parenting"), "介護＋子育て")
        if (
            points.get("care", 0.0) + points.get("family-care", 0.0) >= REPORT_AT
            and "student-carer" in signals
        ):
            add("young-carer", ("care", "family-care"), "学生が家族の世話")
        if (
            points.get("care", 0.0) >= REPORT_AT
            and "elderly" not in signals
            and (
                points.get("disability", 0.0) + points.get("medical", 0.0) + points.get("mental-illness", 0.0)
            )
            >= REPORT_AT
        ):
            add("family-care", ("care",), "障害・病気のある家族の世話")


@cache
def default_analyzer() -> Analyzer:
    return Analyzer()
