"""Helpers for the grading tests: a small builder for odd records."""

from __future__ import annotations

from pipeline.models import Correction, MeshHeading, PublicationType, Record


def make(
    title: str | None = None,
    abstract: str | None = None,
    types: tuple[str, ...] = (),
    mesh: tuple[str, ...] = (),
    corrections: tuple[tuple[str, str], ...] = (),
    language: tuple[str, ...] = ("eng",),
) -> Record:
    """A Record with just the fields grading reads."""
    return Record(
        record_id="pmid:1",
        pmid="1",
        title=title,
        abstract=abstract,
        publication_types=[PublicationType(name=t) for t in types],
        mesh_headings=[MeshHeading(descriptor=m) for m in mesh],
        corrections=[Correction(type=t, pmid=p) for t, p in corrections],
        language=list(language),
    )
