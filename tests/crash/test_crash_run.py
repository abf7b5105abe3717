"""`curate run` killed with SIGKILL mid-way: the next run completes and reproduces the uninterrupted tables.

Each kill hits the run process alone (as the OOM killer would); the Prefect server it started lives on as
an orphan through the recovery run and is stopped afterwards. Points are armed by pause_child.py.
"""

import json

import pandas as pd
import pytest
from crash_helpers import assert_same_tables, kill_at, new_project, run, staging_files, store_records

from pipeline.datasets import load
from pipeline.errors import InputError


@pytest.mark.slow
def test_runs_killed_in_a_store_transaction_and_while_bundling_recover(reference, tmp_path, leftovers):
    root = new_project(tmp_path / "project")
    # The snapshot import a run starts with, killed mid-transaction; `curate store import` runs the same
    # import_file → upsert_many code without a Prefect server, which saves a run's 15–40 s.
    snapshot = root / "sources" / "records" / "vitamin-k2-records.jsonl"
    kill_at("store", ["store", "import", str(snapshot)], tmp_path, leftovers, cwd=root)
    assert store_records(root) == []  # the transaction never committed

    kill_at("bundle", ["run", "--root", str(root)], tmp_path, leftovers)
    assert "38 records (38 imported from the snapshot)" in (tmp_path / "killed-bundle.log").read_text()
    assert store_records(root) == store_records(reference.root)  # the 38 records, once each
    assert not (root / "curated").exists() and staging_files(root) == []
    # Prefect writes a cached result in place (open, write): simulate a kill halfway through that too.
    (cached,) = (root / ".curate" / "prefect" / "storage").iterdir()
    cached.write_bytes(cached.read_bytes()[: cached.stat().st_size // 2])

    done = run(root, tmp_path / "recovery.log")
    assert done.code == 0, done.stderr
    assert "record store: 38 records (0 imported from the snapshot)" in done.stderr  # imported once
    assert "documents served from cache: 0" in done.stderr  # the torn result was not trusted
    assert_same_tables(root / "curated", reference.tables)
    assert store_records(root) == store_records(reference.root)
    assert staging_files(root) == []


@pytest.mark.slow
def test_a_run_killed_while_renaming_tables_into_place_recovers(reference, tmp_path, leftovers):
    root = reference.root  # a project with a dataset already in place: the old tables get replaced
    kill_at("tables", ["run", "--root", str(root)], tmp_path, leftovers)
    staged = staging_files(root)
    assert len(staged) == 19 and all(p.is_relative_to(root / "curated") for p in staged)  # 9 of 28 renamed
    tables = {p.stem: pd.read_parquet(p) for p in (root / "curated").glob("*.parquet")}  # each file whole
    assert len(tables) == 9 and len(tables["claims"]) == 203
    assert len({run for frame in tables.values() for run in frame["run_id"].unique()}) == 2  # old or new
    with pytest.raises(InputError, match=r"tables from 2 runs .* interrupted"):  # never joined silently
        load(root / "curated")

    done = run(root, tmp_path / "recovery.log")
    assert done.code == 0, done.stderr
    assert done.stderr.count("left by an interrupted run") == 19
    assert "documents served from cache: 1" in done.stderr
    assert staging_files(root) == []
    assert_same_tables(root / "curated", reference.tables)
    assert len(store_records(root)) == 38
    state = json.loads((root / ".curate" / "state" / "last-run.json").read_text())
    assert state["run_id"] == load(root / "curated").run_id
