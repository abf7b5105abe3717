"""What a claim or a record is about, found with the curated vocabularies in data/ (YAML, one per aspect).

extract_entities(text, intervention=…) → Entities: the supplement and its forms, conditions (with their
organ/system group), co-interventions, mechanisms, outcomes, populations and doses, each mention with its
span in the text. query_terms(entities) gives the words of a search. (entity_agreement compares two
texts' entities; entity_vocab compiles the vocabularies.)

Extraction is a few regex scans of the compiled vocabularies (names on the lower-cased text, abbreviations
on the text as written, organ lists, doses) and a look-up per hit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from pipeline.linking.entity_vocab import HEAD, Term, Vocabulary, surface_key, vocabulary

PopulationKind = Literal["humans", "animals", "cells"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Mention(_Frozen):
    """One vocabulary term found in a text: its canonical id and name, and the words as written."""

    id: str
    name: str
    text: str
    start: int
    end: int
    group: str | None = None  # condition: organ/system; co-intervention: class; form: its supplement


class Population(_Frozen):
    """Who or what was studied: humans, animals (species when named) or cells (line when named)."""

    kind: PopulationKind
    text: str
    start: int
    end: int
    species: str | None = None
    cell_line: str | None = None


class Dose(_Frozen):
    """An amount as written: `low` is None for "up to X", `high` is None for "more than X"."""

    text: str
    start: int
    end: int
    low: float | None
    high: float | None
    unit: str
    per_day: bool


class Entities(_Frozen):
    """Everything extract_entities found in one text; `subject` is the document's supplement id, if known."""

    subject: str | None
    interventions: list[Mention]
    forms: list[Mention]
    conditions: list[Mention]
    co_interventions: list[Mention]
    mechanisms: list[Mention]
    outcomes: list[Mention]
    populations: list[Population]
    doses: list[Dose]


HEAD_END = re.compile(HEAD + "$")
_DAILY_BEFORE = re.compile(r"(?i:\b(?:daily|per day|a day)\b)[^.;]{0,25}$")
_UP_TO = re.compile(r"(?:\b(?i:up to|no more than|at most)\s+|[≤<]\s*)$")
_OVER = re.compile(r"(?:\b(?i:more than|exceeding|over|above|at least)\s+|[≥>]\s*)$")


# ----------------------------------------------------------------------------- extraction


@cache
def find_subject(name: str) -> str | None:
    """The intervention id a supplement name or a document title names ("Vitamin K2" → vitamin_k2), if any."""
    for _start, _end, term in _term_hits(name, vocabulary()):
        if term.aspect == "intervention" and not term.generic:
            return term.id
        if term.aspect == "form":
            return term.parent
    return None


def extract_entities(text: str, *, intervention: str | None = None) -> Entities:
    """The entities of one claim or record text. `intervention` (a document's supplement or title) makes
    the other members of its family co-interventions: extract a claim and its records with the same value."""
    vocab = vocabulary()
    subject = find_subject(intervention) if intervention else None
    found: dict[str, list[Any]] = {f: [] for f in Entities.model_fields if f not in ("subject", "doses")}
    for start, end, term in _term_hits(text, vocab):
        if term.aspect == "population":
            found["populations"].append(_population(text, start, end, term))
            continue
        if term.aspect == "form":  # also a mention of its supplement
            found["forms"].append(_mention(text, start, end, term))
            term = vocab.terms[term.parent or ""]
        found[_field(term, subject, vocab)].append(_mention(text, start, end, term))
    # one validation of plain dicts: pydantic-core builds the nested models far faster than one call each
    return Entities.model_validate({"subject": subject, "doses": list(_doses(text, vocab)), **found})


def _lowered(text: str) -> str:
    """The text in lower case, position for position (the rare characters whose lower case is longer stay)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _term_hits(text: str, vocab: Vocabulary) -> list[tuple[int, int, Term]]:
    """Vocabulary terms in the text, in text order; where a name and an abbreviation overlap, the longer."""
    lowered = " " + _lowered(text)  # a match's span in the text is (start, end - 1) in the padded text
    found = _scan(vocab.names, lowered, lambda written: vocab.by_name.get(surface_key(written)))
    found += _scan(vocab.abbreviations, " " + text, vocab.by_abbreviation.get)
    hits: list[tuple[int, int, Term]] = []
    for start, end, term in sorted(found, key=lambda h: (h[0], h[0] - h[1])):
        if term is not None and (not hits or start >= hits[-1][1]):
            hits.append((start, end, term))
    return sorted(hits + _organ_hits(lowered, vocab, hits), key=lambda h: h[0])


def _scan(pattern: re.Pattern[str], padded: str, lookup: Any) -> list[tuple[int, int, Term | None]]:
    return [(m.start(), m.end() - 1, lookup(m[0][1:])) for m in pattern.finditer(padded)]


def _organ_hits(
    lowered: str, vocab: Vocabulary, hits: list[tuple[int, int, Term]]
) -> list[tuple[int, int, Term]]:
    """Organ words standing for their cancer in "liver, ovarian and bladder cancers" (not already found).
    Only the text before a condition ending in "cancer(s)" is searched: a list ends in that word."""
    out = []
    for s, e, term in hits:
        if term.aspect != "condition" or not HEAD_END.search(lowered, s + 1, e + 1):
            continue
        for listed in vocab.organ_list.finditer(lowered, max(0, s - 200), e + 1):
            for m in vocab.organ_word.finditer(lowered, listed.start(), listed.end()):
                start, end = m.start(), m.end() - 1
                if not any(a < end and start < b for a, b, _t in hits + out):
                    out.append((start, end, vocab.organs[surface_key(m[0][1:])]))
    return out


def _field(term: Term, subject: str | None, vocab: Vocabulary) -> str:
    if term.aspect != "intervention":
        return term.aspect + "s"
    family = vocab.terms[subject].group if subject else None
    own = subject is None or term.id == subject or (term.generic and term.group == family)
    return "interventions" if own else "co_interventions"


def _mention(text: str, start: int, end: int, term: Term) -> dict[str, Any]:
    group = term.parent if term.aspect == "form" else term.group
    return dict(id=term.id, name=term.name, text=text[start:end], start=start, end=end, group=group)


def _population(text: str, start: int, end: int, term: Term) -> dict[str, Any]:
    return dict(
        kind=term.id, text=text[start:end], start=start, end=end,
        species=term.detail if term.id == "animals" else None,
        cell_line=term.detail if term.id == "cells" else None,
    )  # fmt: skip


def _doses(text: str, vocab: Vocabulary) -> Iterator[dict[str, Any]]:
    for m in vocab.dose.finditer(text):
        start = m.start()
        if start and (text[start - 1].isalnum() or text[start - 1] in "_.,/-"):
            continue  # a digit inside a name or a number ("MK-4", "1,25(OH)2D3"), not an amount
        low: float | None = _number(m["low"])
        high = _number(m["high"]) if m["high"] else low
        before = text[max(0, start - 40) : start]
        if not m["high"] and (bound := _UP_TO.search(before) or _OVER.search(before)):
            start -= len(before) - bound.start()
            low, high = (None, low) if bound.re is _UP_TO else (low, None)
        per_day = bool(m["day"]) or bool(_DAILY_BEFORE.search(before))
        unit = vocab.units[m["unit"]].name
        yield dict(text=text[start : m.end()], start=start, end=m.end(), low=low, high=high, unit=unit,
                   per_day=per_day)  # fmt: skip


def _number(written: str) -> float:
    return float(written.replace(",", ""))


# ----------------------------------------------------------------------------- queries


def query_terms(entities: Entities) -> list[str]:
    """Words for a BM25 or PubMed query: each named term's canonical name and main synonyms, subject first."""
    ids = [entities.subject] if entities.subject else []
    for field in ("interventions", "forms", "conditions", "co_interventions", "mechanisms", "outcomes"):
        ids += [m.id for m in getattr(entities, field)]
    words: dict[str, str] = {}
    for term_id in dict.fromkeys(ids):
        for word in vocabulary().terms[term_id].query:
            words.setdefault(word.lower(), word)
    return list(words.values())
