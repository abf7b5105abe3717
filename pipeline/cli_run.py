"""`curate run` and `curate serve`: the main job as a Prefect flow, once or on a schedule.

Embedded by default: with no PREFECT_API_URL, Prefect starts a temporary server for the process and
keeps its state in `.curate/prefect/`. With PREFECT_API_URL set, the same flows report to that server.

A run holds the project's run lock (`.curate/run.lock`, pipeline.run_lock) from before Prefect starts
until its outputs are written, so a second `curate run` on the same project refuses instead of writing
the same tables at the same time; holding it, the run first sweeps staging files a killed run left.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import typer

from pipeline.documents import discover
from pipeline.errors import ConfigError, InputError
from pipeline.run_lock import LOCK_NAME, output_folders, run_lock, sweep_staging
from pipeline.settings import Settings, apply_privacy_env

log = logging.getLogger("curate")
DEFAULT_CRON = "0 6 * * *"  # every day at 06:00


def check_project(root: Path) -> None:
    """Refuse a folder that is not a project before anything (a lock, Prefect) is set up in it."""
    if not (root / "sources" / "documents").is_dir():
        raise InputError(
            f"{root / 'sources' / 'documents'}: no such folder (use --root to point at a project)"
        )
    discover(root / "sources" / "documents")  # two folders with one slug: refused before any work


def options_for(settings: Settings, root: Path, *, top_k: int, offline: bool):  # -> RunOptions
    from pipeline.flows import RunOptions

    check_project(root)
    if settings.store_url is None:
        settings.state_dir.mkdir(parents=True, exist_ok=True)
    return RunOptions(
        root=str(root.resolve()),
        store_url=None,  # read from the environment inside the tasks: a URL may hold a password
        top_k=top_k,
        offline=offline or settings.offline,
        max_bytes=settings.max_document_bytes,
        ttl=float(settings.cache_ttl),
    )


def run_command(
    settings: Settings, root: Path, *, top_k: int, offline: bool, refresh: bool, verbose: int
) -> None:
    apply_privacy_env(settings.state_dir)  # before Prefect is first imported (options_for imports it)
    check_project(root)
    with run_lock(settings.state_dir / LOCK_NAME):
        for path in sweep_staging(output_folders(root, settings.state_dir)):
            log.info("removed %s, left by an interrupted run", path)
        options = options_for(settings, root, top_k=top_k, offline=offline)
        if verbose:
            os.environ["PREFECT_LOGGING_LEVEL"] = "INFO"
        from pipeline.flows import curate_all, refresh_evidence, summary_of
        from pipeline.runners import task_runner

        main_flow = refresh_evidence if refresh else curate_all
        summary = summary_of(
            main_flow.with_options(task_runner=task_runner(settings))(options, return_state=True)
        )
    for warning in summary.warnings:
        log.warning(warning)
    typer.echo(render_summary(summary, Path(options.root)), err=True)
    if summary.failed:
        why = next(iter(summary.failed.values()))
        more = f" (and {len(summary.failed) - 1} more document(s))" if len(summary.failed) > 1 else ""
        raise InputError(f"{why}{more}; curated/ and reports/ were left as they were")


def render_summary(summary, root: Path) -> str:  # summary: pipeline.flows.RunSummary
    """One screen: what was read, what was found, what a curator should look at, where it went."""
    lines = [
        f"curate run {summary.run_id}: {len(summary.documents)} document(s), {summary.claims} claims, "
        f"{summary.markers} markers ({summary.ambiguous} ambiguous), "
        f"{summary.records_in_store} records in the store, in {summary.seconds:.1f}s",
        f"  links: {_counts(summary.links)}; relations: {_counts(summary.relations)}",
        f"  flags: {_counts(summary.flags)}",
        f"  alerts since the last run: {len(summary.alerts)}; orphaned decisions: {summary.orphaned}; "
        f"documents served from cache: {summary.cached}",
    ]
    lines += [f"  failed: {folder}: {why}" for folder, why in summary.failed.items()]
    lines += [f"  alert: {a}" for a in summary.alerts[:10]]
    if len(summary.alerts) > 10:
        lines.append(f"  … and {len(summary.alerts) - 10} more alerts (see the reports)")
    if summary.searched_since:
        lines.append(
            f"  new records since the last live searches ({summary.searched_days()}): {summary.new_records}"
        )
    lines += [f"  not refreshed: {source} ({why})" for source, why in summary.unreachable.items()]
    folders: dict[str, list[str]] = {}
    for path in summary.outputs:
        shown = path.relative_to(root) if path.is_relative_to(root) else path
        folders.setdefault(str(shown.parts[0]) if len(shown.parts) > 1 else ".", []).append(shown.name)
    for folder, names in folders.items():
        listed = ", ".join(names) if len(names) <= 4 else f"{len(names)} files ({', '.join(names[:3])}, …)"
        lines.append(f"  wrote {folder}/: {listed}")
    return "\n".join(lines)


def serve_command(settings: Settings, root: Path, *, cron: str, top_k: int, offline: bool) -> None:
    """Serve curate_all and refresh_evidence from this process on a schedule (needs a Prefect server)."""
    if not os.environ.get("PREFECT_API_URL"):
        raise ConfigError(
            "PREFECT_API_URL",
            "curate serve needs a Prefect server to hold the schedule: start one with `prefect server start` "
            "and set PREFECT_API_URL (e.g. http://127.0.0.1:4200/api); an embedded server does not schedule",
        )
    apply_privacy_env(settings.state_dir)
    options = options_for(settings, root, top_k=top_k, offline=offline)
    from prefect import serve

    from pipeline.flows import curate_all, refresh_evidence

    params = {"options": options.model_dump()}
    daily = curate_all.to_deployment(name="curate-all", cron=cron, parameters=params)
    weekly = refresh_evidence.to_deployment(name="refresh-evidence", cron="0 5 * * 1", parameters=params)
    log.info("serving curate-all (%s) and refresh-evidence (weekly) — Ctrl-C stops", cron)
    serve(daily, weekly)


def _counts(counter) -> str:
    return ", ".join(f"{n} {k}" for k, n in sorted(counter.items())) or "none"
