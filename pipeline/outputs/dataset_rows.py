"""One pydantic model per curated table row: the single source of truth for columns, types and descriptions.

The JSON Schemas, the Frictionless descriptor, the Parquet and CSV writers and the loader all read these
models (through `TABLES` and `columns`), so a column is added or retyped in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from pipeline.grading.models import IntegrityStatus, PopulationKind
from pipeline.models import ClaimKind, EvidenceType, FlagKind, LinkOrigin, RecordSource, Relation

# Provenance columns close every row, in this order (after the table's own columns).
PROVENANCE = ("source", "fetched_at", "pipeline_version", "schema_version", "run_id")


class Cell(BaseModel):
    """A struct inside a list column (Parquet list of structs, JSON objects in CSV)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class AlertCell(Cell):
    kind: str = Field(description="new_higher_level, new_contradiction or new_retraction")
    claim_id: str
    record_id: str
    detail: str


class TargetCell(Cell):
    number: int = Field(description="the reference number as written in the marker")
    identifier: str | None = Field(description="record key it resolved to (pmid:…, doi:…, pmcid:…)")
    via: str | None = Field(description="sidecar, marker_link, reference_list or claim_text")
    reason: str | None = Field(description="why it did not resolve")


class CorrectionCell(Cell):
    type: str = Field(description="CommentsCorrections type, e.g. RetractionIn, ErratumIn")
    pmid: str | None
    ref_source: str | None


class ReasonCell(Cell):
    signal: str = Field(description="publication_type, mesh, text, correction or record")
    where: str | None
    evidence: str
    effect: str


class Row(BaseModel):
    """Provenance every row carries: where it came from and which run and schema wrote it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = Field(description="path of the document file the row was read from")
    pipeline_version: str = Field(description="version of curate-evidence that wrote the row")
    schema_version: str = Field(description="version of this table layout (datapackage `version`)")
    run_id: str = Field(description="the run that wrote the row")


class DocumentRow(Row):
    """One curated document: its metadata, what was found in it, and alerts since the last run."""

    document: str = Field(description="document slug (folder name); key")
    title: str | None = Field(description="title from meta.yaml")
    origin_url: str | None
    retrieved: date | None = Field(description="when the document was copied from its origin")
    citation_style: str = Field(description="auto, section or document")
    supplement: str | None
    sections: int = Field(description="number of sections")
    claims: int = Field(description="number of claims")
    markers: int = Field(description="number of citation markers")
    links: int = Field(description="number of claim–record links, rejected ones included")
    flags: int = Field(description="number of flags raised on its claims")
    decisions: int = Field(description="curator decisions in its decisions file")
    orphaned_decisions: int = Field(description="decisions that no longer apply")
    warnings: list[str] = Field(description="parse warnings")
    alerts: list[AlertCell] = Field(description="changes since the last run a curator should see")


class SectionRow(Row):
    """One section of a document (heading path or FAQ answer)."""

    document: str = Field(description="document slug")
    section_id: str = Field(description="heading path or faq-…; unique within the document")
    heading: str | None = Field(description="heading text; empty for the preamble")
    level: int = Field(description="heading depth, 1 for top-level sections")
    kind: str = Field(description="preamble, section, subsection, faq_answer or chrome")
    parent: str | None = Field(description="section_id of the enclosing section")
    line: int = Field(description="1-based line of the heading in the source file")
    start: int = Field(description="character offset where the section starts")
    end: int = Field(description="character offset where it ends")
    scope: str = Field(description="reference-numbering scope the section belongs to")
    claims: int = Field(description="number of claims in the section")


class ClaimRow(Row):
    """One claim: a sentence, bullet or table row that asserts something about the supplement."""

    claim_id: str = Field(description="stable claim key (slug + section + normalised text); key")
    document: str = Field(description="document slug")
    section_id: str = Field(description="section the claim is in")
    section_heading: str | None = Field(description="heading of that section")
    kind: ClaimKind = Field(description="what the claim is in the text")
    line: int = Field(description="1-based line of the claim's start in the source file")
    column: int = Field(description="1-based column of the claim's start")
    start: int = Field(description="character offset into the decoded document text")
    end: int
    text: str = Field(description="the claim with citation markers removed")
    source_text: str = Field(description="the claim exactly as written")
    asserted_evidence: list[EvidenceType] = Field(description="evidence types the document asserts")
    cells: dict[str, str] | None = Field(description="table cells by column name (table rows only)")
    markers: int = Field(description="number of citation markers (see the markers table)")
    ambiguous_markers: int = Field(description="how many of them are ambiguous")
    links: int = Field(description="links a curator has not rejected")
    best_level: int | None = Field(description="best (lowest) CEBM level among supporting links")
    flags: int = Field(description="number of flags (see the flags table)")
    notes: list[str] = Field(description="the curator's notes on the claim, oldest first")


class MarkerRow(Row):
    """One citation marker of a claim and where each of its reference numbers points."""

    claim_id: str = Field(description="the claim the marker is in; key with marker_index")
    marker_index: int = Field(description="0-based position of the marker in the claim; key with claim_id")
    document: str = Field(description="document slug")
    token: str = Field(description="the marker as written")
    refs: list[int] = Field(description="reference numbers of the chosen reading")
    alternatives: list[list[int]] = Field(description="other readings of an ambiguous marker")
    line: int = Field(description="1-based line of the marker in the source file")
    column: int = Field(description="1-based column of the marker")
    start: int = Field(description="character offset of the marker")
    end: int = Field(description="character offset after the marker")
    scope: str = Field(description="reference-numbering scope")
    style: str = Field(description="flattened, bracket, punctuation or table_cell")
    confidence: float = Field(description="0–1: how sure the parser is of the chosen reading")
    ambiguous: bool = Field(description="more than one reading is plausible")
    targets: list[TargetCell] = Field(description="where each reference number points, or why not")


class RecordRow(Row):
    """One literature record a link points at."""

    record_id: str = Field(description="canonical key: pmid:<n>, doi:<lower-case doi> or pmcid:PMC<n>")
    pmid: str | None
    pmid_version: int | None
    doi: str | None
    pmcid: str | None
    title: str | None
    abstract: str | None
    journal: str | None = Field(description="journal title")
    journal_iso: str | None = Field(description="ISO abbreviation of the journal")
    volume: str | None
    issue: str | None
    pages: str | None
    year: int | None
    pub_date: str | None = Field(description="publication date as the source gave it")
    language: list[str]
    authors: list[str] = Field(description="display names (last name and initials, or collective name)")
    publication_types: list[str]
    mesh_headings: list[str] = Field(description="MeSH descriptor names")
    keywords: list[str]
    chemicals: list[str]
    corrections: list[CorrectionCell] = Field(description="retractions, errata and other linked notices")
    status: str | None = Field(description="MEDLINE citation status")
    date_revised: date | None
    cited_by_count: int | None
    is_open_access: bool | None
    is_book: bool
    full_text_urls: list[str]
    source_url: str | None
    source: RecordSource = Field(
        description="where the record came from: pubmed, europepmc, snapshot, import"
    )
    fetched_at: datetime | None = Field(description="when the record store last fetched it (UTC)")


class GradeRow(Row):
    """The grade of one record: evidence type, CEBM level, integrity and the signals behind them."""

    record_id: str = Field(description="the graded record; key")
    evidence_type: EvidenceType = Field(description="study design the grade settled on")
    design_detail: str | None = Field(description="e.g. post-hoc analysis, pilot")
    level: int | None = Field(description="Oxford CEBM 2011 level; empty when not primary evidence")
    confidence: float = Field(description="0–1: how sure the grader is of the evidence type")
    integrity: IntegrityStatus = Field(description="whether the record stands (retractions and notices)")
    integrity_role: str | None = Field(description="article or notice")
    integrity_links: list[str] = Field(description="records of the notices (or the article) involved")
    can_support: bool = Field(description="false when the record may not count as support")
    text_only: bool = Field(description="graded from text cues alone")
    population: list[PopulationKind] = Field(description="who or what was studied")
    species: list[str] = Field(description="species named in the record")
    cell_lines: list[str] = Field(description="cell lines named in the record")
    reasons: list[ReasonCell] = Field(description="each signal that shaped the grade")
    source: RecordSource = Field(description="where the record came from")
    fetched_at: datetime | None = Field(description="when the record store last fetched it (UTC)")


class LinkRow(Row):
    """One claim ↔ record link with its judgement; curator decisions already applied."""

    claim_id: str = Field(description="key with record_id")
    record_id: str = Field(description="key with claim_id")
    document: str = Field(description="document slug")
    line: int = Field(description="line of the claim")
    origin: LinkOrigin = Field(description="how the link was made")
    relation: Relation = Field(description="whether the record backs the claim")
    score: float = Field(description="0–1 link score (relevance, agreement, coverage, evidence fit)")
    evidence_type: EvidenceType | None = Field(description="the record's evidence type")
    level: int | None = Field(description="the record's CEBM level")
    integrity: str | None = Field(description="the record's integrity status")
    indirect: bool = Field(description="the record studies a different population than the claim")
    marker: str | None = Field(description="scope#number of the marker behind an explicit link")
    rank: int | None = Field(description="1-based rank among the claim's discovered candidates")
    accepted: bool = Field(description="a curator accepted or added the link")
    rejected: bool = Field(description="a curator rejected it: kept for the audit, never evidence")
    decisions: list[str] = Field(description="IDs of the curator decisions applied, in order")
    reasons: list[str] = Field(description="why the link has its score and relation")
    fetched_at: datetime | None = Field(description="when the record store last fetched the record (UTC)")


class FlagRow(Row):
    """One problem raised on a claim (uncited, overstated, contradicted, …)."""

    claim_id: str = Field(description="key with kind")
    kind: FlagKind = Field(description="key with claim_id")
    document: str = Field(description="document slug")
    line: int = Field(description="line of the claim")
    links: list[str] = Field(description="record IDs of the links that raised it")
    detail: str = Field(description="what is wrong, in a sentence")


class DecisionRow(Row):
    """One curator decision as read from a decisions file, and whether it still applies."""

    decision_id: str = Field(description="stable decision ID (hash of its fields); key")
    document: str = Field(description="document slug")
    position: int = Field(description="0-based position in the decisions file (file order decides)")
    action: str = Field(description="accept, reject, add, relation, evidence_type or note")
    claim_id: str = Field(description="the claim decided on (may be gone: see status)")
    record_id: str | None
    relation: Relation | None
    evidence_type: EvidenceType | None
    note: str | None
    curator: str | None
    decided_at: datetime = Field(description="when the curator decided (UTC)")
    status: str = Field(description="applied, or orphaned when its claim or link is gone")
    reason: str | None = Field(description="why an orphaned decision no longer applies")


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    table: str
    reference: tuple[str, ...]


@dataclass(frozen=True)
class TableSpec:
    """A table's name, row model, primary key and foreign keys."""

    name: str
    row: type[Row]
    key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()


def _fk(fields: str, table: str, reference: str = "") -> ForeignKey:
    return ForeignKey(tuple(fields.split()), table, tuple((reference or fields).split()))


TABLES: tuple[TableSpec, ...] = (
    TableSpec("documents", DocumentRow, ("document",)),
    TableSpec("sections", SectionRow, ("document", "section_id"), (_fk("document", "documents"),)),
    TableSpec(
        "claims",
        ClaimRow,
        ("claim_id",),
        (_fk("document", "documents"), _fk("document section_id", "sections")),
    ),
    TableSpec("markers", MarkerRow, ("claim_id", "marker_index"), (_fk("claim_id", "claims"),)),
    TableSpec("records", RecordRow, ("record_id",)),
    TableSpec("grades", GradeRow, ("record_id",), (_fk("record_id", "records"),)),
    TableSpec(
        "links", LinkRow, ("claim_id", "record_id"), (_fk("claim_id", "claims"), _fk("record_id", "records"))
    ),
    TableSpec("flags", FlagRow, ("claim_id", "kind"), (_fk("claim_id", "claims"),)),
    # claim_id is not a foreign key here: an orphaned decision may name a claim that is gone.
    TableSpec("decisions", DecisionRow, ("decision_id",), (_fk("document", "documents"),)),
)
TABLE_NAMES: tuple[str, ...] = tuple(t.name for t in TABLES)


def table(name: str) -> TableSpec:
    return next(t for t in TABLES if t.name == name)


def columns(row: type[Row]) -> list[str]:
    """Column order: the table's own fields as declared, then the provenance columns."""
    own = [n for n in row.model_fields if n not in PROVENANCE]
    return own + [n for n in PROVENANCE if n in row.model_fields]
