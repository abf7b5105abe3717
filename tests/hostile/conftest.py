"""A hostile project for the hostile-input tests (its parts: hostile_helpers.py), linked offline against
the real shipped records carrying the same payloads. The run's whole dataset and every report are written
once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hostile_helpers import (
    DATA,
    HostileRun,
    add_hostile_decisions,
    hostile_records,
    link_hostile,
    write_hostile_folder,
)

from pipeline.jobs import document_run
from pipeline.literature.acquire import Sources
from pipeline.literature.store import RecordStore
from pipeline.outputs.dataset_write import write_dataset
from pipeline.outputs.report_write import write_reports


@pytest.fixture(scope="session")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> HostileRun:
    """The hostile document linked, decided on, and written out as a dataset and reports."""
    root = tmp_path_factory.mktemp("hostile-run")
    folder = root / "sources" / "documents" / "hostile"
    write_hostile_folder(folder)
    with RecordStore(f"sqlite:///{root / 'store.sqlite'}") as store:
        store.upsert_many(hostile_records())
        first = document_run(folder, store, Sources(), max_bytes=1_000_000, top_k=5, ttl=3600)
        linked = next(k for k in first.links if not k.rejected)
        add_hostile_decisions(folder, linked.claim_id, linked.record_id)
        bundle = link_hostile(folder, store)
    written = write_dataset(bundle, root / "curated") + write_reports(bundle, root / "reports")
    return HostileRun(root=root, folder=folder, bundle=bundle, written=written)


@pytest.fixture
def seed_project(tmp_path: Path) -> Path:
    """A tmp project holding a copy of the seed document (real text) and nothing else."""
    folder = tmp_path / "sources" / "documents" / "vitamin-k2"
    folder.mkdir(parents=True)
    shutil.copy(DATA / "vitamin-k2.txt", folder / "document.txt")
    return tmp_path
