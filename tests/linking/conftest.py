"""Fixtures for the linking tests: the seed document, its 38 real records, and a store holding them."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.documents.parse import parse_text
from pipeline.literature.record_jsonl import iter_jsonl_records
from pipeline.literature.store import RecordStore
from pipeline.models import DocumentMeta, ParsedDocument, Record

DATA = Path(__file__).parents[1] / "data"
SEED_META = DocumentMeta(slug="vitamin-k2", title="Vitamin K2", supplement="vitamin K2")


@pytest.fixture(scope="session")
def seed_doc() -> ParsedDocument:
    text = (DATA / "vitamin-k2.txt").read_text(encoding="utf-8")
    return parse_text(text, SEED_META, path="vitamin-k2.txt")


@pytest.fixture(scope="session")
def seed_records() -> dict[str, Record]:
    with (DATA / "records" / "vitamin-k2-records.jsonl").open(encoding="utf-8") as f:
        return {r.record_id: r for r in iter_jsonl_records(f, "records")}


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory, seed_records) -> RecordStore:
    """A SQLite store with the 38 records; read-only for the tests that share it."""
    store = RecordStore(f"sqlite:///{tmp_path_factory.mktemp('linking') / 'records.db'}")
    store.upsert_many(list(seed_records.values()))
    return store
