"""Start, pause, SIGKILL and check `curate` subprocesses on a copy of the project's sources/.

Every child runs in its own session, so the Prefect server a killed run leaves orphaned (its uvicorn
child outlives it, as it would on a real machine) can be found by process group and stopped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.datasets import Datasets, load

ROOT = Path(__file__).parents[2]
CHILD = Path(__file__).with_name("pause_child.py")
CURATE = Path(sys.executable).with_name("curate")
RUN_TIMEOUT = 300.0  # seconds for one whole run on a loaded 2-core machine
TABLES = ("documents", "sections", "claims", "markers", "records", "grades", "links", "flags", "decisions")


@dataclass
class Finished:
    code: int
    stderr: str
    pid: int


def new_project(folder: Path) -> Path:
    shutil.copytree(ROOT / "sources", folder / "sources")
    return folder


def env(live: dict[str, str] | None = None) -> dict[str, str]:
    """The test run's environment minus Prefect and curate settings: no telemetry, and offline unless
    `live` gives the settings of live sources (loopback fakes)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CURATE_"))}
    clean.update(
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",  # a busy machine starts it slowly
    )
    clean.update(live if live is not None else {"CURATE_OFFLINE": "1"})
    return clean


def start(
    args: list[str], log: Path, *, cwd: Path | None = None, live: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start a child in its own session, stderr to `log` (a file: a pipe nobody reads can fill up)."""
    with open(log, "wb") as err:
        return subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=err, env=env(live), cwd=cwd, start_new_session=True
        )


def finish(proc: subprocess.Popen[bytes], log: Path) -> Finished:
    try:
        proc.wait(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    return Finished(proc.returncode, log.read_text(encoding="utf-8", errors="replace"), proc.pid)


def run(root: Path, log: Path, *, live: dict[str, str] | None = None) -> Finished:
    """One whole `curate run` on `root`."""
    return finish(start([str(CURATE), "run", "--root", str(root)], log, live=live), log)


def kill_at(
    point: str,
    args: list[str],
    work: Path,
    groups: list[int],
    *,
    cwd: Path | None = None,
    live: dict[str, str] | None = None,
) -> None:
    """Run `curate <args>` until it reaches `point` (see pause_child.py), then SIGKILL that process only."""
    marker, log = work / f"paused-{point}", work / f"killed-{point}.log"
    proc = start([sys.executable, str(CHILD), point, str(marker), *args], log, cwd=cwd, live=live)
    groups.append(proc.pid)  # the session's leftovers are stopped by the test's clean-up
    deadline = time.monotonic() + RUN_TIMEOUT
    while not marker.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):  # the child may have exited on its own
                os.killpg(proc.pid, signal.SIGKILL)
            raise AssertionError(f"never reached {point!r}: {log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL


def stop_groups(groups: list[int]) -> None:
    """SIGKILL whatever is left of each killed child's session (the orphaned Prefect server)."""
    for group in groups:
        with contextlib.suppress(ProcessLookupError):  # nothing left: fine
            os.killpg(group, signal.SIGKILL)


def store_records(root: Path) -> list[str]:
    """The store's record IDs after SQLite's and FTS5's own integrity checks (which raise or report)."""
    db = sqlite3.connect(root / ".curate" / "store.sqlite")
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        db.execute("INSERT INTO records_fts(records_fts) VALUES ('integrity-check')")
        ids = [r[0] for r in db.execute("SELECT record_id FROM records ORDER BY record_id")]
        indexed = db.execute("SELECT count(*) FROM fts_docs").fetchone()[0]
    finally:
        db.close()
    assert indexed == len(ids), f"{indexed} texts indexed for {len(ids)} records"
    return ids


def staging_files(root: Path) -> list[Path]:
    """Every `*.tmp` file in the project outside Prefect's own folder."""
    prefect = root / ".curate" / "prefect"
    return sorted(p for p in root.rglob("*.tmp") if not p.is_relative_to(prefect))


def without_run_id(data: Datasets, also: tuple[str, ...] = ()) -> dict[str, pd.DataFrame]:
    drop = ["run_id", *also]
    return {
        name: data.table(name).drop(columns=[c for c in drop if c in data.table(name)]) for name in TABLES
    }


def assert_same_tables(got: Path, want: Path, *, also: tuple[str, ...] = ()) -> None:
    """Both folders hold the same files and every table is equal apart from `run_id` (and `also`: live
    runs fetch at different times, so their `fetched_at` differs)."""
    names = sorted(p.relative_to(want) for p in want.rglob("*") if p.is_file())
    assert sorted(p.relative_to(got) for p in got.rglob("*") if p.is_file()) == names
    mine, theirs = load(got), load(want)
    assert mine.run_id != theirs.run_id
    for name, frame in without_run_id(theirs, also).items():
        pd.testing.assert_frame_equal(without_run_id(mine, also)[name], frame, obj=name)
