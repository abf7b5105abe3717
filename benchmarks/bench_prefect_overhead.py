"""Prefect's cost per task run against the embedded server: why the flows have one task per document.

Run: `.venv/bin/python benchmarks/bench_prefect_overhead.py [--tasks 200]` (or `make bench`). Times one
flow run with no tasks and one with N trivial tasks (called in turn, as the flows call theirs), and
prints the difference per task, plus how long the temporary server took to come up.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.update({"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"})
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="curate-bench-prefect-"))
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from prefect import flow, task


@task
def noop(i: int) -> int:
    return i


@flow
def tasks_flow(n: int) -> int:
    return sum(noop(i) for i in range(n))


def timed(n: int) -> float:
    started = time.perf_counter()
    tasks_flow(n)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=200)
    args = parser.parse_args()
    first = timed(0)  # starts the temporary server
    empty = min(timed(0) for _ in range(3))
    full = min(timed(args.tasks) for _ in range(2))
    per_task = (full - empty) / args.tasks * 1000
    print("| measurement | value |")
    print("|---|---:|")
    print(f"| first flow run (starts the temporary server) | {first:.1f} s |")
    print(f"| flow run with no task | {empty * 1000:.0f} ms |")
    print(f"| flow run with {args.tasks} trivial tasks | {full:.2f} s |")
    print(f"| **cost per task run** | **{per_task:.1f} ms** |")


if __name__ == "__main__":
    main()
