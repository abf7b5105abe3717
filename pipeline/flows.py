"""Thin Prefect flows over the pipeline's stages. Stages never import Prefect; flows only wire them.

Tasks are coarse (one per document per stage) because each Prefect task run costs milliseconds of
bookkeeping against an embedded server; pure stages are not retried.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, task
from prefect.runtime import flow_run

from pipeline.documents import discover, parse_document
from pipeline.literature.snapshot import import_snapshot
from pipeline.literature.store import RecordStore
from pipeline.models import ParsedDocument
from pipeline.outputs import report_md
from pipeline.outputs.atomic import write_text
from pipeline.outputs.tables import RunInfo, claims_frame, write_table

log = logging.getLogger("curate")


@dataclass
class RunSummary:
    run_id: str
    documents: list[str] = field(default_factory=list)
    claims: int = 0
    markers: int = 0
    ambiguous: int = 0
    snapshot_imported: int = 0
    records_in_store: int = 0
    outputs: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


@task(name="parse_document")
def parse_document_task(folder: Path, max_bytes: int) -> ParsedDocument:
    return parse_document(folder, max_bytes=max_bytes)


@task(name="load_snapshot")
def load_snapshot_task(store_url: str, records_dir: Path) -> tuple[int, int]:
    """Import the shipped snapshot where the store lacks it; (records imported, store total)."""
    with RecordStore(store_url) as store:
        return import_snapshot(store, records_dir), store.stats().total


@task(name="emit_outputs")
def emit_outputs_task(docs: list[ParsedDocument], root: Path, run: RunInfo) -> list[Path]:
    written = write_table(claims_frame(docs, run), root / "curated", "claims")
    for doc in docs:
        target = root / "reports" / f"{doc.meta.slug}.md"
        write_text(target, report_md.render(doc))
        written.append(target)
    return written


def _relative(doc: ParsedDocument, root: Path) -> ParsedDocument:
    """Outputs name the source file relative to the project, so they do not depend on the checkout."""
    path = Path(doc.path)
    return doc.model_copy(update={"path": str(path.relative_to(root))}) if path.is_relative_to(root) else doc


@flow(name="curate_all", log_prints=False)
def curate_all(root: Path, max_bytes: int, store_url: str) -> RunSummary:
    """Every document in `sources/documents/`: parse, then write the curated tables and reports."""
    started = time.perf_counter()
    run = RunInfo(run_id=str(flow_run.get_id() or uuid.uuid4()), started_at=datetime.now(UTC).isoformat())
    folders = discover(root / "sources" / "documents")
    summary = RunSummary(run_id=run.run_id)
    if not folders:
        summary.warnings.append(f"no documents in {root / 'sources' / 'documents'}")
        return summary
    summary.snapshot_imported, summary.records_in_store = load_snapshot_task(
        store_url, root / "sources" / "records"
    )
    log.info(
        "record store: %d records (%d imported from the snapshot)",
        summary.records_in_store,
        summary.snapshot_imported,
    )
    docs = [_relative(parse_document_task(folder, max_bytes), root) for folder in folders]
    for doc in docs:
        markers = [m for c in doc.claims for m in c.markers]
        log.info(
            "parsed %s: %d claims, %d markers (%d ambiguous)",
            doc.meta.slug,
            len(doc.claims),
            len(markers),
            sum(m.ambiguous for m in markers),
        )
        summary.documents.append(doc.meta.slug)
        summary.claims += len(doc.claims)
        summary.markers += len(markers)
        summary.ambiguous += sum(m.ambiguous for m in markers)
        summary.warnings += [f"{doc.meta.slug}: {w}" for w in doc.warnings]
    summary.outputs = emit_outputs_task(docs, root, run)
    log.info("wrote %d files", len(summary.outputs))
    summary.seconds = time.perf_counter() - started
    return summary
