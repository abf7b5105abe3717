"""The pydantic models that cross stage boundaries.

documents → (Section, Claim, Marker)      literature → (Record and its parts)
Stages import from here; this module imports no stage.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

EvidenceType = Literal[
    "in_vitro",
    "animal",
    "in_vitro_and_animal",
    "case_report",
    "case_series",
    "observational",
    "nonrandomized_trial",
    "rct",
    "systematic_review",
    "meta_analysis",
    "review",
    "other",
]
EVIDENCE_TYPES: tuple[str, ...] = EvidenceType.__args__  # type: ignore[attr-defined]

ClaimKind = Literal["sentence", "bullet", "table_row"]
CitationStyle = Literal["auto", "section", "document"]


class Model(BaseModel):
    """Base for every shared model: frozen values, unknown fields ignored explicitly."""

    model_config = ConfigDict(extra="ignore", frozen=True)


# ----------------------------------------------------------------------------- documents


class DocumentMeta(Model):
    """The small metadata file beside a document (`meta.yaml`)."""

    slug: str
    title: str | None = None
    origin_url: str | None = None
    retrieved: date | None = None
    citation_style: CitationStyle = "auto"
    supplement: str | None = None


class Marker(Model):
    """A citation marker found in the text: `token` as written, `refs` the chosen reading."""

    token: str
    refs: list[int]
    alternatives: list[list[int]] = Field(default_factory=list)
    line: int
    column: int
    start: int
    end: int
    scope: str
    style: Literal["flattened", "bracket", "punctuation", "table_cell"]
    confidence: float
    ambiguous: bool = False


class Section(Model):
    section_id: str
    heading: str | None
    level: int
    kind: Literal["preamble", "section", "subsection", "faq_answer", "chrome"]
    parent: str | None = None
    line: int
    start: int
    end: int
    scope: str


class Claim(Model):
    claim_id: str
    document: str
    section: str
    section_heading: str | None
    kind: ClaimKind
    line: int
    column: int
    start: int
    end: int
    text: str
    source_text: str
    markers: list[Marker] = Field(default_factory=list)
    asserted_evidence: list[EvidenceType] = Field(default_factory=list)
    cells: dict[str, str] | None = None


class ParsedDocument(Model):
    meta: DocumentMeta
    path: str
    sections: list[Section]
    claims: list[Claim]
    warnings: list[str] = Field(default_factory=list)


# ----------------------------------------------------------------------------- literature

RecordSource = Literal["pubmed", "europepmc", "snapshot", "import"]
CorrectionType = Literal[
    "RetractionIn",
    "RetractionOf",
    "ErratumIn",
    "ErratumFor",
    "ExpressionOfConcernIn",
    "ExpressionOfConcernFor",
    "UpdateIn",
    "UpdateOf",
    "CommentIn",
    "CommentOn",
    "ReprintIn",
    "ReprintOf",
    "RepublishedIn",
    "RepublishedFrom",
    "PartialRetractionIn",
    "PartialRetractionOf",
    "Cites",
    "SummaryForPatientsIn",
    "OriginalReportIn",
    "Other",
]


class Author(Model):
    last_name: str | None = None
    fore_name: str | None = None
    initials: str | None = None
    collective_name: str | None = None
    affiliations: list[str] = Field(default_factory=list)
    orcid: str | None = None

    @property
    def display(self) -> str:
        if self.collective_name:
            return self.collective_name
        return " ".join(p for p in (self.last_name, self.initials or self.fore_name) if p)


class AbstractSection(Model):
    label: str | None = None
    category: str | None = None  # NlmCategory: BACKGROUND, METHODS, RESULTS, CONCLUSIONS, …
    text: str


class OtherAbstract(Model):
    type: str | None = None
    language: str | None = None
    text: str


class Journal(Model):
    title: str | None = None
    iso_abbreviation: str | None = None
    issn: str | None = None
    issn_linking: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None


class PubDate(Model):
    """A publication date normalised to year/month/day where known; `original` keeps the source string."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    season: str | None = None
    original: str | None = None


class PublicationType(Model):
    name: str
    ui: str | None = None


class MeshQualifier(Model):
    name: str
    ui: str | None = None
    major: bool = False


class MeshHeading(Model):
    descriptor: str
    ui: str | None = None
    major: bool = False
    qualifiers: list[MeshQualifier] = Field(default_factory=list)


class Chemical(Model):
    name: str
    ui: str | None = None
    registry_number: str | None = None


class Correction(Model):
    """A CommentsCorrections link: on an article `RetractionIn` points at the notice, and back with `…Of`."""

    type: str
    pmid: str | None = None
    ref_source: str | None = None


class Record(Model):
    """One literature record, whichever source it came from."""

    record_id: str  # canonical key: pmid:<n> | doi:<lower-case doi> | pmcid:PMC<n>
    pmid: str | None = None
    pmid_version: int | None = None
    doi: str | None = None
    pmcid: str | None = None
    other_ids: dict[str, str] = Field(default_factory=dict)
    title: str | None = None
    abstract: str | None = None
    abstract_sections: list[AbstractSection] = Field(default_factory=list)
    abstract_complete: bool | None = None
    other_abstracts: list[OtherAbstract] = Field(default_factory=list)
    language: list[str] = Field(default_factory=list)
    journal: Journal = Field(default_factory=Journal)
    pub_date: PubDate = Field(default_factory=PubDate)
    year: int | None = None
    authors: list[Author] = Field(default_factory=list)
    publication_types: list[PublicationType] = Field(default_factory=list)
    mesh_headings: list[MeshHeading] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    chemicals: list[Chemical] = Field(default_factory=list)
    corrections: list[Correction] = Field(default_factory=list)
    is_book: bool = False
    status: str | None = None  # MedlineCitation/@Status: MEDLINE, PubMed-not-MEDLINE, In-Process, …
    date_revised: date | None = None
    cited_by_count: int | None = None
    is_open_access: bool | None = None
    full_text_urls: list[str] = Field(default_factory=list)
    source_url: str | None = None
    source: RecordSource = "pubmed"


class DeletedCitation(Model):
    """A `DeleteCitation` entry of a PubMed update file: the PMIDs to remove from the store."""

    pmids: list[str]


# ----------------------------------------------------------------------------- linking

Relation = Literal["supports", "partial", "contradicts", "unrelated"]
LinkOrigin = Literal["explicit", "discovered", "curator"]
FlagKind = Literal[
    "uncited",
    "unresolved_marker",
    "missing_record",
    "evidence_type_mismatch",
    "overstated",
    "contradicted",
    "retracted_support",
    "indirect_population",
]


class Link(Model):
    """One claim ↔ record link with the judgement of whether the record backs the claim."""

    claim_id: str
    line: int
    record_id: str
    origin: LinkOrigin
    relation: Relation
    score: float
    evidence_type: EvidenceType | None = None
    level: int | None = None
    integrity: str | None = None
    indirect: bool = False
    reasons: list[str] = Field(default_factory=list)
    marker: str | None = None  # "scope#number" for explicit links
    rank: int | None = None  # 1-based position among the claim's discovered candidates
    accepted: bool = False  # a curator accepted (or added) this link
    rejected: bool = False  # a curator rejected it: kept for the audit, never counted as evidence
    decisions: list[str] = Field(default_factory=list)  # IDs of the curator decisions applied


class Flag(Model):
    kind: FlagKind
    links: list[str] = Field(default_factory=list)  # record IDs of the links that raised it
    detail: str


class ClaimVerdict(Model):
    claim_id: str
    line: int
    best_level: int | None = None  # best (lowest) evidence level among supporting links
    counts_by_type: dict[str, int] = Field(default_factory=dict)
    flags: list[Flag] = Field(default_factory=list)
