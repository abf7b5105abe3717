"""Acquisition end to end: store first, then the fake PubMed and Europe PMC; every input gets an outcome."""

import logging
import socket
from pathlib import Path

import pytest
from fakes import Fault, fast_http
from fakes.europepmc import pool

from pipeline.literature.acquire import Acquirer, Sources, parse_inputs
from pipeline.literature.europepmc import EuropePmcClient
from pipeline.literature.eutils import EutilsClient
from pipeline.literature.store import RecordStore
from pipeline.literature.store_io import import_file

SNAPSHOT = Path(__file__).parents[1] / "data" / "records" / "vitamin-k2-records.jsonl"
DAY = 86400


@pytest.fixture
def store(tmp_path):
    with RecordStore(f"sqlite:///{tmp_path / 'store.sqlite'}") as s:
        yield s


def eutils_for(fake, **kwargs):
    return EutilsClient(
        fake.base_url,
        email="curator@example.org",
        tool="curate-tests",
        http=fast_http(fake.base_url, **kwargs),
    )


def europepmc_for(fake):
    return EuropePmcClient(fake.base_url, http=fast_http(fake.base_url))


def fetch(store, sources, *inputs, refresh=False, ttl=DAY):
    return Acquirer(store, sources, ttl_seconds=ttl).fetch(parse_inputs(inputs), refresh=refresh)


def test_offline_serves_the_store_and_fails_the_rest_with_a_reason(store):
    import_file(store, SNAPSHOT)
    out = fetch(
        store, Sources(), "PMID: 27570977", "https://doi.org/10.1371/journal.pone.0161886.", "31234567"
    )
    assert [(o.status, o.record_id) for o in out] == [
        ("cached", "pmid:27570977"),
        ("cached", "pmid:27570977"),
        ("failed", None),
    ]
    assert out[0].title.startswith("Vitamin K2 Induces Mitochondria-Related Apoptosis")
    assert out[2].reason == "offline: PubMed not contacted"


def test_pubmed_fetch_reports_not_found_per_id_then_serves_from_cache(store, fake_eutils):
    fake_eutils.unknown_pmids.add("39999999")
    sources = Sources(eutils=eutils_for(fake_eutils))
    out = fetch(store, sources, "31000001", "pmid:31000002", "39999999")
    assert [o.status for o in out] == ["fetched", "fetched", "not_found"]
    assert out[2].reason == "PubMed returned no record" and out[2].record_id is None
    assert store.get("pmid:31000001").title and store.get("31000002").pmid == "31000002"
    requests = len(fake_eutils.calls())
    again = fetch(store, sources, "31000001")
    assert again[0].status == "cached" and len(fake_eutils.calls()) == requests  # fresh: no request
    refreshed = fetch(store, sources, "31000001", refresh=True)
    assert refreshed[0].status == "fetched" and len(fake_eutils.calls()) == requests + 1


def test_a_server_that_keeps_failing_leaves_stale_records_served_and_others_failed(store, fake_eutils):
    import_file(store, SNAPSHOT)
    fake_eutils.script(*[Fault.status_code(503, endpoint="efetch.fcgi")] * 10)
    sources = Sources(eutils=eutils_for(fake_eutils, max_attempts=3))
    out = fetch(store, sources, "27570977", "31000003", ttl=0)
    assert out[0].status == "cached" and out[0].reason.startswith("not refreshed (PubMed:")
    assert out[1].status == "failed" and "503" in out[1].reason


def test_unreachable_source_is_reported_once(store, caplog):
    with socket.socket() as s:  # a loopback port with nobody listening
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/"
    sources = Sources(
        eutils=EutilsClient(dead, email="c@example.org", tool="t", http=fast_http(dead, max_attempts=2))
    )
    with caplog.at_level(logging.WARNING, logger="curate"):
        out = fetch(store, sources, "31000004", "31000005")
    assert {o.status for o in out} == {"failed"}
    assert sum("PubMed is unreachable" in r.message for r in caplog.records) == 1
    assert "PubMed" in sources.unreachable


def test_doi_resolves_through_europe_pmc_to_one_pmid_keyed_record(store, fake_europepmc, fake_eutils):
    item = next(r for r in pool() if r.get("doi") and r.get("pmid"))
    sources = Sources(eutils=eutils_for(fake_eutils), europepmc=europepmc_for(fake_europepmc))
    out = fetch(store, sources, f"doi:{item['doi'].upper()}")
    assert out[0].status == "fetched" and out[0].record_id == f"pmid:{item['pmid']}"
    record = store.get(f"doi:{item['doi']}")
    assert record.record_id == f"pmid:{item['pmid']}" and record.cited_by_count is not None
    assert store.stats().total == 1  # Europe PMC's and PubMed's views merged into one record


def test_unknown_doi_is_not_found(store, fake_europepmc):
    out = fetch(store, Sources(europepmc=europepmc_for(fake_europepmc)), "10.9999/no-such-paper")
    assert (out[0].status, out[0].reason) == ("not_found", "Europe PMC has no record")
