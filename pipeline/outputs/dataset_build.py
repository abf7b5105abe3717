"""A run bundle → the rows of every curated table, validated by the row models and sorted by key.

Pure: the same bundle gives the same rows in the same order, so the written tables are byte-identical.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from pipeline.models import Claim, Record
from pipeline.outputs.bundle import CurationRun, DocumentRun
from pipeline.outputs.dataset_rows import (
    TABLES,
    ClaimRow,
    DecisionRow,
    DocumentRow,
    FlagRow,
    GradeRow,
    LinkRow,
    MarkerRow,
    RecordRow,
    Row,
    SectionRow,
    TableSpec,
)

Rows = dict[str, list[dict[str, Any]]]


def build_rows(run: CurationRun) -> Rows:
    """Every table's rows as plain dicts (Python values), sorted by the table's key."""
    builders: dict[str, Callable[[CurationRun], Iterator[Row]]] = {
        "documents": _documents,
        "sections": _per_document(_sections),
        "claims": _per_document(_claims),
        "markers": _per_document(_markers),
        "records": _records,
        "grades": _grades,
        "links": _per_document(_links),
        "flags": _per_document(_flags),
        "decisions": _per_document(_decisions),
    }
    return {spec.name: _sorted(spec, [r.model_dump() for r in builders[spec.name](run)]) for spec in TABLES}


def _sorted(spec: TableSpec, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: tuple(r[k] for k in spec.key))


def _per_document(
    build: Callable[[CurationRun, DocumentRun], Iterator[Row]],
) -> Callable[[CurationRun], Iterator[Row]]:
    def every(run: CurationRun) -> Iterator[Row]:
        for doc in run.documents:
            yield from build(run, doc)

    return every


def _prov(run: CurationRun, source: str) -> dict[str, str]:
    return {**run.run.provenance(), "source": source}


def _utc(when: datetime | None) -> datetime | None:
    """The store keeps naive UTC times; the tables say so explicitly."""
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when


# ----------------------------------------------------------------------------- documents


def _documents(run: CurationRun) -> Iterator[DocumentRow]:
    for d in run.documents:
        meta, claims = d.doc.meta, d.doc.claims
        yield DocumentRow(
            document=d.slug,
            title=meta.title,
            origin_url=meta.origin_url,
            retrieved=meta.retrieved,
            citation_style=meta.citation_style,
            supplement=meta.supplement,
            sections=len(d.doc.sections),
            claims=len(claims),
            markers=sum(len(c.markers) for c in claims),
            links=len(d.links),
            flags=sum(len(v.flags) for v in d.verdicts),
            decisions=len(d.decisions),
            orphaned_decisions=len(d.orphaned),
            warnings=d.doc.warnings,
            alerts=[a.model_dump(exclude={"document"}) for a in d.alerts],
            **_prov(run, d.doc.path),
        )


def _sections(run: CurationRun, d: DocumentRun) -> Iterator[SectionRow]:
    counts: dict[str, int] = {}
    for claim in d.doc.claims:
        counts[claim.section] = counts.get(claim.section, 0) + 1
    for s in d.doc.sections:
        yield SectionRow(
            document=d.slug,
            claims=counts.get(s.section_id, 0),
            **s.model_dump(),
            **_prov(run, d.doc.path),
        )


def _claims(run: CurationRun, d: DocumentRun) -> Iterator[ClaimRow]:
    verdicts = {v.claim_id: v for v in d.verdicts}
    live_links: dict[str, int] = {}
    for link in d.links:
        live_links[link.claim_id] = live_links.get(link.claim_id, 0) + (not link.rejected)
    for c in d.doc.claims:
        verdict = verdicts.get(c.claim_id)
        yield ClaimRow(
            **c.model_dump(exclude={"markers", "section"}),
            section_id=c.section,
            markers=len(c.markers),
            ambiguous_markers=sum(m.ambiguous for m in c.markers),
            links=live_links.get(c.claim_id, 0),
            best_level=verdict.best_level if verdict else None,
            flags=len(verdict.flags) if verdict else 0,
            notes=[n.note or "" for n in d.notes.get(c.claim_id, [])],
            **_prov(run, d.doc.path),
        )


def _markers(run: CurationRun, d: DocumentRun) -> Iterator[MarkerRow]:
    targets = {(t.claim_id, t.scope, t.number): t for t in d.targets}
    for claim in d.doc.claims:
        for index, m in enumerate(claim.markers):
            yield MarkerRow(
                claim_id=claim.claim_id,
                marker_index=index,
                document=d.slug,
                targets=list(_targets(targets, claim, m.scope, m.refs)),
                **m.model_dump(),
                **_prov(run, d.doc.path),
            )


def _targets(targets: dict, claim: Claim, scope: str, refs: list[int]) -> Iterator[dict[str, Any]]:
    for number in refs:
        t = targets.get((claim.claim_id, scope, number))
        yield {
            "number": number,
            "identifier": t.identifier.key if t and t.identifier else None,
            "via": t.via if t else None,
            "reason": (t.reason if t else "not looked up"),
        }


# ----------------------------------------------------------------------------- literature


def _records(run: CurationRun) -> Iterator[RecordRow]:
    for rid, r in run.records.items():
        yield RecordRow(
            **r.model_dump(include=_RECORD_SCALARS),
            journal=r.journal.title,
            journal_iso=r.journal.iso_abbreviation,
            volume=r.journal.volume,
            issue=r.journal.issue,
            pages=r.journal.pages,
            pub_date=r.pub_date.original,
            authors=[a.display for a in r.authors],
            publication_types=[p.name for p in r.publication_types],
            mesh_headings=[m.descriptor for m in r.mesh_headings],
            chemicals=[c.name for c in r.chemicals],
            corrections=[c.model_dump() for c in r.corrections],
            fetched_at=_utc(run.fetched_at.get(rid)),
            **run.run.provenance(),
        )


# Record fields copied as they are; the nested ones (journal, authors, …) are flattened above.
_RECORD_SCALARS = set(Record.model_fields) & set(RecordRow.model_fields) - {
    "journal",
    "pub_date",
    "authors",
    "publication_types",
    "mesh_headings",
    "chemicals",
    "corrections",
}


def _grades(run: CurationRun) -> Iterator[GradeRow]:
    for rid, g in run.grades.items():
        yield GradeRow(
            **g.model_dump(exclude={"population", "reasons"}),
            population=g.population.kinds,
            species=g.population.species,
            cell_lines=g.population.cell_lines,
            reasons=[r.model_dump() for r in g.reasons],
            source=run.records[rid].source if rid in run.records else "import",
            fetched_at=_utc(run.fetched_at.get(rid)),
            **run.run.provenance(),
        )


# ----------------------------------------------------------------------------- linking


def _links(run: CurationRun, d: DocumentRun) -> Iterator[LinkRow]:
    for link in d.links:
        yield LinkRow(
            **link.model_dump(),
            document=d.slug,
            fetched_at=_utc(run.fetched_at.get(link.record_id)),
            **_prov(run, d.doc.path),
        )


def _flags(run: CurationRun, d: DocumentRun) -> Iterator[FlagRow]:
    for v in d.verdicts:
        for f in v.flags:
            yield FlagRow(
                claim_id=v.claim_id, document=d.slug, line=v.line, **f.model_dump(), **_prov(run, d.doc.path)
            )


def _decisions(run: CurationRun, d: DocumentRun) -> Iterator[DecisionRow]:
    orphaned = {o.decision.id: o.reason for o in d.orphaned}
    seen: set[str] = set()
    for position, decision in enumerate(d.decisions):
        key = str(decision.id)  # always set: a Decision computes its ID when the file leaves it out
        if key in seen:  # the same fields hash to the same ID: a repeat says nothing new
            continue
        seen.add(key)
        yield DecisionRow(
            **decision.model_dump(exclude={"id"}),
            decision_id=key,
            document=d.slug,
            position=position,
            status="orphaned" if key in orphaned else "applied",
            reason=orphaned.get(key),
            **_prov(run, d.doc.path),
        )
