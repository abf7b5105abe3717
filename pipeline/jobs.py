"""One document through the stages, wired to the record store and the live sources.

The stages are pure or take plain callables; this is where a document folder's files (text, metadata,
`references.yaml`, `decisions.yaml`) are read and the acquirer and live search are plugged in. The CLI
and the Prefect flows both call these functions, so a command and a run do exactly the same work.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pipeline.documents.loading import load
from pipeline.documents.parse import parse_text
from pipeline.errors import CurateError
from pipeline.grading import grade_record
from pipeline.linking.decisions import DECISIONS_FILE, Decision, load_decisions
from pipeline.linking.linker import DEFAULT_TOP_K, LinkResult, References, link_document
from pipeline.linking.references import load_sidecar, reference_list
from pipeline.literature.acquire import Acquirer, Sources, search_remote
from pipeline.literature.identifiers import Identifier
from pipeline.literature.store import RecordStore
from pipeline.models import ParsedDocument
from pipeline.outputs.bundle import CurationRun, DocumentRun, RunInfo

log = logging.getLogger("curate")
REMOTE_LIMIT = 10  # records fetched per live discovery query and source


def read_document(path: Path, *, max_bytes: int) -> tuple[ParsedDocument, References, list[Decision]]:
    """A document file or folder, parsed, with its references and (for a folder) the curator's decisions."""
    meta, source = load(path, max_bytes=max_bytes)
    doc = parse_text(source.text, meta, path=str(source.path), line_map=source.line_map)
    folder = path if path.is_dir() else None
    refs = References(sidecar=load_sidecar(folder) if folder else {}, listed=reference_list(source.text))
    decisions_file = folder / DECISIONS_FILE if folder else None
    decisions = load_decisions(decisions_file) if decisions_file and decisions_file.is_file() else []
    return doc, refs, decisions


def document_run(
    path: Path,
    store: RecordStore,
    sources: Sources,
    *,
    max_bytes: int,
    top_k: int = DEFAULT_TOP_K,
    ttl: float,
    since: date | None = None,
    searched: Collection[str] | None = None,
) -> DocumentRun:
    """One document through parse → resolve and fetch → grade → link and judge → decisions.

    With `since` (a refresh), live discovery asks only for records the sources added from that day on,
    for the queries in `searched` (those the last complete live search asked; None: every query). Any
    other query — a new claim's, a claim whose reference went away, a query the vocabularies or the
    supplement's name changed — has never been asked, and is searched in full."""
    doc, refs, decisions = read_document(path, max_bytes=max_bytes)
    search = _LiveSearch(sources, store, since, None if searched is None else frozenset(searched))
    result = _link(doc, refs, decisions, store, sources, top_k=top_k, ttl=ttl, search=search)
    complete = sources.live and not sources.unreachable  # every live source answered every search
    return DocumentRun(
        searched_on=datetime.now(UTC).date().isoformat() if complete else None,
        searched_queries=sorted(search.asked) if complete else [],
        searched_since=since.isoformat() if since and sources.live else None,
        searched_in_full=sorted(search.in_full) if since and sources.live else [],
        new_records=sorted(set(search.new)) if since else [],
        doc=doc,
        links=result.links,
        verdicts=result.verdicts,
        targets=result.targets,
        decisions=decisions,
        orphaned=result.orphaned,
        notes=result.notes,
        grades=result.grades,
    )


def refresh_since(searched_on: str | None) -> date | None:
    """The day from which a refresh asks the live sources about a document: the day before its last
    complete live search (a day's slack: PubMed dates entries in US Eastern time), or None — search in
    full — when it never had one."""
    return date.fromisoformat(searched_on) - timedelta(days=1) if searched_on else None


def collect(
    run: RunInfo, documents: Sequence[DocumentRun], store: RecordStore, sources: Sources
) -> CurationRun:
    """The run bundle the outputs need: the documents plus every linked record, its grade and fetch time."""
    ids = sorted({k.record_id for d in documents for k in d.links})
    records = store.get_many(ids)
    graded = {rid: g for d in documents for rid, g in d.grades.items()}  # the linker graded them already
    return CurationRun(
        run=run,
        documents=list(documents),
        records=records,
        grades={rid: graded.get(rid) or grade_record(r) for rid, r in records.items()},
        fetched_at=store.fetched_at(records),
        unreachable=dict(sources.unreachable),
        warnings=[f"{d.slug}: {w}" for d in documents for w in d.doc.warnings],
    )


def _link(
    doc: ParsedDocument,
    refs: References,
    decisions: list[Decision],
    store: RecordStore,
    sources: Sources,
    *,
    top_k: int,
    ttl: float,
    search: _LiveSearch,
) -> LinkResult:
    acquirer = Acquirer(store, sources, ttl_seconds=ttl)
    return link_document(
        doc,
        store,
        references=refs,
        decisions=decisions,
        top_k=top_k,
        fetch=lambda idents: _fetch(acquirer, idents),
        remote_search=search if sources.live else None,
    )


def _fetch(acquirer: Acquirer, idents: Sequence[Identifier]) -> dict[str, tuple[str | None, str | None]]:
    """Identifier key → (record_id, None) when the store has or fetched it, else (None, the reason)."""
    outcomes = acquirer.fetch(idents)
    return {
        ident.key: (o.record_id, None) if o.record_id else (None, f"{o.status}: {o.reason or 'no record'}")
        for ident, o in zip(idents, outcomes, strict=True)
    }


class _LiveSearch:
    """The linker's live search: a query from `since` when the last complete search asked it (it is in
    `searched`), else in full. Remembers the queries asked (`asked`), what they found (`new`) and the
    claims whose query went out in full (`in_full`)."""

    def __init__(
        self, sources: Sources, store: RecordStore, since: date | None, searched: frozenset[str] | None
    ) -> None:
        self.sources, self.store, self.since, self.searched = sources, store, since, searched
        self.asked: set[str] = set()
        self.new: list[str] = []
        self.in_full: set[str] = set()

    def __call__(self, query: str, claim_ids: Sequence[str]) -> None:
        since = self.since
        if since is not None and self.searched is not None and query not in self.searched:
            since = None
            self.in_full.update(claim_ids)
        self.asked.add(query)
        self.new += _search_live(self.sources, self.store, query, since)


def _search_live(sources: Sources, store: RecordStore, query: str, since: date | None) -> list[str]:
    """Search PubMed and Europe PMC for a discovery query and store what they return (the record IDs);
    a source that fails is noted once as unreachable and the run goes on from the store."""
    found: list[str] = []
    for name, client in (("pubmed", sources.eutils), ("europepmc", sources.europepmc)):
        label = "PubMed" if name == "pubmed" else "Europe PMC"
        if client is None or label in sources.unreachable:
            continue
        try:
            records = search_remote(sources, store, name, query, REMOTE_LIMIT, since=since)
            log.debug("%s: %d records for %r", label, len(records), query)
            found += [r.record_id for r in records]
        except CurateError as e:
            sources.note_unreachable(label, e)
    return found
