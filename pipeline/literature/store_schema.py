"""Tables, result models and the database connection set-up of the record store.

Column types are SQLAlchemy Core types that exist on SQLite and PostgreSQL; JSON is kept as text so
`parsed` round-trips byte for byte on both. Times are stored as naive UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import (
    URL,
    Column,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    make_url,
)
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.pool import StaticPool

from pipeline.literature.store_merge import Keyed

SCHEMA_VERSION = 1

metadata = MetaData()
records = Table(
    "records",
    metadata,
    Column("record_id", String, primary_key=True),
    Column("pmid", String, unique=True),
    Column("doi", String, unique=True),
    Column("pmcid", String, unique=True),
    Column("title", Text),
    Column("year", Integer),
    Column("source", String, nullable=False),
    Column("fetched_at", DateTime, nullable=False),
    Column("date_revised", Date),
    Column("parsed", Text, nullable=False),
    Column("raw", LargeBinary),
    Column("status", String),
)
aliases = Table(
    "aliases",
    metadata,
    Column("alias", String, primary_key=True),
    Column(
        "record_id",
        String,
        ForeignKey("records.record_id", onupdate="CASCADE", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
)
deleted = Table(
    "deleted",
    metadata,
    Column("pmid", String, primary_key=True),
    Column("deleted_at", DateTime, nullable=False),
)
meta = Table(
    "meta",
    metadata,
    Column("key", String, primary_key=True),
    Column("value", Text, nullable=False),
)


class UpsertStats(BaseModel):
    """What one write did: new rows, changed rows, rows folded or re-keyed into another, and skips."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0  # rows re-keyed (doi:… -> pmid:…) or folded into another row
    skipped_deleted: int = 0  # PMIDs a DeleteCitation removed earlier
    conflicts: int = 0  # records whose DOI/PMCID another PMID already holds (stored without that column)

    def add(self, other: UpsertStats) -> None:
        """Accumulate another batch's counts into this one."""
        for name in type(self).model_fields:
            setattr(self, name, getattr(self, name) + getattr(other, name))


class StoreStats(BaseModel):
    """A summary of the store for status output; `url` never shows a password."""

    total: int
    by_source: dict[str, int]
    with_pmid: int
    doi_only: int
    deleted: int
    text_indexed: int
    text_index: str
    schema_version: int
    url: str


class SearchHit(BaseModel):
    """One full-text match; higher `score` is better (on SQLite: the negated BM25 rank)."""

    record_id: str
    title: str | None
    score: float


def utc_naive(moment: datetime | None) -> datetime:
    """Naive UTC for storage (SQLite keeps no zone); None means now. Naive input is taken as UTC."""
    if moment is None:
        moment = datetime.now(UTC)
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def is_transient(error: DBAPIError, dialect: str) -> bool:
    """True for failures a fresh attempt of the whole transaction can get past.

    SQLite: 'database is locked' / 'busy'. PostgreSQL: deadlocks, and a UNIQUE violation from a
    concurrent writer inserting the same paper (under READ COMMITTED both saw no row); the retry then
    finds the other writer's row and merges. On SQLite writers are serialised, so an IntegrityError
    there is a real error and is not retried.
    """
    text = str(error.orig).lower()
    if isinstance(error, IntegrityError):
        return dialect != "sqlite"
    return isinstance(error, OperationalError) and any(w in text for w in ("locked", "busy", "deadlock"))


def public_url(url: str) -> str:
    """The store URL as safe to print: any password is dropped."""
    u = make_url(url)
    bare = URL.create(u.drivername, u.username, None, u.host, u.port, u.database, u.query)
    return bare.render_as_string(hide_password=False)


def open_engine(url: str, busy_timeout: float) -> Engine:
    """Create the engine; for SQLite also create the folder and set WAL, busy timeout and foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    database = parsed.database or ""
    in_memory = database in ("", ":memory:")
    if not in_memory:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        parsed,
        connect_args={"check_same_thread": False},
        poolclass=StaticPool if in_memory else None,
    )
    event.listen(engine, "connect", _sqlite_pragmas(int(busy_timeout * 1000)))
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_pragmas(busy_ms: int) -> Any:
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # the driver must not BEGIN on its own: _sqlite_begin does
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA synchronous = NORMAL")  # durable at checkpoints; safe with WAL
        finally:
            cursor.close()

    return on_connect


def _sqlite_begin(conn: Any) -> None:
    # A deferred transaction that reads, then writes, fails at once with SQLITE_BUSY when another writer
    # got in first; BEGIN IMMEDIATE takes the write lock up front so busy_timeout can queue it.
    write = conn.get_execution_options().get("curate_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def record_row(item: Keyed, stamp: datetime, raw: bytes | None) -> dict[str, Any]:
    """The `records` columns for a keyed record (identifier columns as `item.cols` allows)."""
    rec = item.record
    return {
        "record_id": item.key,
        **{kind: item.cols.get(kind) for kind in ("pmid", "doi", "pmcid")},
        "title": rec.title,
        "year": rec.year,
        "source": rec.source,
        "fetched_at": stamp,
        "date_revised": rec.date_revised,
        "parsed": rec.model_dump_json(),
        "raw": raw,
        "status": rec.status,
    }
