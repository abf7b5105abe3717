"""The curated dataset described for consumers: a JSON Schema per table row and a Frictionless Data Package.

Both are generated from the row models (pipeline.outputs.dataset_rows), so they cannot drift from what
the writer emits. Each table is one resource of the package: `<table>` (the CSV, with primary and
foreign keys), with the Parquet file of the same rows named under `alternates`.
"""

from __future__ import annotations

from typing import Any

from pipeline.outputs.bundle import RunInfo
from pipeline.outputs.dataset_rows import TABLES, TableSpec
from pipeline.outputs.dataset_types import Column, table_columns

PACKAGE_NAME = "curate-evidence-curated"
PARQUET_MEDIATYPE = "application/vnd.apache.parquet"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schema(spec: TableSpec) -> dict[str, Any]:
    """The JSON Schema of one row as the loader returns it (lists as arrays, times as ISO 8601 text)."""
    schema = spec.row.model_json_schema(mode="serialization")
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": f"schema/{spec.name}.schema.json",
        **schema,
        "title": f"{spec.name} row",
        "x-primaryKey": list(spec.key),
    }


def table_schema(spec: TableSpec) -> dict[str, Any]:
    """A Frictionless Table Schema: fields with types, descriptions and constraints, and the keys."""
    schema: dict[str, Any] = {
        "fields": [_field(c) for c in table_columns(spec.row)],
        "missingValues": [""],
        "primaryKey": list(spec.key),
    }
    if spec.foreign_keys:
        schema["foreignKeys"] = [
            {"fields": list(fk.fields), "reference": {"resource": fk.table, "fields": list(fk.reference)}}
            for fk in spec.foreign_keys
        ]
    return schema


def _field(column: Column) -> dict[str, Any]:
    field: dict[str, Any] = {"name": column.name, "type": column.kind}
    if column.description:
        field["description"] = column.description
    if column.kind == "boolean":
        field |= {"trueValues": ["true"], "falseValues": ["false"]}
    constraints: dict[str, Any] = {"required": True} if column.required else {}
    if column.enum:
        constraints["enum"] = list(column.enum)
    if constraints:
        field["constraints"] = constraints
    return field


def datapackage(run: RunInfo) -> dict[str, Any]:
    """The `datapackage.json` descriptor (profile tabular-data-package) for one run's tables."""
    return {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": "Curated evidence behind health claims",
        "version": run.schema_version,
        "created": run.started_at,
        "run_id": run.run_id,
        "pipeline_version": run.pipeline_version,
        "schema_version": run.schema_version,
        "resources": [_resource(spec) for spec in TABLES],
    }


def _resource(spec: TableSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "path": f"{spec.name}.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "description": (spec.row.__doc__ or "").strip(),
        "schema": table_schema(spec),
        "jsonSchema": f"schema/{spec.name}.schema.json",
        # The same rows as Parquet. Not a resource of its own: Frictionless reads Parquet through
        # pandas, which turns lists into arrays and empty integers into NaN, and then fails them.
        "alternates": [{"path": f"{spec.name}.parquet", "format": "parquet", "mediatype": PARQUET_MEDIATYPE}],
    }
