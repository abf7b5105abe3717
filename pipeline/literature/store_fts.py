"""Full-text search behind one small interface: SQLite FTS5 with BM25, PostgreSQL tsvector
(store_fts_pg), or a portable LIKE fallback.

The store calls `index`, `remove`, `search` and `count` inside its own transactions, so the text index
always agrees with the records table. User text never reaches FTS syntax raw: it is split into words and
each word is quoted (`search_terms`), so `AND OR (` or an unbalanced quote cannot raise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    String,
    Table,
    Text,
    and_,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.sql.elements import ColumnElement

from pipeline.errors import ConfigError
from pipeline.models import Record

SearchMode = Literal["any", "all"]
MAX_TERMS = 32  # bounds the cost of one query; longer input is truncated, not rejected
_CHUNK = 500  # stays under every driver's bound-parameter limit
_WORD = re.compile(r"[^\W_]+")  # letters and digits, as FTS5's unicode61 tokenizer splits them


@dataclass(frozen=True)
class TextDoc:
    """The searchable text of one record."""

    record_id: str
    title: str
    abstract: str
    mesh: str
    keywords: str


def text_doc(record: Record) -> TextDoc:
    """Collect title, abstract (or its sections), MeSH descriptors and keywords of a record."""
    abstract = record.abstract or " ".join(s.text for s in record.abstract_sections)
    mesh = " ".join(h.descriptor for h in record.mesh_headings)
    return TextDoc(record.record_id, record.title or "", abstract, mesh, " ".join(record.keywords))


def search_terms(query: str) -> list[str]:
    """Split user text into at most MAX_TERMS distinct lower-case words (order kept)."""
    words = dict.fromkeys(w.lower() for w in _WORD.findall(query))
    return list(words)[:MAX_TERMS]


def required_phrases(require: Sequence[str]) -> list[str]:
    """Phrases of which a hit must contain one, as lower-case words joined by single spaces."""
    phrases = (" ".join(w.lower() for w in _WORD.findall(p)) for p in require)
    return list(dict.fromkeys(p for p in phrases if p))[:MAX_TERMS]


def chunks(items: Sequence[str], size: int = _CHUNK) -> Iterable[Sequence[str]]:
    """Yield slices of at most `size` items (IN lists must stay under parameter limits)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class TextIndex(Protocol):
    """What the store needs from a full-text index; every method runs on the caller's connection."""

    name: str

    def create(self, conn: Connection) -> None: ...
    def index(self, conn: Connection, docs: Sequence[TextDoc]) -> None: ...
    def remove(self, conn: Connection, record_ids: Sequence[str]) -> None: ...
    def search(
        self, conn: Connection, query: str, mode: SearchMode, limit: int, require: Sequence[str] = ()
    ) -> list[tuple[str, float]]: ...
    def count(self, conn: Connection) -> int: ...


class Fts5Index:
    """SQLite FTS5 table keyed by a small integer map, because FTS5 rows are addressed by rowid."""

    name = "fts5"
    # Column weights for bm25(): a word in the title says more about a paper than one in the abstract.
    WEIGHTS = "10.0, 1.0, 4.0, 4.0"

    def create(self, conn: Connection) -> None:
        conn.exec_driver_sql(
            "CREATE TABLE IF NOT EXISTS fts_docs (doc_id INTEGER PRIMARY KEY, record_id TEXT NOT NULL UNIQUE)"
        )
        conn.exec_driver_sql(
            "CREATE VIRTUAL TABLE IF NOT EXISTS records_fts USING fts5("
            "title, abstract, mesh, keywords, tokenize='porter unicode61 remove_diacritics 2')"
        )

    def _doc_ids(self, conn: Connection, record_ids: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for part in chunks(record_ids):
            marks = ",".join("?" * len(part))
            sql = f"SELECT record_id, doc_id FROM fts_docs WHERE record_id IN ({marks})"
            found.update(conn.exec_driver_sql(sql, tuple(part)).all())
        return found

    def index(self, conn: Connection, docs: Sequence[TextDoc]) -> None:
        if not docs:
            return
        known = self._doc_ids(conn, [d.record_id for d in docs])
        self._delete_rows(conn, list(known.values()))
        next_id = conn.exec_driver_sql("SELECT coalesce(max(doc_id), 0) FROM fts_docs").scalar_one() + 1
        new_ids = {}
        for doc in docs:
            if doc.record_id not in known and doc.record_id not in new_ids:
                new_ids[doc.record_id] = next_id
                next_id += 1
        if new_ids:
            rows = [(i, r) for r, i in new_ids.items()]
            conn.exec_driver_sql("INSERT INTO fts_docs (doc_id, record_id) VALUES (?, ?)", rows)
        ids = known | new_ids
        rows = [(ids[d.record_id], d.title, d.abstract, d.mesh, d.keywords) for d in docs]
        sql = "INSERT INTO records_fts (rowid, title, abstract, mesh, keywords) VALUES (?, ?, ?, ?, ?)"
        conn.exec_driver_sql(sql, rows)

    def _delete_rows(self, conn: Connection, doc_ids: list[int]) -> None:
        if doc_ids:
            conn.exec_driver_sql("DELETE FROM records_fts WHERE rowid = ?", [(i,) for i in doc_ids])

    def remove(self, conn: Connection, record_ids: Sequence[str]) -> None:
        known = self._doc_ids(conn, record_ids)
        self._delete_rows(conn, list(known.values()))
        if known:
            conn.exec_driver_sql("DELETE FROM fts_docs WHERE doc_id = ?", [(i,) for i in known.values()])

    def search(
        self, conn: Connection, query: str, mode: SearchMode, limit: int, require: Sequence[str] = ()
    ) -> list[tuple[str, float]]:
        terms = search_terms(query)
        if not terms:
            return []
        # Each word becomes an FTS5 string ("word"), so operators and brackets in user text stay words.
        match = (" OR ".join if mode == "any" else " ".join)(f'"{t}"' for t in terms)
        if phrases := required_phrases(require):
            match = "(" + " OR ".join(f'"{p}"' for p in phrases) + f") AND ({match})"
        sql = (
            f"SELECT d.record_id, -bm25(records_fts, {self.WEIGHTS}) AS score FROM records_fts "
            "JOIN fts_docs d ON d.doc_id = records_fts.rowid "
            "WHERE records_fts MATCH ? ORDER BY score DESC, d.record_id LIMIT ?"
        )
        return [(r, float(s)) for r, s in conn.exec_driver_sql(sql, (match, limit)).all()]

    def count(self, conn: Connection) -> int:
        return conn.exec_driver_sql("SELECT count(*) FROM fts_docs").scalar_one()


_like_meta = MetaData()
search_docs = Table(
    "search_docs",
    _like_meta,
    Column("record_id", String(300), primary_key=True),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),  # lower-cased title, abstract, MeSH and keywords
)


class LikeIndex:
    """Portable fallback for databases without FTS5: LIKE filtering, then term-frequency scoring.

    Scores count words that start with each term (title counted three times): `cancer` finds `cancers`
    but not the reverse. Used where neither FTS5 nor PostgreSQL is available, or when asked for.
    """

    name = "like"
    MAX_CANDIDATES = 5000  # scoring happens in Python: bound the rows pulled in

    def create(self, conn: Connection) -> None:
        _like_meta.create_all(conn)

    def index(self, conn: Connection, docs: Sequence[TextDoc]) -> None:
        self.remove(conn, [d.record_id for d in docs])
        if docs:
            rows = [{"record_id": d.record_id, "title": d.title, "body": _body(d)} for d in docs]
            conn.execute(search_docs.insert(), rows)

    def remove(self, conn: Connection, record_ids: Sequence[str]) -> None:
        for part in chunks(record_ids):
            conn.execute(search_docs.delete().where(search_docs.c.record_id.in_(part)))

    def search(
        self, conn: Connection, query: str, mode: SearchMode, limit: int, require: Sequence[str] = ()
    ) -> list[tuple[str, float]]:
        terms = search_terms(query)
        if not terms:
            return []
        tests = [_contains(search_docs.c.body, t) for t in terms]
        where = or_(*tests) if mode == "any" else and_(*tests)
        if phrases := required_phrases(require):
            where = and_(or_(*(_contains(search_docs.c.body, p) for p in phrases)), where)
        cols = (search_docs.c.record_id, search_docs.c.title, search_docs.c.body)
        rows = conn.execute(select(*cols).where(where).limit(self.MAX_CANDIDATES))
        scored = [(rid, _score(title, body, terms, mode)) for rid, title, body in rows]
        scored = sorted((hit for hit in scored if hit[1] > 0), key=lambda hit: (-hit[1], hit[0]))
        return scored[:limit]

    def count(self, conn: Connection) -> int:
        return conn.execute(select(func.count()).select_from(search_docs)).scalar_one()


def _body(doc: TextDoc) -> str:
    return " ".join((doc.title, doc.abstract, doc.mesh, doc.keywords)).lower()


def _contains(column: ColumnElement[str], term: str) -> ColumnElement[bool]:
    # Terms are letters and digits only (search_terms), so no LIKE wildcard can sneak in.
    return column.like(f"%{term}%")


def _score(title: str, body: str, terms: list[str], mode: SearchMode) -> float:
    """Occurrences of words starting with each term (LIKE also matched inside words); title counts 3x.

    Zero when `mode` is 'all' and some term starts no word, so substring-only candidates drop out.
    """
    lowered = title.lower()
    counts = [len(_starts_word(t).findall(body)) for t in terms]
    if not any(counts) or (mode == "all" and not all(counts)):
        return 0.0
    return float(sum(counts) + 2 * sum(len(_starts_word(t).findall(lowered)) for t in terms))


def _starts_word(term: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(term)}")


def has_fts5(engine: Engine) -> bool:
    """True when the SQLite library behind `engine` was compiled with FTS5."""
    if engine.dialect.name != "sqlite":
        return False
    with engine.connect() as conn:
        options = {row[0] for row in conn.execute(text("PRAGMA compile_options"))}
    return "ENABLE_FTS5" in options


IndexKind = Literal["auto", "fts5", "tsvector", "like"]


def make_index(engine: Engine, kind: IndexKind = "auto") -> TextIndex:
    """Choose the text index: FTS5 where SQLite has it, tsvector on PostgreSQL, else the LIKE index."""
    from pipeline.literature.store_fts_pg import TsvectorIndex  # that module imports this one

    postgres = engine.dialect.name == "postgresql"
    if kind == "tsvector" and not postgres:
        raise ConfigError("text_index", f"tsvector needs PostgreSQL, not {engine.dialect.name}")
    if kind == "tsvector" or (kind == "auto" and postgres):
        return TsvectorIndex()
    available = has_fts5(engine)
    if kind == "fts5" and not available:
        raise ConfigError("text_index", f"fts5 needs SQLite with FTS5, not {engine.dialect.name}")
    return Fts5Index() if kind == "fts5" or (kind == "auto" and available) else LikeIndex()
