"""Read a curated dataset (`curated/`) back as typed pandas frames, for downstream tools.

    from pipeline.datasets import load
    data = load("curated")              # or the path of its datapackage.json
    data.links[data.links.relation == "contradicts"]

Parquet is read when present, the CSV otherwise; both give the same frames (dtypes from the row models in
pipeline.outputs.dataset_rows: Int64, Float64, boolean, string, UTC datetimes, lists as Python lists).
A missing table, a missing column, an unreadable cell, a schema newer than this code or tables from
two runs (a run killed while renaming them into place) raise InputError naming the file or folder.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.errors import InputError
from pipeline.outputs.bundle import SCHEMA_VERSION
from pipeline.outputs.dataset_rows import TABLES, Row, TableSpec
from pipeline.outputs.dataset_types import from_parquet, parse_cell, table_columns, typed_frame
from pipeline.outputs.dataset_write import DATAPACKAGE


@dataclass(frozen=True)
class Datasets:
    """The nine curated tables of one run, and the schema version and run that wrote them."""

    documents: pd.DataFrame
    sections: pd.DataFrame
    claims: pd.DataFrame
    markers: pd.DataFrame
    records: pd.DataFrame
    grades: pd.DataFrame
    links: pd.DataFrame
    flags: pd.DataFrame
    decisions: pd.DataFrame
    schema_version: str
    run_id: str | None

    def table(self, name: str) -> pd.DataFrame:
        return getattr(self, name)


def load(path: str | Path) -> Datasets:
    """Every table of the dataset at `path` (its folder or its datapackage.json), schema-checked."""
    folder = Path(path)
    folder = folder.parent if folder.name == DATAPACKAGE else folder
    if not folder.is_dir():
        raise InputError(f"{folder}: not a curated dataset folder")
    descriptor = _descriptor(folder / DATAPACKAGE)
    frames = {spec.name: _table(folder, spec) for spec in TABLES}
    _one_run(folder, frames, descriptor.get("run_id"))
    version = str(descriptor.get("schema_version", SCHEMA_VERSION))
    return Datasets(**frames, schema_version=version, run_id=descriptor.get("run_id"))


def _one_run(folder: Path, frames: dict[str, pd.DataFrame], described: object) -> None:
    """Every table (and the descriptor) from one run. Each file is replaced whole, but a run killed while
    renaming them leaves some tables from the previous run: their keys may not join, so refuse."""
    runs: dict[str, list[str]] = {}
    for name, frame in frames.items():
        for run in frame["run_id"].dropna().unique() if "run_id" in frame else ():
            runs.setdefault(str(run), []).append(name)
    if described and runs and str(described) not in runs:
        runs.setdefault(str(described), []).append(DATAPACKAGE)
    if len(runs) > 1:
        which = "; ".join(f"{run}: {', '.join(names)}" for run, names in sorted(runs.items()))
        raise InputError(
            f"{folder}: tables from {len(runs)} runs ({which}) — a run was interrupted while writing "
            "them; run `curate run` again"
        )


def _descriptor(path: Path) -> dict[str, Any]:
    """The data package descriptor, if there is one, with its schema version checked."""
    if not path.is_file():
        return {}  # tables alone are enough: each row carries its schema version
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise InputError(f"{path}: cannot read the data package descriptor: {e}") from e
    _check_version(path, descriptor.get("schema_version", descriptor.get("version")))
    return descriptor


def _check_version(path: Path, version: object) -> None:
    try:
        number = int(str(version))
    except ValueError:
        raise InputError(f"{path}: schema version {version!r} is not a number") from None
    if number > int(SCHEMA_VERSION):
        raise InputError(
            f"{path}: schema version {number} is newer than this loader reads ({SCHEMA_VERSION});"
            " upgrade curate-evidence"
        )


def _table(folder: Path, spec: TableSpec) -> pd.DataFrame:
    parquet, csv_path = folder / f"{spec.name}.parquet", folder / f"{spec.name}.csv"
    if parquet.is_file():
        path, records = parquet, _read_parquet(parquet, spec.row)
    elif csv_path.is_file():
        path, records = csv_path, _read_csv(csv_path, spec.row)
    else:
        raise InputError(f"{parquet} (or .csv): table {spec.name!r} is missing")
    for version in {r["schema_version"] for r in records}:
        _check_version(path, version)
    return typed_frame(spec.row, records)


def _read_parquet(path: Path, row: type[Row]) -> list[dict[str, Any]]:
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as e:
        raise InputError(f"{path}: cannot read Parquet: {e}") from e
    cols = table_columns(row)
    _require_columns(path, table.column_names, [c.name for c in cols])
    return [{c.name: from_parquet(c, r[c.name]) for c in cols} for r in table.to_pylist()]


def _read_csv(path: Path, row: type[Row]) -> list[dict[str, Any]]:
    cols = table_columns(row)
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        _require_columns(path, reader.fieldnames or [], [c.name for c in cols])
        records = []
        for number, cells in enumerate(reader, start=1):
            try:
                records.append({c.name: parse_cell(c, cells[c.name]) for c in cols})
            except (ValueError, KeyError) as e:  # json.JSONDecodeError is a ValueError
                raise InputError(f"{path}: data row {number}: cannot read a cell: {e}") from e
    return records


def _require_columns(path: Path, present: list[str], wanted: list[str]) -> None:
    missing = [name for name in wanted if name not in present]
    if missing:
        raise InputError(f"{path}: missing columns {', '.join(missing)}")
