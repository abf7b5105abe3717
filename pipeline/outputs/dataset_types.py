"""Column types of the curated tables, read off the row models, and how each type is stored.

One logical type per column (Table Schema names: string, integer, number, boolean, date, datetime, array,
object) decides its Parquet type, its pandas dtype, its CSV text and how that text is read back. Lists are
Parquet lists (of structs where the item is a model) and JSON text in CSV; `object` columns (dicts whose
keys differ from row to row) are JSON text in both.
"""

from __future__ import annotations

import json
import types
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal, Union, get_args, get_origin

import pandas as pd
import pyarrow as pa
from pydantic import BaseModel

from pipeline.outputs.dataset_rows import Row, columns
from pipeline.outputs.tables import neutralise, unneutralise

Kind = Literal["string", "integer", "number", "boolean", "date", "datetime", "array", "object"]
_SCALARS: tuple[tuple[type, Kind], ...] = (  # bool before int, datetime before date: subclasses first
    (str, "string"),
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (datetime, "datetime"),
    (date, "date"),
)
DTYPES: dict[Kind, str] = {
    "string": "string",
    "integer": "Int64",
    "number": "Float64",
    "boolean": "boolean",
    "datetime": "datetime64[us, UTC]",
    "date": "object",  # datetime.date values: pandas has no plain date dtype
    "array": "object",  # Python lists
    "object": "object",  # Python dicts
}


@dataclass(frozen=True)
class Column:
    """One column: its name, logical type, whether it may be empty, allowed values, list item type."""

    name: str
    kind: Kind
    required: bool
    description: str | None = None
    enum: tuple[str, ...] | None = None
    item: Any = None  # the annotation of a list's items


def table_columns(row: type[Row]) -> list[Column]:
    """Every column of a row model, in table order."""
    return [_column(name, row) for name in columns(row)]


def _column(name: str, row: type[Row]) -> Column:
    info = row.model_fields[name]
    annotation, nullable = _strip_none(info.annotation)
    kind, enum, item = _kind(annotation)
    return Column(name, kind, not nullable, info.description, enum, item)


def _strip_none(annotation: Any) -> tuple[Any, bool]:
    if get_origin(annotation) in (Union, types.UnionType):
        rest = [a for a in get_args(annotation) if a is not type(None)]
        return rest[0], len(rest) < len(get_args(annotation))
    return annotation, False


def _kind(annotation: Any) -> tuple[Kind, tuple[str, ...] | None, Any]:
    origin = get_origin(annotation)
    if origin is Literal:
        return "string", tuple(get_args(annotation)), None
    if origin is list:
        return "array", None, get_args(annotation)[0]
    if origin is dict:
        return "object", None, None
    kind = next((k for t, k in _SCALARS if isinstance(annotation, type) and issubclass(annotation, t)), None)
    if kind is None:
        raise TypeError(f"no column type for {annotation!r}")
    return kind, None, None


# ----------------------------------------------------------------------------- Parquet


def arrow_schema(row: type[Row]) -> pa.Schema:
    return pa.schema([pa.field(c.name, _arrow(c), nullable=not c.required) for c in table_columns(row)])


def _arrow(column: Column) -> pa.DataType:
    if column.kind == "array":
        return pa.list_(_arrow_item(column.item))
    return _ARROW[column.kind]


def _arrow_item(annotation: Any) -> pa.DataType:
    annotation, _ = _strip_none(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        fields = annotation.model_fields
        return pa.struct([pa.field(n, _arrow_item(f.annotation)) for n, f in fields.items()])
    kind, _, item = _kind(annotation)
    return pa.list_(_arrow_item(item)) if kind == "array" else _ARROW[kind]


_ARROW: dict[str, pa.DataType] = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "datetime": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
    "object": pa.string(),  # JSON text: keys differ from row to row
}


def arrow_table(row: type[Row], records: list[dict[str, Any]]) -> pa.Table:
    """Row dicts (Python values) → an Arrow table with the row model's exact schema."""
    cols = table_columns(row)
    objects = [c.name for c in cols if c.kind == "object"]
    ready = [{**r, **{n: _json_or_none(r[n]) for n in objects}} for r in records]
    return pa.Table.from_pylist(ready, schema=arrow_schema(row))


# ----------------------------------------------------------------------------- pandas


def typed_frame(row: type[Row], records: list[dict[str, Any]]) -> pd.DataFrame:
    """Row dicts (Python values, JSON already decoded) → a frame with one dtype per logical type."""
    cols = table_columns(row)
    data = {c.name: pd.Series([r[c.name] for r in records], dtype=DTYPES[c.kind]) for c in cols}
    return pd.DataFrame(data, columns=[c.name for c in cols])


# ----------------------------------------------------------------------------- CSV


def csv_cell(column: Column, value: Any) -> str:
    """The CSV text of one value: lists as JSON, lower-case booleans, UTC times ending in Z."""
    if value is None:
        return ""
    if column.kind in ("array", "object"):
        return json.dumps(value, ensure_ascii=False, default=str)
    if column.kind == "boolean":
        return "true" if value else "false"
    if column.kind == "datetime":
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if column.kind == "string":
        return str(neutralise(value))
    return value.isoformat() if column.kind == "date" else str(value)


def parse_cell(column: Column, text: str) -> Any:
    """Read `csv_cell`'s text back into the Python value; an empty cell is None (or "" when required)."""
    if text == "":
        return "" if column.required and column.kind == "string" else None
    return _PARSERS[column.kind](text)


_PARSERS = {
    "string": unneutralise,
    "integer": int,
    "number": float,
    "boolean": lambda t: {"true": True, "false": False}[t],
    "datetime": lambda t: datetime.fromisoformat(t).astimezone(UTC),
    "date": date.fromisoformat,
    "array": json.loads,
    "object": json.loads,
}


def from_parquet(column: Column, value: Any) -> Any:
    """A value as Arrow's `to_pylist` gives it → the Python value (`object` columns are JSON text)."""
    return json.loads(value) if column.kind == "object" and value is not None else value


def json_value(column: Column, value: Any) -> Any:
    """A value as JSON would hold it (for validating rows against the JSON Schemas)."""
    if value is None:
        return None
    if column.kind in ("date", "datetime"):
        return value.isoformat()
    return value


def _json_or_none(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
