"""The text a grader reads: the title, and the abstract without its Background part, plus cue lookup.

Background sentences report what earlier studies did ("randomised trials have shown…"); dropping them keeps
those mentions from being read as this study's design. Unstructured abstracts are kept whole.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar, cast

from pipeline.grading.cue_gates import LOOKAHEAD_MARGIN, boundary_search
from pipeline.grading.literal_index import LiteralIndex, split_vocabulary
from pipeline.grading.vocab import Cue, CueGroup, text_cues
from pipeline.models import Record

T = TypeVar("T")
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_BACKGROUND = {"background", "introduction", "context", "importance", "rationale", "background and aims"}
_BACKGROUND_WORDS = ("background", "introduction", "context", "importance", "rationale")
# what every Background-like match of _LABEL contains, found without _LABEL's slow leading alternatives
_BACKGROUND_LABEL = re.compile(
    r"(?:background(?: (?:and|&) aims?)?|introduction|context|importance|rationale)\s*[:\n]"
)
_LABEL = re.compile(
    r"(?:^|\n|(?<=[.:]) )\s*(?P<label>background(?: (?:and|&) aims?)?|introduction|context|importance"
    r"|rationale|objectives?|aims?|purpose|methods?|materials and methods"
    r"|design(?:, setting,? and participants)?"
    r"|setting|participants|interventions?|main outcomes?(?: and measures?)?|results|findings|conclusions?"
    r"|interpretation|case presentation|discussion)\s*(?::|\n)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class RecordText:
    """Title and the design-relevant abstract text of one record, with its cue hits memoised."""

    title: str
    abstract: str
    lowered: dict[str, str] = field(init=False, repr=False, compare=False)
    _hits: dict[tuple[str, str | None], list[Hit]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    # memos: literal tuples present in title+abstract, whole words per field, values derived from the text
    _present: dict[tuple[str, ...], bool] = field(init=False, repr=False, compare=False, default_factory=dict)
    _words: dict[tuple[str, str], bool] = field(init=False, repr=False, compare=False, default_factory=dict)
    _derived: dict[str, Any] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        lowered = {"title": self.title.lower(), "abstract": self.abstract.lower()}
        object.__setattr__(self, "lowered", lowered | {"both": f"{lowered['title']}\n{lowered['abstract']}"})

    @cached_property
    def literals(self) -> LiteralIndex:
        """Where the vocabulary literals occur (one scan of the text, on first use)."""
        return LiteralIndex(self.lowered["title"], self.lowered["abstract"])

    def derived(self, key: str, compute: Callable[[RecordText], T]) -> T:
        """A value computed from this text once: some questions (the cell lines) are asked twice."""
        if key not in self._derived:
            self._derived[key] = compute(self)
        return cast(T, self._derived[key])

    def has_word(self, name: str, word: str) -> bool:
        """True when `word` is a whole token of the lower-cased field, a token being a run of [a-z0-9-]
        that starts with a letter or digit (so "non-smokers" does not contain the word "smokers")."""
        key = (name, word)
        if key not in self._words:
            self._words[key] = _is_token(self.lowered[name], word)
        return self._words[key]

    def fields(self, where: str) -> tuple[tuple[str, str], ...]:
        """The (name, text) pairs a cue with this `where` looks at."""
        if where == "title":
            return (("title", self.title),)
        if where == "abstract":
            return (("abstract", self.abstract),)
        return (("title", self.title), ("abstract", self.abstract))

    def mentions(self, words: tuple[str, ...]) -> bool:
        """True when any of these lower-case words occurs in title or abstract (or no words are given)."""
        if words not in self._present:
            known, other = split_vocabulary(words)
            index = self.literals
            self._present[words] = not words or index.any_present(known) or any(map(index.present, other))
        return self._present[words]


@dataclass(frozen=True)
class Hit:
    """A cue that matched: its group, the field and the matched span."""

    group: str
    where: str
    span: str
    match: re.Match[str] | None  # None for a whole-word hit


def record_text(record: Record) -> RecordText:
    """The title and the abstract minus Background, from structured sections when the record has them."""
    if record.abstract_sections:
        kept = [s.text for s in record.abstract_sections if not _is_background(s.label, s.category)]
        abstract = " ".join(kept) if kept else (record.abstract or "")
    else:
        abstract = strip_background(record.abstract or "")
    return RecordText(title=(record.title or "").strip(), abstract=abstract.strip())


def strip_background(abstract: str) -> str:
    """Drop the text under a Background/Introduction label, up to the next label; else keep all."""
    lowered = abstract.lower()
    if not any(word in lowered for word in _BACKGROUND_WORDS) or not _BACKGROUND_LABEL.search(lowered):
        return abstract  # no Background-like label can occur: skip the label scan (a slow pattern)
    labels = list(_LABEL.finditer(abstract))
    parts, start = [], 0
    for here, after in itertools.pairwise(labels):
        if here.group("label").lower() in _BACKGROUND:
            parts.append(abstract[start : here.start()])
            start = after.start()
    parts.append(abstract[start:])
    return "".join(parts)


def _is_background(label: str | None, category: str | None) -> bool:
    return (category or "").upper() == "BACKGROUND" or (label or "").lower() in _BACKGROUND


def first_hit(group: str, text: RecordText, where: str | None = None) -> Hit | None:
    """The first cue of `group` that matches (title cues before abstract cues), or None."""
    hits = all_hits(group, text, where)
    return hits[0] if hits else None


def all_hits(group: str, text: RecordText, where: str | None = None) -> list[Hit]:
    """Every cue of `group` that matches, at most one per cue, title hits first (memoised per text)."""
    key = (group, where)
    if key not in text._hits:
        text._hits[key] = _search(group, text, where)
    return text._hits[key]


def _search(group: str, text: RecordText, where: str | None) -> list[Hit]:
    cues, found = text_cues()[group], text.literals.found
    out = _word_hits(group, text, where, cues)
    if cues.gate and found.isdisjoint(cues.gate_set):
        return out  # no literal of any cue occurs: no cue of the group can match
    for cue in cues.cues:
        if where is not None and cue.where not in (where, "any"):
            continue
        if cue.gate and found.isdisjoint(cue.gate_set):
            continue
        for name, original in text.fields(cue.where):
            if where is not None and name != where:
                continue
            if m := _match(cue, text, name):
                value = text.lowered[name]
                span = original[m.start() : m.end()] if len(original) == len(value) else m.group(0)
                out.append(Hit(group, name, span, m))
                break
    return sorted(out, key=_abstract_last) if len(out) > 1 else out


def _match(cue: Cue, text: RecordText, name: str) -> re.Match[str] | None:
    """The cue's first match in one field, searching only where its gate literals occur."""
    if cue.branches:
        return _leftmost(cue.branches, text, name)
    value = text.lowered[name]
    span = text.literals.span(name, cue.gate) if cue.gate else (0, len(value))
    if span is None or not value:
        return None
    if not cue.in_sentence:
        return _find(cue, value, 0, len(value))
    start = value.rfind(".", 0, span[0]) + 1
    stop = value.find(".", span[1])
    end = len(value) if stop < 0 else min(len(value), stop + LOOKAHEAD_MARGIN)
    while end < len(value) and _is_word(value[end]):
        end += 1  # never cut a word: `\b` at the window's end must read as it does in the whole text
    return _find(cue, value, start, end)


def _leftmost(branches: tuple[Cue, ...], text: RecordText, name: str) -> re.Match[str] | None:
    """What the alternation of these branches finds: the leftmost branch match, the earlier branch on a
    tie (an alternation tries its branches in order at each position). Branches whose literals are absent
    are skipped, so a common word in one branch no longer widens the search for all the others."""
    found, best = text.literals.found, None
    for branch in branches:
        if found.isdisjoint(branch.gate_set):
            continue
        m = _match(branch, text, name)
        if m is not None and (best is None or m.start() < best.start()):
            best = m
    return best


def _find(cue: Cue, value: str, start: int, end: int) -> re.Match[str] | None:
    """`cue.pattern.search(value, start, end)`, by way of the pattern's body when it starts with `\b`."""
    if cue.body is None:
        return cue.pattern.search(value, start, end)
    return boundary_search(cue.body, value, start, end)


def _abstract_last(hit: Hit) -> bool:
    return hit.where != "title"


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"  # what `\w` means for str patterns


def _word_hits(group: str, text: RecordText, where: str | None, cues: CueGroup) -> list[Hit]:
    """At most one whole-word hit per field, for the group's word list."""
    present = cues.word_set & text.literals.found if cues.words else ()
    if not present:
        return []
    out = []
    for name in ("title", "abstract"):
        if where not in (None, name):
            continue
        found = [w for w in present if text.has_word(name, w)]
        if found:
            out.append(Hit(group, name, min(found), None))
    return out


def _is_token(value: str, word: str) -> bool:
    """Whether some occurrence of `word` in `value` is a whole token (see RecordText.has_word)."""
    start = value.find(word)
    while start >= 0:
        end = start + len(word)
        before = start
        while before > 0 and value[before - 1] == "-":
            before -= 1  # leading hyphens belong to a token only when a letter or digit precedes them
        if (before == 0 or value[before - 1] not in _ALNUM) and (
            end == len(value) or (value[end] not in _ALNUM and value[end] != "-")
        ):
            return True
        start = value.find(word, start + 1)
    return False
