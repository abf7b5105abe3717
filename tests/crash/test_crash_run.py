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


@pytest.mark.slow
def test_a_run_killed_while_grading_recovers(reference, tmp_path, leftovers):
    """Killed inside the document task, at the 20th record the linker grades: nothing of it was
    cached, so the next run links again and writes the uninterrupted run's tables."""
    root = new_project(tmp_path / "project")
    kill_at("grading", ["run", "--root", str(root)], tmp_path, leftovers)
    assert not (root / "curated").exists() and staging_files(root) == []

    done = run(root, tmp_path / "recovery.log")
    assert done.code == 0, done.stderr
    assert "documents served from cache: 0" in done.stderr
    assert "38 imported from the snapshot" not in done.stderr  # the killed run's import was committed
    assert_same_tables(root / "curated", reference.tables)
    assert len(store_records(root)) == 38


SMALL = """Vitamin K2 and liver cancer

Vitamin K2 is studied in cancer. In liver cancer, VK2 supplementation reduced recurrence rates after \
surgical treatment. VK2 induces apoptosis in bladder cancer cells through reactive oxygen species.
"""


def live_project(folder, fake_eutils) -> object:
    """The snapshot and one small document whose live discovery finds 3 new PubMed records per query."""
    from datetime import date

    from pipeline.jobs import read_document
    from pipeline.linking.discovery import remote_query
    from pipeline.linking.entities import extract_entities
    from pipeline.linking.relations import claim_view

    root = new_project(folder)
    for doc in (root / "sources" / "documents").iterdir():
        for path in doc.iterdir():
            path.unlink()
        doc.rmdir()
    small = root / "sources" / "documents" / "small"
    small.mkdir()
    (small / "document.txt").write_text(SMALL, encoding="utf-8")
    (small / "meta.yaml").write_text("title: Vitamin K2\nsupplement: vitamin K2\n", encoding="utf-8")
    doc, _, _ = read_document(small, max_bytes=10**6)
    views = [claim_view(c, extract_entities(c.text, intervention="vitamin K2")) for c in doc.claims]
    for i, query in enumerate(sorted({q for v in views if (q := remote_query(v))})):
        fake_eutils.add_corpus(query, 3, date(2025, 1, 1), date(2025, 6, 1), start_pmid=33000000 + 10 * i)
    return root


@pytest.mark.slow
def test_a_live_run_killed_while_storing_fetched_records_recovers(
    tmp_path, leftovers, fake_eutils, fake_europepmc
):
    """Killed inside the store's write transaction of the first records fetched from (fake) PubMed: the
    store stays whole and holds none of them; the next run fetches them again, once, and writes the
    tables an uninterrupted live run wrote."""
    live = {
        "CURATE_NCBI_EMAIL": "curator@example.org",
        "CURATE_NCBI_API_KEY": "crash-test-key",
        "CURATE_EUTILS_URL": fake_eutils.base_url,
        "CURATE_EUROPEPMC_URL": fake_europepmc.base_url,
        "CURATE_HTTP_TIMEOUT": "5",
    }
    reference = live_project(tmp_path / "reference", fake_eutils)
    whole = run(reference, tmp_path / "reference.log", live=live)
    assert whole.code == 0, whole.stderr
    fetched = [r for r in store_records(reference) if r.startswith("pmid:330000")]
    assert fetched == [f"pmid:{33000000 + 10 * i + k}" for i in range(2) for k in range(3)]

    root = live_project(tmp_path / "project", fake_eutils)
    kill_at("fetch", ["run", "--root", str(root)], tmp_path, leftovers, live=live)
    assert len(store_records(root)) == 38  # the snapshot committed; the fetched batch did not
    assert not (root / "curated").exists()

    done = run(root, tmp_path / "recovery.log", live=live)
    assert done.code == 0, done.stderr
    assert store_records(root) == store_records(reference)  # each fetched record stored, once
    assert_same_tables(root / "curated", reference / "curated", also=("fetched_at",))
    assert staging_files(root) == []
