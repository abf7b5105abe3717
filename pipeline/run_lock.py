"""One run at a time per project: an exclusive lock on `.curate/run.lock`, and crash clean-up.

`curate run` takes it before Prefect starts; the flows take it too (`curate_all`, `refresh_evidence`),
so a scheduled run from `curate serve` or a deployment and a manual run never write the same project at
once, and never sweep each other's staging files.

Two runs on the same project would write the same tables, reports and run state; instead the second
refuses at once (`RunLockedError`, exit 2) naming the lock file and the holder's pid. The lock is an
`fcntl.flock` on an open descriptor, so the kernel releases it when the holder exits or is killed:
a crashed run never leaves a stale lock, and nothing has to guess whether a pid is still alive. The pid
written into the file is only for the message; the file itself stays (unlinking a lock file races).

A run killed with SIGKILL cannot remove its staging files (`.<name>.<random>.tmp` beside each target,
see pipeline.outputs.atomic and dataset_write). No reader ever opens them, but they pile up, so the next
run, holding the lock and therefore the only writer of its output folders, sweeps them first.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from pathlib import Path

from pipeline.errors import InputError

LOCK_NAME = "run.lock"
HOLDER_WAIT = 1.0  # seconds to wait for a new holder to write its pid (it takes microseconds)
STAGING_GLOB = ".*.tmp"  # the names mkstemp gives staged outputs: a dot, the target's name, random, .tmp


class RunLockedError(InputError):
    """Another run holds the project's run lock; carries the lock file and the holder's pid (if known)."""

    def __init__(self, path: Path, pid: int | None) -> None:
        self.path, self.pid = path, pid
        holder = f"pid {pid}" if pid else "pid unknown"
        super().__init__(
            f"another curate run ({holder}) holds {path}; wait for it to finish (a killed run's lock is "
            "released by the system, so this one is alive)"
        )

    def _init_args(self) -> tuple[object, ...]:
        return self.path, self.pid


# The locks held by this call chain: `curate run` takes one, and the flow it runs (same thread, or a thread
# Prefect starts with a copy of this context) takes it again. Another thread of the process (a notebook,
# an embedding app) does not inherit it and is refused like another process.
_HOLDING: ContextVar[frozenset[Path]] = ContextVar("curate_run_locks", default=frozenset())


@contextlib.contextmanager
def run_lock(path: Path, *, reentrant: bool = False) -> Iterator[bool]:
    """Hold the exclusive run lock at `path` for the block, or raise RunLockedError at once. Yields
    True when this call took the lock; with `reentrant`, False when this call chain already holds it
    (`curate run` takes it before Prefect starts, and the flow it runs takes it again: the same run)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = path.resolve()
    if reentrant and key in _HOLDING.get():
        yield False
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by child processes (PEP 446)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunLockedError(path, _holder(fd)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        token = _HOLDING.set(_HOLDING.get() | {key})
        try:
            yield True
        finally:
            _HOLDING.reset(token)
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _holder(fd: int) -> int | None:
    """The pid of the live process that holds the lock, or None if it does not say within a second.

    The holder takes the lock, then replaces the last run's pid with its own: read in between, the file
    is empty or names a process that has ended, so the read is retried until it names a live one.
    """
    deadline = time.monotonic() + HOLDER_WAIT
    while True:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        if text.isdigit() and _alive(int(text)):
            return int(text)
        if time.monotonic() > deadline:
            return None
        time.sleep(0.01)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except (ProcessLookupError, OverflowError):  # no such process; no pid that large (not written by us)
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def sweep_staging(folders: Iterable[Path]) -> list[Path]:
    """Remove staging files a killed run left in `folders` (not recursive); the paths removed.

    Only call this while holding the run lock: a live writer's staging file would be removed too.
    """
    removed = []
    for folder in folders:
        for path in sorted(folder.glob(STAGING_GLOB)) if folder.is_dir() else []:
            if path.is_file() and not path.is_symlink():
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


def output_folders(root: Path, state_dir: Path) -> list[Path]:
    """Every folder a run writes files into (atomically, so a killed run may leave staging files)."""
    return [root / "curated", root / "curated" / "schema", root / "reports", state_dir / "state"]
