"""Fixtures for the grading tests: the labelled set's real records and labels."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import yaml

from pipeline.literature.pubmed_xml import iter_records
from pipeline.literature.record_jsonl import iter_jsonl_records
from pipeline.models import Record

DATA = Path(__file__).parents[1] / "data" / "grading"


def read_records(path: Path) -> list[Record]:
    if path.suffix == ".jsonl":
        with path.open(encoding="utf-8") as f:
            return list(iter_jsonl_records(f, str(path)))
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        return [r for r in iter_records(f, str(path)) if isinstance(r, Record)]


@pytest.fixture(scope="session")
def real_records() -> dict[str, Record]:
    """Every record of tests/data/grading, by record_id."""
    found: dict[str, Record] = {}
    for path in sorted(DATA.iterdir()):
        if path.name.endswith((".jsonl", ".xml", ".xml.gz")):
            for record in read_records(path):
                found.setdefault(record.record_id, record)
    return found


@pytest.fixture(scope="session")
def labels() -> list[dict]:
    return yaml.safe_load((DATA / "labels.yaml").read_text(encoding="utf-8"))["labels"]
