"""Progress bars on stderr, one per stage, only when a person is watching (stderr is a terminal).

Logs stay one line per stage; the bars are for the minutes in between and vanish in CI and pipes.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class Stage(Protocol):
    def advance(self, amount: int = 1) -> None: ...


class _Silent:
    def advance(self, amount: int = 1) -> None:
        return None


class _Bar:
    def __init__(self, progress: Progress, task_id: int) -> None:
        self.progress, self.task_id = progress, task_id

    def advance(self, amount: int = 1) -> None:
        self.progress.advance(self.task_id, amount)  # type: ignore[arg-type]


def watched() -> bool:
    """Whether a person is watching stderr (a terminal): bars show only then."""
    return sys.stderr.isatty()


@contextmanager
def stage(name: str, total: int | None, *, enabled: bool | None = None) -> Iterator[Stage]:
    """A bar for `total` steps (None: not known in advance) named `name`; a silent stand-in when stderr
    is not a terminal."""
    show = watched() if enabled is None else enabled
    if not show:
        yield _Silent()
        return
    columns = (TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=False) as progress:
        yield _Bar(progress, progress.add_task(name, total=total))
