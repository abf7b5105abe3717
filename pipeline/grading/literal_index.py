"""Which of the grader's literals occur in one record's text, found in a single pass.

Grading asks a few hundred "does this literal occur?" questions per record (cue gates, group gates, word
lists, species names), and "where first and last?" for the few that do. Answered one substring search at
a time, each question scanned the whole abstract again: the largest single cost of grading. An RE2 set
(google-re2: one automaton over every literal the vocabularies name, built once per process) says which
of them occur in one scan; positions are then looked up only for literals known to be there. A literal the
set does not hold is answered by a plain substring search, so the index gives the same answers as the
searches it replaces, only sooner.
"""

from __future__ import annotations

from functools import cache

import re2

from pipeline.grading.vocab import cell_line_names, species_words, text_cues

# RE2 builds its automaton lazily within this budget and starts over when it runs out; the default (8 MB)
# ran out on abstracts, costing a third more time per scan.
_SET_MEMORY = 64 << 20


@cache
def vocabulary_literals() -> tuple[str, ...]:
    """Every literal the cue vocabularies gate on or list as words, every species name and known cell line
    (lower-cased), sorted."""
    found: set[str] = set()
    for group in text_cues().values():
        found.update(group.words)
        found.update(group.gate)
        for cue in group.cues:
            found.update(cue.gate)
            for branch in cue.branches:  # text.py checks each branch's own gate against the index
                found.update(branch.gate)
    for names in species_words().values():
        found.update(names)
    found.update(known_cell_lines())
    # a literal spanning the newline between title and abstract would belong to neither field
    return tuple(sorted(s for s in found if s and "\n" not in s))


@cache
def known_cell_lines() -> frozenset[str]:
    """The known cell-line names lower-cased: where none occurs in the lower-cased text, none occurs as
    written (the names are ASCII, which lower-cases letter by letter)."""
    return frozenset(name.lower() for name in cell_line_names())


@cache
def _vocabulary() -> frozenset[str]:
    return frozenset(vocabulary_literals())


@cache
def _literal_set() -> tuple[re2.Set, tuple[str, ...]]:
    """The automaton over every vocabulary literal, and the literal of each index."""
    options = re2.Options()
    options.max_mem = _SET_MEMORY
    automaton = re2.Set.SearchSet(options)
    names = vocabulary_literals()
    for literal in names:
        automaton.Add(re2.escape(literal))  # index i in the set is names[i]
    automaton.Compile()
    return automaton, names


class LiteralIndex:
    """The vocabulary literals present in a lower-cased title and abstract, and where the others are."""

    __slots__ = ("_both", "_fields", "_other", "_positions", "found")

    def __init__(self, title: str, abstract: str) -> None:
        self._fields = {"title": title, "abstract": abstract}
        self._both = both = f"{title}\n{abstract}"
        automaton, names = _literal_set()
        # the vocabulary literals that occur in title or abstract
        # surrogatepass: a lone surrogate (JSON allows "\ud800") must not stop grading; RE2 reads those
        # bytes as invalid UTF-8, which no (ASCII) literal matches, just as `in` would not
        matched = automaton.Match(both.encode("utf-8", "surrogatepass"))
        self.found = frozenset(names[i] for i in matched or ())
        self._other: dict[str, bool] = {}  # literals outside the vocabulary, searched for directly
        self._positions: dict[tuple[str, str], tuple[int, int]] = {}  # (field, literal) → first, last end

    def present(self, literal: str) -> bool:
        """Whether `literal` occurs in the title or the abstract."""
        if literal in self.found:
            return True
        if literal in _vocabulary():
            return False
        if literal not in self._other:
            self._other[literal] = literal in self._both
        return self._other[literal]

    def any_present(self, literals: frozenset[str]) -> bool:
        """Whether any of these vocabulary literals occurs (one set operation)."""
        return not self.found.isdisjoint(literals)

    def span(self, field: str, literals: tuple[str, ...]) -> tuple[int, int] | None:
        """From the first start to the last end of any of `literals` in one field ("title", "abstract")."""
        vocabulary, found = _vocabulary(), self.found
        first, last = -1, -1
        for literal in literals:
            if literal in vocabulary and literal not in found:
                continue  # absent from both fields: no search needed
            start, end = self._where(field, literal)
            if start >= 0:
                first = start if first < 0 else min(first, start)
                last = max(last, end)
        return (first, last) if first >= 0 else None

    def _where(self, field: str, literal: str) -> tuple[int, int]:
        """First start and last end of `literal` in the field ((-1, -1) when absent); cues share literals."""
        key = (field, literal)
        if key not in self._positions:
            text = self._fields[field]
            start = text.find(literal)
            self._positions[key] = (start, text.rfind(literal) + len(literal)) if start >= 0 else (-1, -1)
        return self._positions[key]


@cache
def split_vocabulary(literals: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    """The literals the index knows (answered by one set operation) and the rest (searched for)."""
    vocabulary = _vocabulary()
    known = frozenset(s for s in literals if s in vocabulary)
    return known, tuple(s for s in literals if s not in vocabulary)
