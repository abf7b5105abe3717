"""Oversized documents and responses hit the documented limits (CURATE_MAX_DOCUMENT_BYTES, the HTTP
size cap) with one clear line; YAML alias bombs in curator files are refused before they grow."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from cli_helpers import run_cli_text
from fakes import FakeEutils, fast_http

from pipeline.errors import DocumentError, FetchError
from pipeline.linking.decisions import load_decisions
from pipeline.literature.eutils import EutilsClient
from pipeline.literature.http import DEFAULT_MAX_BYTES

SEED_BYTES = 35_881


@pytest.mark.parametrize("command", [["claims"], ["link", "--offline", "--top-k", "0"]])
def test_a_document_over_the_limit_is_one_line_and_exit_2(
    seed_project: Path, command: list[str], capsys, monkeypatch
) -> None:
    monkeypatch.setenv("CURATE_MAX_DOCUMENT_BYTES", "10000")
    monkeypatch.setenv("CURATE_STORE_URL", f"sqlite:///{seed_project / 'store.sqlite'}")
    folder = seed_project / "sources" / "documents" / "vitamin-k2"
    code, out, err = run_cli_text([*command, str(folder)], capsys)
    assert code == 2 and out == "" and err.count("curate: error:") == 1
    assert err.splitlines(keepends=True)[-1] == (
        f"curate: error: {folder / 'document.txt'}: {SEED_BYTES:,} bytes is over the limit of 10,000 "
        "(CURATE_MAX_DOCUMENT_BYTES)\n"
    )


def test_the_limit_is_checked_before_the_file_is_read(tmp_path: Path, monkeypatch) -> None:
    """A sparse 3 GB file is refused by its size alone: nothing is read into memory."""
    from pipeline.documents.loading import read_text

    huge = tmp_path / "document.txt"
    with huge.open("wb") as fh:
        fh.truncate(3 * 1024**3)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read before the size check"))
    started = time.perf_counter()
    with pytest.raises(DocumentError, match="3,221,225,472 bytes is over the limit of 20,000,000"):
        read_text(huge, max_bytes=20_000_000)
    assert time.perf_counter() - started < 0.5


def test_a_response_over_the_cap_fails_at_once_naming_the_cap(fake_eutils: FakeEutils) -> None:
    http = fast_http(fake_eutils.base_url, max_bytes=4096)
    client = EutilsClient(fake_eutils.base_url, tool="curate-tests", email="tests@example.org", http=http)
    with pytest.raises(FetchError) as caught:
        list(client.efetch_pubmed(["36400559"]))
    assert caught.value.ids == ["36400559"] and caught.value.status == 200
    assert "bytes exceeds 4096" in str(caught.value) and str(caught.value).count("\n") == 0
    assert len(fake_eutils.requests) == 1  # a size refusal is not retried
    assert DEFAULT_MAX_BYTES == 200 * 1024 * 1024  # the documented default cap


def test_the_response_cap_is_a_setting_the_live_clients_obey(
    fake_eutils: FakeEutils, tmp_path: Path, monkeypatch, capsys
) -> None:
    """CURATE_MAX_RESPONSE_BYTES reaches both live clients: `curate fetch` fails the PMID with the cap."""
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "CURATE_EUTILS_URL": fake_eutils.base_url,
        "CURATE_EUROPEPMC_URL": "http://127.0.0.1:9/",
        "CURATE_NCBI_EMAIL": "tests@example.org",
        "CURATE_MAX_RESPONSE_BYTES": "4096",
        "CURATE_HTTP_TIMEOUT": "2",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CURATE_OFFLINE", raising=False)
    code, out, err = run_cli_text(["fetch", "36400559"], capsys)
    assert code == 0, err
    assert '"status": "failed"' in out and "bytes exceeds 4096" in out
    from pipeline.settings import Settings
    from pipeline.wiring import live_sources

    sources = live_sources(Settings())
    assert sources.eutils.http.max_bytes == 4096 and sources.europepmc.http.max_bytes == 4096
    monkeypatch.delenv("CURATE_MAX_RESPONSE_BYTES")
    assert live_sources(Settings()).eutils.http.max_bytes == DEFAULT_MAX_BYTES


YAML_BOMB = "\n".join(
    ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
)


def test_a_yaml_alias_bomb_in_meta_yaml_is_refused_fast(seed_project: Path, capsys) -> None:
    folder = seed_project / "sources" / "documents" / "vitamin-k2"
    (folder / "meta.yaml").write_text(YAML_BOMB + "\ntitle: *a9\n", encoding="utf-8")
    started = time.perf_counter()
    code, out, err = run_cli_text(["claims", str(folder)], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and str(folder / "meta.yaml") in err
    assert time.perf_counter() - started < 2.0


def test_a_yaml_alias_bomb_in_decisions_yaml_is_refused_fast(tmp_path: Path) -> None:
    path = tmp_path / "decisions.yaml"
    path.write_text(YAML_BOMB.replace("a0:", "- a0:").replace("\na", "\n  a") + "\n  note: *a9\n")
    started = time.perf_counter()
    with pytest.raises(DocumentError) as caught:
        load_decisions(path)
    assert caught.value.path == str(path) and len(str(caught.value)) < 400
    assert time.perf_counter() - started < 2.0
