"""Flattened tables: split the header back into columns and recover the cells the vocabularies allow.

A scraped table keeps one line per row but loses its column breaks. The header splits on known column
names; in rows the "Evidence Type"-like cell is recovered from evidence vocabulary, the cell before it when
it is the second column, and a trailing "Source" column whose reference numbers stand as separate tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from pipeline.documents.vocab import columns, evidence_phrases

# Words that may stand in an evidence cell besides the evidence phrases themselves.
CELL_WORDS = r"clinical|small|large|strongest|data|evidence|stud(?:y|ies)|reports?|trials?"
TRAILING_REFS = re.compile(r"(?:[\s\u00a0]+[0-9]{1,3})+[\s\u00a0]*$")


@cache
def _cell_pattern() -> re.Pattern[str]:
    words = "|".join([p.pattern for _, p in evidence_phrases().phrases] + [CELL_WORDS])
    return re.compile(rf"\b(?:(?:{words})[0-9]*(?:[\s,/]+(?:and\s+)?|$))+", re.IGNORECASE)


@dataclass(frozen=True)
class TableShape:
    columns: tuple[str, ...]  # empty when the header could not be split

    @property
    def evidence_index(self) -> int | None:
        return next((i for i, c in enumerate(self.columns) if c in columns().evidence), None)

    @property
    def has_source(self) -> bool:
        return bool(self.columns) and self.columns[-1] in columns().source


def split_header(header: str) -> TableShape:
    """Split a flattened header into known column names, or give up (no partial guesses)."""
    rest, found = header.strip(), []
    while rest:
        name = next(
            (
                c
                for c in columns().names
                if rest.lower().startswith(c.lower()) and (len(rest) == len(c) or rest[len(c)] in " \u00a0")
            ),
            None,
        )
        if name is None:
            return TableShape(())
        found.append(name)
        rest = rest[len(name) :].strip()
    return TableShape(tuple(found))


def source_refs_span(row: str, shape: TableShape) -> tuple[int, int] | None:
    """Span (in the row) of the trailing reference numbers of a Source column."""
    if not shape.has_source:
        return None
    m = TRAILING_REFS.search(row)
    return (m.start() + len(m[0]) - len(m[0].lstrip()), m.end()) if m else None


def _evidence_span(row: str, *, after: int) -> tuple[int, int] | None:
    """The first run of evidence words (holding at least one evidence phrase) starting at or after `after`."""
    pattern = _cell_pattern()
    for word in re.finditer(r"\b\w", row):
        m = pattern.match(row, word.start()) if word.start() >= after else None
        if m and any(p.search(m[0]) for _, p in evidence_phrases().phrases):
            return m.start(), m.start() + len(m[0].rstrip(" ,/"))
    return None


def recover_cells(row: str, shape: TableShape) -> dict[str, str]:
    """The cells of a flattened row that can be recovered with confidence (possibly none)."""
    cells: dict[str, str] = {}
    idx = shape.evidence_index
    if idx is not None and (span := _evidence_span(row, after=1 if idx else 0)):
        cells[shape.columns[idx]] = row[span[0] : span[1]].rstrip("0123456789").strip(" ,/")
        if idx == 1:
            cells[shape.columns[0]] = row[: span[0]].strip()
    if span := source_refs_span(row, shape):
        cells[shape.columns[-1]] = row[span[0] : span[1]].strip()
    return cells
