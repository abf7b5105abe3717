"""PostgreSQL's native full-text index for the record store: a weighted `tsvector` per record, a GIN index,
and `ts_rank_cd` ranking, behind the same `TextIndex` interface as SQLite's FTS5.

Text is split into words in Python with the split `search_terms` uses, so indexed words and query words
agree on both databases (`vitamin-K1` is `vitamin K1` everywhere). Words are stemmed by an English
Snowball dictionary without a stop-word list: `vitamin A` must not shrink to `vitamin`, as it would
under PostgreSQL's stock `english` configuration.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, text

from pipeline.literature.store_fts import SearchMode, TextDoc, chunks, required_phrases, search_terms

CONFIG = "curate_english"  # created in the store's schema, found through the connection's search_path
_WORD = re.compile(r"[^\W_]+")  # the split of store_fts.search_terms
# ts_rank_cd weights for D, C, B, A: title (A) 10 : MeSH and keywords (B) 4 : abstract (D) 1, as on FTS5.
_WEIGHTS = "'{0.1, 0.2, 0.4, 1.0}'::float4[]"

_CREATE = (
    'CREATE TABLE IF NOT EXISTS text_docs (record_id text COLLATE "C" PRIMARY KEY, doc tsvector NOT NULL)',
    "CREATE INDEX IF NOT EXISTS text_docs_doc ON text_docs USING gin (doc)",
)
# No IF NOT EXISTS for text search objects: `create` checks pg_ts_config first.
_CREATE_CONFIG = (
    "CREATE TEXT SEARCH DICTIONARY curate_stem (TEMPLATE = snowball, LANGUAGE = english)",
    f"CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = pg_catalog.english)",
    f"ALTER TEXT SEARCH CONFIGURATION {CONFIG} ALTER MAPPING FOR "
    "asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH curate_stem",
)
_HAS_CONFIG = text(
    "SELECT count(*) FROM pg_ts_config WHERE cfgname = :name "
    "AND cfgnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
)
_UPSERT = text(
    "INSERT INTO text_docs (record_id, doc) VALUES (:record_id, "
    f"setweight(to_tsvector('{CONFIG}', :title), 'A') || "
    f"setweight(to_tsvector('{CONFIG}', :terms), 'B') || "
    f"setweight(to_tsvector('{CONFIG}', :abstract), 'D')) "
    "ON CONFLICT (record_id) DO UPDATE SET doc = excluded.doc"
)


def plain_words(value: str) -> str:
    """The words of `value` (letters and digits) joined by spaces: nothing left for PostgreSQL's parser
    to read as a signed number, a URL or a hyphenated compound."""
    return " ".join(_WORD.findall(value))


class TsvectorIndex:
    """One `text_docs` row per record: title weighted A, MeSH and keywords B, abstract D."""

    name = "tsvector"

    def create(self, conn: Connection) -> None:
        for statement in _CREATE:
            conn.exec_driver_sql(statement)
        if not conn.execute(_HAS_CONFIG, {"name": CONFIG}).scalar_one():
            for statement in _CREATE_CONFIG:
                conn.exec_driver_sql(statement)

    def index(self, conn: Connection, docs: Sequence[TextDoc]) -> None:
        if docs:
            conn.execute(_UPSERT, [_params(d) for d in docs])

    def remove(self, conn: Connection, record_ids: Sequence[str]) -> None:
        for part in chunks(record_ids):
            conn.execute(text("DELETE FROM text_docs WHERE record_id = ANY(:ids)"), {"ids": list(part)})

    def search(
        self, conn: Connection, query: str, mode: SearchMode, limit: int, require: Sequence[str] = ()
    ) -> list[tuple[str, float]]:
        terms = search_terms(query)
        if not terms:
            return []
        # Terms are letters and digits only, so joining them cannot produce tsquery operators.
        params: dict[str, Any] = {"query": (" | " if mode == "any" else " & ").join(terms), "limit": limit}
        where = "doc @@ q"
        if phrases := required_phrases(require):
            params |= {f"p{i}": p for i, p in enumerate(phrases)}
            tests = (f"doc @@ phraseto_tsquery('{CONFIG}', :p{i})" for i in range(len(phrases)))
            where += " AND (" + " OR ".join(tests) + ")"
        sql = (
            f"SELECT record_id, ts_rank_cd({_WEIGHTS}, doc, q) AS score "
            f"FROM text_docs, to_tsquery('{CONFIG}', :query) AS q WHERE {where} "
            "ORDER BY score DESC, record_id LIMIT :limit"
        )
        return [(r, float(s)) for r, s in conn.execute(text(sql), params).all()]

    def count(self, conn: Connection) -> int:
        return conn.execute(text("SELECT count(*) FROM text_docs")).scalar_one()


def _params(doc: TextDoc) -> dict[str, str]:
    return {
        "record_id": doc.record_id,
        "title": plain_words(doc.title),
        "terms": plain_words(f"{doc.mesh} {doc.keywords}"),
        "abstract": plain_words(doc.abstract),
    }
