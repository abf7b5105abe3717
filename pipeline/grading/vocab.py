"""The grading vocabularies, kept as YAML beside this module and compiled once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml


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
    from the pattern: when none of its literals occurs in the text, the pattern cannot match and is skipped.
    """

    group: str
    where: str  # title | abstract | any
    pattern: re.Pattern[str]
    gate: tuple[str, ...] = ()


@dataclass(frozen=True)
class CueGroup:
    """The cues of one group and the words one of which must be present for any of them to match."""

    cues: list[Cue]
    require: tuple[str, ...]
    words: frozenset[str] = frozenset()


def _load(name: str) -> Any:
    path = resources.files("pipeline.grading").joinpath("data").joinpath(name)
    return yaml.safe_load(path.read_text(encoding="utf-8"))


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
    """Cue groups in file order, each with its compiled patterns and its required words."""
    out: dict[str, CueGroup] = {}
    for group, places in _load("text_cues.yaml").items():
        require = tuple(places.pop("require", ()))
        words = frozenset(places.pop("words", ()))
        cues = [
            Cue(group, where, re.compile(p), required_literals(p)) for where, ps in places.items() for p in ps
        ]
        out[group] = CueGroup(cues, require, words)
    return out


def required_literals(pattern: str) -> tuple[str, ...]:
    """For each top-level branch, its longest literal run outside groups, classes and optional characters.

    Any match contains one of them; an empty tuple (some branch has no usable literal) means no gate.
    """
    literals = []
    for branch in _top_level(pattern):
        plain = re.sub(r"\\[bBwWdDsS]", "\x00", branch)
        plain = re.sub(r".[?*]|.\{0,?\d*\}", "\x00", _drop_groups(plain))
        runs = [r.strip() for r in re.split(r"[^a-z0-9 '-]", plain.replace("\\", ""))]
        best = max(runs, key=len, default="")
        if len(best) < 3:
            return ()
        literals.append(best)
    return tuple(literals)


def _top_level(pattern: str) -> list[str]:
    depth, start, out = 0, 0, []
    for i, ch in enumerate(pattern):
        escaped = i > 0 and pattern[i - 1] == "\\"
        depth += (ch in "([") - (ch in ")]") if not escaped else 0
        if ch == "|" and depth == 0 and not escaped:
            out.append(pattern[start:i])
            start = i + 1
    return [*out, pattern[start:]]


def _drop_groups(text: str) -> str:
    """Replace every (…) and […] (nested, with a following quantifier) by a break character."""
    out, depth = [], 0
    for i, ch in enumerate(text):
        escaped = i > 0 and text[i - 1] == "\\"
        if ch in "([" and not escaped:
            depth += 1
        elif ch in ")]" and not escaped and depth:
            depth -= 1
            out.append("\x00")
        elif depth == 0:
            out.append(ch)
    return re.sub(r"\x00[?*+]|\x00\{[\d,]*\}", "\x00", "".join(out))


@cache
def species_words() -> dict[str, list[str]]:
    """Species → the lower-case words or phrases that name it."""
    return _load("populations.yaml")["species"]


@cache
def cell_line_pattern() -> re.Pattern[str]:
    names = sorted((str(n) for n in _load("populations.yaml")["cell_lines"]), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(n) for n in names) + r")(?![\w-])")
