"""The grading vocabularies, kept as YAML beside this module and compiled once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from typing import Any

import yaml

from pipeline.grading.cue_gates import (
    boundary_body,
    minimal,
    required_literals,
    stays_in_sentence,
    top_level_branches,
)

# libyaml's parser when installed (it is, with PyYAML wheels): the vocabularies load ~10× faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class TypeRule:
    """What one PubMed publication type says about design."""

    name: str
    design: str
    detail: str | None
    rank: int


@dataclass(frozen=True)
class PublicationTypes:
    by_ui: dict[str, TypeRule]
    by_name: dict[str, TypeRule]
    neutral: frozenset[str]


@dataclass(frozen=True)
class Cue:
    """One compiled text cue: its group, where it looks, and the literals one of which any match contains.

    Patterns are lower-case and run on lower-cased text (no IGNORECASE: twice as fast). `gate` is derived
    from the pattern (cue_gates.py): when none of its literals occurs in the text, the pattern cannot match
    and is skipped. `in_sentence`: no match can cross a full stop, so only the sentences holding the gate
    literals need searching. `body`: the pattern without its leading `\b`, searched faster (text.py).
    `branches`: a pattern that is an alternation of gated branches (`\bin vivo\b|…|\brats?\b`) as one
    cue per branch, so each is searched only where its own literals occur (text.py takes the leftmost).
    """

    group: str
    where: str  # title | abstract | any
    pattern: re.Pattern[str]
    gate: tuple[str, ...] = ()
    in_sentence: bool = False
    body: re.Pattern[str] | None = None  # the pattern without its leading `\b` (cue_gates.boundary_body)
    branches: tuple[Cue, ...] = ()

    @cached_property
    def gate_set(self) -> frozenset[str]:
        return frozenset(self.gate)


@dataclass(frozen=True)
class CueGroup:
    """The cues of one group, its whole-word list, and the group gate: every literal of its cues' gates.

    When none of the group's literals occurs in the record, no cue of the group can match (each cue's
    match contains one of its own literals), so the whole group is skipped with one memoised check.
    """

    cues: list[Cue]
    words: tuple[str, ...] = ()  # sorted whole words, any of which is a hit

    @cached_property
    def word_set(self) -> frozenset[str]:
        return frozenset(self.words)

    @cached_property
    def gate_set(self) -> frozenset[str]:
        return frozenset(self.gate)

    @cached_property
    def gate(self) -> tuple[str, ...]:
        """The union of the cues' gates; () when some cue has no gate (the group must always run)."""
        if not self.cues or any(not cue.gate for cue in self.cues):
            return ()
        return minimal(literal for cue in self.cues for literal in cue.gate)


def _load(name: str) -> Any:
    path = resources.files("pipeline.grading").joinpath("data").joinpath(name)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)


@cache
def publication_types() -> PublicationTypes:
    data = _load("publication_types.yaml")
    rules = [TypeRule(d["name"], d["design"], d.get("detail"), d["rank"]) for d in data["designs"]]
    by_ui = {d["ui"]: r for d, r in zip(data["designs"], rules, strict=True) if d.get("ui")}
    # D016440 carries both the old and the new notice name; either way it is the same rule shape
    by_name = {r.name.lower(): r for r in rules}
    return PublicationTypes(by_ui, by_name, frozenset(n.lower() for n in data["neutral"]))


@cache
def mesh() -> dict[str, Any]:
    return _load("mesh.yaml")


@cache
def text_cues() -> dict[str, CueGroup]:
    """Cue groups in file order, each with its compiled patterns and its word list."""
    out: dict[str, CueGroup] = {}
    for group, places in _load("text_cues.yaml").items():
        words = tuple(sorted(places.pop("words", ())))
        cues = [_cue(group, where, p) for where, ps in places.items() for p in ps]
        out[group] = CueGroup(cues, words)
    return out


def _cue(group: str, where: str, pattern: str, split: bool = True) -> Cue:
    branches = top_level_branches(pattern) if split else []
    gated = len(branches) > 1 and all(required_literals(b) for b in branches)
    return Cue(
        group,
        where,
        re.compile(pattern),
        required_literals(pattern),
        stays_in_sentence(pattern),
        _body(pattern),
        tuple(_cue(group, where, b, split=False) for b in branches) if gated else (),
    )


def _body(pattern: str) -> re.Pattern[str] | None:
    body = boundary_body(pattern)
    return re.compile(body) if body is not None else None


@cache
def species_words() -> dict[str, list[str]]:
    """Species → the lower-case words or phrases that name it."""
    return _load("populations.yaml")["species"]


@cache
def cell_line_names() -> tuple[str, ...]:
    """The known cell-line names, as written (matching is case-sensitive: "CHO", not "cho")."""
    return tuple(str(n) for n in _load("populations.yaml")["cell_lines"])


@cache
def cell_line_pattern() -> re.Pattern[str]:
    names = sorted(cell_line_names(), key=len, reverse=True)
    # no `(?<![\w-])` lookbehind here: population.py checks the character before each match by hand
    return re.compile("(" + "|".join(re.escape(n) for n in names) + r")(?![\w-])")
