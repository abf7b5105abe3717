"""Curated tables: atomic writes, formula-safe CSV. (The reports are tested in test_report_*.py.)"""

import io

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipeline.documents.parse import parse_text
from pipeline.models import DocumentMeta
from pipeline.outputs import atomic
from pipeline.outputs.tables import RunInfo, claims_frame, csv_text, neutralise, write_table

HOSTILE = """Vitamin K2

Evidence

=HYPERLINK("http://evil.example","click") is what the page said about trials1.

<script>alert('x')</script> Vitamin K2 is safe in mice2.
"""


@pytest.fixture
def doc():
    return parse_text(HOSTILE, DocumentMeta(slug="hostile", title="Vitamin K2"), path="hostile.txt")


def test_csv_cells_that_look_like_formulas_are_neutralised(doc):
    frame = claims_frame([doc], RunInfo("run-1", "2026-01-01T00:00:00+00:00"))
    text = csv_text(frame)
    assert all(not line.startswith(("=", "+", "@")) for line in text.splitlines())
    cells = pd.read_csv(io.StringIO(text))
    assert cells["text"][0].startswith("'=HYPERLINK(") and cells["source_text"][0].startswith("'=HYPERLINK(")
    assert (
        neutralise("-1+2") == "'-1+2" and neutralise("@SUM(A1)") == "'@SUM(A1)" and neutralise("ok") == "ok"
    )


def test_tables_round_trip_with_provenance(tmp_path, doc):
    paths = write_table(claims_frame([doc], RunInfo("run-1", "t")), tmp_path, "claims")
    assert [p.name for p in paths] == ["claims.parquet", "claims.csv"]
    table = pq.read_table(tmp_path / "claims.parquet").to_pandas()
    assert len(table) == 2 and set(table["run_id"]) == {"run-1"} and set(table["schema_version"]) == {"1"}
    assert list(table.iloc[0]["markers"][0]["refs"]) == [1]
    csv = pd.read_csv(tmp_path / "claims.csv")
    assert list(csv["claim_id"]) == list(table["claim_id"])
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary files left behind


def test_failed_write_keeps_the_previous_file(tmp_path):
    target = tmp_path / "claims.csv"
    target.write_text("previous complete table\n")

    def explode(fh):
        fh.write(b"half a tab")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic.write_with(target, explode)
    assert target.read_text() == "previous complete table\n"
    assert not list(tmp_path.glob(".*.tmp"))
