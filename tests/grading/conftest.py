"""Fixtures for the grading tests: the labelled set's real records and labels."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import yaml

from pipeline.literature.europepmc_json import iter_search_results, record_from_europepmc
from pipeline.literature.pubmed_xml import iter_records
from pipeline.literature.record_jsonl import iter_jsonl_records
from pipeline.models import Record

DATA = Path(__file__).parents[1] / "data" / "grading"
HELD_OUT = DATA / "heldout"
FRESH = DATA / "fresh"


def read_records(path: Path) -> list[Record]:
    if path.suffix == ".json":  # a Europe PMC search response
        payload = json.loads(path.read_text(encoding="utf-8"))
        return [record_from_europepmc(item) for item in iter_search_results(payload)]
    if path.suffix == ".jsonl":
        with path.open(encoding="utf-8") as f:
            return list(iter_jsonl_records(f, str(path)))
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        return [r for r in iter_records(f, str(path)) if isinstance(r, Record)]


def records_in(folder: Path) -> dict[str, Record]:
    """Every record of a folder's record files, by record_id (first seen wins)."""
    found: dict[str, Record] = {}
    for path in sorted(folder.iterdir()):
        if path.name.endswith((".jsonl", ".json", ".xml", ".xml.gz")):
            for record in read_records(path):
                found.setdefault(record.record_id, record)
    return found


def labels_in(folder: Path) -> list[dict]:
    return yaml.safe_load((folder / "labels.yaml").read_text(encoding="utf-8"))["labels"]


@pytest.fixture(scope="session")
def real_records() -> dict[str, Record]:
    """Every record of tests/data/grading (the labelled set's files), by record_id."""
    return records_in(DATA)


@pytest.fixture(scope="session")
def labels() -> list[dict]:
    return labels_in(DATA)


@pytest.fixture(scope="session")
def held_out_records() -> dict[str, Record]:
    """The held-out set's records (tests/data/grading/heldout), by record_id."""
    return records_in(HELD_OUT)


@pytest.fixture(scope="session")
def held_out_labels() -> list[dict]:
    return labels_in(HELD_OUT)


@pytest.fixture(scope="session")
def unseen_labels() -> list[dict]:
    """Labels for the records of tests/data/grading that its labels.yaml leaves out (read from there)."""
    return labels_in(DATA / "unseen")


@pytest.fixture(scope="session")
def fresh_records() -> dict[str, Record]:
    """The fresh set's records (tests/data/grading/fresh), by record_id."""
    return records_in(FRESH)


@pytest.fixture(scope="session")
def fresh_labels() -> list[dict]:
    return labels_in(FRESH)
