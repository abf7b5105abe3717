"""Run the `curate` command with one pause point armed, so a test can SIGKILL it at a known moment.

    python pause_child.py <point> <marker> <curate arguments…>

The point is reached inside the real command (same entry point, same Prefect flow, same threads): the
child writes its pid to `marker` and sleeps until the test kills it. Nothing in the package knows about
this: the points are patched in here, so production code carries no test hook.

    store     inside the snapshot import's write transaction, after the rows are inserted, before commit
    fetch     inside the write transaction of the first records a live run fetched (the 2nd insert of new
              records: the 1st is the snapshot), rows inserted, not committed
    grading   at the 20th record the linker grades, mid-way through the document task
    bundle    as the run bundle is collected from the store (the document task's result is already cached)
    tables    at the 10th rename of a staged dataset file into curated/ (all files staged, 9 renamed)
    review    before the new decisions.yaml (written and fsynced beside it) is renamed over the old one
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HOLD_SECONDS = 300  # a paused child that is never killed gives up (the test has failed by then)


def pause(marker: Path) -> None:
    """Tell the test where we are, then wait for its SIGKILL; never resume the command."""
    marker.write_text(str(os.getpid()), encoding="utf-8")
    time.sleep(HOLD_SECONDS)
    os._exit(99)


def nth_call(n: int, marker: Path, original: Callable[..., Any], *, before: bool) -> Callable[..., Any]:
    """Wrap `original` so its n-th call pauses, before the call runs or after it has."""
    calls = 0

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == n and before:
            pause(marker)
        result = original(*args, **kwargs)
        if calls == n:
            pause(marker)
        return result

    return wrapper


def replace_into(match: Callable[[Path], bool], n: int, marker: Path) -> None:
    """Pause at the n-th `os.replace` whose target matches (before renaming)."""
    original, seen = os.replace, 0

    def replace(src: Any, dst: Any, **kwargs: Any) -> None:
        nonlocal seen
        if match(Path(os.fsdecode(dst))):
            seen += 1
            if seen == n:
                pause(marker)
        original(src, dst, **kwargs)

    os.replace = replace


def arm(point: str, marker: Path) -> None:
    if point == "store":
        from pipeline.literature.store import RecordStore

        RecordStore._insert_new = nth_call(1, marker, RecordStore._insert_new, before=False)  # type: ignore[method-assign]
    elif point == "fetch":
        from pipeline.literature.store import RecordStore

        RecordStore._insert_new = nth_call(2, marker, RecordStore._insert_new, before=False)  # type: ignore[method-assign]
    elif point == "grading":
        import pipeline.linking.linker

        pipeline.linking.linker.grade_record = nth_call(
            20, marker, pipeline.linking.linker.grade_record, before=True
        )
    elif point == "bundle":
        # Patched where pipeline.flows imports it from; importing pipeline.flows here would import
        # Prefect before the command has set Prefect's environment (PREFECT_HOME, timeouts, privacy).
        import pipeline.jobs

        pipeline.jobs.collect = nth_call(1, marker, pipeline.jobs.collect, before=True)
    elif point == "tables":
        replace_into(lambda p: p.parent.name == "curated", 10, marker)
    elif point == "review":
        replace_into(lambda p: p.name == "decisions.yaml", 1, marker)
    else:
        raise SystemExit(f"unknown pause point {point!r}")


if __name__ == "__main__":
    arm(sys.argv[1], Path(sys.argv[2]))
    from pipeline.cli import main

    main(sys.argv[3:])
