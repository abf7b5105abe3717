"""What a claim or a record is about, found with the curated vocabularies in data/ (YAML, one per aspect).

extract_entities(text, intervention=…) → Entities: the supplement and its forms, conditions (with their
organ/system group), co-interventions, mechanisms, outcomes, populations and doses, each mention with its
span in the text. query_terms(entities) gives the words of a search; agreement(claim, record) compares two
texts aspect by aspect, with a reason a report can print.

The vocabularies compile once into a few regexes: trie-shaped alternations over every name (run on the
lower-cased text) and every abbreviation (run on the text as written), one for coordinated organ lists
("liver, ovarian and bladder cancers") and one for doses. Extraction is a few scans and a look-up per hit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict

from pipeline.errors import ConfigError

Status = Literal["match", "conflict", "not_comparable"]
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


class AspectAgreement(_Frozen):
    status: Status
    reason: str


class EntityAgreement(_Frozen):
    """How a record's entities agree with a claim's, aspect by aspect."""

    intervention: AspectAgreement
    form: AspectAgreement
    condition: AspectAgreement
    condition_group: AspectAgreement
    co_intervention: AspectAgreement
    mechanism_outcome: AspectAgreement
    population: AspectAgreement
    dose: AspectAgreement

    def reasons(self) -> list[str]:
        """One line per aspect, "aspect: status: reason", in field order."""
        return [f"{name}: {a.status}: {a.reason}" for name, a in self]

    def conflicts(self) -> list[str]:
        return [name for name, a in self if a.status == "conflict"]


# ----------------------------------------------------------------------------- vocabularies


@dataclass(frozen=True)
class Term:
    """One vocabulary entry. `group`: a condition's organ/system, a drug's class, a supplement's family."""

    aspect: str
    id: str
    name: str
    group: str | None = None
    parent: str | None = None
    generic: bool = False
    detail: str | None = None  # an animal's species or a cell line's name
    abbreviation: str | None = None
    query: tuple[str, ...] = ()
    organs: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Unit:
    name: str
    dimension: str
    factor: float


@dataclass(frozen=True)
class _Vocabulary:
    names: re.Pattern[str]  # on " " + lower-cased text: an IGNORECASE regex is several times slower
    abbreviations: re.Pattern[str]  # on " " + text, case as written
    by_name: dict[str, Term]
    by_abbreviation: dict[str, Term]
    terms: dict[str, Term]  # by id, populations excepted
    organ_list: re.Pattern[str]
    organ_word: re.Pattern[str]
    organs: dict[str, Term]
    dose: re.Pattern[str]
    units: dict[str, _Unit]  # by spelling


_FILES = {
    "condition": "conditions.yaml",
    "co_intervention": "co_interventions.yaml",
    "mechanism": "mechanisms.yaml",
    "outcome": "outcomes.yaml",
}
_SEP = re.compile(r"[\s\-‐]+")  # in names a run of spaces or hyphens matches any such run
# Term patterns consume the non-word character before a term (texts get a space in front): a leading
# character class lets the regex engine skip, in C, the many positions inside words.
_LEAD, _TAIL = r"[^\w]", r"(?!\w)(?!-\d)"  # "MK-4-14" is a range of forms, not MK-4
_HEAD = r"(?:cancer|carcinoma|tumou?r|neoplasm|malignanc(?:y|ie))s?"
_HEAD_END = re.compile(_HEAD + "$")
_LIST_SEP = r"(?:\s*[,/&]\s*(?:(?:and|or)\s+)?|\s+(?:and|or)\s+)"
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_DAY = r"(?P<day>\s*(?i:/\s*(?:day|d)\b|per\s+day|a\s+day|daily|every\s+day|each\s+day))?"
_DAILY_BEFORE = re.compile(r"(?i:\b(?:daily|per day|a day)\b)[^.;]{0,25}$")
_UP_TO = re.compile(r"(?:\b(?i:up to|no more than|at most)\s+|[≤<]\s*)$")
_OVER = re.compile(r"(?:\b(?i:more than|exceeding|over|above|at least)\s+|[≥>]\s*)$")


def _load(name: str) -> Any:
    path = resources.files("pipeline.linking").joinpath("data").joinpath(name)
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _key(text: str) -> str:
    return _SEP.sub(" ", text.lower())


def _term(aspect: str, key: str, entry: dict[str, Any], group: str | None = None) -> Term:
    names, abbreviations = entry.get("names", []), entry.get("abbreviations", [])
    query = entry.get("query") or dict.fromkeys([entry["name"], *names[:2], *abbreviations[:1]])
    first = abbreviations[0] if abbreviations else None
    organs = tuple(entry.get("organs", ()))
    return Term(aspect, key, entry["name"], group or entry.get("group"), entry.get("parent"),
                entry.get("generic", False), None, first, tuple(query), organs)  # fmt: skip


def _entries() -> Iterator[tuple[Term, list[str], list[str]]]:
    """Every term of every vocabulary file with its names (any case) and abbreviations (exact case)."""
    for aspect, file in _FILES.items():
        for key, entry in _load(file).items():
            yield _term(aspect, key, entry), entry.get("names", []), entry.get("abbreviations", [])
    for key, entry in _load("interventions.yaml").items():
        yield (
            _term("intervention", key, entry, entry["family"]),
            entry["names"],
            entry.get("abbreviations", []),
        )
        for form, spec in (entry.get("forms") or {}).items():
            names = spec.get("names", [])
            yield (
                Term("form", form, form, parent=key, query=(form, *names[:2])),
                names,
                spec.get("abbreviations", []),
            )
    data = _load("populations.yaml")
    yield Term("population", "humans", "humans"), data["humans"], []
    for species, names in data["animals"].items():
        yield (
            Term("population", "animals", "animals", detail=None if species == "unspecified" else species),
            names,
            [],
        )
    yield Term("population", "cells", "cells"), data["cells"], []
    for line, written in data["cell_lines"].items():
        yield Term("population", "cells", "cells", detail=line), [], written


def _variants(name: str, spelling: dict[str, str]) -> set[str]:
    """A name's look-up keys: as listed and in American spelling, each also with a plural "s"."""
    american = name.lower()
    for british, us in spelling.items():
        american = american.replace(british, us)
    keys = {_key(name), _key(american)}
    return keys | {k + "s" for k in keys if k[-1].isalpha() and not k.endswith("s")}


def _add(index: dict[str, Term], key: str, term: Term) -> None:
    old = index.setdefault(key, term)
    if old != term:
        raise ConfigError(
            "linking vocabulary", f"{key!r} is both {old.aspect} {old.id} and {term.aspect} {term.id}"
        )


def _trie(words: Iterable[str], *, flexible: bool) -> str:
    """An alternation shaped as a trie (shared prefixes factored out) that prefers the longest word."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(r"[\s\-‐]+" if flexible and char == " " else re.escape(char), {})
        node[""] = {}
    return _render(root)


def _render(node: dict[str, Any]) -> str:
    branches = [atom + _render(child) for atom, child in node.items() if atom]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body  # the longer words are tried before stopping here


@cache
def _vocabulary() -> _Vocabulary:
    spelling = _load("spelling.yaml")["british_american"]
    by_name: dict[str, Term] = {}
    by_abbreviation: dict[str, Term] = {}
    terms: dict[str, Term] = {}
    for term, names, abbreviations in _entries():
        for name in names:
            for key in _variants(name, spelling):
                _add(by_name, key, term)
        for abbreviation in abbreviations:
            _add(by_abbreviation, abbreviation, term)
        if term.aspect != "population":
            _add(terms, term.id, term)
    organs = {_key(o): t for t in terms.values() for o in t.organs}
    organ = _trie(organs, flexible=True)
    item = f"(?:{organ}|{_trie((k for k, t in by_name.items() if t.aspect == 'condition'), flexible=True)})"
    units = {s: _Unit(n, u["dimension"], u["factor"]) for n, u in _load("doses.yaml")["units"].items()
             for s in u["spellings"]}  # fmt: skip
    unit = "|".join(re.escape(s) for s in sorted(units, key=len, reverse=True))
    dose = (
        rf"(?P<low>{_NUMBER})(?:\s*(?:-|–|—|to)\s*(?P<high>{_NUMBER}))?(?:\s*|-)(?P<unit>{unit})(?!\w){_DAY}"
    )
    return _Vocabulary(
        re.compile(_LEAD + _trie(by_name, flexible=True) + _TAIL),
        re.compile(_LEAD + _trie(by_abbreviation, flexible=False) + _TAIL),
        by_name, by_abbreviation, terms,
        re.compile(rf"{_LEAD}{item}(?:{_LIST_SEP}{item})+\s+{_HEAD}(?!\w)"),
        re.compile(_LEAD + organ + _TAIL), organs, re.compile(dose), units,
    )  # fmt: skip


# ----------------------------------------------------------------------------- extraction


@cache
def find_subject(name: str) -> str | None:
    """The intervention id a supplement name or a document title names ("Vitamin K2" → vitamin_k2), if any."""
    for _start, _end, term in _term_hits(name, _vocabulary()):
        if term.aspect == "intervention" and not term.generic:
            return term.id
        if term.aspect == "form":
            return term.parent
    return None


def extract_entities(text: str, *, intervention: str | None = None) -> Entities:
    """The entities of one claim or record text. `intervention` (a document's supplement or title) makes
    the other members of its family co-interventions: extract a claim and its records with the same value."""
    vocab = _vocabulary()
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


def _term_hits(text: str, vocab: _Vocabulary) -> list[tuple[int, int, Term]]:
    """Vocabulary terms in the text, in text order; where a name and an abbreviation overlap, the longer."""
    lowered = " " + _lowered(text)  # a match's span in the text is (start, end - 1) in the padded text
    found = _scan(vocab.names, lowered, lambda written: vocab.by_name.get(_key(written)))
    found += _scan(vocab.abbreviations, " " + text, vocab.by_abbreviation.get)
    hits: list[tuple[int, int, Term]] = []
    for start, end, term in sorted(found, key=lambda h: (h[0], h[0] - h[1])):
        if term is not None and (not hits or start >= hits[-1][1]):
            hits.append((start, end, term))
    return sorted(hits + _organ_hits(lowered, vocab, hits), key=lambda h: h[0])


def _scan(pattern: re.Pattern[str], padded: str, lookup: Any) -> list[tuple[int, int, Term | None]]:
    return [(m.start(), m.end() - 1, lookup(m[0][1:])) for m in pattern.finditer(padded)]


def _organ_hits(
    lowered: str, vocab: _Vocabulary, hits: list[tuple[int, int, Term]]
) -> list[tuple[int, int, Term]]:
    """Organ words standing for their cancer in "liver, ovarian and bladder cancers" (not already found).
    Only the text before a condition ending in "cancer(s)" is searched: a list ends in that word."""
    out = []
    for s, e, term in hits:
        if term.aspect != "condition" or not _HEAD_END.search(lowered, s + 1, e + 1):
            continue
        for listed in vocab.organ_list.finditer(lowered, max(0, s - 200), e + 1):
            for m in vocab.organ_word.finditer(lowered, listed.start(), listed.end()):
                start, end = m.start(), m.end() - 1
                if not any(a < end and start < b for a, b, _t in hits + out):
                    out.append((start, end, vocab.organs[_key(m[0][1:])]))
    return out


def _field(term: Term, subject: str | None, vocab: _Vocabulary) -> str:
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


def _doses(text: str, vocab: _Vocabulary) -> Iterator[dict[str, Any]]:
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


# ----------------------------------------------------------------------------- queries and agreement


def query_terms(entities: Entities) -> list[str]:
    """Words for a BM25 or PubMed query: each named term's canonical name and main synonyms, subject first."""
    ids = [entities.subject] if entities.subject else []
    for field in ("interventions", "forms", "conditions", "co_interventions", "mechanisms", "outcomes"):
        ids += [m.id for m in getattr(entities, field)]
    words: dict[str, str] = {}
    for term_id in dict.fromkeys(ids):
        for word in _vocabulary().terms[term_id].query:
            words.setdefault(word.lower(), word)
    return list(words.values())


def agreement(claim: Entities, record: Entities) -> EntityAgreement:
    """How far a record's entities agree with a claim's: match, conflict or not comparable, per aspect."""
    c_conditions, r_conditions = _specific(claim.conditions), _specific(record.conditions)
    c_groups, r_groups = ({m.group or "" for m in ms} for ms in (c_conditions, r_conditions))
    c_effects, r_effects = claim.mechanisms + claim.outcomes, record.mechanisms + record.outcomes
    return EntityAgreement(
        intervention=_intervention(claim, record),
        form=_verdict("form", claim.forms, record.forms, _same(claim.forms, record.forms)),
        condition=_verdict("condition", claim.conditions, record.conditions, _same(c_conditions, r_conditions,
                           _related_condition), bool(c_conditions and r_conditions)),
        condition_group=_verdict("organ/system", ", ".join(sorted(c_groups)), ", ".join(sorted(r_groups)),
                                 bool(c_groups & r_groups), bool(c_groups and r_groups)),
        co_intervention=_co_intervention(claim.co_interventions, record.co_interventions),
        mechanism_outcome=_verdict("mechanism or outcome", c_effects, r_effects, _same(c_effects, r_effects)),
        population=_population_agreement(claim.populations, record.populations),
        dose=_dose_agreement(claim.doses, record.doses),
    )  # fmt: skip


def _specific(mentions: list[Mention]) -> list[Mention]:
    return [m for m in mentions if not _vocabulary().terms[m.id].generic]


def _label(mentions: list[Mention]) -> str:
    """Each distinct term once as written, then a condition's abbreviation or else the canonical name."""
    first: dict[str, Mention] = {}
    for m in mentions:
        first.setdefault(m.id, m)
    shown = []
    for m in first.values():
        term = _vocabulary().terms[m.id]
        # "liver cancer (HCC)", "HCC (hepatocellular carcinoma)", "prognosis (survival)"
        other = term.abbreviation if term.aspect == "condition" and term.abbreviation else m.name
        other = m.name if other.lower() == m.text.lower() else other
        shown.append(m.text if other.lower() == m.text.lower() else f"{m.text} ({other})")
    return ", ".join(shown[:4]) + (" …" if len(shown) > 4 else "")


def _verdict(
    what: str,
    claim: str | list[Mention],
    record: str | list[Mention],
    same: bool,
    comparable: bool | None = None,
    different: str | None = None,
) -> AspectAgreement:
    """Match, conflict, or not comparable (by default when either side names nothing), both sides shown."""
    comparable = bool(claim and record) if comparable is None else comparable
    c, r = (side if isinstance(side, str) else _label(side) for side in (claim, record))
    status: Status = ("match" if same else "conflict") if comparable else "not_comparable"
    verdict = {"match": f"same {what}", "conflict": different or f"different {what}"}.get(status)
    reason = f"claim: {c or 'none'}; record: {r or 'none'} → {verdict or f'no {what} to compare'}"
    return AspectAgreement(status=status, reason=reason)


def _same(claim: list[Mention], record: list[Mention], related: Any = None) -> bool:
    return any(related(a, b) if related else a.id == b.id for a in claim for b in record)


def _related_condition(a: Mention, b: Mention) -> bool:
    return a.id == b.id or a.id in _ancestors(b.id) or b.id in _ancestors(a.id)


def _ancestors(term_id: str) -> set[str]:
    terms, out = _vocabulary().terms, set()
    while (parent := terms[term_id].parent) and parent not in out:
        out.add(parent)
        term_id = parent
    return out


def _intervention(claim: Entities, record: Entities) -> AspectAgreement:
    """The claim's supplement (named in it, else the document's) against the record's family members."""
    terms = _vocabulary().terms
    wanted = {m.id for m in _specific(claim.interventions)} or ({claim.subject} if claim.subject else set())
    named = {
        m.id for m in record.interventions + record.co_interventions if terms[m.id].aspect == "intervention"
    }
    c, r = (", ".join(sorted(terms[i].name for i in ids)) for ids in (wanted, named))
    siblings = {
        i for i in named if terms[i].group in {terms[w].group for w in wanted} and not terms[i].generic
    }
    # a record naming no member, or only "vitamin K", is broader rather than about something else
    return _verdict("intervention", c, r, bool(wanted & named), bool(wanted and siblings))


def _co_intervention(claim: list[Mention], record: list[Mention]) -> AspectAgreement:
    def related(a: Mention, b: Mention) -> bool:
        generic = _vocabulary().terms[a.id].generic or _vocabulary().terms[b.id].generic
        return a.id == b.id or (generic and a.group == b.group)

    # a claim about a combination is not backed by a record that names no partner drug
    missing = "combination not in the record" if not record else None
    return _verdict("co-intervention", claim, record, _same(claim, record, related), bool(claim), missing)


def _population_agreement(claim: list[Population], record: list[Population]) -> AspectAgreement:
    c, r = (", ".join(dict.fromkeys(_population_label(p) for p in ps)) for ps in (claim, record))
    kinds, record_kinds = {p.kind for p in claim}, {p.kind for p in record}
    indirect = "indirect population" if "humans" in kinds - record_kinds else None
    return _verdict("population", c, r, bool(kinds & record_kinds), bool(kinds and record_kinds), indirect)


def _population_label(p: Population) -> str:
    detail = p.species or p.cell_line
    return f"{p.kind} ({detail})" if detail else p.kind


def _dose_agreement(claim: list[Dose], record: list[Dose]) -> AspectAgreement:
    """Doses agree when two in the same kind of unit (mass, mass per weight, concentration) overlap."""
    c, r = ", ".join(d.text for d in claim), ", ".join(d.text for d in record)
    pairs = [(a, b) for a in map(_base, claim) for b in map(_base, record) if a[0] == b[0]]
    same = any(a[1] <= b[2] * 1.0001 and b[1] <= a[2] * 1.0001 for a, b in pairs)  # rounding of conversions
    return _verdict("dose", c, r, same, bool(pairs))


def _base(dose: Dose) -> tuple[str, float, float]:
    """A dose's dimension and its range in that dimension's base unit (open ends as 0 and infinity)."""
    unit = next(u for u in _vocabulary().units.values() if u.name == dose.unit)
    low = 0.0 if dose.low is None else dose.low * unit.factor
    return unit.dimension, low, float("inf") if dose.high is None else dose.high * unit.factor
