"""The grading stage's output model: what kind of evidence a record is, how strong, and whether it stands.

Kept beside the stage for now; it belongs in pipeline/models.py once the linking stage consumes it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pipeline.models import EvidenceType

IntegrityStatus = Literal["retracted", "retraction_notice", "expression_of_concern", "erratum", "ok"]
INTEGRITY_STATUSES: tuple[str, ...] = IntegrityStatus.__args__  # type: ignore[attr-defined]
SignalKind = Literal["publication_type", "mesh", "text", "correction", "record"]
PopulationKind = Literal["humans", "animals", "cells"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Reason(_Model):
    """One signal that shaped the grade: its kind, where it was seen, the evidence itself, what it did."""

    signal: SignalKind
    where: str | None = None  # "title", "abstract", a field name; None for publication types and MeSH
    evidence: str  # the publication type, MeSH heading or text span as it appears in the record
    effect: str  # e.g. "design=rct", "detail=post-hoc analysis", "integrity=retracted", "conflict: …"


class Population(_Model):
    """Who or what was studied: kinds, the species named, the cell lines named."""

    kinds: list[PopulationKind] = Field(default_factory=list)
    species: list[str] = Field(default_factory=list)
    cell_lines: list[str] = Field(default_factory=list)


class Grade(_Model):
    """The grade of one record. `level` follows Oxford CEBM 2011 (treatment benefit); None = not primary."""

    record_id: str
    evidence_type: EvidenceType
    design_detail: str | None = None
    population: Population = Field(default_factory=Population)
    level: int | None = None
    confidence: float
    integrity: IntegrityStatus = "ok"
    integrity_role: Literal["article", "notice"] | None = None
    integrity_links: list[str] = Field(default_factory=list)
    can_support: bool = True
    text_only: bool = False
    reasons: list[Reason] = Field(default_factory=list)
