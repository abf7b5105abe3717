"""The record snapshot shipped in `sources/records/`: imported into the store when the store lacks it.

Snapshot records were not fetched by this run: they are stamped as fetched at the epoch, so a live run
counts them as stale and refreshes them, while an offline run serves them marked "not refreshed".
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pipeline.literature.record_jsonl import iter_jsonl_records
from pipeline.literature.store import RecordStore
from pipeline.literature.store_io import import_file

SNAPSHOT_FETCHED_AT = datetime.fromtimestamp(0, UTC)


def import_snapshot(store: RecordStore, records_dir: Path) -> int:
    """Import each snapshot file (`*.jsonl`) whose records the store lacks; the number imported."""
    imported = 0
    for path in sorted(records_dir.glob("*.jsonl")) if records_dir.is_dir() else []:
        with open(path, encoding="utf-8") as fh:
            keys = [r.record_id for r in iter_jsonl_records(fh, str(path))]
        if len(store.get_many(keys)) < len(set(keys)):
            imported += import_file(store, path, fetched_at=SNAPSHOT_FETCHED_AT).records
    return imported
