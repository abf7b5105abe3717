"""The curated linking vocabularies (data/*.yaml), loaded and compiled once.

`vocabulary()` gives every term by id, look-ups from a surface form (a name in any case, an abbreviation
as written) to its term, and the compiled patterns extraction runs: trie-shaped alternations over every
name and abbreviation, the coordinated organ list ("liver, ovarian and bladder cancers") and doses.
A surface form naming two terms is a configuration error, reported with both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from pipeline.errors import ConfigError

# libyaml's parser when installed (it is, with PyYAML wheels): the vocabularies load ~10× faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    family: str | None = None  # a condition's kind of disease ("cancer"): another cancer is closer kin


@dataclass(frozen=True)
class Unit:
    name: str
    dimension: str
    factor: float


@dataclass(frozen=True)
class Vocabulary:
    names: re.Pattern[str]  # on " " + lower-cased text: an IGNORECASE regex is several times slower
    abbreviations: re.Pattern[str]  # on " " + text, case as written
    by_name: dict[str, Term]
    by_abbreviation: dict[str, Term]
    terms: dict[str, Term]  # by id, populations excepted
    organ_list: re.Pattern[str]
    organ_word: re.Pattern[str]
    organs: dict[str, Term]
    dose: re.Pattern[str]
    units: dict[str, Unit]  # by spelling


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
HEAD = r"(?:cancer|carcinoma|tumou?r|neoplasm|malignanc(?:y|ie))s?"
_LIST_SEP = r"(?:\s*[,/&]\s*(?:(?:and|or)\s+)?|\s+(?:and|or)\s+)"
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_DAY = r"(?P<day>\s*(?i:/\s*(?:day|d)\b|per\s+day|a\s+day|daily|every\s+day|each\s+day))?"


def _load(name: str) -> Any:
    path = resources.files("pipeline.linking").joinpath("data").joinpath(name)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)


def surface_key(text: str) -> str:
    """A name as the look-ups index it: lower case, any run of spaces or hyphens as one space."""
    return _SEP.sub(" ", text.lower())


def _term(aspect: str, key: str, entry: dict[str, Any], group: str | None = None) -> Term:
    names, abbreviations = entry.get("names", []), entry.get("abbreviations", [])
    query = entry.get("query") or dict.fromkeys([entry["name"], *names[:2], *abbreviations[:1]])
    first = abbreviations[0] if abbreviations else None
    organs = tuple(entry.get("organs", ()))
    return Term(aspect, key, entry["name"], group or entry.get("group"), entry.get("parent"),
                entry.get("generic", False), None, first, tuple(query), organs,
                entry.get("family"))  # fmt: skip


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
    keys = {surface_key(name), surface_key(american)}
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
def vocabulary() -> Vocabulary:
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
    organs = {surface_key(o): t for t in terms.values() for o in t.organs}
    organ = _trie(organs, flexible=True)
    item = f"(?:{organ}|{_trie((k for k, t in by_name.items() if t.aspect == 'condition'), flexible=True)})"
    units = {s: Unit(n, u["dimension"], u["factor"]) for n, u in _load("doses.yaml")["units"].items()
             for s in u["spellings"]}  # fmt: skip
    unit = "|".join(re.escape(s) for s in sorted(units, key=len, reverse=True))
    dose = (
        rf"(?P<low>{_NUMBER})(?:\s*(?:-|–|—|to)\s*(?P<high>{_NUMBER}))?(?:\s*|-)(?P<unit>{unit})(?!\w){_DAY}"
    )
    return Vocabulary(
        re.compile(_LEAD + _trie(by_name, flexible=True) + _TAIL),
        re.compile(_LEAD + _trie(by_abbreviation, flexible=False) + _TAIL),
        by_name, by_abbreviation, terms,
        re.compile(rf"{_LEAD}{item}(?:{_LIST_SEP}{item})+\s+{HEAD}(?!\w)"),
        re.compile(_LEAD + organ + _TAIL), organs, re.compile(dose), units,
    )  # fmt: skip
