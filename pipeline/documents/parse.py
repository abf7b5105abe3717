"""Document text → `ParsedDocument`: sections, claims and their citation markers (pure)."""

from __future__ import annotations

import bisect
import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pipeline.documents.blocks import Block, split_blocks
from pipeline.documents.evidence import asserted_evidence
from pipeline.documents.markers import (
    Candidate,
    DocumentNames,
    Option,
    certain_refs,
    find_candidates,
    read_scope,
)
from pipeline.documents.reference_list import drop_reference_list
from pipeline.documents.sections import Layout, lay_out
from pipeline.documents.sentences import sentence_spans
from pipeline.documents.tables import TableShape, recover_cells, source_refs_span, split_header
from pipeline.models import Claim, ClaimKind, DocumentMeta, Marker, ParsedDocument

LEAD_IN = re.compile(r"(below|here|the following|key findings|these include|see)\b.*:$", re.IGNORECASE)
WS = re.compile(r"[\s\u00a0]+")


@dataclass
class _Unit:
    """A claim before its markers are read: kind, span and the candidates inside it."""

    kind: ClaimKind
    start: int
    end: int
    section: str
    scope: str
    candidates: list[Candidate]
    cells: dict[str, str] | None = None
    evidence_text: str | None = None


def normalise(text: str) -> str:
    """The form a claim ID is computed from: case, quotes, dashes and white space folded."""
    text = text.lower().translate(str.maketrans("’‘“”–—", "''\"\"--"))
    return WS.sub(" ", text).strip()


def claim_id(slug: str, section: str, text: str, occurrence: int = 1) -> str:
    key = f"{slug}\x1f{section}\x1f{normalise(text)}" + (f"\x1f{occurrence}" if occurrence > 1 else "")
    return "c_" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def line_locator(
    text: str, line_map: Sequence[tuple[int, int]] | None = None
) -> Callable[[int], tuple[int, int]]:
    """offset → (1-based line, 1-based column). For reduced HTML the line is the source file's line
    (from `line_map`: output offset → source line) and the column counts within the reduced text."""
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    points = sorted(line_map or [])
    offsets = [p[0] for p in points]

    def locate(offset: int) -> tuple[int, int]:
        i = bisect.bisect_right(starts, offset) - 1
        column = offset - starts[i] + 1
        if not points:
            return i + 1, column
        j = max(bisect.bisect_right(offsets, offset) - 1, 0)
        return points[j][1], column

    return locate


def subject_pattern(meta: DocumentMeta, text: str) -> re.Pattern[str] | None:
    """The document's subject and its abbreviation as the text defines it: `Vitamin K2 (VK2)`."""
    subject = meta.supplement or meta.title
    if not subject:
        return None
    terms = [re.escape(subject)]
    if m := re.search(re.escape(subject) + r"\s*\(([A-Za-z0-9-]{2,10})\)", text, re.IGNORECASE):
        terms.append(re.escape(m[1]))
    return re.compile(r"\b(?:" + "|".join(terms) + r")\b", re.IGNORECASE)


def _is_claim(sentence: str) -> bool:
    s = sentence.strip()
    return len(s.split()) >= 3 and not s.endswith("?") and not LEAD_IN.match(s)


def _prose_units(text: str, block: Block, section: str, scope: str, doc: DocumentNames) -> list[_Unit]:
    kind: ClaimKind = "sentence" if block.kind == "paragraph" else "bullet"
    units = []
    for start, end in block.content:
        for s, e in sentence_spans(text, start, end):
            if _is_claim(text[s:e]):
                units.append(_Unit(kind, s, e, section, scope, find_candidates(text, s, e, doc)))
    return units


def _table_units(text: str, block: Block, section: str, scope: str, doc: DocumentNames) -> list[_Unit]:
    if block.cells is not None:  # Markdown table: cells are explicit
        header, rows = block.cells[0], block.cells[1:]
        spans = block.content[1:] if len(block.content) == len(block.cells) else block.content
        return [
            _table_unit(text, s, e, section, scope, doc, dict(zip(header, row, strict=False)), None)
            for (s, e), row in zip(spans, rows, strict=False)
        ]
    shape = split_header(block.first.stripped)
    return [
        _table_unit(text, s, e, section, scope, doc, recover_cells(text[s:e], shape) or None, shape)
        for s, e in block.content
    ]


def _table_unit(
    text: str,
    s: int,
    e: int,
    section: str,
    scope: str,
    doc: DocumentNames,
    cells: dict[str, str] | None,
    shape: TableShape | None,
) -> _Unit:
    candidates = find_candidates(text, s, e, doc)
    if shape and (span := source_refs_span(text[s:e], shape)):
        candidates += _source_cell_candidates(text, s + span[0], s + span[1])
    evidence_cell = next(
        (v for k, v in (cells or {}).items() if shape and k == _evidence_column(shape)), None
    )
    return _Unit(
        "table_row", s, e, section, scope, sorted(candidates, key=lambda c: c.start), cells, evidence_cell
    )


def _evidence_column(shape: TableShape) -> str | None:
    return shape.columns[shape.evidence_index] if shape.evidence_index is not None else None


def _source_cell_candidates(text: str, start: int, end: int) -> list[Candidate]:
    """Each number in a Source cell is one explicit reference."""
    return [
        Candidate(
            start + m.start(), start + m.end(), "table_cell", (Option((int(m[0]),), start + m.start()),), True
        )
        for m in re.finditer(r"[0-9]{1,3}", text[start:end])
    ]


def resolve_style(meta: DocumentMeta, units: list[_Unit]) -> str:
    """`auto` → `section` when numbering restarts in most later scopes (they cite 1 or 2 again)."""
    if meta.citation_style != "auto":
        return meta.citation_style
    by_scope: dict[str, list[int]] = defaultdict(list)
    for unit in units:
        by_scope[unit.scope].extend(certain_refs(unit.candidates))
    lows = [min(refs) <= 2 for refs in by_scope.values() if refs][1:]
    return "section" if lows and sum(lows) * 2 >= len(lows) else "document"


def parse_text(
    text: str, meta: DocumentMeta, *, path: str = "", line_map: Sequence[tuple[int, int]] | None = None
) -> ParsedDocument:
    """Parse a document's text into sections and claims with their citation markers."""
    blocks = drop_reference_list(split_blocks(text))
    if meta.title is None:
        first = next((b.label for b in blocks if b.kind == "heading" and b.label), None)
        meta = meta.model_copy(update={"title": first})
    layout = lay_out(blocks, title=meta.title, subject=subject_pattern(meta, text))
    doc = DocumentNames.from_text(text)
    units: list[_Unit] = []
    for block, section, scope in zip(blocks, layout.block_section, layout.block_scope, strict=True):
        if section is None or scope is None or block.kind in ("heading", "chrome"):
            continue
        maker = _table_units if block.kind == "table" else _prose_units
        units.extend(maker(text, block, section, scope, doc))
    style = resolve_style(meta, units)
    markers = _read_markers(text, units, style, line_locator(text, line_map))
    claims = _claims(text, meta, units, markers, layout, line_locator(text, line_map))
    return ParsedDocument(
        meta=meta, path=path, sections=layout.sections, claims=claims, warnings=_warnings(text, claims)
    )


def _read_markers(text: str, units: list[_Unit], style: str, locate) -> dict[int, list[Marker]]:
    scoped: dict[str, list[tuple[int, Candidate]]] = defaultdict(list)
    for i, unit in enumerate(units):
        scope = unit.scope if style == "section" else "document"
        scoped[scope].extend((i, c) for c in unit.candidates)
    out: dict[int, list[Marker]] = defaultdict(list)
    for scope, items in scoped.items():
        read = read_scope(text, [c for _, c in items], scope, locate)
        for (i, _), marker in zip(items, read, strict=True):
            out[i].append(marker)
    return out


def _clean(text: str, start: int, end: int, markers: Sequence[Marker]) -> str:
    pieces, pos = [], start
    for m in sorted(markers, key=lambda m: m.start):
        pieces.append(text[pos : m.start])
        pos = m.end
    pieces.append(text[pos:end])
    return WS.sub(" ", "".join(pieces)).strip()


def _claims(
    text: str,
    meta: DocumentMeta,
    units: list[_Unit],
    markers: dict[int, list[Marker]],
    layout: Layout,
    locate,
) -> list[Claim]:
    headings = {s.section_id: s.heading for s in layout.sections}
    seen: dict[tuple[str, str], int] = defaultdict(int)
    claims = []
    for i, unit in enumerate(units):
        clean = _clean(text, unit.start, unit.end, markers[i])
        seen[(unit.section, normalise(clean))] += 1
        line, column = locate(unit.start)
        claims.append(
            Claim(
                claim_id=claim_id(meta.slug, unit.section, clean, seen[(unit.section, normalise(clean))]),
                document=meta.slug,
                section=unit.section,
                section_heading=headings.get(unit.section),
                kind=unit.kind,
                line=line,
                column=column,
                start=unit.start,
                end=unit.end,
                text=clean,
                source_text=text[unit.start : unit.end],
                markers=markers[i],
                asserted_evidence=_asserted(unit, clean),
                cells=unit.cells,
            )
        )
    return claims


def _asserted(unit: _Unit, clean: str) -> list:
    if unit.evidence_text:
        return asserted_evidence(unit.evidence_text, cell=True)
    return asserted_evidence(clean)


def _warnings(text: str, claims: list[Claim]) -> list[str]:
    warnings = []
    if text.count("[") != text.count("]"):
        warnings.append(f"unbalanced brackets: {text.count('[')} '[' and {text.count(']')} ']'")
    if claims and not any(c.markers for c in claims):
        warnings.append("no citation markers found: every claim is uncited")
    if not claims:
        warnings.append("no claims found")
    return warnings
