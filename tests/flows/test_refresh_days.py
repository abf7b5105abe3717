"""From which day a refresh searches each document, and for which claims (pipeline.jobs.refresh_since,
the run state's `searched`, and the live search's choice per query)."""

import json
import shutil
from datetime import date
from pathlib import Path

from pipeline.flows import STATE_FILE, RunOptions, _refresh_days, _searched, _write_state
from pipeline.jobs import read_document, refresh_since
from pipeline.outputs.bundle import DocumentRun, RunInfo

ROOT = Path(__file__).parents[2]


def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "sources" / "documents", tmp_path / "sources" / "documents")
    return tmp_path


def test_a_refresh_searches_from_the_day_before_the_last_complete_search():
    assert refresh_since("2026-11-20") == date(2026, 11, 19)  # a day's slack: PubMed dates in US Eastern time
    assert refresh_since(None) is None  # never searched live: in full


def test_the_searched_day_and_claims_move_only_when_a_live_search_completed(tmp_path):
    root = project(tmp_path)
    folder = root / "sources" / "documents" / "vitamin-k2"
    doc, _, _ = read_document(folder, max_bytes=10**7)
    every = {c.claim_id for c in doc.claims}
    run = RunInfo(run_id="r1", started_at="2026-11-20T06:00:00+00:00")
    _write_state(root, run, [DocumentRun(doc=doc, searched_on="2026-11-20")])
    searched = _searched(root)["vitamin-k2"]
    assert searched.on == "2026-11-20" and searched.claims == every
    # the page gains a claim, and an offline (or cached, or half-reachable) run reads it: day and claims stay
    grown = doc.model_copy(
        update={"claims": [*doc.claims, doc.claims[0].model_copy(update={"claim_id": "c_new"})]}
    )
    _write_state(root, run.model_copy(update={"run_id": "r2"}), [DocumentRun(doc=grown)])
    state = json.loads((root / STATE_FILE).read_text())
    assert state["run_id"] == "r2" and state["searched"]["vitamin-k2"]["on"] == "2026-11-20"
    assert "c_new" not in state["searched"]["vitamin-k2"]["claims"]  # it has never been searched live
    options = RunOptions(root=str(root), refresh=True)
    assert _refresh_days([folder], options) == {folder: ("2026-11-19", sorted(every))}
    # a live run that completed covers the new claim from then on
    _write_state(
        root, run.model_copy(update={"run_id": "r3"}), [DocumentRun(doc=grown, searched_on="2026-11-22")]
    )
    assert _refresh_days([folder], options) == {folder: ("2026-11-21", sorted(every | {"c_new"}))}


def test_a_state_from_before_claims_were_recorded_searches_every_claim_in_full(tmp_path):
    root = project(tmp_path)
    folder = root / "sources" / "documents" / "vitamin-k2"
    (root / STATE_FILE).parent.mkdir(parents=True)
    (root / STATE_FILE).write_text(json.dumps({"searched": {"vitamin-k2": "2026-11-20", "odd": 3}}))
    assert _refresh_days([folder], RunOptions(root=str(root), refresh=True)) == {folder: ("2026-11-19", [])}


def test_the_summary_names_each_documents_search_day_and_its_claims_searched_in_full():
    from pipeline.flows import RunSummary

    summary = RunSummary(
        run_id="r",
        searched_since={"vitamin-k2": "2026-11-19", "zinc": "2026-11-18"},
        searched_in_full={"vitamin-k2": 2},
    )
    assert (
        summary.searched_days() == "vitamin-k2 from 2026-11-19 (2 new claims in full), zinc from 2026-11-18"
    )
