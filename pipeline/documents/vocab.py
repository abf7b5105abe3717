"""Curated vocabularies kept as data files beside this module (chrome, names, evidence phrases, columns)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from pipeline.models import EvidenceType

# libyaml's parser when installed (it is, with PyYAML wheels): the vocabularies load ~10× faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load(name: str) -> dict:
    text = resources.files("pipeline.documents").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    return yaml.load(text, Loader=_LOADER)


def _full(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


@dataclass(frozen=True)
class Chrome:
    lines: re.Pattern[str]
    sections: re.Pattern[str]
    end_of_article: re.Pattern[str]
    faq_start: re.Pattern[str]

    @staticmethod
    def _match(pattern: re.Pattern[str], line: str) -> bool:
        return pattern.fullmatch(line.strip(" \t\u00a0")) is not None

    def is_line(self, line: str) -> bool:
        return self._match(self.lines, line)

    def opens_section(self, line: str) -> bool:
        return self._match(self.sections, line)

    def ends_article(self, line: str) -> bool:
        return self._match(self.end_of_article, line)

    def opens_faq(self, line: str) -> bool:
        return self._match(self.faq_start, line)


@cache
def chrome() -> Chrome:
    data = _load("chrome.yaml")
    return Chrome(*(_full(data[key]) for key in ("lines", "sections", "end_of_article", "faq_start")))


@dataclass(frozen=True)
class Names:
    exact: frozenset[str]
    exact_folded: frozenset[str]
    patterns: re.Pattern[str]

    def is_name(self, token: str) -> bool:
        bare = token.replace("-", "")
        return (
            token in self.exact
            or bare in self.exact
            or token.lower() in self.exact_folded
            or self.patterns.fullmatch(token) is not None
        )


@cache
def names() -> Names:
    data = _load("names.yaml")
    exact = frozenset(str(n) for n in data["exact"])
    # Case-folded lookup only for long names: "k2" must not match "K2" in running text by accident.
    folded = frozenset(n.lower().replace("-", "") for n in exact if len(n) >= 4)
    return Names(exact, folded, re.compile("|".join(f"(?:{p})" for p in data["patterns"])))


@dataclass(frozen=True)
class EvidencePhrases:
    phrases: tuple[tuple[EvidenceType, re.Pattern[str]], ...]
    cell_phrases: tuple[tuple[EvidenceType, re.Pattern[str]], ...]
    not_asserted: re.Pattern[str]


@cache
def evidence_phrases() -> EvidencePhrases:
    data = _load("evidence.yaml")

    def compiled(key: str) -> tuple[tuple[EvidenceType, re.Pattern[str]], ...]:
        return tuple((kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in data[key])

    return EvidencePhrases(
        compiled("phrases"), compiled("cell_phrases"), re.compile(data["not_asserted"], re.IGNORECASE)
    )


@dataclass(frozen=True)
class Columns:
    names: tuple[str, ...]
    evidence: frozenset[str]
    source: frozenset[str]


@cache
def columns() -> Columns:
    data = _load("columns.yaml")
    ordered = tuple(sorted(data["columns"], key=len, reverse=True))  # longest match first
    return Columns(ordered, frozenset(data["evidence_columns"]), frozenset(data["source_columns"]))
