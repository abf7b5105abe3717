"""Write the curated dataset: every table as Parquet and CSV, the JSON Schemas, and `datapackage.json`.

Atomic as a whole, as far as a filesystem allows: every file is first rendered in memory, then written
to a temporary name beside its target and fsynced; only when all of them are on disk are they renamed
into place, `datapackage.json` last. Any failure before that (a bad row, a full disk) removes the
temporary files and leaves the previous dataset exactly as it was.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.outputs.atomic import _fsync_dir
from pipeline.outputs.bundle import CurationRun
from pipeline.outputs.dataset_build import build_rows
from pipeline.outputs.dataset_rows import TABLES, Row
from pipeline.outputs.dataset_schema import datapackage, json_schema
from pipeline.outputs.dataset_types import arrow_table, csv_cell, table_columns

DATAPACKAGE = "datapackage.json"
SCHEMA_DIR = "schema"


def write_dataset(run: CurationRun, out_dir: Path) -> list[Path]:
    """Write every table, schema file and the data package into `out_dir`; return the paths written."""
    files = render_dataset(run)
    staged: list[tuple[Path, Path]] = []
    try:
        for relative, data in files.items():
            target = out_dir / relative
            staged.append((stage_file(target, data), target))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, target in staged:  # datapackage.json is last in `files`, so it is renamed last
        os.replace(tmp, target)
    for folder in sorted({target.parent for _, target in staged}):
        _fsync_dir(folder)
    return [target for _, target in staged]


def render_dataset(run: CurationRun) -> dict[str, bytes]:
    """Every file of the dataset by path relative to the output folder, `datapackage.json` last."""
    rows = build_rows(run)
    files: dict[str, bytes] = {}
    for spec in TABLES:
        files[f"{spec.name}.parquet"] = parquet_bytes(spec.row, rows[spec.name])
        files[f"{spec.name}.csv"] = csv_bytes(spec.row, rows[spec.name])
    for spec in TABLES:
        files[f"{SCHEMA_DIR}/{spec.name}.schema.json"] = _json_bytes(json_schema(spec))
    files[DATAPACKAGE] = _json_bytes(datapackage(run.run))
    return files


def parquet_bytes(row: type[Row], records: list[dict[str, Any]]) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(arrow_table(row, records), sink)
    return sink.getvalue().to_pybytes()


def csv_bytes(row: type[Row], records: list[dict[str, Any]]) -> bytes:
    """CSV with a header row; lists as JSON text, formula-like text neutralised (see `csv_cell`)."""
    cols = table_columns(row)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.name for c in cols])
    writer.writerows([csv_cell(c, r[c.name]) for c in cols] for r in records)
    return out.getvalue().encode("utf-8")


def stage_file(target: Path, data: bytes) -> Path:
    """Write `data` to a fsynced temporary file beside `target` and return its path (not yet renamed)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the dataset is meant to be read by others
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _json_bytes(value: object) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
