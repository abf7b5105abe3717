"""The dataset validates as a Frictionless Data Package and against its JSON Schemas, and both checks fail
on a wrong type or a broken key; the descriptor and README describe every table and column."""

import csv
import json
import shutil
from pathlib import Path

import frictionless
import jsonschema
import pyarrow.parquet as pq
import pytest

from pipeline.outputs.dataset_rows import TABLE_NAMES, TABLES, columns
from pipeline.outputs.dataset_rows import table as table_spec
from pipeline.outputs.dataset_types import from_parquet, json_value, table_columns

README = Path(__file__).parents[2] / "curated" / "README.md"


@pytest.fixture
def broken(curated, tmp_path) -> Path:
    """A copy of the dataset a test may damage."""
    return Path(shutil.copytree(curated, tmp_path / "curated"))


def rewrite_csv(path: Path, row: int, column: str, value: str) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[row][column] = value
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_the_data_package_is_valid(curated):
    report = frictionless.validate(curated / "datapackage.json")
    assert report.valid, report.flatten(["taskName", "rowNumber", "fieldName", "type", "note"])[:5]
    assert [task.name for task in report.tasks] == list(TABLE_NAMES)
    assert {task.name: task.stats["rows"] for task in report.tasks}["links"] == 1004


@pytest.mark.parametrize(
    ("table", "column", "value", "error"),
    [
        ("flags", "line", "twelve", "type-error"),  # an integer column
        ("markers", "refs", "7", "type-error"),  # an array column
        ("links", "relation", "maybe", "constraint-error"),  # not one of the relations
        ("decisions", "document", "no-such-document", "foreign-key"),
        ("flags", "claim_id", "", "constraint-error"),  # a required key left empty
    ],
)
def test_frictionless_catches_a_wrong_type_or_broken_key(broken, table, column, value, error):
    rewrite_csv(broken / f"{table}.csv", 0, column, value)
    report = frictionless.validate(broken / "datapackage.json", name=table)
    assert not report.valid
    assert error in {e.type for e in report.tasks[0].errors}


def test_frictionless_catches_a_duplicate_primary_key(broken):
    rows = (broken / "decisions.csv").read_text(encoding="utf-8").splitlines()
    (broken / "decisions.csv").write_text("\n".join([*rows, rows[1]]) + "\n", encoding="utf-8")
    report = frictionless.validate(broken / "datapackage.json", name="decisions")
    assert "primary-key" in {e.type for e in report.tasks[0].errors}


def json_rows(curated: Path, table: str) -> list[dict]:
    """The Parquet rows as JSON would hold them (times as ISO 8601 text, `object` cells decoded)."""
    cols = table_columns(table_spec(table).row)
    rows = pq.read_table(curated / f"{table}.parquet").to_pylist()
    return [{c.name: json_value(c, from_parquet(c, r[c.name])) for c in cols} for r in rows]


def schema_validator(curated: Path, table: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((curated / "schema" / f"{table}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_every_row_matches_its_json_schema(curated, table):
    validator = schema_validator(curated, table)
    rows = json_rows(curated, table)
    assert rows and all(validator.is_valid(r) for r in rows)


def test_json_schema_rejects_a_wrong_type_or_missing_column(curated):
    validator = schema_validator(curated, "markers")
    row = json_rows(curated, "markers")[0]
    assert validator.is_valid(row)
    assert not validator.is_valid({**row, "marker_index": "0"})
    assert not validator.is_valid({**row, "refs": [1.5]})
    assert not validator.is_valid({k: v for k, v in row.items() if k != "claim_id"})
    assert not validator.is_valid({**row, "targets": [{"number": 1}]})  # struct fields are required too


def test_descriptor_describes_every_table_from_the_row_models(curated, seed_run):
    descriptor = json.loads((curated / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["profile"] == "tabular-data-package" and descriptor["version"] == "1"
    assert (descriptor["run_id"], descriptor["created"]) == ("run-test-1", seed_run.run.started_at)
    for spec, resource in zip(TABLES, descriptor["resources"], strict=True):
        schema = resource["schema"]
        assert resource["path"] == f"{spec.name}.csv"
        assert resource["alternates"][0] == {
            "path": f"{spec.name}.parquet",
            "format": "parquet",
            "mediatype": "application/vnd.apache.parquet",
        }
        assert [f["name"] for f in schema["fields"]] == columns(spec.row)
        assert schema["primaryKey"] == list(spec.key)
        assert (curated / resource["jsonSchema"]).is_file()
        with (curated / resource["path"]).open(encoding="utf-8") as fh:
            assert next(csv.reader(fh)) == columns(spec.row)
    fields = {f["name"]: f for f in descriptor["resources"][TABLE_NAMES.index("links")]["schema"]["fields"]}
    assert fields["level"]["type"] == "integer" and "required" not in fields["level"].get("constraints", {})
    assert fields["claim_id"]["constraints"] == {"required": True}
    assert fields["relation"]["constraints"]["enum"] == ["supports", "partial", "contradicts", "unrelated"]
    assert fields["reasons"]["type"] == "array" and fields["fetched_at"]["type"] == "datetime"
    assert fields["rejected"]["description"].startswith("a curator rejected it")


def test_readme_lists_every_table_and_column():
    text = README.read_text(encoding="utf-8")
    for spec in TABLES:
        section = text.split(f"## `{spec.name}`", 1)
        assert len(section) == 2, f"README has no section for {spec.name}"
        body = section[1].split("\n## ", 1)[0]
        missing = [c for c in columns(spec.row) if f"`{c}`" not in body]
        assert not missing, f"README section {spec.name} lacks {missing}"
    for topic in ("datapackage.json", "schema/", "pipeline.datasets", "atomic", "neutralis"):
        assert topic in text
