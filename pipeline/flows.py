"""Thin Prefect flows over the pipeline's stages. Stages never import Prefect; flows only wire them.

    curate_all        every document in sources/documents/ (in parallel): snapshot → per document
                      (parse → resolve and fetch → grade → link and judge → decisions) → alerts →
                      curated/ tables and reports/ → Prefect artifacts → state for the next run
    curate_document   one document folder, its reports only (the dataset spans all documents)
    refresh_evidence  re-fetch every record the last run linked (integrity: retractions, errata), then
                      curate_all with live discovery limited to records added since each document's
                      last complete live search; alerts name what changed (level, contradiction,
                      retraction)

Task granularity, measured: a task run costs ~8–10 ms against the embedded server, linking the seed
~3 s, so there is one task per document plus one each for the snapshot, the bundle and the outputs.
Retries sit only on tasks that touch disk or the database (the HTTP layer owns network retries, so none
are stacked on top of it). The document task is cached on a fingerprint of everything it reads — the
folder's files, the store's version, the options and the pipeline's own code — so a re-run with nothing
changed does no linking twice. No secret is a flow parameter (parameters are stored by Prefect): the
contact email and API key are read from the environment inside the task.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import INPUTS, NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Failed, State
from prefect.utilities.annotations import quote
from pydantic import BaseModel

import pipeline
from pipeline import alerts
from pipeline.documents import discover
from pipeline.documents.loading import folder_slug
from pipeline.errors import DocumentError
from pipeline.jobs import collect, document_run, refresh_since
from pipeline.literature.acquire import Acquirer, Sources
from pipeline.literature.identifiers import parse_identifier
from pipeline.literature.snapshot import import_snapshot
from pipeline.literature.store import RecordStore
from pipeline.outputs.atomic import write_text
from pipeline.outputs.bundle import CurationRun, DocumentRun, RunInfo
from pipeline.progress import stage
from pipeline.run_lock import LOCK_NAME, output_folders, run_lock, sweep_staging
from pipeline.settings import Settings
from pipeline.wiring import live_sources

log = logging.getLogger("curate")
STATE_FILE = Path(".curate") / "state" / "last-run.json"


class RunOptions(BaseModel):
    """What a run needs besides the environment's secrets; safe to store as a flow parameter."""

    root: str = "."
    store_url: str | None = None  # None: CURATE_STORE_URL or the project's SQLite file, read in the task
    top_k: int = 5
    offline: bool = False
    max_bytes: int = 20_000_000
    ttl: float = 30 * 86400.0
    refresh: bool = False  # live discovery asks only for records added since each document's last search


@dataclass
class RunSummary:
    run_id: str
    documents: list[str] = field(default_factory=list)
    claims: int = 0
    markers: int = 0
    ambiguous: int = 0
    links: Counter[str] = field(default_factory=Counter)  # by origin
    relations: Counter[str] = field(default_factory=Counter)
    flags: Counter[str] = field(default_factory=Counter)
    alerts: list[str] = field(default_factory=list)
    orphaned: int = 0
    cached: int = 0
    snapshot_imported: int = 0
    records_in_store: int = 0
    unreachable: dict[str, str] = field(default_factory=dict)
    outputs: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    searched_since: dict[str, str] = field(default_factory=dict)  # refresh: document → searched from day
    failed: dict[str, str] = field(default_factory=dict)  # document folder → why it could not be read
    new_records: int = 0  # what that search found (and stored)
    searched_in_full: dict[str, int] = field(default_factory=dict)  # refresh: document → new claims

    def searched_days(self) -> str:
        """ "vitamin-k2 from 2026-11-19 (2 claims in full), …": where a refresh's live search started, per
        document, and how many claims it searched in full because no complete search had asked their query."""
        days = []
        for slug, day in sorted(self.searched_since.items()):
            n = self.searched_in_full.get(slug)
            days.append(f"{slug} from {day}" + (f" ({n} claims in full)" if n else ""))
        return ", ".join(days)


# ----------------------------------------------------------------------------- tasks


@task(name="load_snapshot", retries=2, retry_delay_seconds=1)
def load_snapshot_task(store_url: str, records_dir: Path) -> tuple[int, int]:
    """Import the shipped snapshot where the store lacks it; (records imported, store total)."""
    with RecordStore(store_url) as store:
        return import_snapshot(store, records_dir), store.stats().total


@task(name="curate_document", cache_policy=INPUTS, persist_result=True, cache_expiration=timedelta(days=30))
def document_task(
    folder: str,
    options: RunOptions,
    fingerprint: str,
    since: str | None = None,
    searched: list[str] | None = None,
) -> tuple[DocumentRun | None, dict[str, str], str | None]:
    """One document through every stage: (the run, sources that could not be reached, None), or (None,
    {}, why) for a document that cannot be read — bad input is the document's, not the run's, so the
    others go on (and it is reported without a Prefect traceback). Cached on `fingerprint`."""
    sources = _sources(options)
    try:
        doc = _run_document(folder, options, sources, since, searched)
    except DocumentError as e:
        return None, {}, str(e)
    return _relative(doc, Path(options.root)), dict(sources.unreachable), None


def _run_document(
    folder: str, options: RunOptions, sources: Sources, since: str | None, searched: list[str] | None
) -> DocumentRun:
    with RecordStore(_store_url(options)) as store:
        return document_run(
            Path(folder),
            store,
            sources,
            max_bytes=options.max_bytes,
            top_k=options.top_k,
            ttl=options.ttl,
            since=date.fromisoformat(since) if since else None,
            searched=searched,
        )


# collect and write_outputs take every document's links: passed `quote`d and never cached, because Prefect
# otherwise walks each parameter object by object (looking for futures) and hashes it for a cache key it
# would never reuse — 26 of 40 s of a warm 21-document run, measured with cProfile.
@task(name="collect", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def collect_task(
    run: RunInfo, docs: list[DocumentRun], options: RunOptions, unreachable: dict[str, str]
) -> CurationRun:
    with RecordStore(_store_url(options)) as store:
        bundle = collect(run, docs, store, Sources())
    return bundle.model_copy(update={"unreachable": unreachable})


@task(name="write_outputs", retries=1, retry_delay_seconds=1, cache_policy=NO_CACHE)
def write_outputs_task(bundle: CurationRun, root: Path) -> list[Path]:
    from pipeline.outputs.dataset_write import write_dataset
    from pipeline.outputs.report_write import stale_reports, write_reports

    written = write_dataset(bundle, root / "curated") + write_reports(bundle, root / "reports")
    for html in stale_reports(bundle, root / "reports"):
        log.warning(
            "%s (and .md) is from a document no longer in sources/documents: not in the index; "
            "delete it if it is not wanted",
            html.relative_to(root),
        )
    return written


@task(name="refresh_records", retries=1, retry_delay_seconds=1)
def refresh_records_task(options: RunOptions, record_ids: list[str]) -> tuple[int, dict[str, str]]:
    """Re-fetch records ignoring freshness (retractions, errata); (records refreshed, unreachable)."""
    sources = _sources(options)
    with RecordStore(_store_url(options)) as store:
        outcomes = Acquirer(store, sources, ttl_seconds=options.ttl).fetch(
            [parse_identifier(i) for i in record_ids], refresh=True
        )
    return sum(o.status == "fetched" for o in outcomes), dict(sources.unreachable)


# ----------------------------------------------------------------------------- flows


@flow(name="curate_all", log_prints=False)
def curate_all(options: RunOptions) -> RunSummary | State:
    """Every document in `sources/documents/`: link and judge in parallel, then the dataset and reports."""
    with _project_lock(options):
        return _finished(_curate_all(options))


def _curate_all(options: RunOptions) -> RunSummary:
    started = time.perf_counter()
    root = Path(options.root)
    run = RunInfo(run_id=str(flow_run.get_id() or uuid.uuid4()), started_at=datetime.now(UTC).isoformat())
    summary = RunSummary(run_id=run.run_id)
    folders = discover(root / "sources" / "documents")
    if not folders:
        summary.warnings.append(f"no documents in {root / 'sources' / 'documents'}")
        return summary
    summary.snapshot_imported, summary.records_in_store = load_snapshot_task(
        _store_url(options), root / "sources" / "records"
    )
    log.info(
        "record store: %d records (%d imported from the snapshot)",
        summary.records_in_store,
        summary.snapshot_imported,
    )
    docs, unreachable = _documents(folders, options, summary)
    if summary.failed:  # the previous dataset stays whole rather than lose a document's rows
        summary.warnings.append(
            f"curated/ and reports/ left as they were: {len(summary.failed)} document(s) could not be read"
        )
        summary.seconds = time.perf_counter() - started
        return summary
    previous = _read_state(root)
    docs = [d.model_copy(update={"alerts": alerts.alerts_since(previous, d)}) for d in docs]
    bundle = collect_task(run, quote(docs), options, unreachable)
    with stage("outputs", 1) as bar:
        summary.outputs = write_outputs_task(quote(bundle), root)
        bar.advance()
    _write_state(root, run, docs)
    _summarise(summary, bundle)
    _artifacts(summary, bundle)
    summary.seconds = time.perf_counter() - started
    return summary


@flow(name="curate_document", log_prints=False)
def curate_document(folder: str, options: RunOptions) -> DocumentRun:
    """One document folder: link and judge it and write its two reports (the dataset and the index span
    all documents: curate_all writes those)."""
    with _project_lock(options):
        return _curate_document(folder, options)


def _curate_document(folder: str, options: RunOptions) -> DocumentRun:
    from pipeline.outputs import report_html, report_md

    root = Path(options.root)
    load_snapshot_task(_store_url(options), root / "sources" / "records")
    fingerprint = _fingerprint(Path(folder), options, _store_version(options))
    doc, unreachable, failure = document_task(folder, options, fingerprint)
    if doc is None:
        raise DocumentError(folder, failure or "could not be read")
    run = RunInfo(run_id=str(flow_run.get_id() or uuid.uuid4()), started_at=datetime.now(UTC).isoformat())
    bundle = collect_task(run, quote([doc]), options, unreachable)
    for suffix, render in ((".md", report_md.render_document), (".html", report_html.render_document)):
        write_text(root / "reports" / f"{doc.slug}{suffix}", render(bundle.documents[0], bundle))
    return doc


@flow(name="refresh_evidence", log_prints=False)
def refresh_evidence(options: RunOptions) -> RunSummary | State:
    """Re-check every record the last run linked, search for records added since that run for every
    claim, then run everything; alerts name what changed (a better level, a contradiction, a retraction)."""
    with _project_lock(options):
        return _refresh(options)


def _refresh(options: RunOptions) -> RunSummary | State:
    root = Path(options.root)
    previous = _read_state(root) or {}
    ids = sorted({rid for claims in previous.values() for c in claims.values() for rid in c["links"]})
    refreshed, unreachable = refresh_records_task(options, ids) if ids else (0, {})
    log.info("refresh: %d of %d linked records re-fetched", refreshed, len(ids))
    summary = summary_of(curate_all(options.model_copy(update={"refresh": True}), return_state=True))
    summary.unreachable.update(unreachable)
    if not _sources(options).live:
        summary.warnings.append(
            "refresh: live sources are off (offline, or CURATE_NCBI_EMAIL not set): linked records were "
            "not re-checked and no newer records were searched"
        )
    return _finished(summary)


# ----------------------------------------------------------------------------- helpers


def summary_of(state: State) -> RunSummary:
    """The summary a finished curate_all or refresh_evidence run carries, a Failed one's too (see
    `_finished`); an error that ended the run is raised again."""
    summary = state.result(raise_on_failure=False)
    if isinstance(summary, BaseException):
        raise summary
    return summary


def _finished(summary: RunSummary) -> RunSummary | State:
    """The summary, or a Failed state carrying it when a document could not be read: a scheduled run's
    failure shows as one in Prefect (with no traceback), and `curate run` still prints the summary."""
    if not summary.failed:
        return summary
    names = ", ".join(summary.failed)
    return Failed(message=f"{len(summary.failed)} document(s) could not be read: {names}", data=summary)


@contextlib.contextmanager
def _project_lock(options: RunOptions) -> Iterator[None]:
    """The project's run lock (pipeline.run_lock), also for flow runs a schedule or worker starts; taken
    fresh, it first sweeps what a killed run left. `curate run` already holds it: then this passes."""
    settings = Settings(root=Path(options.root))
    with run_lock(settings.state_dir / LOCK_NAME, reentrant=True) as fresh:
        if fresh:
            for path in sweep_staging(output_folders(Path(options.root), settings.state_dir)):
                log.info("removed %s, left by an interrupted run", path)
        yield


def _documents(
    folders: list[Path], options: RunOptions, summary: RunSummary
) -> tuple[list[DocumentRun], dict[str, str]]:
    """Link every document in parallel (the flow's task runner), in folder order."""
    version = _store_version(options)  # one look at the store for all documents
    fingerprints = [_fingerprint(f, options, version) for f in folders]
    since = _refresh_days(folders, options) if options.refresh else {}
    none: tuple[str | None, list[str] | None] = (None, None)
    futures = [
        document_task.submit(str(f), options, fp, *since.get(f, none))
        for f, fp in zip(folders, fingerprints, strict=True)
    ]
    docs, unreachable = [], {}
    with stage("documents", len(futures)) as bar:
        for folder, future in zip(folders, futures, strict=True):
            doc, lost, failure = future.result()
            summary.cached += future.state.is_completed() and future.state.name == "Cached"
            bar.advance()
            if doc is None:
                summary.failed[folder.name] = failure or "could not be read"
                log.error("%s: %s", folder.name, failure)
                continue
            docs.append(doc)
            unreachable.update(lost)
            log.info("%s: %d claims, %d links", doc.slug, len(doc.doc.claims), len(doc.links))
    return docs, unreachable


def _relative(run: DocumentRun, root: Path) -> DocumentRun:
    """Outputs name the source file relative to the project, so they do not depend on the checkout."""
    path, root = Path(run.doc.path), root.resolve()
    if not path.resolve().is_relative_to(root):
        return run
    doc = run.doc.model_copy(update={"path": str(path.resolve().relative_to(root))})
    return run.model_copy(update={"doc": doc})


def _store_version(options: RunOptions) -> str:
    with RecordStore(_store_url(options)) as store:
        return store.version()


def _fingerprint(folder: Path, options: RunOptions, store_version: str) -> str:
    """Everything a document task reads: its folder's files, the store's version, options, our code."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(store_version.encode())
    digest.update(options.model_dump_json().encode())
    digest.update(_code_version().encode())
    return digest.hexdigest()


@cache
def _code_version() -> str:
    """A hash of the package's code and data files: a code change invalidates cached work."""
    package = Path(pipeline.__file__).parent
    digest = hashlib.sha256(pipeline.__version__.encode())
    for path in sorted(package.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".yaml", ".txt", ".html", ".j2", ".css", ".js"):
            digest.update(str(path.relative_to(package)).encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def _store_url(options: RunOptions) -> str:
    """The store URL: given, or from the environment inside the task (a URL may hold a password, and
    flow parameters are stored by Prefect)."""
    return options.store_url or Settings(root=Path(options.root)).resolved_store_url


def _sources(options: RunOptions) -> Sources:
    """Live clients from the environment (email, API key) — never from flow parameters."""
    settings = Settings(root=Path(options.root))
    return live_sources(settings, offline=options.offline)


def _load_state(root: Path) -> dict:
    """The last run's state file, parsed; {} when there is none or it cannot be read (with a warning)."""
    path = root / STATE_FILE
    if not path.is_file():
        return {}
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        log.warning("ignoring the last run's state %s: %s", path, e)
        return {}
    return state if isinstance(state, dict) else {}


def _read_state(root: Path) -> alerts.State | None:
    """Per document, what the last run linked to each claim (for alerts and refresh)."""
    documents = _load_state(root).get("documents")
    return documents if isinstance(documents, dict) else None


@dataclass(frozen=True)
class Searched:
    """A document's last complete live search: its day (UTC, ISO) and the queries it asked."""

    on: str
    queries: frozenset[str]


def _refresh_days(folders: list[Path], options: RunOptions) -> dict[Path, tuple[str, list[str]]]:
    """Per document, the day a refresh searches from (see jobs.refresh_since) and the queries that last
    complete live search asked (any other query is searched in full); absent: all in full."""
    searched = _searched(Path(options.root))
    days = {}
    for folder in folders:
        last = searched.get(folder_slug(folder))
        if last and (day := refresh_since(last.on)):
            days[folder] = (day.isoformat(), sorted(last.queries))
    return days


def _searched(root: Path) -> dict[str, Searched]:
    """Document slug → its last complete live search, as the last run recorded it. An entry without its
    queries (the day alone, as older runs wrote it) covers none: the next refresh searches in full; one
    whose day is not a date is left out (with a warning), and so is searched in full too."""
    found = _load_state(root).get("searched", {})
    result = {}
    for slug, entry in found.items() if isinstance(found, dict) else ():
        entry = entry if isinstance(entry, dict) else {"on": entry}
        if not _is_day(day := entry.get("on")):
            log.warning("ignoring the last run's search day of %s: %r is not a date", slug, day)
            continue
        queries = entry.get("queries")
        result[str(slug)] = Searched(day, frozenset(map(str, queries if isinstance(queries, list) else ())))
    return result


def _is_day(day: object) -> bool:
    if not isinstance(day, str):
        return False
    try:
        date.fromisoformat(day)
    except ValueError:
        return False
    return True


def _write_state(root: Path, run: RunInfo, docs: list[DocumentRun]) -> None:
    searched = {slug: {"on": s.on, "queries": sorted(s.queries)} for slug, s in _searched(root).items()}
    searched |= {d.slug: {"on": d.searched_on, "queries": d.searched_queries} for d in docs if d.searched_on}
    state = {
        "run_id": run.run_id,
        "started_at": run.started_at,
        "documents": alerts.state_of(docs),
        "searched": searched,  # a day moves on only when a live search of that document completed
    }
    write_text(root / STATE_FILE, json.dumps(state, indent=1, sort_keys=True))


def _summarise(summary: RunSummary, bundle: CurationRun) -> None:
    for d in bundle.documents:
        markers = [m for c in d.doc.claims for m in c.markers]
        summary.documents.append(d.slug)
        summary.claims += len(d.doc.claims)
        summary.markers += len(markers)
        summary.ambiguous += sum(m.ambiguous for m in markers)
        summary.links.update(k.origin for k in d.links)
        summary.relations.update(k.relation for k in d.links if not k.rejected)
        summary.flags.update(f.kind for v in d.verdicts for f in v.flags)
        summary.alerts += [
            f"{a.document}: {a.kind} {a.claim_id} ← {a.record_id}: {a.detail}" for a in d.alerts
        ]
        summary.orphaned += len(d.orphaned)
        if d.searched_since:
            summary.searched_since[d.slug] = d.searched_since
            if d.searched_in_full:
                summary.searched_in_full[d.slug] = len(d.searched_in_full)
        summary.new_records += len(d.new_records)
    summary.unreachable.update(bundle.unreachable)
    summary.warnings += bundle.warnings


def _artifacts(summary: RunSummary, bundle: CurationRun) -> None:
    """A Markdown summary and a table of flags for the run, in Prefect (the bundle holds no secrets)."""
    lines = [
        f"# curate run {summary.run_id}",
        "",
        f"- documents: {', '.join(summary.documents)}",
        f"- claims: {summary.claims}; links: {dict(summary.links)}; relations: {dict(summary.relations)}",
        f"- flags: {dict(summary.flags)}",
        f"- alerts: {len(summary.alerts)}; orphaned decisions: {summary.orphaned}",
        f"- not refreshed: {', '.join(summary.unreachable) or 'none'}",
        *(
            [f"- new records since the last live searches ({summary.searched_days()}): {summary.new_records}"]
            if summary.searched_since
            else []
        ),
    ]
    create_markdown_artifact("\n".join(lines), key="curate-summary", description="curate run summary")
    rows = [
        {
            "document": d.slug,
            "claim_id": v.claim_id,
            "line": v.line,
            "flag": f.kind,
            "links": ", ".join(f.links),
        }
        for d in bundle.documents
        for v in d.verdicts
        for f in v.flags
    ]
    create_table_artifact(rows[:5000], key="curate-flags", description="audit flags by claim")
