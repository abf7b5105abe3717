"""A real run bundle for the output tests: the seed linked offline against the shipped records, with a
few curator decisions (one rejection, one note, one orphan) and a hostile record title."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.jobs import collect, document_run
from pipeline.linking.decisions import Decision, append_decision
from pipeline.literature.acquire import Sources
from pipeline.literature.record_jsonl import iter_jsonl_records
from pipeline.literature.store import RecordStore
from pipeline.outputs.bundle import Alert, CurationRun, RunInfo

DATA = Path(__file__).parents[1] / "data"
WHEN = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
RECURRENCE_CLAIM = "c_76aa4f3f24f0e85d"  # line 38: "… reduced recurrence rates and improved prognosis …"
HOSTILE_TITLE = '<script>alert("x")</script> =HYPERLINK("http://evil.example") menatetrenone and HCC'


@pytest.fixture(scope="session")
def seed_run(tmp_path_factory) -> CurationRun:
    """The seed document linked (top 5) against the 38 shipped records, offline."""
    root = tmp_path_factory.mktemp("seed-run")
    folder = root / "sources" / "documents" / "vitamin-k2"
    folder.mkdir(parents=True)
    shutil.copy(DATA / "vitamin-k2.txt", folder / "document.txt")
    (folder / "meta.yaml").write_text("title: Vitamin K2\nsupplement: vitamin K2\n", encoding="utf-8")
    for decision in (
        Decision(action="reject", claim_id=RECURRENCE_CLAIM, record_id="pmid:23225445", curator="ana",
                 note="checked: subgroup only", decided_at=WHEN),
        Decision(action="note", claim_id=RECURRENCE_CLAIM, note="ask the author for the reference",
                 decided_at=WHEN),
        Decision(action="accept", claim_id="c_0000000000000000", record_id="pmid:16400650", decided_at=WHEN),
    ):  # fmt: skip
        append_decision(folder / "decisions.yaml", decision)
    with (DATA / "records" / "vitamin-k2-records.jsonl").open(encoding="utf-8") as f:
        records = list(iter_jsonl_records(f, "records"))
    records = [
        r.model_copy(update={"title": HOSTILE_TITLE}) if r.record_id == "pmid:16400650" else r
        for r in records
    ]
    with RecordStore(f"sqlite:///{root / 'store.sqlite'}") as store:
        store.upsert_many(records)
        sources = Sources()
        doc = document_run(folder, store, sources, max_bytes=10_000_000, top_k=5, ttl=3600)
        alert = Alert(kind="new_contradiction", document="vitamin-k2", claim_id=RECURRENCE_CLAIM,
                      record_id="doi:10.1002/hep.24430", detail="a new trial contradicts")  # fmt: skip
        doc = doc.model_copy(update={"alerts": [alert]})
        run = RunInfo(run_id="run-test-1", started_at="2026-11-26T09:00:00+00:00")
        return collect(run, [doc], store, sources)


@pytest.fixture(scope="module")
def curated(seed_run, tmp_path_factory) -> Path:
    """The seed run's dataset, written once per test module."""
    from pipeline.outputs.dataset_write import write_dataset

    folder = tmp_path_factory.mktemp("curated")
    write_dataset(seed_run, folder)
    return folder
