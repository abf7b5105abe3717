"""Import record files into the store and export it, streaming, in bounded transactions.

    import_file(store, path)    .jsonl[.gz] (snapshot or export format) and PubMed .xml[.gz] (baseline or
                                update file; DeleteCitation applied in file order)
    export_jsonl(store, path)   our export format, sorted by record_id, replaced atomically

Records are written `batch_size` at a time, one transaction per batch: a bad line stops the import
with ParseError(file, line) and nothing of the unfinished batch reaches the store.
"""

from __future__ import annotations

import gzip
import io
import os
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Literal

from pydantic import BaseModel, Field

from pipeline.errors import DocumentError, ParseError
from pipeline.literature import pubmed_xml
from pipeline.literature.record_jsonl import iter_jsonl_records, record_to_jsonl
from pipeline.literature.store import RecordStore, UpsertStats
from pipeline.models import DeletedCitation, Record

BATCH = 1000
FileFormat = Literal["jsonl", "pubmed_xml"]
_FORMATS: dict[str, FileFormat] = {".jsonl": "jsonl", ".xml": "pubmed_xml"}


class ImportStats(BaseModel):
    """What one import did: records read, PMIDs listed for deletion, rows removed, and upsert counts."""

    path: str
    format: FileFormat
    records: int = 0
    batches: int = 0
    deletions: int = 0
    removed: int = 0
    upserts: UpsertStats = Field(default_factory=UpsertStats)


def file_format(path: Path) -> FileFormat:
    """The format a file name says (`.gz` allowed on top); DocumentError for anything else."""
    suffixes = path.suffixes[-2:] if path.suffix == ".gz" else path.suffixes[-1:]
    found = _FORMATS.get(suffixes[0].lower()) if suffixes else None
    if found is None:
        raise DocumentError(str(path), "not a record file (.jsonl, .xml, optionally .gz)")
    return found


def import_file(
    store: RecordStore, path: str | Path, *, batch_size: int = BATCH, fetched_at: datetime | None = None
) -> ImportStats:
    """Stream one record file into the store, `batch_size` records per transaction."""
    path = Path(path)
    kind = file_format(path)
    if not path.is_file():
        raise DocumentError(str(path), "no such file")
    stats = ImportStats(path=str(path), format=kind)
    batch: list[Record] = []
    with _open_binary(path) as stream, _unreadable_as_parse_error(path):
        for item in _items(stream, kind, path):
            if isinstance(item, DeletedCitation):
                _flush(store, batch, stats, fetched_at)  # deletions apply after the records before them
                stats.deletions += len(item.pmids)
                stats.removed += store.delete_pmids(item.pmids)
                continue
            batch.append(item)
            stats.records += 1
            if len(batch) >= batch_size:
                _flush(store, batch, stats, fetched_at)
    _flush(store, batch, stats, fetched_at)
    return stats


def _items(stream: IO[bytes], kind: FileFormat, path: Path) -> Iterator[Record | DeletedCitation]:
    if kind == "pubmed_xml":
        yield from pubmed_xml.iter_records(stream, source=str(path))
        return
    # utf-8-sig: a snapshot saved by a Windows editor may start with a byte-order mark.
    yield from iter_jsonl_records(io.TextIOWrapper(stream, encoding="utf-8-sig"), origin=str(path))


def _flush(store: RecordStore, batch: list[Record], stats: ImportStats, fetched_at: datetime | None) -> None:
    if batch:
        stats.upserts.add(store.upsert_many(batch, fetched_at=fetched_at))
        stats.batches += 1
        batch.clear()


@contextmanager
def _unreadable_as_parse_error(path: Path) -> Iterator[None]:
    """A cut-off .gz or bytes that are not UTF-8 are a file we cannot read: ParseError naming it."""
    try:
        yield
    except (gzip.BadGzipFile, EOFError, zlib.error) as e:
        raise ParseError(str(path), "gzip", str(e)) from e
    except UnicodeDecodeError as e:
        raise ParseError(str(path), "utf-8", f"byte {e.start}: {e.reason}") from e


@contextmanager
def _open_binary(path: Path) -> Iterator[IO[bytes]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as stream:
        yield stream  # type: ignore[misc]


def export_jsonl(store: RecordStore, path: str | Path) -> int:
    """Write every record, sorted by record_id, in our export format; returns the number written.

    The file is written beside the target, fsynced, then swapped in with os.replace, so a reader sees
    the old export or the new one, never half of one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    written = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            for record in store.iter_records():
                out.write(record_to_jsonl(record) + "\n")
                written += 1
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return written


def _fsync_dir(folder: Path) -> None:
    # The rename itself is durable only once the folder entry is flushed (POSIX; a no-op elsewhere).
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
