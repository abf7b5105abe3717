"""The crash tests' shared reference: two `curate run` started together on one fresh project.

Exactly one holds the run lock and runs uninterrupted; its tables are what every recovered run must
reproduce. Started once per session because a run costs 15–80 s (Prefect's temporary server).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from crash_helpers import CURATE, Finished, finish, new_project, start, stop_groups


@dataclass
class Reference:
    root: Path
    runs: list[Finished]
    tables: Path  # a copy of root/curated as the uninterrupted run left it (tests may re-run root)


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    work = tmp_path_factory.mktemp("reference")
    root = new_project(work / "project")
    procs = [
        (start([str(CURATE), "run", "--root", str(root)], log), log)
        for log in (work / "first.log", work / "second.log")
    ]
    runs = [finish(proc, log) for proc, log in procs]
    if (root / "curated").is_dir():
        shutil.copytree(root / "curated", work / "curated")
    return Reference(root, runs, work / "curated")


@pytest.fixture
def leftovers() -> object:
    """Process groups of killed children; their orphaned Prefect servers are stopped after the test."""
    groups: list[int] = []
    yield groups
    stop_groups(groups)
