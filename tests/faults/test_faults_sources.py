"""One source down, the other up: `curate fetch` and `curate link` carry on from what is reachable.

"Down" is a loopback port nobody listens on (connection refused at once). Stored records the dead source
would have refreshed are still served, marked `cached` with `not refreshed (…)`; what only the dead
source could supply is `failed` (fetch) or a `missing_record` flag (link); the dead source is reported
once on stderr and the live one is never blamed.
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest
from faults_helpers import API_KEY, EMAIL, TIMEOUT, run_cli

from pipeline.literature.identifiers import parse_identifier

DATA = Path(__file__).parents[1] / "data"
CLAIMS = (
    "Vitamin K2 induces apoptosis in bladder cancer cells through reactive oxygen species.[1]",
    "In liver cancer, vitamin K2 supplementation reduced recurrence after surgical treatment.[2]",
    "Vitamin K2 was studied together with other treatments in patients with cancer.[3]",
)
# (the dead source, its reference list, what each reference must come back as)
CASES = {
    "europepmc-down": (
        "CURATE_EUROPEPMC_URL",
        ("PMID: 36400559", "https://doi.org/10.1002/hep.24430", "doi:10.1111/bjhp.12807"),
        (("fetched", None), ("cached", "not refreshed (Europe PMC: "), ("failed", "Europe PMC: ")),
    ),
    "pubmed-down": (
        "CURATE_EUTILS_URL",
        ("PMID: 27570977", "PMID: 36400559", "doi:10.21203/rs.3.rs-3988577/v1"),
        (("cached", "not refreshed (PubMed: "), ("failed", "PubMed: "), ("fetched", None)),
    ),
}
LABELS = {"CURATE_EUROPEPMC_URL": ("Europe PMC", "PubMed"), "CURATE_EUTILS_URL": ("PubMed", "Europe PMC")}


def dead_url() -> str:
    with socket.socket() as s:  # a loopback port with nobody listening
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/"


@pytest.fixture
def project(tmp_path, monkeypatch, fake_eutils, fake_europepmc) -> Path:
    """A project with the shipped records (stale: TTL 0, so everything is refreshed) and live fakes."""
    for name in ("CURATE_OFFLINE", "NCBI_API_KEY", "CURATE_STORE_URL"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "sources" / "records").mkdir(parents=True)
    shutil.copy(DATA / "records" / "vitamin-k2-records.jsonl", tmp_path / "sources" / "records")
    env = {
        "CURATE_EUTILS_URL": fake_eutils.base_url,
        "CURATE_EUROPEPMC_URL": fake_europepmc.base_url,
        "CURATE_NCBI_EMAIL": EMAIL,
        "CURATE_NCBI_API_KEY": API_KEY,
        "CURATE_HTTP_TIMEOUT": str(TIMEOUT),
        "CURATE_CACHE_TTL": "0",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_document(project: Path, references: tuple[str, ...]) -> Path:
    folder = project / "sources" / "documents" / "vitamin-k2-refs"
    folder.mkdir(parents=True)
    refs = "\n".join(f"{n}. {ref}" for n, ref in enumerate(references, 1))
    text = "Vitamin K2 and cancer\n\n" + "\n\n".join(CLAIMS) + f"\n\nReferences\n\n{refs}\n"
    (folder / "document.txt").write_text(text, encoding="utf-8")
    (folder / "meta.yaml").write_text("title: Vitamin K2\nsupplement: vitamin K2\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("case", sorted(CASES))
def test_fetch_then_link_carry_on_from_the_reachable_source_and_name_the_dead_one_once(
    project, capsys, monkeypatch, case
):
    variable, references, expected = CASES[case]
    dead, alive = LABELS[variable]
    folder = write_document(project, references)
    run_cli(capsys, "store", "import", str(project / "sources" / "records" / "vitamin-k2-records.jsonl"))
    monkeypatch.setenv(variable, dead_url())

    code, rows, err = run_cli(capsys, "fetch", *references)
    assert code == 0
    for row, (status, reason) in zip(rows, expected, strict=True):
        assert row["status"] == status, row
        assert (row["reason"] or "").startswith(reason or ""), row
        assert (row["record_id"] is None) == (status == "failed")
    assert err.count(f"{dead} is unreachable") == 1 and f"{alive} is unreachable" not in err

    code, rows, err = run_cli(capsys, "link", str(folder), "--top-k", "0")  # stale again: TTL 0
    assert code == 0, err
    explicit = {r["line"]: r["record_id"] for r in rows if r["type"] == "link" and r["origin"] == "explicit"}
    missing = [f for r in rows if r["type"] == "verdict" for f in r["flags"] if f["kind"] == "missing_record"]
    linked = [status != "failed" for status, _ in expected]
    assert sorted(explicit) == [2 * n + 3 for n, ok in enumerate(linked) if ok]  # claims: lines 3, 5, 7
    unlinked = [parse_identifier(r).key for r, ok in zip(references, linked, strict=True) if not ok]
    assert [f["links"] for f in missing] == [unlinked]  # the one the dead source alone could supply
    assert err.count(f"{dead} could not be reached") == 1 and f"{alive} could not be reached" not in err


@pytest.mark.slow
def test_curate_run_with_europe_pmc_down_finishes_and_its_report_names_what_was_not_refreshed(project):
    """The whole job, not just its commands: the run completes from what PubMed and the store supply,
    and the report a curator reads says which source could not refresh its records, and why."""
    import os
    import subprocess
    import sys

    write_document(project, CASES["europepmc-down"][1])
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1", CURATE_EUROPEPMC_URL=dead_url())
    curate = Path(sys.executable).with_name("curate")
    done = subprocess.run(
        [str(curate), "run", "--root", str(project)], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "  not refreshed: Europe PMC (" in done.stderr and "not refreshed: PubMed" not in done.stderr
    report = (project / "reports" / "vitamin-k2-refs.md").read_text(encoding="utf-8")
    assert "- Sources that could not be refreshed: 1" in report
    section = report.split("### Sources that could not be refreshed", 1)[1].split("###", 1)[0]
    assert section.strip().startswith("- **Europe PMC**: ") and "PubMed" not in section
    assert EMAIL not in report and API_KEY not in report
