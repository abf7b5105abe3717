"""From which day a refresh searches each document, and which of its live queries (pipeline.jobs.
refresh_since, the run state's `searched`, and the live search's choice per query)."""

import json
import logging
import shutil
from datetime import date
from pathlib import Path

from pipeline.flows import STATE_FILE, RunOptions, RunSummary, _refresh_days, _searched, _write_state
from pipeline.jobs import read_document, refresh_since
from pipeline.outputs.bundle import DocumentRun, RunInfo

ROOT = Path(__file__).parents[2]
Q1, Q2 = '("vitamin K2") AND ("hepatocellular carcinoma")', '("vitamin K2") AND ("bladder cancer")'


def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "sources" / "documents", tmp_path / "sources" / "documents")
    return tmp_path


def test_a_refresh_searches_from_the_day_before_the_last_complete_search():
    assert refresh_since("2026-11-20") == date(2026, 11, 19)  # a day's slack: PubMed dates in US Eastern time
    assert refresh_since(None) is None  # never searched live: in full


def test_the_searched_day_and_queries_move_only_when_a_live_search_completed(tmp_path):
    root = project(tmp_path)
    folder = root / "sources" / "documents" / "vitamin-k2"
    doc, _, _ = read_document(folder, max_bytes=10**7)
    run = RunInfo(run_id="r1", started_at="2026-11-20T06:00:00+00:00")
    _write_state(root, run, [DocumentRun(doc=doc, searched_on="2026-11-20", searched_queries=[Q1])])
    searched = _searched(root)["vitamin-k2"]
    assert searched.on == "2026-11-20" and searched.queries == {Q1}
    # an offline (or cached, or half-reachable) run later: day and queries stay
    _write_state(root, run.model_copy(update={"run_id": "r2"}), [DocumentRun(doc=doc)])
    state = json.loads((root / STATE_FILE).read_text())
    assert state["run_id"] == "r2" and state["searched"] == {
        "vitamin-k2": {"on": "2026-11-20", "queries": [Q1]}
    }
    options = RunOptions(root=str(root), refresh=True)
    assert _refresh_days([folder], options) == {folder: ("2026-11-19", [Q1])}
    # a live run that completed replaces them with what it asked
    done = DocumentRun(doc=doc, searched_on="2026-11-22", searched_queries=[Q1, Q2])
    _write_state(root, run.model_copy(update={"run_id": "r3"}), [done])
    assert _refresh_days([folder], options) == {folder: ("2026-11-21", sorted([Q1, Q2]))}


def test_older_or_damaged_search_entries_mean_a_search_in_full(tmp_path, caplog):
    root = project(tmp_path)
    folders = [root / "sources" / "documents" / "vitamin-k2", root / "sources" / "documents" / "zinc"]
    (root / STATE_FILE).parent.mkdir(parents=True)
    entries = {"vitamin-k2": "2026-11-20", "zinc": {"on": "next Tuesday", "queries": [Q1]}, "odd": 3}
    (root / STATE_FILE).write_text(json.dumps({"searched": entries}))
    with caplog.at_level(logging.WARNING, logger="curate"):
        days = _refresh_days(folders, RunOptions(root=str(root), refresh=True))
    assert days == {folders[0]: ("2026-11-19", [])}  # the day alone: no query known, all in full
    assert "search day of zinc: 'next Tuesday' is not a date" in caplog.text


def test_the_summary_names_each_documents_search_day_and_its_claims_searched_in_full():
    summary = RunSummary(
        run_id="r",
        searched_since={"vitamin-k2": "2026-11-19", "zinc": "2026-11-18"},
        searched_in_full={"vitamin-k2": 2},
    )
    assert summary.searched_days() == "vitamin-k2 from 2026-11-19 (2 claims in full), zinc from 2026-11-18"
