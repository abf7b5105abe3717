"""The text a grader reads: the title, and the abstract without its Background part, plus cue lookup.

Background sentences report what earlier studies did ("randomised trials have shown…"); dropping them keeps
those mentions from being read as this study's design. Unstructured abstracts are kept whole.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from pipeline.grading.vocab import text_cues
from pipeline.models import Record

_WORD = re.compile(r"[a-z0-9][a-z0-9-]*")
_BACKGROUND = {"background", "introduction", "context", "importance", "rationale", "background and aims"}
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

    words: dict[str, frozenset[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lowered = {"title": self.title.lower(), "abstract": self.abstract.lower()}
        object.__setattr__(self, "words", {k: frozenset(_WORD.findall(v)) for k, v in lowered.items()})
        object.__setattr__(self, "lowered", lowered | {"both": f"{lowered['title']}\n{lowered['abstract']}"})

    def fields_for(self, where: str) -> list[tuple[str, str]]:
        """The (name, text) pairs a cue with this `where` looks at."""
        if where == "title":
            return [("title", self.title)]
        if where == "abstract":
            return [("abstract", self.abstract)]
        return [("title", self.title), ("abstract", self.abstract)]

    def mentions(self, words: tuple[str, ...]) -> bool:
        """True when any of these lower-case words occurs in title or abstract (or no words are given)."""
        if not words:
            return True
        both = self.lowered["both"]
        return any(w in both for w in words)


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
    cues = text_cues()[group]
    out = _word_hits(group, text, where, cues.words)
    if not text.mentions(cues.require):
        return out
    for cue in cues.cues:
        if where is not None and cue.where not in (where, "any"):
            continue
        for name, original in text.fields_for(cue.where):
            value = text.lowered[name]
            if not value or (where is not None and name != where):
                continue
            if cue.gate and not any(g in value for g in cue.gate):
                continue
            if m := cue.pattern.search(value):
                span = original[m.start() : m.end()] if len(original) == len(value) else m.group(0)
                out.append(Hit(group, name, span, m))
                break
    return sorted(out, key=lambda h: h.where != "title")


def _word_hits(group: str, text: RecordText, where: str | None, words: frozenset[str]) -> list[Hit]:
    """At most one whole-word hit per field, for the group's word list."""
    out = []
    for name in ("title", "abstract"):
        found = words & text.words[name] if words and where in (None, name) else None
        if found:
            out.append(Hit(group, name, min(found), None))
    return out
