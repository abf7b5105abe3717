"""The `curate` command. Parses arguments, calls stages and flows, and translates errors.

Data goes to stdout (JSON Lines), progress and warnings to stderr. A `CurateError` becomes one line and
its exit code (2 for bad input); anything else is an internal error, with a traceback only under `-v`.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from pathlib import Path
from typing import Annotated, Any

import click
import typer

from pipeline.errors import CurateError
from pipeline.settings import Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Curate the evidence behind health claims.",
)
log = logging.getLogger("curate")
_verbosity = 0


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is at the time: a progress bar replaces it while it is drawn, so that
    a log line is printed above the bar instead of glued onto it. (The name must not start with "_":
    Prefect's logging setup replaces root handlers whose class name does, taking our format with them.)"""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass  # always the current sys.stderr


def _configure_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING if quiet else (logging.DEBUG if verbose else logging.INFO)
    handler = StderrHandler()
    handler.setFormatter(logging.Formatter("curate: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING if verbose < 2 else logging.DEBUG)  # libraries stay quiet
    log.setLevel(level)


@app.callback()
def _main(
    verbose: Annotated[
        int, typer.Option("-v", "--verbose", count=True, help="More output (-vv: debug).")
    ] = 0,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="Only warnings and errors.")] = False,
) -> None:
    global _verbosity
    _verbosity = verbose
    _configure_logging(verbose, quiet)


def settings(root: Path | None = None) -> Settings:
    s = Settings()
    return s.model_copy(update={"root": root}) if root is not None else s


def emit(rows) -> None:
    """Write JSON Lines to stdout, one object per row."""
    out = sys.stdout
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    out.flush()


# ----------------------------------------------------------------------------- documents


@app.command()
def claims(
    path: Annotated[Path, typer.Argument(help="A document file or a sources/documents/<slug> folder.")],
    style: Annotated[str, typer.Option(help="Reference scope: auto, section or document.")] = "auto",
) -> None:
    """Print the claims of one document as JSON Lines, with their citation markers."""
    from pipeline.documents import parse_document
    from pipeline.errors import InputError

    if style not in ("auto", "section", "document"):
        raise InputError(f"--style must be auto, section or document, not {style!r}")
    doc = parse_document(
        path, max_bytes=settings().max_document_bytes, style=None if style == "auto" else style
    )  # type: ignore[arg-type]
    for warning in doc.warnings:
        log.warning("%s: %s", path, warning)
    emit(claim.model_dump(mode="json") for claim in doc.claims)
    log.info(
        "%s: %d claims, %d markers", doc.meta.slug, len(doc.claims), sum(len(c.markers) for c in doc.claims)
    )


# ----------------------------------------------------------------------------- literature

store_app = typer.Typer(no_args_is_help=True, help="The local record store: import, export, stats.")
app.add_typer(store_app, name="store")


@app.command()
def fetch(
    ids: Annotated[list[str], typer.Argument(help="PMIDs, PMCIDs, DOIs or their URLs.")],
    offline: Annotated[bool, typer.Option("--offline", help="Never touch the network.")] = False,
    refresh: Annotated[bool, typer.Option("--refresh", help="Re-check records even when fresh.")] = False,
) -> None:
    """Fetch records into the store; one JSON line per input with its status."""
    from pipeline.literature.acquire import Acquirer, parse_inputs
    from pipeline.wiring import live_sources, open_store

    s = settings()
    identifiers = parse_inputs(ids)  # all validated before any request
    with open_store(s) as store:
        outcomes = Acquirer(store, live_sources(s, offline=offline), ttl_seconds=s.cache_ttl).fetch(
            identifiers, refresh=refresh
        )
    emit(o.model_dump(mode="json") for o in outcomes)
    counts = {k: sum(o.status == k for o in outcomes) for k in ("fetched", "cached", "not_found", "failed")}
    log.info("fetch: %s", ", ".join(f"{n} {k}" for k, n in counts.items() if n))


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words to search for.")],
    source: Annotated[str, typer.Option(help="local, pubmed or europepmc.")] = "local",
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many results.")] = 20,
    offline: Annotated[bool, typer.Option("--offline", help="Never touch the network.")] = False,
) -> None:
    """Search the local store (BM25) or, live, PubMed / Europe PMC; JSON Lines of keys and titles."""
    from pipeline.errors import InputError
    from pipeline.literature.acquire import search_remote
    from pipeline.wiring import live_sources, open_store

    if source not in ("local", "pubmed", "europepmc"):
        raise InputError(f"--source must be local, pubmed or europepmc, not {source!r}")
    s = settings()
    with open_store(s) as store:
        if source == "local":
            rows = [
                {"record_id": h.record_id, "title": h.title, "score": round(h.score, 4), "source": "local"}
                for h in store.search(query, limit=limit, mode="any")
            ]
        else:
            records = search_remote(live_sources(s, offline=offline), store, source, query, limit)
            rows = [{"record_id": r.record_id, "title": r.title, "source": source} for r in records]
    emit(rows)


@store_app.command("import")
def store_import(
    files: Annotated[list[Path], typer.Argument(help="Record JSON Lines or PubMed XML (.gz).")],
) -> None:
    """Import record files (our JSON Lines, the shared snapshot format, PubMed XML) into the store."""
    from pipeline.errors import InputError
    from pipeline.literature.store_io import import_file
    from pipeline.wiring import open_store

    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise InputError(f"no such file: {', '.join(missing)}")
    with open_store(settings()) as store:
        for path in files:
            stats = import_file(store, path)
            emit([{"file": str(path), **stats.model_dump(mode="json")}])


@store_app.command("export")
def store_export(file: Annotated[Path, typer.Argument(help="Where to write record JSON Lines.")]) -> None:
    """Export every stored record as JSON Lines (sorted by key; written atomically)."""
    from pipeline.literature.store_io import export_jsonl
    from pipeline.wiring import open_store

    with open_store(settings()) as store:
        count = export_jsonl(store, file)
    log.info("exported %d records to %s", count, file)


@store_app.command("stats")
def store_stats() -> None:
    """Counts of the record store as one JSON object."""
    from pipeline.wiring import open_store

    with open_store(settings()) as store:
        emit([store.stats().model_dump(mode="json")])


# ----------------------------------------------------------------------------- grading and review


@app.command()
def grade(
    ids: Annotated[
        list[str] | None, typer.Argument(help="Stored records to grade (any identifier form).")
    ] = None,
    input: Annotated[
        Path | None, typer.Option("--input", help="Record JSON Lines or PubMed XML (.gz).")
    ] = None,
    text_only: Annotated[
        bool, typer.Option("--text-only", help="Ignore publication types and MeSH.")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=0,
            max=64,
            help="Grading processes. 0 (default): one per CPU once 5,000 records wait to be graded "
            "(a pool takes ~1 s to start), else this process; 1: always this process.",
        ),
    ] = 0,
) -> None:
    """Grade records: study design, evidence level and integrity, one JSON line per record."""
    from pipeline.cli_grade import grade_command

    grade_command(ids or [], input, text_only, workers)


@app.command()
def review(
    action: Annotated[str, typer.Argument(help="accept, reject, add, relation, evidence or note.")],
    document: Annotated[Path, typer.Argument(help="The sources/documents/<slug> folder.")],
    claim_id: Annotated[str, typer.Argument(help="The claim the decision is about.")],
    record: Annotated[str | None, typer.Option("--record", help="The record (any identifier form).")] = None,
    note: Annotated[str | None, typer.Option("--note", help="Free text kept with the decision.")] = None,
    relation: Annotated[
        str | None, typer.Option("--relation", help="supports, partial, contradicts or unrelated.")
    ] = None,
    evidence_type: Annotated[
        str | None, typer.Option("--evidence-type", help="Override the evidence type.")
    ] = None,
    curator: Annotated[str | None, typer.Option("--curator", help="Who decided.")] = None,
) -> None:
    """Record a curator decision in the document's decisions.yaml (appended atomically)."""
    from pipeline.cli_review import review_command

    review_command(action, document, claim_id, record, note, relation, evidence_type, curator)


@app.command()
def link(
    path: Annotated[Path, typer.Argument(help="A document file or a sources/documents/<slug> folder.")],
    top_k: Annotated[
        int, typer.Option("--top-k", min=0, max=100, help="Discovered candidates kept per claim.")
    ] = 5,
    offline: Annotated[bool, typer.Option("--offline", help="Never touch the network.")] = False,
) -> None:
    """Link every claim to records and judge support: JSON Lines of links, then claim verdicts."""
    from pipeline.cli_link import link_command

    link_command(settings(), path, top_k, offline)


# ----------------------------------------------------------------------------- the main job


@app.command()
def run(
    root: Annotated[Path, typer.Option(help="Project folder with sources/, curated/ and reports/.")] = Path(
        "."
    ),
    top_k: Annotated[
        int, typer.Option("--top-k", min=0, max=100, help="Discovered candidates kept per claim.")
    ] = 5,
    offline: Annotated[bool, typer.Option("--offline", help="Never touch the network.")] = False,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Re-fetch every linked record first (refresh_evidence).")
    ] = False,
) -> None:
    """Run the main job over every document in sources/documents/ and write curated/ and reports/."""
    from pipeline.cli_run import run_command

    run_command(settings(root), root, top_k=top_k, offline=offline, refresh=refresh, verbose=_verbosity)


@app.command()
def serve(
    root: Annotated[Path, typer.Option(help="Project folder with sources/, curated/ and reports/.")] = Path(
        "."
    ),
    cron: Annotated[str, typer.Option("--cron", help="When curate_all runs (cron syntax).")] = "0 6 * * *",
    top_k: Annotated[int, typer.Option("--top-k", min=0, max=100, help="Candidates kept per claim.")] = 5,
    offline: Annotated[bool, typer.Option("--offline", help="Never touch the network.")] = False,
) -> None:
    """Serve the flows on a schedule from this process (needs PREFECT_API_URL: a Prefect server)."""
    from pipeline.cli_run import serve_command

    serve_command(settings(root), root, cron=cron, top_k=top_k, offline=offline)


# ----------------------------------------------------------------------------- entry point


# Typer 0.29 (here) carries its own copy of click: its usage errors are not click's classes. Both are caught
# (on older Typer they are the same class), else a mistyped option would read as an internal error.
_USAGE_ERRORS = (
    click.exceptions.UsageError,
    next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError"),
)
_EXITS = (click.exceptions.Exit, typer.Exit)
_ABORTS = (click.exceptions.Abort, typer.Abort)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the app and turn every failure into one line and an exit code."""
    try:
        app(args=argv, standalone_mode=False)
    except _EXITS as e:
        sys.exit(e.exit_code)
    except _USAGE_ERRORS as e:
        e.show()
        sys.exit(2)
    except _ABORTS:
        sys.exit(130)
    except CurateError as e:
        _fail(str(e), e.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except Exception as e:  # the last line of defence: one line, traceback only on request
        if _verbosity:
            traceback.print_exc()
        _fail(f"internal error: {type(e).__name__}: {e} (run with -v for the traceback)", 1)


def _fail(message: str, code: int) -> None:
    if _verbosity:
        traceback.print_exc()
    sys.stderr.write(f"curate: error: {message}\n")
    sys.exit(code)


if __name__ == "__main__":  # `python -m pipeline.cli …`, as well as the `curate` entry point
    main()
