"""`pipeline.datasets.load`: typed frames from Parquet or CSV, identical either way, and clear errors on a
missing table or column or a newer schema."""

import csv
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.datasets import Datasets, load
from pipeline.errors import InputError
from pipeline.outputs.dataset_build import build_rows
from pipeline.outputs.dataset_rows import TABLE_NAMES, TABLES, ClaimRow
from pipeline.outputs.dataset_types import csv_cell, parse_cell, table_columns, typed_frame

RECURRENCE_CLAIM = "c_76aa4f3f24f0e85d"  # the seed fixture's rejection and note are about this claim


@pytest.fixture
def copy(curated, tmp_path) -> Path:
    return Path(shutil.copytree(curated, tmp_path / "curated"))


@pytest.fixture(scope="module")
def loaded(curated) -> Datasets:
    return load(curated)


def test_parquet_round_trip_gives_the_built_frames(loaded, seed_run):
    rows = build_rows(seed_run)
    for spec in TABLES:
        pd.testing.assert_frame_equal(loaded.table(spec.name), typed_frame(spec.row, rows[spec.name]))
    assert (loaded.schema_version, loaded.run_id) == ("1", "run-test-1")


def test_csv_fallback_gives_the_same_frames(loaded, copy):
    for parquet in copy.glob("*.parquet"):
        parquet.unlink()
    from_csv = load(copy / "datapackage.json")
    for name in TABLE_NAMES:
        pd.testing.assert_frame_equal(from_csv.table(name), loaded.table(name), obj=name)


def test_frames_are_typed_with_real_content(loaded):
    links, claims, decisions = loaded.links, loaded.claims, loaded.decisions
    assert links["line"].dtype == "Int64" and links["score"].dtype == "Float64"
    assert links["rejected"].dtype == "boolean" and str(links["fetched_at"].dtype) == "datetime64[us, UTC]"
    assert links["level"].isna().any() and set(links["level"].dropna()) <= {1, 2, 3, 4, 5}
    rejected = links[links["rejected"]]
    assert list(zip(rejected["claim_id"], rejected["record_id"], strict=True)) == [
        (RECURRENCE_CLAIM, "pmid:23225445")
    ]
    claim = claims.set_index("claim_id").loc[RECURRENCE_CLAIM]
    assert claim["notes"] == ["ask the author for the reference"] and claim["line"] == 38
    orphan = decisions[decisions["status"] == "orphaned"].iloc[0]
    assert orphan["claim_id"] == "c_0000000000000000" and "no longer in the document" in orphan["reason"]
    assert str(decisions["decided_at"].iloc[0]) == "2026-11-26 09:00:00+00:00"
    markers = loaded.markers
    assert all(isinstance(refs, list) and refs for refs in markers["refs"])
    assert markers["targets"].iloc[0][0]["number"] == markers["refs"].iloc[0][0]


def test_a_missing_table_names_the_file(copy):
    (copy / "flags.parquet").unlink()
    (copy / "flags.csv").unlink()
    with pytest.raises(InputError, match=r"flags\.parquet \(or \.csv\): table 'flags' is missing"):
        load(copy)


def test_a_newer_schema_in_the_descriptor_is_refused(copy):
    descriptor = json.loads((copy / "datapackage.json").read_text(encoding="utf-8"))
    (copy / "datapackage.json").write_text(
        json.dumps({**descriptor, "schema_version": "2"}), encoding="utf-8"
    )
    with pytest.raises(InputError, match=r"datapackage\.json: schema version 2 is newer than this loader"):
        load(copy)


def test_a_newer_schema_in_a_table_is_refused(copy):
    (copy / "datapackage.json").unlink()
    (copy / "grades.parquet").unlink()
    text = (copy / "grades.csv").read_text(encoding="utf-8")
    (copy / "grades.csv").write_text(text.replace(",1,run-test-1\n", ",2,run-test-1\n", 1), encoding="utf-8")
    with pytest.raises(InputError, match=r"grades\.csv: schema version 2 is newer"):
        load(copy)


def test_tables_from_two_runs_are_refused(copy):
    """A run killed while renaming its tables into place leaves some from the previous run."""
    frame = pd.read_parquet(copy / "links.parquet")
    frame["run_id"] = "run-test-0"
    frame.to_parquet(copy / "links.parquet")
    with pytest.raises(
        InputError, match=r"tables from 2 runs \(run-test-0: links; run-test-1: .*interrupted"
    ):
        load(copy)


def test_a_missing_column_names_the_file(copy):
    frame = pd.read_parquet(copy / "claims.parquet").drop(columns=["best_level"])
    frame.to_parquet(copy / "claims.parquet")
    with pytest.raises(InputError, match=r"claims\.parquet: missing columns best_level"):
        load(copy)


def test_an_unreadable_csv_cell_names_the_file_and_row(copy):
    (copy / "markers.parquet").unlink()
    with (copy / "markers.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[0]["refs"] = "[1,"  # cut-off JSON
    with (copy / "markers.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(InputError, match=r"markers\.csv: data row 1: cannot read a cell"):
        load(copy)


def test_not_a_folder(tmp_path):
    with pytest.raises(InputError, match="not a curated dataset folder"):
        load(tmp_path / "nowhere")


TEXT_COLUMN = next(c for c in table_columns(ClaimRow) if c.name == "section_heading")


@given(st.text())
def test_csv_text_cells_read_back_exactly(text):
    cell = csv_cell(TEXT_COLUMN, text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert parse_cell(TEXT_COLUMN, cell) == (text or None)  # an empty optional cell reads as None
