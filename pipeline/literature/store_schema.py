"""Tables, result models and the database connection set-up of the record store.

Column types are SQLAlchemy Core types that exist on SQLite and PostgreSQL; JSON is kept as text so
`parsed` round-trips byte for byte on both. Times are stored as naive UTC. Keys compare byte-wise on
both (COLLATE "C" on PostgreSQL), so paging and tie-breaks order records the same way everywhere.
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
# A server's default collation (en_US…) ignores punctuation when ordering; record keys need byte order.
Key = String().with_variant(String(collation="C"), "postgresql")

metadata = MetaData()
records = Table(
    "records",
    metadata,
    Column("record_id", Key, primary_key=True),
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
    Column("alias", Key, primary_key=True),
    Column(
        "record_id",
        Key,
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

    SQLite: 'database is locked' / 'busy'. PostgreSQL: the writer lock not granted within the lock
    timeout, deadlocks, and a UNIQUE violation from a concurrent writer inserting the same paper (a
    writer that bypassed the lock); the retry then finds the other writer's row and merges. On SQLite
    writers are serialised, so an IntegrityError there is a real error and is not retried.
    """
    text = str(error.orig).lower()
    if isinstance(error, IntegrityError):
        return dialect != "sqlite"
    words = ("locked", "busy", "deadlock", "lock timeout")
    return isinstance(error, OperationalError) and any(w in text for w in words)


def public_url(url: str) -> str:
    """The store URL as safe to print: any password is dropped."""
    u = make_url(url)
    bare = URL.create(u.drivername, u.username, None, u.host, u.port, u.database, u.query)
    return bare.render_as_string(hide_password=False)


def open_engine(url: str, busy_timeout: float) -> Engine:
    """Create the engine; for SQLite also create the folder and set WAL, busy timeout and foreign keys;
    for PostgreSQL use psycopg (3) and queue writers like SQLite does (`_postgres_begin`)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return _postgres_engine(parsed, busy_timeout)
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


def _postgres_engine(url: URL, busy_timeout: float) -> Engine:
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")  # SQLAlchemy's default driver is psycopg2
    # An unreachable host fails instead of hanging (a connect_timeout in the URL wins).
    connect_args = {} if "connect_timeout" in url.query else {"connect_timeout": max(1, round(busy_timeout))}
    engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    event.listen(engine, "begin", _postgres_begin(max(1, int(busy_timeout * 1000))))
    return engine


def _postgres_begin(busy_ms: int) -> Any:
    # The store reads keys, then writes: two such writers at once would collide on UNIQUE keys or
    # deadlock. A transaction-scoped advisory lock per schema queues writers (readers never wait), and
    # lock_timeout turns a long wait into an error `_run` retries, like SQLite's busy timeout.
    def on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("curate_write", False):
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {busy_ms}")
            conn.exec_driver_sql(
                "SELECT pg_advisory_xact_lock(hashtext('curate.record_store'), hashtext(current_schema()))"
            )

    return on_begin


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
