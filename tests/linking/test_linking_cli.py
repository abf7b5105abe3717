"""`curate link` from the command line: the JSON Lines contract, sidecars, decisions, live discovery."""

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml
from cli_helpers import run_cli

from pipeline.linking.decisions import Decision, append_decision
from pipeline.literature.store import RecordStore

DATA = Path(__file__).parents[1] / "data"
NOW = datetime(2026, 11, 26, tzinfo=UTC)
RECURRENCE_CLAIM = "c_76aa4f3f24f0e85d"  # line 38: "… reduced recurrence rates and improved prognosis …"
LINK_FIELDS = {
    "claim_id",
    "line",
    "record_id",
    "origin",
    "relation",
    "score",
    "evidence_type",
    "level",
    "reasons",
}
SMALL = """Vitamin K2 and liver cancer

Vitamin K2 is studied in cancer. In liver cancer, VK2 supplementation reduced recurrence rates after \
surgical treatment.1 VK2 induces apoptosis in bladder cancer cells through reactive oxygen species.
"""


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A project folder with the seed document and the record snapshot; the CLI runs inside it."""
    for name in (
        "CURATE_OFFLINE",
        "CURATE_NCBI_EMAIL",
        "CURATE_NCBI_API_KEY",
        "NCBI_API_KEY",
        "CURATE_STORE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    doc = tmp_path / "sources" / "documents" / "vitamin-k2"
    doc.mkdir(parents=True)
    shutil.copy(DATA / "vitamin-k2.txt", doc / "document.txt")
    (doc / "meta.yaml").write_text("title: Vitamin K2\nsupplement: vitamin K2\n", encoding="utf-8")
    (tmp_path / "sources" / "records").mkdir()
    shutil.copy(DATA / "records" / "vitamin-k2-records.jsonl", tmp_path / "sources" / "records")
    monkeypatch.chdir(tmp_path)
    return tmp_path


run = run_cli


def test_link_prints_links_then_one_verdict_per_claim(project, capsys):
    code, rows, err = run(capsys, "link", "sources/documents/vitamin-k2", "--top-k", "2")
    assert code == 0
    links = [r for r in rows if r["type"] == "link"]
    verdicts = [r for r in rows if r["type"] == "verdict"]
    assert rows == links + verdicts  # links first, then verdicts
    assert len(verdicts) == 203 and all({"claim_id", "line", "flags"} <= set(v) for v in verdicts)
    assert links and all(set(k) >= LINK_FIELDS for k in links)
    assert {k["origin"] for k in links} == {"discovered"} and max(k["rank"] for k in links) == 2
    assert all(f["kind"] and isinstance(f["links"], list) for v in verdicts for f in v["flags"])
    recurrence = [k for k in links if k["line"] == 38]
    assert {k["record_id"] for k in recurrence} & {"pmid:23225445", "pmid:16400650", "doi:10.1002/hep.24430"}
    assert "imported 38 records from the shipped snapshot" in err
    assert "link vitamin-k2: 203 claims" in err


def test_a_sidecar_gives_explicit_links_and_decisions_are_honoured(project, capsys):
    folder = project / "sources" / "documents" / "vitamin-k2"
    _, rows, _ = run(capsys, "link", str(folder), "--top-k", "1", "--offline")
    claim = next(r for r in rows if r["type"] == "verdict" and r["claim_id"] == RECURRENCE_CLAIM)
    scopes = [f["detail"].split("#")[0] for f in claim["flags"] if f["kind"] == "unresolved_marker"]
    (folder / "references.yaml").write_text(
        yaml.safe_dump({scopes[0]: {4: "PMID: 16400650"}}), encoding="utf-8"
    )
    code, _, err = run(
        capsys, "review", "reject", str(folder), claim["claim_id"], "--record", "pmid:16400650"
    )
    assert code == 0
    gone = Decision(
        action="note", claim_id="c_0000000000000000", note="its claim was edited away", decided_at=NOW
    )
    append_decision(folder / "decisions.yaml", gone)  # `curate review` refuses unknown claims: write directly
    code, rows, err = run(capsys, "link", str(folder), "--offline")
    assert code == 0
    [explicit] = [r for r in rows if r["type"] == "link" and r["claim_id"] == claim["claim_id"]]
    assert (explicit["origin"], explicit["record_id"], explicit["marker"]) == (
        "explicit",
        "pmid:16400650",
        f"{scopes[0]}#4",
    )
    assert explicit["rejected"] and explicit["reasons"][-1].startswith("curator rejected")
    assert "is orphaned: claim c_0000000000000000 is no longer in the document" in err


def test_a_missing_path_is_one_line_and_exit_2(project, capsys):
    code, rows, err = run(capsys, "link", "sources/documents/nope")
    assert code == 2 and rows == []
    assert err.strip().splitlines()[-1].startswith("curate: error: sources/documents/nope")


def small_document(project: Path) -> Path:
    folder = project / "sources" / "documents" / "small"
    folder.mkdir()
    (folder / "document.txt").write_text(SMALL, encoding="utf-8")
    (folder / "meta.yaml").write_text("title: Vitamin K2\nsupplement: vitamin K2\n", encoding="utf-8")
    return folder


def live(monkeypatch, eutils_url: str, europepmc_url: str) -> None:
    monkeypatch.setenv("CURATE_EUTILS_URL", eutils_url)
    monkeypatch.setenv("CURATE_EUROPEPMC_URL", europepmc_url)
    monkeypatch.setenv("CURATE_NCBI_EMAIL", "curator@example.org")
    monkeypatch.setenv("CURATE_NCBI_API_KEY", "s3cret-key-123")
    monkeypatch.setenv("CURATE_HTTP_TIMEOUT", "2")


def test_live_discovery_asks_pubmed_and_europe_pmc_once_per_entity_query(
    project, capsys, monkeypatch, fake_eutils, fake_europepmc
):
    folder = small_document(project)
    live(monkeypatch, fake_eutils.base_url, fake_europepmc.base_url)
    code, _rows, err = run(capsys, "link", str(folder), "--top-k", "3")
    assert code == 0, err
    searched = [s.one("term") for s in fake_eutils.calls("esearch.fcgi")]
    assert len(searched) == 2 == len(set(searched))  # one query per claim, none repeated
    assert {s.one("sort") for s in fake_eutils.calls("esearch.fcgi")} == {
        "relevance"
    }  # the best 10, not the newest
    assert all(t.startswith('("MK-4" OR') and '"vitamin K2"' in t and " AND " in t for t in searched)
    assert any('"hepatocellular carcinoma"' in t for t in searched)
    assert any('"bladder cancer"' in t for t in searched)
    assert len(fake_europepmc.calls("search")) == 2
    assert "s3cret-key-123" not in err and "curator@example.org" not in err


def test_live_discovery_stores_what_pubmed_returns_and_reports_an_unreachable_source(
    project, capsys, monkeypatch, fake_eutils
):
    folder = small_document(project)
    live(monkeypatch, fake_eutils.base_url, "http://127.0.0.1:9/")  # nothing listens there
    from pipeline.jobs import read_document
    from pipeline.linking.discovery import remote_query
    from pipeline.linking.entities import extract_entities
    from pipeline.linking.relations import claim_view

    doc, _, _ = read_document(folder, max_bytes=10**6)
    views = [claim_view(c, extract_entities(c.text, intervention="vitamin K2")) for c in doc.claims]
    for i, query in enumerate(sorted({q for v in views if (q := remote_query(v))})):
        fake_eutils.add_corpus(query, 2, date(2020, 1, 1), date(2021, 1, 1), start_pmid=31000010 + 10 * i)
    code, _rows, err = run(capsys, "link", str(folder), "--top-k", "3")
    assert code == 0, err
    assert fake_eutils.calls("efetch.fcgi")
    with RecordStore(f"sqlite:///{project / '.curate' / 'store.sqlite'}") as store:
        assert store.get("pmid:31000010") is not None and store.get("pmid:31000020") is not None
    assert err.count("Europe PMC could not be reached") == 1


def test_a_refresh_searches_only_for_records_added_since_the_last_run(
    project, monkeypatch, fake_eutils, fake_europepmc
):
    """`since` limits live discovery to PubMed's Entrez date and Europe PMC's CREATION_DATE from that day
    to today; what it finds is stored, linked like any candidate, and listed as new."""
    from pipeline.jobs import document_run, read_document
    from pipeline.linking.discovery import remote_query
    from pipeline.linking.entities import extract_entities
    from pipeline.linking.relations import claim_view
    from pipeline.settings import Settings
    from pipeline.wiring import live_sources

    folder = small_document(project)
    live(monkeypatch, fake_eutils.base_url, fake_europepmc.base_url)
    doc, _, _ = read_document(folder, max_bytes=10**6)
    queries = {q for c in doc.claims if (q := remote_query(claim_view(c, extract_entities(c.text))))}
    for i, query in enumerate(sorted(queries)):  # 30 records each, entered from October to late November
        fake_eutils.add_corpus(
            query, 30, date(2026, 10, 1), date(2026, 11, 20), start_pmid=32000000 + 100 * i
        )
    since = date(2026, 11, 1)
    with RecordStore(f"sqlite:///{project / 'store.sqlite'}") as store:
        run = document_run(
            folder, store, live_sources(Settings()), max_bytes=10**6, top_k=3, ttl=3600.0, since=since
        )
        stored = {rid for rid in run.new_records if store.get(rid) is not None}
    today = datetime.now(UTC).date()
    searches = fake_eutils.calls("esearch.fcgi")
    assert len(searches) == len(queries) == 2
    assert {
        (s.one("datetype"), s.one("mindate"), s.one("maxdate"), s.one("retmax"), s.one("sort"))
        for s in searches
    } == {("edat", "2026/11/01", f"{today:%Y/%m/%d}", "10", "relevance")}
    epmc = [s.one("query") for s in fake_europepmc.calls("search")]
    assert len(epmc) == 2
    assert all(q.endswith(f") AND CREATION_DATE:[2026-11-01 TO {today:%Y-%m-%d}]") for q in epmc)
    # 12 of each corpus's 30 records (the 19th on) entered from 1 November: the first 10 of each are stored
    assert run.searched_since == "2026-11-01" and len(run.new_records) == 20 == len(stored)
    assert sorted(int(r.split(":")[1]) % 100 for r in run.new_records) == sorted(list(range(18, 28)) * 2)


def test_a_refresh_searches_in_full_a_query_no_complete_live_search_asked(
    project, monkeypatch, fake_eutils, fake_europepmc
):
    """The first live run asks only the bladder claim's query: the liver claim has an explicit reference.
    The curator then drops that reference, so the liver claim goes to discovery: a refresh asks its query
    with no date limit (it has never been asked), and the bladder query only for what is new."""
    from pipeline.jobs import document_run
    from pipeline.literature.acquire import Sources
    from pipeline.settings import Settings
    from pipeline.wiring import live_sources

    folder = small_document(project)
    live(monkeypatch, fake_eutils.base_url, fake_europepmc.base_url)
    with RecordStore(f"sqlite:///{project / 'store.sqlite'}") as store:
        options = {"max_bytes": 10**6, "top_k": 3, "ttl": 3600.0}
        offline = document_run(folder, store, Sources(), **options)
        [target] = offline.targets
        (folder / "references.yaml").write_text(f"{target.scope}:\n  1: 'PMID: 16400650'\n", encoding="utf-8")
        first = document_run(folder, store, live_sources(Settings()), **options)
        assert (
            first.searched_on and len(first.searched_queries) == 1 and "bladder" in first.searched_queries[0]
        )
        asked_first = len(fake_eutils.calls("esearch.fcgi")), len(fake_europepmc.calls("search"))
        (folder / "references.yaml").unlink()
        since = date(2026, 11, 1)
        refresh = document_run(
            folder, store, live_sources(Settings()), **options, since=since, searched=first.searched_queries
        )
    limits = {s.one("term"): s.one("mindate") for s in fake_eutils.calls("esearch.fcgi")[asked_first[0] :]}
    assert len(limits) == 2
    assert {"bladder" in q: day for q, day in limits.items()} == {True: "2026/11/01", False: None}
    epmc = [s.one("query") for s in fake_europepmc.calls("search")][asked_first[1] :]
    assert ["bladder" in q for q in epmc if "CREATION_DATE" in q] == [True] and len(epmc) == 2
    liver = next(c.claim_id for c in refresh.doc.claims if "liver cancer" in c.text)
    assert refresh.searched_in_full == [liver] and refresh.searched_since == "2026-11-01"
    assert sorted(refresh.searched_queries) == sorted(limits)  # both asked now: the next refresh dates both
