"""The flows in-process (one embedded Prefect server for the whole test process): curate_all, its cache
and artifacts, curate_document, refresh_evidence and alerts."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from prefect.artifacts import Artifact

from pipeline.flows import STATE_FILE, RunOptions, curate_all, curate_document, refresh_evidence

ROOT = Path(__file__).parents[2]
pytestmark = pytest.mark.slow
RECURRENCE_CLAIM = "c_76aa4f3f24f0e85d"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "sources", root / "sources")
    return root


def options(root: Path) -> RunOptions:
    return RunOptions(
        root=str(root), store_url=f"sqlite:///{root / '.curate' / 'store.sqlite'}", offline=True
    )


def without_run_id(path: Path) -> pd.DataFrame:
    return pd.read_csv(path).drop(columns=["run_id"])


@pytest.fixture(scope="module")
def first_run(project):
    (project / ".curate").mkdir(exist_ok=True)
    return curate_all(options(project))


def test_curate_all_writes_every_table_the_package_and_the_reports(project, first_run):
    assert first_run.documents == ["vitamin-k2"] and first_run.claims == 203
    assert first_run.snapshot_imported == 38 and first_run.cached == 0
    assert first_run.links["discovered"] > 900 and first_run.flags["unresolved_marker"] == 110
    for table in (
        "documents",
        "sections",
        "claims",
        "markers",
        "records",
        "grades",
        "links",
        "flags",
        "decisions",
    ):
        assert (project / "curated" / f"{table}.parquet").is_file() and (
            project / "curated" / f"{table}.csv"
        ).is_file()
    package = json.loads((project / "curated" / "datapackage.json").read_text())
    assert len(package["resources"]) == 9
    assert {"vitamin-k2.md", "vitamin-k2.html", "index.html"} <= {
        p.name for p in (project / "reports").iterdir()
    }
    state = json.loads((project / STATE_FILE).read_text())
    assert state["run_id"] == first_run.run_id and RECURRENCE_CLAIM in state["documents"]["vitamin-k2"]


def test_the_run_leaves_a_summary_and_a_flags_table_as_artifacts(first_run):
    summary = Artifact.get("curate-summary")
    assert summary is not None and first_run.run_id in summary.data and "claims: 203" in summary.data
    flags = Artifact.get("curate-flags")
    assert flags is not None and "unresolved_marker" in str(flags.data)


def test_a_second_run_with_nothing_changed_is_served_from_cache_with_identical_tables(project, first_run):
    before = {t: without_run_id(project / "curated" / f"{t}.csv") for t in ("claims", "links", "flags")}
    left = project / "curated" / ".claims.csv.k3j9x2.tmp"  # a killed run's staging file
    left.write_text("half a table")
    second = curate_all(options(project))  # the flow takes the run lock itself (as a schedule would)
    assert not left.exists()  # … and, holding it, sweeps what a killed run left
    assert second.cached == 1 and second.run_id != first_run.run_id
    for table, frame in before.items():
        pd.testing.assert_frame_equal(without_run_id(project / "curated" / f"{table}.csv"), frame)
    assert second.alerts == []  # nothing changed since the first run


def test_a_decision_invalidates_the_cache_and_is_applied(project, first_run, capsys):
    from pipeline.cli import main

    folder = project / "sources" / "documents" / "vitamin-k2"
    with pytest.raises(SystemExit):
        main(["review", "reject", str(folder), RECURRENCE_CLAIM, "--record", "doi:10.1002/hep.24430"])
        raise SystemExit(0)
    third = curate_all(options(project))
    assert third.cached == 0
    links = pd.read_csv(project / "curated" / "links.csv")
    rejected = links[(links.claim_id == RECURRENCE_CLAIM) & (links.record_id == "doi:10.1002/hep.24430")]
    assert rejected["rejected"].tolist() == [True]
    decisions = pd.read_csv(project / "curated" / "decisions.csv")
    assert decisions["status"].tolist() == ["applied"]


def test_refresh_evidence_offline_reports_what_it_could_not_refresh_and_alerts_on_changes(project, first_run):
    state_path = project / STATE_FILE
    state = json.loads(state_path.read_text())
    claim = state["documents"]["vitamin-k2"][RECURRENCE_CLAIM]
    claim["links"].pop("pmid:23225445")  # pretend the last run had not seen this negative trial
    state_path.write_text(json.dumps(state))
    summary = refresh_evidence(options(project))
    assert any("new_contradiction" in a and "pmid:23225445" in a for a in summary.alerts)
    report = (project / "reports" / "vitamin-k2.md").read_text()
    assert f"**new_contradiction** `{RECURRENCE_CLAIM}` record `pmid:23225445`" in report
    assert summary.searched_since == {} and summary.new_records == 0
    assert any(
        "live sources are off" in w and "no newer records were searched" in w for w in summary.warnings
    )


def test_curate_document_links_one_document_and_writes_its_reports(project, first_run):
    (project / "reports" / "vitamin-k2.html").unlink()
    doc = curate_document(str(project / "sources" / "documents" / "vitamin-k2"), options(project))
    assert doc.slug == "vitamin-k2" and len(doc.verdicts) == 203
    assert (project / "reports" / "vitamin-k2.html").is_file()


def test_a_flow_run_refuses_while_another_process_holds_the_run_lock(project, first_run):
    """A scheduled or worker-started flow run and a manual `curate run` never write one project at once."""
    import subprocess
    import sys

    from pipeline.run_lock import RunLockedError

    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(project / ".curate" / "run.lock")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(RunLockedError, match=f"pid {holder.pid}"):
            curate_all(options(project))
    finally:
        holder.kill()
        holder.wait()


HOLD = """
import sys, time
from pathlib import Path
from pipeline.run_lock import run_lock
with run_lock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(120)
"""
