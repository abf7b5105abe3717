"""Helpers shared by the SQLite and PostgreSQL store tests (a uniquely named module, not a conftest)."""

from __future__ import annotations

import threading

from pipeline.literature.identifiers import record_key
from pipeline.literature.store import RecordStore
from pipeline.models import Record


def rec(**fields: object) -> Record:
    """A Record keyed as the parsers key them."""
    ids = {k: fields.get(k) for k in ("pmid", "doi", "pmcid")}
    return Record(record_id=record_key(**ids), **fields)  # type: ignore[arg-type]


def assert_concurrent_upserts_merge(url: str) -> None:
    """Two stores on one database upsert 300 papers from two threads, one side knowing only the DOIs:
    no error, no duplicate, every DOI resolving to its PMID record."""
    papers = [rec(pmid=str(1000 + i), doi=f"10.1000/c{i}", title=f"paper {i}") for i in range(300)]
    doi_first = [rec(doi=f"10.1000/c{i}", title=f"early {i}") for i in range(300)]
    stores = [RecordStore(url, busy_timeout=10), RecordStore(url, busy_timeout=10)]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def write(store: RecordStore, batches: list[list[Record]]) -> None:
        start.wait()
        try:
            for batch in batches:
                store.upsert_many(batch)
        except BaseException as e:  # collected and asserted on below
            errors.append(e)

    plans = [
        [papers[i : i + 20] for i in range(0, 300, 20)],
        [doi_first[i : i + 15] for i in range(0, 300, 15)],
    ]
    threads = [threading.Thread(target=write, args=(s, p)) for s, p in zip(stores, plans, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    stats = stores[0].stats()
    assert (stats.total, stats.with_pmid, stats.text_indexed) == (300, 300, 300)
    assert stores[1].get("doi:10.1000/c17").record_id == "pmid:1017"
    for s in stores:
        s.close()
