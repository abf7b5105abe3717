"""Citation markers: find them in text and read flattened superscripts with evidence from their scope.

A flattened superscript is a digit run glued to the word before it: `cancers157` is refs 1, 5, 7 on a page
whose sections cite 1..15. Finding candidates is local (what precedes and follows the digits); reading
them is not. Each candidate may have several readings — digit splits, and for names that end in digits
(`vitamin D39`, `CDK42`) where the name stops — and the choice is made per reference scope with a small
generative model whose parts a curator can check:

    P(reading) ∝ P(number of refs) · Π P(ref | scope) · P(order)

P(ref | scope) comes from how often the scope cites that number in unambiguous markers (single digits,
brackets, ranges, splits forced by a zero), and falls sharply above the scope's largest plausible number;
P(order) prefers ascending lists without forbidding others (`therapy523` is 5, 2, 3). When the runner-up is
at least a fifth as likely as the best reading, the marker is `ambiguous` and keeps its alternatives.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from pipeline.documents.vocab import names
from pipeline.models import Marker

DIGITS = re.compile(r"[0-9]+")
# A bracketed marker may be a Markdown link to its reference, `[1](https://pubmed.ncbi.nlm.nih.gov/…)`:
# the link is part of the marker (linking resolves it) and leaves the claim's text with the marker.
BRACKET = re.compile(r"\[\s*([0-9]{1,4}(?:\s*[-–,]\s*[0-9]{1,4})*)\s*\](?:\(https?://[^\s()<>\"]+\))?")
PUNCT_LIST = re.compile(r"[0-9]+(?:[-–][0-9]+)?(?:,[0-9]+(?:[-–][0-9]+)?)*")
AFTER_MARKER = set(" \t\n\r\u00a0.,;:!?)]’'\"”/")
WORD_STOP = set(" \t\n\r\u00a0(/[")
GREEK = re.compile(r"[\u0370-\u03ff]")
ACRONYM_DEF = re.compile(r"\(([A-Z][A-Za-z]{1,7})\)")
NAME_IN_PARENS = re.compile(r"\(([A-Za-z][^\s()]*[0-9])\)")
# Digits inside a URL, a DOI, a labelled PMID/PMCID or an e-mail address belong to it, never to a marker:
# `(doi:10.1001/jama.292.3.358)` is one identifier, not refs 10 and 2, 92. URLs and DOIs stop at
# brackets and lose closing punctuation and an unbalanced `)` (see `identifier_spans`), so the markers
# after them survive: `(see https://doi.org/10.1000/x)[4]`, `[1](https://…/1/)[2](https://…/2/)`.
NOT_PROSE = re.compile(
    r"(?:https?://|www\.)[^\s<>\"\[\]]+"
    r"|\b(?:doi\s*:?\s*)?10\.\d{4,9}/[^\s<>\"\[\]]+"
    r"|\bpmc?id\s*:?\s*(?:pmc)?\d+"
    r"|\bpmc\d+"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    re.IGNORECASE,
)


def identifier_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Where NOT_PROSE matches in text[start:end], each trimmed of closing punctuation and of `)` that
    close a parenthesis opened before the match (a DOI may hold balanced ones: `S0140-6736(20)30183-5`)."""
    spans = []
    for m in NOT_PROSE.finditer(text, start, len(text) if end is None else end):
        s, e = m.start(), _balanced_end(text, m.start(), m.end())
        while e > s and text[e - 1] in ".,;:!?'\"":
            e -= 1
        spans.append((s, e))
    return spans


def _balanced_end(text: str, s: int, e: int) -> int:
    """Where text[s:e] first closes a parenthesis it did not open (the sentence's, not the DOI's)."""
    depth = 0
    for i in range(s, e):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth < 0:
            return i
    return e


MAX_FLAT_DIGITS = 10  # longer glued digit runs are quantities or identifiers, not flattened lists
MAX_FLAT_REF = 199  # flattened refs beyond this are not plausible on one page
AMBIGUITY_RATIO = 0.2
LENGTH_PRIOR = {1: 0.35, 2: 0.30, 3: 0.20, 4: 0.10}
SLACK = 4  # refs up to this far above the largest certain ref stay plausible (numbering is dense)


@dataclass(frozen=True)
class Option:
    """One way to read a candidate: where the name stops (`digits_start`) and how the digits split."""

    refs: tuple[int, ...]
    digits_start: int  # offset where the marker digits begin (after any name digits)
    prior: float = 1.0


@dataclass(frozen=True)
class Candidate:
    start: int  # offset of the whole candidate (digits, bracket or list)
    end: int
    style: str
    options: tuple[Option, ...]
    explicit: bool  # brackets, ranges and separate table cells: read as written

    def token(self, text: str) -> str:
        return text[self.start : self.end]


@dataclass(frozen=True)
class DocumentNames:
    """Names and acronyms the document itself defines, e.g. `(HSD17β4)` or `(HCC)`."""

    names: frozenset[str]
    acronyms: frozenset[str]

    @classmethod
    def from_text(cls, text: str) -> DocumentNames:
        counts = Counter(re.findall(r"[A-Za-z][\w\u0370-\u03ff-]*[0-9]", text))
        repeated = {token for token, n in counts.items() if n >= 3 and not token[-2].islower()}
        return cls(frozenset(NAME_IN_PARENS.findall(text)) | repeated, frozenset(ACRONYM_DEF.findall(text)))

    def is_name(self, token: str) -> bool:
        return token in self.names or names().is_name(token)


# ----------------------------------------------------------------------------- readings of digits


def splits(digits: str, limit: int = MAX_FLAT_REF) -> list[tuple[int, ...]]:
    """Every split of a digit run into distinct refs 1..limit without leading zeros."""
    out: list[tuple[int, ...]] = []

    def walk(i: int, acc: tuple[int, ...]) -> None:
        if i == len(digits):
            out.append(acc)
            return
        for j in range(i + 1, min(len(digits), i + 3) + 1):
            part = digits[i:j]
            n = int(part)
            if part[0] != "0" and 1 <= n <= limit and n not in acc:
                walk(j, (*acc, n))

    walk(0, ())
    return out


def expand_list(text: str) -> tuple[int, ...]:
    """`8-10` → 8, 9, 10; `1, 5–7` → 1, 5, 6, 7 (bounded: a range over 50 is kept as its ends)."""
    refs: list[int] = []
    for part in re.split(r"\s*,\s*", text.strip()):
        bounds = [int(x) for x in re.split(r"\s*[-–]\s*", part) if x]
        if len(bounds) == 2 and 0 < bounds[1] - bounds[0] <= 50:
            refs.extend(range(bounds[0], bounds[1] + 1))
        else:
            refs.extend(bounds)
    return tuple(dict.fromkeys(r for r in refs if r > 0))


# ----------------------------------------------------------------------------- finding candidates


def _word_before(text: str, start: int, floor: int) -> str:
    i = start
    while i > floor and text[i - 1] not in WORD_STOP:
        i -= 1
    return text[i:start]


def _flattened_options(word: str, digits: str, at: int, doc: DocumentNames) -> tuple[Option, ...]:
    """Readings of digits glued to `word`; empty when the whole token is a name (`K2`, `HepG2`, `rs123`)."""
    if word.endswith((")", "]")):
        return tuple(Option(r, at) for r in splits(digits))
    bare = word.lstrip("(\"'“‘")
    if not bare or doc.is_name(bare + digits):
        return ()
    options: list[Option] = []
    for k in range(len(digits) - 1, 0, -1):  # a known name keeps some digits: D3|9, CDK4|2
        if doc.is_name(bare + digits[:k]):
            options.extend(Option(r, at + k) for r in splits(digits[k:]))
    last = bare[-1]
    plain_word = last.islower() and not GREEK.match(last)
    if plain_word or bare in doc.acronyms:
        options.extend(Option(r, at, prior=1.0 if plain_word else 0.5) for r in splits(digits))
    return tuple(options)


def find_candidates(text: str, start: int, end: int, doc: DocumentNames) -> list[Candidate]:
    """Citation-marker candidates inside text[start:end], in order."""
    found: list[Candidate] = []
    taken: set[int] = set()
    for s, e in identifier_spans(text, start, end):
        taken.update(range(s, e))
    for m in BRACKET.finditer(text, start, end):
        if m.start() in taken:
            continue
        refs = expand_list(m[1])
        if refs:
            found.append(Candidate(m.start(), m.end(), "bracket", (Option(refs, m.start()),), True))
            taken.update(range(m.start(), m.end()))
    for m in DIGITS.finditer(text, start, end):
        s, e = m.span()
        if s in taken or s == start:
            continue
        before, after = text[s - 1], text[e] if e < len(text) else " "
        if before in ".,;:" and s - 2 >= start and (text[s - 2].isalpha() or text[s - 2] == ")"):
            if cand := _punctuation_candidate(text, s, end):
                found.append(cand)
                taken.update(range(cand.start, cand.end))
            continue
        if (
            not (before.isalpha() or before in ")]")
            or (after not in AFTER_MARKER and after not in "-–")
            or len(m[0]) > MAX_FLAT_DIGITS
        ):
            continue
        word = _word_before(text, s, start)
        options = _flattened_options(word, m[0], s, doc)
        if options and after in ",-–" and _quantity(word, text, s, end):
            continue  # "aged5-12 years", "type2,3 diabetes": a number range, not refs
        if options and after in ",-–" and (listed := _glued_list(text, s, end)):
            found.append(listed)
            taken.update(range(listed.start, listed.end))
        elif options and after not in "-–":
            found.append(Candidate(s, e, "flattened", options, False))
    return sorted(found, key=lambda c: c.start)


# Words around a glued number list that make it a quantity: "stage2-3 cancer", "women2-3 times a day".
# (Singular nouns only before it: "over the years1,2." is a citation.)
_COUNTED = re.compile(
    r"(?:stage|grade|type|class|phase|level|step|cycle|dose|arm|group|week|day|month|year|aged?|ages)$",
    re.IGNORECASE,
)
_UNIT_AFTER = re.compile(
    r"\s*(?:times?|hours?|h|days?|weeks?|months?|years?|yrs?|mg|mcg|µg|μg|g|kg|ml|mmol|nm|µm|μm|cm|mm|%"
    r"|fold|x|cups?|servings?|tablets?|capsules?|doses?|cycles?|patients|people|women|men|subjects"
    r"|cancers?|diabetes|toxicity|disease|tumou?rs?)\b",
    re.IGNORECASE,
)


def _quantity(word: str, text: str, s: int, end: int) -> bool:
    m = PUNCT_LIST.match(text, s, end)
    return bool(_COUNTED.search(word) or (m and _UNIT_AFTER.match(text, m.end(), end)))


def _glued_list(text: str, s: int, end: int) -> Candidate | None:
    """`negative2,3.` or `cancers1-4 and`: a flattened superscript that was a list, read as written.
    Not `over2,300` (a part past the largest plausible ref, or with a leading zero, is a quantity)."""
    m = PUNCT_LIST.match(text, s, end)
    if not m or not re.search(r"[-–,]", m[0]):
        return None
    after = text[m.end()] if m.end() < len(text) else " "
    parts = re.split(r"[-–,]", m[0])
    if not (after.isalpha() or after in AFTER_MARKER) or any(
        p.startswith("0") or int(p) > MAX_FLAT_REF for p in parts
    ):
        return None
    return Candidate(s, m.end(), "flattened", (Option(expand_list(m[0]), s),), True)


def _punctuation_candidate(text: str, s: int, end: int) -> Candidate | None:
    """`efficacy.2-4 Next` or `disease,13which`: a superscript list set right after punctuation."""
    m = PUNCT_LIST.match(text, s, end)
    if not m:
        return None
    token = m[0]
    after = text[m.end()] if m.end() < len(text) else " "
    if not (after.isalpha() or after in AFTER_MARKER):
        return None
    if re.search(r"[-–,]", token):
        return Candidate(s, m.end(), "punctuation", (Option(expand_list(token), s),), True)
    options = tuple(Option(r, s) for r in splits(token))
    return Candidate(s, m.end(), "punctuation", options, False) if options else None


# ----------------------------------------------------------------------------- reading in a scope


@dataclass(frozen=True)
class ScopeEvidence:
    """How often a scope cites each number, and the largest number it certainly cites."""

    counts: Counter[int]
    largest: int

    @classmethod
    def build(cls, certain: Iterable[int], confident: Iterable[int] = ()) -> ScopeEvidence:
        counts = Counter(certain)
        largest = max(counts, default=9)
        counts.update(n for n in confident if n <= largest)  # confident readings add weight, not range
        return cls(counts, largest)

    def p_ref(self, n: int) -> float:
        alpha, total = 0.5, sum(self.counts.values())
        z = total + alpha * max(self.largest, 1)
        if n <= self.largest:
            return (self.counts[n] + alpha) / z
        if n <= self.largest + SLACK:
            return 0.5 * alpha / z
        return 1e-4 * alpha / z


def _p_order(refs: Sequence[int]) -> float:
    k = len(refs)
    if k == 1:
        return 1.0
    ascending = all(a < b for a, b in pairwise(refs))
    return 0.75 if ascending else 0.25 / (math.factorial(k) - 1)


def likelihood(option: Option, evidence: ScopeEvidence) -> float:
    k = len(option.refs)
    p = LENGTH_PRIOR.get(k, 0.04 * 0.5 ** max(0, k - 5)) * _p_order(option.refs) * option.prior
    for n in option.refs:
        p *= evidence.p_ref(n)
    return p


def certain_refs(candidates: Iterable[Candidate]) -> list[int]:
    """Refs read without doubt: explicit markers and candidates with a single reading."""
    refs: list[int] = []
    for c in candidates:
        if c.explicit or len(c.options) == 1:
            refs.extend(c.options[0].refs)
    return refs


def read_scope(text: str, candidates: Sequence[Candidate], scope: str, line_of) -> list[Marker]:
    """Choose a reading for every candidate of one reference scope (two passes: certain, then confident)."""
    certain = certain_refs(candidates)
    evidence = ScopeEvidence.build(certain)
    ranked = [_rank(c, evidence) for c in candidates]
    confident = [
        n
        for r, c in zip(ranked, candidates, strict=True)
        if not c.explicit and len(c.options) > 1 and r[0][1] >= 0.9
        for n in r[0][0].refs
    ]
    evidence = ScopeEvidence.build(certain, confident)
    return [_marker(text, c, _rank(c, evidence), scope, line_of) for c in candidates]


def _rank(candidate: Candidate, evidence: ScopeEvidence) -> list[tuple[Option, float]]:
    scored = [(o, likelihood(o, evidence)) for o in candidate.options]
    total = sum(p for _, p in scored) or 1.0
    return sorted(((o, p / total) for o, p in scored), key=lambda x: -x[1])


def _marker(text: str, c: Candidate, ranked: list[tuple[Option, float]], scope: str, line_of) -> Marker:
    best, p_best = ranked[0]
    alternatives = [list(o.refs) for o, p in ranked[1:4] if p >= AMBIGUITY_RATIO * p_best]
    line, column = line_of(best.digits_start)
    return Marker(
        token=text[best.digits_start : c.end],
        refs=list(best.refs),
        alternatives=alternatives,
        line=line,
        column=column,
        start=best.digits_start,
        end=c.end,
        scope=scope,
        style=c.style,  # type: ignore[arg-type]
        confidence=round(1.0 if c.explicit else p_best, 3),
        ambiguous=bool(alternatives),
    )
