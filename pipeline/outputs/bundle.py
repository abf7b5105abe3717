"""What one run hands to the outputs: every document's parse, links, verdicts and decisions, the records
they point at, the run's identity and what went wrong. Tables and reports are pure functions of this.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pipeline import __version__
from pipeline.grading.models import Grade
from pipeline.linking.decision_apply import OrphanedDecision
from pipeline.linking.decisions import Decision
from pipeline.linking.references import MarkerTarget
from pipeline.models import ClaimVerdict, Link, ParsedDocument, Record

SCHEMA_VERSION = "1"

AlertKind = Literal["new_higher_level", "new_contradiction", "new_retraction"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class RunInfo(_Frozen):
    """The run that wrote a dataset: every row carries these as provenance."""

    run_id: str
    started_at: str  # ISO 8601, UTC
    pipeline_version: str = __version__
    schema_version: str = SCHEMA_VERSION

    def provenance(self) -> dict[str, str]:
        return {
            "pipeline_version": self.pipeline_version,
            "schema_version": self.schema_version,
            "run_id": self.run_id,
        }


class Alert(_Frozen):
    """Something that changed since the last run and a curator should see: a stronger record for a
    claim, a new contradiction, or a newly retracted record behind a link."""

    kind: AlertKind
    document: str
    claim_id: str
    record_id: str
    detail: str


class DocumentRun(_Frozen):
    """One document after linking: its parse, links (decisions applied), verdicts and decisions."""

    doc: ParsedDocument
    links: list[Link] = Field(default_factory=list)
    verdicts: list[ClaimVerdict] = Field(default_factory=list)
    targets: list[MarkerTarget] = Field(default_factory=list)  # every marker number and where it points
    decisions: list[Decision] = Field(default_factory=list)  # the decisions file as read
    orphaned: list[OrphanedDecision] = Field(default_factory=list)
    notes: dict[str, list[Decision]] = Field(default_factory=dict)  # claim_id → the curator's notes
    alerts: list[Alert] = Field(default_factory=list)
    grades: dict[str, Grade] = Field(default_factory=dict)  # record_id → grade, as the linker made them
    searched_on: str | None = None  # the day of its last complete live search (UTC, ISO), for refresh
    searched_queries: list[str] = Field(default_factory=list)  # the live queries that search asked
    searched_since: str | None = None  # a refresh's live search for records added from this day (ISO)
    searched_in_full: list[str] = Field(default_factory=list)  # claims a refresh searched in full
    new_records: list[str] = Field(default_factory=list)  # what that search found (record IDs)

    @property
    def slug(self) -> str:
        return self.doc.meta.slug


class CurationRun(_Frozen):
    """A whole run: documents, the records and grades their links use, and what could not be done."""

    run: RunInfo
    documents: list[DocumentRun]
    records: dict[str, Record] = Field(default_factory=dict)  # record_id → record, for every linked record
    grades: dict[str, Grade] = Field(default_factory=dict)  # record_id → grade
    fetched_at: dict[str, datetime | None] = Field(default_factory=dict)  # record_id → when the store got it
    unreachable: dict[str, str] = Field(default_factory=dict)  # source → why it could not be refreshed
    warnings: list[str] = Field(default_factory=list)
