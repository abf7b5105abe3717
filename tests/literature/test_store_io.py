"""Import into and export from the record store: JSON Lines, PubMed XML (with DeleteCitation), atomicity."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.errors import DocumentError, ParseError
from pipeline.literature.store import RecordStore
from pipeline.literature.store_io import export_jsonl, import_file
from pipeline.models import Record

DATA = Path(__file__).parent.parent / "data"
SNAPSHOT = DATA / "records" / "vitamin-k2-records.jsonl"
UPDATE_GZ = DATA / "pubmed" / "pmparser_pubmed26n1335.xml.gz"  # 30 articles, then DeleteCitation of 6 PMIDs
T0 = datetime(2025, 3, 1, tzinfo=UTC)


def article(pmid: str, title: str, doi: str | None = None) -> str:
    """One minimal <PubmedArticle> as PubMed writes it (only the elements the store needs)."""
    ids = f'<ArticleId IdType="pubmed">{pmid}</ArticleId>'
    ids += f'<ArticleId IdType="doi">{doi}</ArticleId>' if doi else ""
    return (
        f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{pmid}</PMID>'
        f"<Article><Journal><Title>J Test</Title></Journal><ArticleTitle>{title}</ArticleTitle></Article>"
        f"</MedlineCitation><PubmedData><ArticleIdList>{ids}</ArticleIdList></PubmedData></PubmedArticle>"
    )


def pubmed_file(*parts: str) -> bytes:
    body = "".join(parts)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<PubmedArticleSet>{body}</PubmedArticleSet>\n'.encode()


def delete_citation(*pmids: str) -> str:
    return "<DeleteCitation>" + "".join(f'<PMID Version="1">{p}</PMID>' for p in pmids) + "</DeleteCitation>"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RecordStore]:
    with RecordStore(f"sqlite:///{tmp_path / 'a' / 'store.sqlite'}") as s:
        yield s


def other_store(tmp_path: Path, name: str) -> RecordStore:
    return RecordStore(f"sqlite:///{tmp_path / name / 'store.sqlite'}")


# ----------------------------------------------------------------------------- JSON Lines


def test_snapshot_import_then_reimport_changes_nothing(store: RecordStore) -> None:
    first = import_file(store, SNAPSHOT, fetched_at=T0)
    assert (first.format, first.records, first.batches, first.upserts.inserted) == ("jsonl", 38, 1, 38)
    before = store.stats()
    again = import_file(store, SNAPSHOT, fetched_at=T0)
    assert (again.upserts.inserted, again.upserts.updated, again.upserts.unchanged) == (0, 0, 38)
    assert store.stats() == before
    assert store.get("27570977").title.startswith("Vitamin K2 Induces Mitochondria-Related Apoptosis")


def test_import_writes_in_batches(store: RecordStore) -> None:
    stats = import_file(store, SNAPSHOT, batch_size=10)
    assert (stats.batches, stats.records, store.stats().total) == (4, 38, 38)


def test_bad_line_names_file_and_line_and_leaves_no_half_batch(store: RecordStore, tmp_path: Path) -> None:
    lines = SNAPSHOT.read_text(encoding="utf-8").splitlines()
    broken = tmp_path / "broken.jsonl"
    broken.write_text(
        "\n".join([*lines[:25], '{"pmid": "1", "title": ', *lines[25:]]) + "\n", encoding="utf-8"
    )
    with pytest.raises(ParseError) as info:
        import_file(store, broken, batch_size=10)
    assert str(broken) in str(info.value)
    assert info.value.field == "line 26"
    assert store.stats().total == 20  # two whole batches; the third never reached the store


def test_gzipped_jsonl_imports_like_plain(store: RecordStore, tmp_path: Path) -> None:
    packed = tmp_path / "snap.jsonl.gz"
    packed.write_bytes(gzip.compress(SNAPSHOT.read_bytes()))
    assert import_file(store, packed).records == 38


@pytest.mark.parametrize("name", ["records.csv", "records", "records.json.gz"])
def test_unknown_file_type_is_a_document_error(store: RecordStore, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("x")
    with pytest.raises(DocumentError, match="not a record file"):
        import_file(store, path)


def test_missing_file_is_a_document_error(store: RecordStore, tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="no such file"):
        import_file(store, tmp_path / "absent.jsonl")


# ----------------------------------------------------------------------------- PubMed XML


def test_real_update_file_imports_and_records_its_deletions(store: RecordStore) -> None:
    stats = import_file(store, UPDATE_GZ)
    assert (stats.format, stats.records, stats.deletions, stats.removed) == ("pubmed_xml", 30, 6, 0)
    summary = store.stats()
    assert (summary.total, summary.deleted, summary.by_source) == (30, 6, {"pubmed": 30})
    obesity = store.get("doi:10.1038/ijo.2015.140")
    assert obesity is not None and obesity.record_id == "pmid:26228458"
    assert obesity.title.startswith("Obesity risk in rural, urban and rural-to-urban migrants")
    assert store.get("PMC4677453").record_id == "pmid:26228458"
    assert store.search("rural urban migrants obesity")[0].record_id == "pmid:26228458"


def test_later_delete_citation_removes_imported_papers(store: RecordStore, tmp_path: Path) -> None:
    import_file(store, UPDATE_GZ)
    update = tmp_path / "pubmed26n9999.xml"
    update.write_bytes(
        pubmed_file(article("41000001", "A new paper on menaquinone"), delete_citation("26228458"))
    )
    stats = import_file(store, update)
    assert (stats.records, stats.deletions, stats.removed) == (1, 1, 1)
    assert store.get("26228458") is None
    assert store.get("doi:10.1038/ijo.2015.140") is None  # its aliases went with it
    assert store.search("rural urban migrants obesity") == []
    assert store.get("41000001").title == "A new paper on menaquinone"
    assert store.stats().total == 30


def test_deletion_applies_in_file_order(store: RecordStore, tmp_path: Path) -> None:
    path = tmp_path / "order.xml.gz"
    body = pubmed_file(article("111", "first"), article("222", "second"), delete_citation("111"))
    path.write_bytes(gzip.compress(body))
    stats = import_file(store, path)
    assert (stats.records, stats.removed, stats.batches) == (2, 1, 1)
    assert store.get("111") is None and store.get("222").title == "second"
    # Replaying the same file must not resurrect the deleted paper.
    again = import_file(store, path)
    assert (again.upserts.skipped_deleted, again.upserts.unchanged) == (1, 1)
    assert store.get("111") is None


def test_truncated_xml_names_the_file_and_writes_nothing_of_the_batch(
    store: RecordStore, tmp_path: Path
) -> None:
    path = tmp_path / "cut.xml.gz"
    whole = pubmed_file(article("111", "first"), article("222", "second"))
    path.write_bytes(gzip.compress(whole[: len(whole) - 60]))
    with pytest.raises(ParseError) as info:
        import_file(store, path)
    assert str(path) in str(info.value)
    assert store.stats().total == 0


@pytest.mark.parametrize(
    ("name", "content", "field"),
    [
        ("cut.xml.gz", gzip.compress(pubmed_file(article("111", "first")))[:-12], "gzip"),
        (
            "latin1.jsonl",
            '{"record_id": "pmid:1", "pmid": "1", "title": "caf\xe9"}\n'.encode("latin-1"),
            "utf-8",
        ),
    ],
)
def test_unreadable_bytes_are_a_parse_error_naming_the_file(
    store: RecordStore, tmp_path: Path, name: str, content: bytes, field: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ParseError) as info:
        import_file(store, path)
    assert (info.value.source, info.value.field) == (str(path), field)
    assert store.stats().total == 0


# ----------------------------------------------------------------------------- export


def test_export_import_round_trip_is_exact_and_deterministic(store: RecordStore, tmp_path: Path) -> None:
    import_file(store, SNAPSHOT)
    import_file(store, UPDATE_GZ)
    first = tmp_path / "out" / "records.jsonl"
    assert export_jsonl(store, first) == 68
    with other_store(tmp_path, "b") as copy:
        stats = import_file(copy, first)
        assert (stats.records, stats.upserts.inserted) == (68, 68)
        assert list(copy.iter_records()) == list(store.iter_records())
        second = tmp_path / "again.jsonl"
        export_jsonl(copy, second)
    assert second.read_bytes() == first.read_bytes()
    ids = [r.record_id for r in store.iter_records()]
    assert ids == sorted(ids)
    assert os.listdir(first.parent) == ["records.jsonl"]  # no temporary file left behind


def test_failed_export_leaves_the_previous_file_untouched(
    store: RecordStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_file(store, SNAPSHOT)
    target = tmp_path / "records.jsonl"
    target.write_text("previous export\n", encoding="utf-8")

    def failing_iter() -> Iterator[Record]:
        yield next(iter(RecordStore.iter_records(store)))
        raise OSError("disk full")

    monkeypatch.setattr(store, "iter_records", failing_iter)
    with pytest.raises(OSError, match="disk full"):
        export_jsonl(store, target)
    assert target.read_text(encoding="utf-8") == "previous export\n"
    assert sorted(os.listdir(tmp_path)) == ["a", "records.jsonl"]
