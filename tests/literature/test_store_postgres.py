"""The record store on a real PostgreSQL server: merging, aliases, search, deletion, concurrency.

The server comes from CURATE_TEST_POSTGRES_URL (CI starts one with `.ci/postgres.sh`). Without it these
tests skip, unless CURATE_REQUIRE_POSTGRES=1 makes a missing server a failure. Each test works in a fresh
schema, dropped afterwards, inside one database per session created with an ICU en-US collation (when
the role may create databases), so key order is tested against a natural-language collation.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import URL, create_engine, make_url, text
from sqlalchemy.exc import ProgrammingError
from store_helpers import assert_concurrent_upserts_merge, rec

from pipeline.errors import ConfigError, CurateError
from pipeline.literature.record_jsonl import iter_jsonl_records
from pipeline.literature.store import RecordStore
from pipeline.models import Author, Record

SNAPSHOT = Path(__file__).parent.parent / "data" / "records" / "vitamin-k2-records.jsonl"
BLADDER = "pmid:27570977"
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _server_url() -> URL:
    raw = os.environ.get("CURATE_TEST_POSTGRES_URL", "")
    if not raw:
        if os.environ.get("CURATE_REQUIRE_POSTGRES") == "1":
            pytest.fail("CURATE_REQUIRE_POSTGRES=1 but CURATE_TEST_POSTGRES_URL is not set")
        pytest.skip("no PostgreSQL server: set CURATE_TEST_POSTGRES_URL (see .ci/postgres.sh)")
    return make_url(raw)


@pytest.fixture(scope="session")
def database() -> Iterator[tuple[URL, bool]]:
    """(URL of a database for this session, whether it has the ICU en-US collation)."""
    server = _server_url()
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"curate_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(
                f"CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"
            )
    except ProgrammingError:  # no CREATEDB, or a server without ICU: use the given database as it is
        admin.dispose()
        yield server, False
        return
    yield server.set(database=name), True
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
    admin.dispose()


@pytest.fixture
def pg_url(database: tuple[URL, bool]) -> Iterator[str]:
    """A store URL whose search_path is a fresh schema, dropped after the test."""
    url, _ = database
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.dispose()


@pytest.fixture(params=["tsvector", "like"])
def store(request: pytest.FixtureRequest, pg_url: str) -> Iterator[RecordStore]:
    with RecordStore(pg_url, text_index=request.param) as s:
        yield s


@pytest.fixture(scope="session")
def snapshot() -> list[Record]:
    with SNAPSHOT.open(encoding="utf-8") as stream:
        return list(iter_jsonl_records(stream, origin=str(SNAPSHOT)))


@pytest.fixture
def loaded(store: RecordStore, snapshot: list[Record]) -> RecordStore:
    store.upsert_many(snapshot, fetched_at=T0)
    return store


# ----------------------------------------------------------------------------- opening


def test_schema_and_native_text_index_are_created(pg_url: str) -> None:
    with RecordStore(pg_url) as store:
        stats = store.stats()
    assert (stats.text_index, stats.schema_version, stats.total) == ("tsvector", 1, 0)
    assert make_url(pg_url).password not in stats.url
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))
        found = set(tables.scalars())
        gin = conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'text_docs_doc'")).scalar()
    engine.dispose()
    assert {"records", "aliases", "deleted", "meta", "text_docs"} <= found
    assert gin is not None and "USING gin (doc)" in gin


def test_plain_postgresql_scheme_uses_psycopg(pg_url: str) -> None:
    plain = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with RecordStore(plain) as store:
        assert store.upsert(rec(pmid="1", title="t")) == "pmid:1"
        assert store.url.startswith("postgresql://curate@127.0.0.1:")


def test_unreachable_server_is_a_config_error_without_the_password(pg_url: str) -> None:
    url = make_url(pg_url).set(port=1, password="hunter2")  # nothing listens on port 1
    with pytest.raises(ConfigError) as info:
        RecordStore(url.render_as_string(hide_password=False), busy_timeout=1)
    assert "not a usable record store" in str(info.value) and "127.0.0.1:1" in str(info.value)
    assert "hunter2" not in str(info.value)


def test_tsvector_index_needs_postgresql(tmp_path: Path) -> None:
    """Runs without a server: asking SQLite for the PostgreSQL index is a configuration error."""
    with pytest.raises(ConfigError, match="tsvector needs PostgreSQL, not sqlite"):
        RecordStore(f"sqlite:///{tmp_path / 'store.sqlite'}", text_index="tsvector")


# ----------------------------------------------------------------------------- keys and merging


def test_snapshot_loads_once_and_reimport_changes_nothing(
    loaded: RecordStore, snapshot: list[Record]
) -> None:
    stats = loaded.stats()
    assert (stats.total, stats.with_pmid, stats.doi_only, stats.text_indexed) == (38, 19, 18, 38)
    assert stats.by_source == {"snapshot": 38}
    again = loaded.upsert_many(snapshot, fetched_at=T0)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 38)
    assert loaded.stats() == stats


def test_doi_record_gaining_a_pmid_becomes_the_pmid_row(loaded: RecordStore) -> None:
    update = rec(pmid="21739466", doi="10.1002/HEP.24430", title="Updated title", source="pubmed")
    assert loaded.upsert(update, raw=b"<PubmedArticle/>", fetched_at=T0) == "pmid:21739466"
    merged = loaded.get("https://doi.org/10.1002/hep.24430")
    assert merged is not None and (merged.record_id, merged.title, merged.year) == (
        "pmid:21739466",
        "Updated title",
        2011,
    )
    stats = loaded.stats()
    assert (stats.total, stats.with_pmid, stats.doi_only, stats.text_indexed) == (38, 20, 17, 38)
    assert [h.record_id for h in loaded.search("updated title")] == ["pmid:21739466"]


def test_doi_row_and_pmcid_row_fold_into_one_pmid_row_with_aliases(store: RecordStore) -> None:
    store.upsert(rec(doi="10.1000/a1", title="from crossref", authors=[Author(last_name="A")]))
    store.upsert(rec(pmcid="PMC42", title="from pmc", keywords=["k1", "k2"]))
    stats = store.upsert_many([rec(pmid="7", doi="10.1000/A1", pmcid="pmc42", title="from pubmed")])
    assert (stats.updated, stats.merged, store.stats().total) == (1, 2, 1)
    for key in ("7", "PMID: 7", "doi:10.1000/a1", "DOI:10.1000/A1", "PMC42", "pmcid:PMC42"):
        assert store.resolve(key) == "pmid:7", key
    one = store.get("PMC42")
    assert one is not None and (one.title, one.keywords) == ("from pubmed", ["k1", "k2"])
    assert [a.last_name for a in one.authors] == ["A"]


def test_two_pmids_sharing_a_doi_stay_two_papers(store: RecordStore) -> None:
    store.upsert(rec(pmid="100", doi="10.1000/shared", title="article"))
    stats = store.upsert_many([rec(pmid="200", doi="10.1000/shared", title="erratum")])
    assert (stats.inserted, stats.conflicts, store.stats().total) == (1, 1, 2)
    assert store.get("doi:10.1000/shared").title == "article"


def test_get_many_keeps_the_asked_keys_and_drops_unknown(loaded: RecordStore) -> None:
    found = loaded.get_many(["27570977", "doi:10.4161/auto.5941", "pmid:1", "not an id"])
    assert set(found) == {"27570977", "doi:10.4161/auto.5941"}
    assert found["27570977"].record_id == BLADDER
    assert found["doi:10.4161/auto.5941"].title.startswith("Vitamin K2 induces autophagy")


def test_key_order_is_bytewise_under_a_natural_language_collation(
    pg_url: str, database: tuple[URL, bool]
) -> None:
    if not database[1]:
        pytest.skip("the test role may not create an ICU database")
    # ICU sorts '_' before '-' and ignores case first; byte order (SQLite, Python) does neither.
    keys = ["10.1000/a-b", "10.1000/a_b", "10.1000/a.b", "10.1000/ab", "10.1000/a1"]
    with RecordStore(pg_url) as store:
        store.upsert_many([rec(doi=k, title=k) for k in keys] + [rec(pmcid="PMC5"), rec(pmid="5")])
        ids = [r.record_id for r in store.iter_records(page=2)]
    assert ids == sorted(ids) and len(ids) == 7


# ----------------------------------------------------------------------------- search


@pytest.mark.parametrize("mode", ["all", "any"])
def test_bladder_cancer_apoptosis_paper_ranks_first(loaded: RecordStore, mode: str) -> None:
    hits = loaded.search("bladder cancer apoptosis", mode=mode)  # type: ignore[arg-type]
    assert hits[0].record_id == BLADDER and "Bladder Cancer" in hits[0].title
    assert all(h.score > 0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_any_mode_finds_more_than_all_mode_and_limit_bounds(loaded: RecordStore) -> None:
    assert loaded.search("bladder leukemia", mode="all") == []
    found = {h.record_id for h in loaded.search("bladder leukemia", mode="any", limit=50)}
    assert {BLADDER, "doi:10.4161/auto.5941"} <= found
    assert len(loaded.search("vitamin", limit=5)) == 5


def test_native_index_stems_plurals(pg_url: str, snapshot: list[Record]) -> None:
    with RecordStore(pg_url) as store:
        store.upsert_many(snapshot)
        assert BLADDER in {h.record_id for h in store.search("bladders cancers")}


@pytest.mark.parametrize("query", ['vitamin K2 "hepatocellular', "AND OR (", "a & !b | c:*", "<->", "'", ""])
def test_hostile_queries_never_raise(loaded: RecordStore, query: str) -> None:
    hits = loaded.search(query, limit=50)
    if query.startswith("vitamin K2"):
        texts = [loaded.get(h.record_id).model_dump_json().lower() for h in hits]
        assert texts and all("hepatocellular" in t for t in texts)
    if query in ("<->", "'", ""):
        assert hits == []


def test_search_can_require_one_of_several_phrases(loaded: RecordStore) -> None:
    anywhere = {h.record_id for h in loaded.search("cancer", limit=50, mode="any")}
    named = {h.record_id for h in loaded.search("cancer", limit=50, mode="any", require=["menatetrenone"])}
    assert named and named < anywhere
    phrase = {h.record_id for h in loaded.search("cancer", limit=50, mode="any", require=["vitamin K1"])}
    assert phrase
    for record in loaded.get_many(phrase).values():
        mesh = " ".join(h.descriptor for h in record.mesh_headings)
        assert re.search(r"vitamins? k ?1", f"{record.title} {record.abstract} {mesh}".lower())


def test_short_words_are_not_stop_words(store: RecordStore) -> None:
    """`vitamin A` is a supplement, not `vitamin` plus a stop word (PostgreSQL's stock `english` drops it)."""
    store.upsert_many(
        [rec(pmid="1", title="Vitamin A and bone"), rec(pmid="2", title="Vitamin D in a bone study")]
    )
    assert [h.record_id for h in store.search("bone", require=["vitamin A"])] == ["pmid:1"]
    assert {h.record_id for h in store.search("the a and", mode="any")} == {"pmid:1", "pmid:2"}


# ----------------------------------------------------------------------------- deletion


def test_delete_citation_removes_row_aliases_and_index(loaded: RecordStore) -> None:
    assert loaded.delete_pmids(["34858832", "99999999"]) == 1
    assert loaded.get("doi:10.3389/fonc.2021.757603") is None and loaded.get("PMC8630649") is None
    stats = loaded.stats()
    assert (stats.total, stats.deleted, stats.text_indexed) == (37, 2, 37)
    assert "pmid:34858832" not in {h.record_id for h in loaded.search("hepatocellular", limit=50)}
    again = loaded.upsert_many([rec(pmid="34858832", title="resurrected")])
    assert (again.skipped_deleted, again.inserted, loaded.get("34858832")) == (1, 0, None)


# ----------------------------------------------------------------------------- concurrency


def test_two_stores_in_two_threads_write_without_duplicates_or_errors(pg_url: str) -> None:
    assert_concurrent_upserts_merge(pg_url)


def test_writer_waiting_past_the_lock_timeout_gets_a_curate_error(pg_url: str) -> None:
    store = RecordStore(pg_url, busy_timeout=0.05, attempts=2)
    holder = create_engine(pg_url)
    with holder.connect() as conn, conn.begin():
        # Take the writers' lock the way another store's transaction would.
        conn.exec_driver_sql(
            "SELECT pg_advisory_xact_lock(hashtext('curate.record_store'), hashtext(current_schema()))"
        )
        started = time.perf_counter()
        with pytest.raises(CurateError, match="still locked after 2 attempts"):
            store.upsert(rec(pmid="3"))
        assert time.perf_counter() - started < 5
        assert store.get("3") is None  # readers never wait for the writers' lock
    assert store.upsert(rec(pmid="3")) == "pmid:3"
    store.close()
    holder.dispose()
