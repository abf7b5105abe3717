"""The record store: keys and merging, aliases, full-text search, deletion, freshness, concurrency."""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from store_helpers import assert_concurrent_upserts_merge, rec

from pipeline.errors import ConfigError, CurateError
from pipeline.literature.identifiers import IdentifierError
from pipeline.literature.store import RecordStore, merge_records
from pipeline.literature.store_fts import SearchMode
from pipeline.literature.store_schema import is_transient, public_url
from pipeline.models import Author, Journal, MeshHeading, Record

DATA = Path(__file__).parent.parent / "data" / "records"
SNAPSHOT = DATA / "vitamin-k2-records.jsonl"
# "Vitamin K2 Induces Mitochondria-Related Apoptosis in Human Bladder Cancer Cells via ROS and …"
BLADDER = "pmid:27570977"
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def load_snapshot() -> list[Record]:
    from pipeline.literature.record_jsonl import iter_jsonl_records

    with SNAPSHOT.open(encoding="utf-8") as stream:
        return list(iter_jsonl_records(stream, origin=str(SNAPSHOT)))


@pytest.fixture(params=["fts5", "like"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RecordStore]:
    with RecordStore(f"sqlite:///{tmp_path / '.curate' / 'store.sqlite'}", text_index=request.param) as s:
        yield s


@pytest.fixture
def fts_store(tmp_path: Path) -> Iterator[RecordStore]:
    with RecordStore(f"sqlite:///{tmp_path / 'store.sqlite'}") as s:
        yield s


@pytest.fixture(scope="module")
def snapshot() -> list[Record]:
    return load_snapshot()


@pytest.fixture
def loaded(store: RecordStore, snapshot: list[Record]) -> RecordStore:
    store.upsert_many(snapshot, fetched_at=T0)
    return store


# ----------------------------------------------------------------------------- opening


def test_opening_creates_folder_and_sets_sqlite_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "store.sqlite"
    RecordStore(f"sqlite:///{path}").close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"records", "aliases", "deleted", "meta", "records_fts"} <= tables
    assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == ("1",)


def test_corrupt_file_raises_config_error_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    path.write_bytes(b"this is not a database, just text pretending\n" * 200)
    with pytest.raises(ConfigError) as info:
        RecordStore(f"sqlite:///{path}")
    assert str(path) in str(info.value)
    assert "not a database" in str(info.value)


def test_newer_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    RecordStore(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(ConfigError, match="schema 99"):
        RecordStore(f"sqlite:///{path}")


# ----------------------------------------------------------------------------- snapshot: keys, merge


def test_snapshot_loads_one_row_per_paper(loaded: RecordStore) -> None:
    stats = loaded.stats()
    assert (stats.total, stats.with_pmid, stats.doi_only) == (38, 19, 18)  # the 38th has only a PMCID
    assert stats.text_indexed == 38
    assert stats.by_source == {"snapshot": 38}
    assert loaded.get("PMC4042573").record_id == "pmcid:PMC4042573"


def test_reimport_is_idempotent(loaded: RecordStore, snapshot: list[Record]) -> None:
    before = loaded.stats()
    again = loaded.upsert_many(snapshot, fetched_at=T0)
    assert (again.inserted, again.updated, again.unchanged, again.merged) == (0, 0, 38, 0)
    assert loaded.stats() == before


def test_doi_record_gaining_a_pmid_becomes_the_pmid_row(loaded: RecordStore) -> None:
    old = loaded.get("doi:10.1002/hep.24430")
    assert old is not None and old.record_id == "doi:10.1002/hep.24430" and old.pmid is None
    update = rec(pmid="21739466", doi="10.1002/HEP.24430", title="Updated title", source="pubmed")
    assert loaded.upsert(update, fetched_at=T0) == "pmid:21739466"
    merged = loaded.get("doi:10.1002/hep.24430")
    assert merged is not None and merged.record_id == "pmid:21739466"
    assert merged.title == "Updated title"  # non-null new value wins
    assert merged.year == old.year == 2011  # the newcomer had no year: the old one stays
    assert merged.source == "pubmed"
    stats = loaded.stats()
    assert (stats.total, stats.with_pmid, stats.doi_only) == (38, 20, 17)
    assert loaded.resolve("doi:10.1002/hep.24430") == "pmid:21739466"
    hits = loaded.search("updated title")
    assert [h.record_id for h in hits] == ["pmid:21739466"]
    assert loaded.stats().text_indexed == 38


@pytest.mark.parametrize(
    "key",
    [
        "pmid:34858832",
        "34858832",
        "PMID: 34858832",
        "https://pubmed.ncbi.nlm.nih.gov/34858832/",
        "doi:10.3389/fonc.2021.757603",
        "DOI:10.3389/FONC.2021.757603",
        "https://doi.org/10.3389/fonc.2021.757603",
        "pmcid:PMC8630649",
        "PMC8630649",
        "pmc8630649",
    ],
)
def test_every_identifier_form_finds_the_same_record(loaded: RecordStore, key: str) -> None:
    found = loaded.get(key)
    assert found is not None
    assert found.record_id == "pmid:34858832"
    assert found.title.startswith("Vitamin K2 Inhibits Hepatocellular Carcinoma")


def test_get_many_keeps_the_asked_keys_and_drops_unknown(loaded: RecordStore) -> None:
    found = loaded.get_many(["27570977", "doi:10.4161/auto.5941", "pmid:1", "not an id"])
    assert set(found) == {"27570977", "doi:10.4161/auto.5941"}
    assert found["doi:10.4161/auto.5941"].title.startswith("Vitamin K2 induces autophagy")


def test_delete_pmids_rejects_non_pmids(store: RecordStore) -> None:
    with pytest.raises(IdentifierError, match="expected a PMID"):
        store.delete_pmids(["10.1000/xyz"])


# ----------------------------------------------------------------------------- merging rules


def test_doi_row_and_pmcid_row_fold_into_one_pmid_row(store: RecordStore) -> None:
    store.upsert(rec(doi="10.1000/a1", title="from crossref", authors=[Author(last_name="A")]))
    store.upsert(rec(pmcid="PMC42", title="from pmc", keywords=["k1", "k2"]))
    assert store.stats().total == 2
    stats = store.upsert_many([rec(pmid="7", doi="10.1000/A1", pmcid="pmc42", title="from pubmed")])
    assert (stats.updated, stats.merged, stats.inserted) == (1, 2, 0)
    assert store.stats().total == 1
    one = store.get("PMC42")
    assert one is not None and one.record_id == "pmid:7"
    assert (one.title, one.keywords) == ("from pubmed", ["k1", "k2"])
    assert [a.last_name for a in one.authors] == ["A"]
    assert store.resolve("doi:10.1000/a1") == store.resolve("pmcid:PMC42") == "pmid:7"


def test_two_pmids_sharing_a_doi_stay_two_papers(store: RecordStore) -> None:
    store.upsert(rec(pmid="100", doi="10.1000/shared", title="article"))
    stats = store.upsert_many([rec(pmid="200", doi="10.1000/shared", title="erratum")])
    assert (stats.inserted, stats.conflicts) == (1, 1)
    assert store.stats().total == 2
    assert store.get("doi:10.1000/shared").title == "article"  # the first holder keeps the DOI
    assert store.get("200").doi == "10.1000/shared"  # kept in the record, not in the UNIQUE column


def test_record_bridging_two_pmid_papers_never_merges_them(store: RecordStore) -> None:
    store.upsert(rec(pmid="100", doi="10.1000/d100", title="paper 100"))
    store.upsert(rec(pmid="200", pmcid="PMC200", title="paper 200"))
    stats = store.upsert_many([rec(doi="10.1000/d100", pmcid="PMC200", title="bridge")])
    assert (stats.updated, stats.conflicts, store.stats().total) == (1, 1, 2)
    assert store.get("100").title == "bridge"
    assert store.get("PMC200").title == "paper 200"


def test_printed_url_never_shows_a_password() -> None:
    url = public_url("postgresql+psycopg://curate:s3cret@db.local:5432/curate")
    assert url == "postgresql+psycopg://curate@db.local:5432/curate"


def test_merge_records_prefers_new_values_and_longer_lists() -> None:
    old = rec(
        pmid="1",
        title="Old",
        abstract="kept",
        journal=Journal(title="J", volume="3"),
        authors=[Author(last_name="A"), Author(last_name="B")],
        other_ids={"pii": "x"},
    )
    new = rec(pmid="1", title="New", abstract="", journal=Journal(issue="2"), authors=[Author(last_name="C")])
    merged = merge_records(old, new)
    assert (merged.title, merged.abstract) == ("New", "kept")  # empty string does not overwrite
    assert merged.journal == Journal(title="J", volume="3", issue="2")
    assert [a.last_name for a in merged.authors] == ["A", "B"]
    assert merged.other_ids == {"pii": "x"}


def test_changed_record_updates_in_place_and_reindexes(store: RecordStore) -> None:
    store.upsert(rec(pmid="5", title="menaquinone bone density"), raw=b"<xml/>")
    assert store.search("menaquinone")[0].record_id == "pmid:5"
    stats = store.upsert_many([rec(pmid="5", title="phylloquinone coagulation")])
    assert (stats.updated, stats.unchanged, stats.merged) == (1, 0, 0)
    assert store.search("menaquinone") == []
    assert [h.record_id for h in store.search("coagulation")] == ["pmid:5"]


def test_same_paper_twice_in_one_batch_is_one_row(store: RecordStore) -> None:
    stats = store.upsert_many([rec(doi="10.1000/b"), rec(pmid="9", doi="10.1000/b", title="t")])
    assert (stats.inserted, stats.updated, stats.merged) == (1, 1, 1)
    assert store.stats().total == 1 and store.get("10.1000/b").record_id == "pmid:9"


_ID_SETS = st.lists(st.sets(st.sampled_from(["pmid", "doi", "pmcid"]), min_size=1), min_size=1, max_size=6)


@settings(max_examples=40, deadline=None)
@given(_ID_SETS)
def test_any_upsert_order_leaves_one_row_per_linked_group(id_sets: list[set[str]]) -> None:
    """Records of one paper, each with some of its identifiers: rows = groups linked by shared ids."""
    values = {"pmid": "123", "doi": "10.1000/p", "pmcid": "PMC9"}
    with RecordStore("sqlite://") as store:
        for ids in id_sets:
            store.upsert(rec(**{k: values[k] for k in ids}))
        groups: list[set[str]] = []
        for ids in id_sets:
            touching = [g for g in groups if g & ids]
            groups = [g for g in groups if not g & ids] + [set(ids).union(*touching)]
        assert store.stats().total == len(groups)
        if any("pmid" in g for g in groups):
            assert store.get("pmid:123") is not None


# ----------------------------------------------------------------------------- search


@pytest.mark.parametrize("mode", ["all", "any"])
def test_bladder_cancer_apoptosis_paper_ranks_first(loaded: RecordStore, mode: SearchMode) -> None:
    hits = loaded.search("bladder cancer apoptosis", mode=mode)
    assert hits[0].record_id == BLADDER
    assert "Bladder Cancer" in hits[0].title
    assert all(h.score > 0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_any_mode_finds_more_than_all_mode(loaded: RecordStore) -> None:
    assert loaded.search("bladder leukemia", mode="all") == []
    found = {h.record_id for h in loaded.search("bladder leukemia", mode="any", limit=50)}
    assert BLADDER in found and "doi:10.4161/auto.5941" in found


def test_porter_stemming_matches_plural_on_fts5(fts_store: RecordStore, snapshot: list[Record]) -> None:
    fts_store.upsert_many(snapshot)
    assert BLADDER in {h.record_id for h in fts_store.search("bladders cancers")}


@pytest.mark.parametrize(
    "query",
    ['vitamin K2 "hepatocellular', "AND OR (", "NEAR(vitamin", "title:vitamin", '"""', "*", "^k2", "-", ""],
)
def test_hostile_queries_never_raise(loaded: RecordStore, query: str) -> None:
    hits = loaded.search(query, limit=50)
    if query.startswith("vitamin K2"):
        texts = [loaded.get(h.record_id).model_dump_json().lower() for h in hits]
        assert texts and all("hepatocellular" in t for t in texts)
    if query in ('"""', "*", "-", ""):
        assert hits == []


def test_limit_bounds_results(loaded: RecordStore) -> None:
    assert len(loaded.search("vitamin", limit=5)) == 5


# ----------------------------------------------------------------------------- deletion and freshness


def test_delete_citation_removes_row_aliases_and_index(loaded: RecordStore) -> None:
    assert loaded.delete_pmids(["34858832", "99999999"]) == 1
    assert loaded.get("doi:10.3389/fonc.2021.757603") is None
    assert loaded.get("PMC8630649") is None
    stats = loaded.stats()
    assert (stats.total, stats.deleted, stats.text_indexed) == (37, 2, 37)
    assert "pmid:34858832" not in {h.record_id for h in loaded.search("hepatocellular", limit=50)}
    again = loaded.upsert_many([rec(pmid="34858832", title="resurrected")])
    assert (again.skipped_deleted, again.inserted) == (1, 0)
    assert loaded.get("34858832") is None


def test_freshness_follows_ttl(store: RecordStore) -> None:
    store.upsert(rec(doi="10.1000/fresh"), fetched_at=T0)
    assert store.is_fresh("doi:10.1000/fresh", 3600, now=T0 + timedelta(seconds=3599))
    assert not store.is_fresh("doi:10.1000/fresh", 3600, now=T0 + timedelta(seconds=3601))
    assert not store.is_fresh("doi:10.1000/unknown", 3600, now=T0)
    store.upsert(rec(doi="10.1000/fresh"), fetched_at=T0 + timedelta(hours=5))  # unchanged, re-fetched
    assert store.is_fresh("10.1000/fresh", 3600, now=T0 + timedelta(hours=5, minutes=30))


def test_iter_records_pages_in_record_id_order(loaded: RecordStore) -> None:
    ids = [r.record_id for r in loaded.iter_records(page=7)]
    assert len(ids) == 38 and ids == sorted(ids)


# ----------------------------------------------------------------------------- concurrency and scale


def test_two_stores_in_two_threads_write_without_duplicates_or_lock_errors(tmp_path: Path) -> None:
    assert_concurrent_upserts_merge(f"sqlite:///{tmp_path / 'shared.sqlite'}")


def test_lock_held_too_long_becomes_a_curate_error(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite"
    store = RecordStore(f"sqlite:///{path}", busy_timeout=0.05, attempts=2)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(CurateError, match="still locked after 2 attempts"):
            store.upsert(rec(pmid="1"))
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert store.upsert(rec(pmid="1")) == "pmid:1"
    store.close()


def test_lock_released_while_retrying_lets_the_write_through(tmp_path: Path) -> None:
    path = tmp_path / "busy.sqlite"
    store = RecordStore(f"sqlite:///{path}", busy_timeout=0.05, attempts=40)
    blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, lambda: blocker.execute("ROLLBACK"))
    release.start()
    try:
        assert store.upsert(rec(pmid="2")) == "pmid:2"
    finally:
        release.join()
        blocker.close()
    assert store.get("2") is not None
    store.close()


@pytest.mark.parametrize(
    ("error", "dialect", "retried"),
    [
        (OperationalError("BEGIN", {}, Exception("database is locked")), "sqlite", True),
        (OperationalError("SELECT", {}, Exception("no such table: records")), "sqlite", False),
        (OperationalError("UPDATE", {}, Exception("deadlock detected")), "postgresql", True),
        (IntegrityError("INSERT", {}, Exception("duplicate key value")), "postgresql", True),
        (IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed")), "sqlite", False),
    ],
)
def test_only_contention_is_retried(error: DBAPIError, dialect: str, retried: bool) -> None:
    assert is_transient(error, dialect) is retried


def synthetic(n: int) -> list[Record]:
    words = ["menaquinone", "phylloquinone", "osteoporosis", "carcinoma", "coagulation", "vascular"]
    return [
        rec(
            pmid=str(30_000_000 + i),
            doi=f"10.5555/syn.{i}" if i % 3 else None,
            title=f"Study {i} of {words[i % 6]} and {words[(i * 7) % 6]}",
            abstract=f"Abstract {i}: {' '.join(words[j % 6] for j in range(i % 5 + 3))}.",
            mesh_headings=[MeshHeading(descriptor=words[(i + 1) % 6].title())],
            year=1990 + i % 35,
        )
        for i in range(n)
    ]


def test_ten_thousand_records_upsert_and_search_quickly(fts_store: RecordStore) -> None:
    batch = synthetic(10_000)
    started = time.perf_counter()
    stats = fts_store.upsert_many(batch)
    elapsed = time.perf_counter() - started
    assert stats.inserted == 10_000
    assert elapsed < 20, f"10,000 upserts took {elapsed:.1f}s"
    started = time.perf_counter()
    hits = fts_store.search("menaquinone osteoporosis", limit=20)
    assert time.perf_counter() - started < 2
    assert len(hits) == 20
    assert fts_store.stats().text_indexed == 10_000


def test_search_can_require_one_of_several_phrases(loaded: RecordStore) -> None:
    """Discovery asks for papers naming the supplement: a phrase, not its words anywhere."""
    anywhere = {h.record_id for h in loaded.search("cancer", limit=50, mode="any")}
    named = {h.record_id for h in loaded.search("cancer", limit=50, mode="any", require=["menatetrenone"])}
    assert named and named < anywhere
    phrase = {h.record_id for h in loaded.search("cancer", limit=50, mode="any", require=["vitamin K1"])}
    for record in loaded.get_many(phrase).values():
        text = (
            f"{record.title} {record.abstract} {' '.join(h.descriptor for h in record.mesh_headings)}".lower()
        )
        assert re.search(r"vitamins? k ?1", text)  # FTS5 stems "vitamins"; LIKE finds the phrase
    assert loaded.search("cancer", limit=5, mode="any", require=["  ", "!!"]) == loaded.search(
        "cancer", 5, "any"
    )
