"""The curated dataset on disk: every table in Parquet and CSV, typed columns, provenance, stable keys,
decisions applied and orphaned, byte-identical re-runs, and atomicity under injected failures."""

import csv
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.outputs import dataset_write
from pipeline.outputs.bundle import CurationRun, RunInfo
from pipeline.outputs.dataset_rows import TABLE_NAMES, TABLES, columns
from pipeline.outputs.dataset_write import render_dataset, write_dataset

RECURRENCE_CLAIM = "c_76aa4f3f24f0e85d"  # the seed fixture's rejection and note are about this claim
REJECTED_RECORD = "pmid:23225445"


@pytest.fixture(scope="module")
def curated(seed_run: CurationRun, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("curated")
    write_dataset(seed_run, folder)
    return folder


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_every_table_schema_and_package_is_written_package_last(seed_run, tmp_path):
    paths = write_dataset(seed_run, tmp_path)
    names = [str(p.relative_to(tmp_path)) for p in paths]
    expected = {f"{t}.{ext}" for t in TABLE_NAMES for ext in ("parquet", "csv")}
    expected |= {f"schema/{t}.schema.json" for t in TABLE_NAMES} | {"datapackage.json"}
    assert set(names) == expected and len(names) == len(expected) == 28
    assert names[-1] == "datapackage.json"
    assert not list(tmp_path.rglob(".*.tmp"))


def test_row_counts_and_keys_match_the_bundle(curated, seed_run):
    doc = seed_run.documents[0]
    counts = {t: len(csv_rows(curated / f"{t}.csv")) for t in TABLE_NAMES}
    assert counts == {
        "documents": 1,
        "sections": len(doc.doc.sections),
        "claims": len(doc.doc.claims),
        "markers": sum(len(c.markers) for c in doc.doc.claims),
        "records": len(seed_run.records),
        "grades": len(seed_run.grades),
        "links": len(doc.links),
        "flags": sum(len(v.flags) for v in doc.verdicts),
        "decisions": 3,
    }
    assert counts["claims"] == 203 and counts["links"] == 1004  # the seed as linked today
    for spec in TABLES:
        keys = [tuple(r[k] for k in spec.key) for r in csv_rows(curated / f"{spec.name}.csv")]
        assert len(set(keys)) == len(keys), f"{spec.name}: duplicate key"


def test_foreign_keys_resolve(curated):
    claims = {r["claim_id"] for r in csv_rows(curated / "claims.csv")}
    records = {r["record_id"] for r in csv_rows(curated / "records.csv")}
    sections = {(r["document"], r["section_id"]) for r in csv_rows(curated / "sections.csv")}
    links = csv_rows(curated / "links.csv")
    assert {r["claim_id"] for r in links} <= claims and {r["record_id"] for r in links} <= records
    assert {r["claim_id"] for r in csv_rows(curated / "markers.csv")} <= claims
    assert {(r["document"], r["section_id"]) for r in csv_rows(curated / "claims.csv")} <= sections
    assert {r["record_id"] for r in csv_rows(curated / "grades.csv")} == records


def test_provenance_on_every_row(curated, seed_run):
    doc_path = seed_run.documents[0].doc.path
    for spec in TABLES:
        rows = csv_rows(curated / f"{spec.name}.csv")
        assert list(rows[0])[-3:] == ["pipeline_version", "schema_version", "run_id"]
        assert {(r["run_id"], r["schema_version"]) for r in rows} == {("run-test-1", "1")}
        sources = {r["source"] for r in rows}
        if spec.name in ("records", "grades"):  # a record's source is where the record came from
            assert sources == {"snapshot"}  # the seed's records all come from the shipped snapshot
        else:
            assert sources == {doc_path}
        if "fetched_at" in spec.row.model_fields:
            assert all(r["fetched_at"].endswith("Z") and r["fetched_at"][:4] == "2026" for r in rows)


def test_parquet_columns_are_typed(curated):
    links = pq.read_schema(curated / "links.parquet")
    assert links.field("line").type == pa.int64() and links.field("level").type == pa.int64()
    assert links.field("score").type == pa.float64() and links.field("rejected").type == pa.bool_()
    assert links.field("reasons").type == pa.list_(pa.string())
    assert links.field("fetched_at").type == pa.timestamp("us", tz="UTC")
    markers = pq.read_table(curated / "markers.parquet").to_pylist()
    assert markers[0]["refs"] and all(isinstance(n, int) for n in markers[0]["refs"])
    assert isinstance(markers[0]["targets"][0], dict) and "number" in markers[0]["targets"][0]
    records = pq.read_schema(curated / "records.parquet")
    assert records.field("pmid_version").type == pa.int64()  # all empty in the seed, still an int column
    for spec in TABLES:  # column order is the row model's, in both formats
        assert pq.read_schema(curated / f"{spec.name}.parquet").names == columns(spec.row)


def test_csv_ints_stay_ints_and_lists_are_json(curated):
    links = csv_rows(curated / "links.csv")
    levels = {r["level"] for r in links}
    assert "" in levels and levels - {""} <= {"1", "2", "3", "4", "5"}  # no "2.0" from a float column
    assert all(isinstance(json.loads(r["reasons"]), list) for r in links)
    assert {r["rejected"] for r in links} == {"true", "false"}


def test_decisions_applied_and_orphaned(curated):
    decisions = {r["action"]: r for r in csv_rows(curated / "decisions.csv")}
    assert decisions["reject"]["status"] == "applied" and decisions["reject"]["reason"] == ""
    assert decisions["accept"]["status"] == "orphaned"
    assert decisions["accept"]["reason"] == "claim c_0000000000000000 is no longer in the document"
    assert decisions["reject"]["decided_at"] == "2026-11-26T09:00:00Z"
    link = next(
        r
        for r in csv_rows(curated / "links.csv")
        if (r["claim_id"], r["record_id"]) == (RECURRENCE_CLAIM, REJECTED_RECORD)
    )
    assert link["rejected"] == "true"
    assert json.loads(link["decisions"]) == [decisions["reject"]["decision_id"]]
    claim = next(r for r in csv_rows(curated / "claims.csv") if r["claim_id"] == RECURRENCE_CLAIM)
    assert json.loads(claim["notes"]) == ["ask the author for the reference"]
    document = csv_rows(curated / "documents.csv")[0]
    assert (document["decisions"], document["orphaned_decisions"]) == ("3", "1")
    assert json.loads(document["alerts"])[0]["kind"] == "new_contradiction"


def test_formula_cells_are_neutralised_and_rows_sorted(seed_run):
    rid = sorted(seed_run.records)[0]
    hostile = seed_run.records[rid].model_copy(update={"title": '=HYPERLINK("http://evil.example")'})
    run = seed_run.model_copy(update={"records": {**seed_run.records, rid: hostile}})
    text = render_dataset(run)["records.csv"].decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["record_id"] == rid and rows[0]["title"] == '\'=HYPERLINK("http://evil.example")'
    assert [r["record_id"] for r in rows] == sorted(r["record_id"] for r in rows)


def test_same_bundle_gives_byte_identical_files(seed_run, tmp_path):
    write_dataset(seed_run, tmp_path / "a")
    reordered = seed_run.model_copy(update={"records": dict(reversed(seed_run.records.items()))})
    write_dataset(reordered, tmp_path / "b")
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


@pytest.fixture
def previous(seed_run, tmp_path) -> tuple[Path, dict[str, bytes]]:
    """A complete dataset from an earlier run, and its bytes."""
    older = seed_run.model_copy(update={"run": RunInfo(run_id="run-old", started_at="2026-11-01T00:00:00Z")})
    write_dataset(older, tmp_path)
    return tmp_path, snapshot(tmp_path)


def test_a_disk_full_mid_way_leaves_the_previous_dataset(seed_run, previous, monkeypatch):
    folder, before = previous
    calls = []
    real_fsync = dataset_write.os.fsync

    def fsync_then_fill_the_disk(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 7:  # three tables staged, the fourth one's Parquet half-way
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(dataset_write.os, "fsync", fsync_then_fill_the_disk)
    with pytest.raises(OSError, match="No space left"):
        write_dataset(seed_run, folder)
    assert len(calls) == 7
    assert snapshot(folder) == before  # every old file as it was, and no temporary file left
    assert b"run-old" in (folder / "datapackage.json").read_bytes()


def test_an_error_while_building_tables_writes_nothing(seed_run, previous, monkeypatch):
    folder, before = previous

    def broken(run):
        raise ValueError("a row did not validate")

    monkeypatch.setattr(dataset_write, "build_rows", broken)
    with pytest.raises(ValueError, match="did not validate"):
        write_dataset(seed_run, folder)
    assert snapshot(folder) == before


def test_a_failed_first_write_leaves_no_files(seed_run, tmp_path, monkeypatch):
    real_stage = dataset_write.stage_file
    staged = []

    def stage_then_fail(target: Path, data: bytes) -> Path:
        if len(staged) == 10:
            raise OSError("disk full")
        staged.append(target)
        return real_stage(target, data)

    monkeypatch.setattr(dataset_write, "stage_file", stage_then_fail)
    with pytest.raises(OSError, match="disk full"):
        write_dataset(seed_run, tmp_path / "curated")
    assert len(staged) == 10
    assert [p for p in (tmp_path / "curated").rglob("*") if p.is_file()] == []
