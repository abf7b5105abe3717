"""`curate fetch`, `search` and `store` from the command line, against a temporary store and the fakes."""

import json
from pathlib import Path

import pytest
from cli_helpers import run_cli

SNAPSHOT = Path(__file__).parents[1] / "data" / "records" / "vitamin-k2-records.jsonl"


@pytest.fixture
def env(tmp_path, monkeypatch):
    for name in ("CURATE_OFFLINE", "CURATE_NCBI_EMAIL", "CURATE_NCBI_API_KEY", "NCBI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CURATE_STORE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
    return monkeypatch


run = run_cli


def test_store_import_stats_search_and_export(env, capsys, tmp_path):
    code, rows, _ = run(capsys, "store", "import", str(SNAPSHOT))
    assert code == 0 and rows[0]["records"] == 38 and rows[0]["upserts"]["inserted"] == 38
    code, rows, _ = run(capsys, "store", "import", str(SNAPSHOT))  # idempotent
    assert rows[0]["upserts"]["inserted"] == 0
    _, [stats], _ = run(capsys, "store", "stats")
    assert (stats["total"], stats["with_pmid"], stats["text_index"]) == (38, 19, "fts5")
    _, hits, _ = run(capsys, "search", "bladder cancer apoptosis", "--limit", "3")
    assert len(hits) == 3 and hits[0]["record_id"] == "pmid:27570977"
    out = tmp_path / "export.jsonl"
    code, _, err = run(capsys, "store", "export", str(out))
    assert code == 0 and len(out.read_text().splitlines()) == 38 and "exported 38 records" in err


def test_fetch_offline_prints_one_line_per_input(env, capsys):
    run(capsys, "store", "import", str(SNAPSHOT))
    code, rows, _ = run(capsys, "fetch", "27570977", "PMC3574058", "PMC1234567", "--offline")
    assert code == 0
    statuses = [(r["input"], r["status"]) for r in rows]
    assert statuses == [("27570977", "cached"), ("PMC3574058", "cached"), ("PMC1234567", "failed")]
    assert set(rows[0]) >= {"input", "record_id", "status", "title"}


def test_fetch_live_needs_an_email_and_uses_the_configured_base_url(env, capsys, fake_eutils):
    env.setenv("CURATE_EUTILS_URL", fake_eutils.base_url)
    code, rows, _ = run(capsys, "fetch", "31000010")
    assert rows[0]["status"] == "failed" and not fake_eutils.calls()  # no email: nothing sent
    env.setenv("CURATE_NCBI_EMAIL", "curator@example.org")
    env.setenv("CURATE_NCBI_API_KEY", "s3cret-key-123")
    code, rows, err = run(capsys, "-v", "fetch", "31000010")
    assert code == 0 and rows[0]["status"] == "fetched" and rows[0]["record_id"] == "pmid:31000010"
    [call] = fake_eutils.calls()
    assert call.one("email") == "curator@example.org" and call.one("tool") == "curate-evidence"
    assert call.one("api_key") == "s3cret-key-123"
    assert "s3cret-key-123" not in err and "s3cret-key-123" not in json.dumps(rows)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fetch", "not-an-id"], "not a PMID, PMCID or DOI"),
        (["search", "x", "--source", "scholar"], "--source must be local, pubmed or europepmc"),
        (["store", "import", "/no/such/file.jsonl"], "no such file"),
    ],
)
def test_bad_input_exits_2(env, capsys, args, message):
    code, rows, err = run(capsys, *args)
    assert code == 2 and rows == [] and message in err and "Traceback" not in err


def test_remote_search_offline_is_refused_clearly(env, capsys):
    code, _, err = run(capsys, "search", "vitamin k2", "--source", "pubmed", "--offline")
    assert code == 1 and "PubMed is off" in err
