"""From which day a refresh searches each document (pipeline.jobs.refresh_since and the run state)."""

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


def test_a_refresh_searches_from_the_day_before_the_last_complete_search(tmp_path):
    folder = project(tmp_path) / "sources" / "documents" / "vitamin-k2"
    doc, _, _ = read_document(folder, max_bytes=10**7)
    known = {c.claim_id for c in doc.claims}
    day = refresh_since(folder, max_bytes=10**7, known_claims=known, searched_on="2026-11-20")
    assert day == date(2026, 11, 19)  # a day's slack: PubMed dates its entries in US Eastern time
    assert refresh_since(folder, max_bytes=10**7, known_claims=known, searched_on=None) is None  # never
    new_claim = known - {doc.claims[5].claim_id}  # the page gained a claim since: it had no search
    assert refresh_since(folder, max_bytes=10**7, known_claims=new_claim, searched_on="2026-11-20") is None
    assert refresh_since(folder, max_bytes=10, known_claims=known, searched_on="2026-11-20") is None


def test_the_searched_day_moves_only_when_a_live_search_completed(tmp_path):
    root = project(tmp_path)
    folder = root / "sources" / "documents" / "vitamin-k2"
    doc, _, _ = read_document(folder, max_bytes=10**7)
    run = RunInfo(run_id="r1", started_at="2026-11-20T06:00:00+00:00")
    _write_state(root, run, [DocumentRun(doc=doc, searched_on="2026-11-20")])
    assert _searched(root) == {"vitamin-k2": "2026-11-20"}
    # an offline (or cached, or half-reachable) run later: the day stays
    _write_state(root, run.model_copy(update={"run_id": "r2"}), [DocumentRun(doc=doc)])
    state = json.loads((root / STATE_FILE).read_text())
    assert state["run_id"] == "r2" and state["searched"] == {"vitamin-k2": "2026-11-20"}
    options = RunOptions(root=str(root), refresh=True)
    assert _refresh_days([folder], options) == {folder: "2026-11-19"}
