"""Explicit references: where a claim's citation markers point, when the document says so.

Four sources, most specific first:
  1. a curator-written sidecar `references.yaml` in the document's folder, mapping a reference scope and
     a number to an identifier (the seed lost its list, so this is how a curator restores it);
  2. the marker's own link, when the page wrote it as one: `[1](https://pubmed.ncbi.nlm.nih.gov/…)` in
     Markdown, `<sup><a href="https://doi.org/…">1</a></sup>` in HTML;
  3. the document's own numbered reference list ("References" / "Sources" section), scoped per document;
  4. identifiers written in the claim itself (a DOI, a PMID, a PubMed or doi.org URL).

Sidecar format (scope IDs are those markers carry, e.g. `dosage`, `faq-…`, or `document`):

    dosage:
      5: "PMID: 12345678"
      8: https://doi.org/10.1000/xyz
    document:
      1: PMC3574058

A marker that no source resolves is kept and reported with the reason.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from pipeline.documents.loading import read_yaml_mapping
from pipeline.documents.reference_list import reference_list_span
from pipeline.errors import DocumentError
from pipeline.literature.identifiers import Identifier, IdentifierError, find_identifiers, parse_identifier
from pipeline.models import Claim

SIDECAR = "references.yaml"
NUMBERED_ENTRY = re.compile(r"^\s*\[?(\d{1,3})[.)\]]\s+(.+)$")

ReferenceTable = dict[str, dict[int, Identifier]]  # scope → number → identifier


class MarkerTarget(BaseModel):
    """Where one reference number of one marker points, or why it points nowhere."""

    claim_id: str
    scope: str
    number: int
    identifier: Identifier | None = None
    via: Literal["sidecar", "marker_link", "reference_list", "claim_text"] | None = None
    reason: str | None = None  # set when unresolved


def load_sidecar(folder: Path) -> ReferenceTable:
    """The curator's sidecar, validated; an empty table when the folder has none."""
    path = folder / SIDECAR
    if not path.is_file():
        return {}
    data = read_yaml_mapping(path, "a mapping of reference scope → number → identifier")
    return {str(scope): _entries(path, str(scope), entries) for scope, entries in data.items()}


def _entries(path: Path, scope: str, entries: object) -> dict[int, Identifier]:
    if not isinstance(entries, dict):
        raise DocumentError(str(path), f"scope {scope!r}: expected a mapping of number → identifier")
    table = {}
    for number, value in entries.items():
        if not isinstance(number, int) or number < 1:
            raise DocumentError(str(path), f"scope {scope!r}: {number!r} is not a reference number")
        try:
            table[number] = parse_identifier(str(value))
        except IdentifierError as e:
            raise DocumentError(str(path), f"scope {scope!r}, reference {number}: {e}") from e
    return table


def reference_list(text: str) -> dict[int, Identifier | None]:
    """Numbered entries of the document's own reference list (where the document stage found it): the
    identifier each carries, or None for an entry that names none (its marker is unresolved with that
    reason). An entry wrapped over lines is read whole: its DOI may be on the last line."""
    span = reference_list_span(text)
    if span is None:
        return {}
    entries: dict[int, str] = {}
    number = None
    for line in text[span[0] : span[1]].splitlines():
        if m := NUMBERED_ENTRY.match(line):
            number = int(m[1])
            entries[number] = entries.get(number, "") + " " + m[2]
        elif number is not None and line.strip():
            entries[number] += " " + line.strip()
    table: dict[int, Identifier | None] = {}
    for n, entry in entries.items():
        found = find_identifiers(entry)
        table[n] = found[0] if found else None
    return table


def resolve_markers(
    claims: list[Claim], sidecar: ReferenceTable, listed: dict[int, Identifier | None]
) -> list[MarkerTarget]:
    """Every (claim, marker, number) with its identifier, or the reason it has none."""
    targets = []
    for claim in claims:
        for marker in claim.markers:
            linked = find_identifiers(marker.token) if len(marker.refs) == 1 else []
            for number in marker.refs:
                targets.append(_resolve(claim, marker.scope, number, sidecar, listed, linked))
    return targets


def _resolve(
    claim: Claim,
    scope: str,
    number: int,
    sidecar: ReferenceTable,
    listed: dict[int, Identifier | None],
    linked: list[Identifier],
) -> MarkerTarget:
    """The curator's sidecar first (it corrects the page), then the marker's own link, then the list."""
    base = {"claim_id": claim.claim_id, "scope": scope, "number": number}
    for table_scope in (scope, "document"):
        if number in sidecar.get(table_scope, {}):
            return MarkerTarget(**base, identifier=sidecar[table_scope][number], via="sidecar")
    if linked:
        return MarkerTarget(**base, identifier=linked[0], via="marker_link")
    if listed.get(number) is not None:
        return MarkerTarget(**base, identifier=listed[number], via="reference_list")
    if number in listed:
        return MarkerTarget(**base, reason=f"reference {number} of the list names no PMID, PMCID or DOI")
    if sidecar or listed:
        return MarkerTarget(
            **base, reason=f"reference {number} of scope {scope!r} is not in the reference list"
        )
    return MarkerTarget(**base, reason="the document has no reference list and no references.yaml sidecar")


def inline_identifiers(claim: Claim) -> list[Identifier]:
    """Identifiers written in the claim itself (DOIs, labelled PMIDs, PubMed / doi.org URLs)."""
    return find_identifiers(claim.source_text)
