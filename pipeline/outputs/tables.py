"""The claims table on its own, and the CSV formula neutralisation every curated CSV uses.

The whole curated dataset (nine tables, schemas, data package) is `dataset_write.write_dataset`; the
single claims table here predates it and stays for callers that write only claims.
Parquet keeps nested values (a claim's markers are a list of structs); CSV gets them as JSON text, and
every CSV cell a spreadsheet would run as a formula is neutralised with a leading apostrophe.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import __version__
from pipeline.models import ParsedDocument
from pipeline.outputs.atomic import write_text, write_with
from pipeline.outputs.bundle import SCHEMA_VERSION

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    started_at: str  # ISO 8601, UTC

    def provenance(self) -> dict[str, str]:
        return {"pipeline_version": __version__, "schema_version": SCHEMA_VERSION, "run_id": self.run_id}


def claims_frame(documents: Iterable[ParsedDocument], run: RunInfo) -> pd.DataFrame:
    rows = []
    for doc in documents:
        for claim in doc.claims:
            row = claim.model_dump(mode="json")
            row["ambiguous_markers"] = sum(m.ambiguous for m in claim.markers)
            row["source"] = doc.path
            rows.append({**row, **run.provenance()})
    columns = [
        "claim_id",
        "document",
        "section",
        "section_heading",
        "kind",
        "line",
        "column",
        "start",
        "end",
        "text",
        "source_text",
        "markers",
        "asserted_evidence",
        "cells",
        "ambiguous_markers",
        "source",
        "pipeline_version",
        "schema_version",
        "run_id",
    ]
    return pd.DataFrame(rows, columns=columns)


def neutralise(value: object) -> object:
    """A CSV cell that starts like a formula gets a leading apostrophe (OWASP's CSV-injection advice).

    A cell that already starts with an apostrophe gets one too, so `unneutralise` can undo it exactly.
    """
    if isinstance(value, str) and value.startswith((*FORMULA_START, "'")):
        return "'" + value
    return value


def unneutralise(text: str) -> str:
    """The cell as it was before `neutralise`: drop the one apostrophe it added."""
    return text[1:] if text.startswith("'") else text


def csv_text(frame: pd.DataFrame) -> str:
    flat = frame.copy()
    for column in flat.columns:
        if not pd.api.types.is_numeric_dtype(flat[column]):  # pandas 3 strings are not `object`
            flat[column] = flat[column].map(
                lambda v: neutralise(json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v)
            )
    return flat.to_csv(index=False, lineterminator="\n")


def write_table(frame: pd.DataFrame, folder: Path, name: str) -> list[Path]:
    """Write `<name>.parquet` and `<name>.csv` atomically; return their paths."""
    parquet, csv = folder / f"{name}.parquet", folder / f"{name}.csv"
    table = pa.Table.from_pandas(_parquet_ready(frame), preserve_index=False)
    write_with(parquet, lambda fh: pq.write_table(table, fh))
    write_text(csv, csv_text(frame))
    return [parquet, csv]


def _parquet_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Dict cells (table cells by column name) become JSON text: their keys differ from row to row."""
    out = frame.copy()
    for column in out.columns:
        if out[column].map(lambda v: isinstance(v, dict)).any():
            out[column] = out[column].map(
                lambda v: json.dumps(v, ensure_ascii=False) if v is not None else None
            )
    return out
