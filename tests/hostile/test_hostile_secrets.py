"""The NCBI contact email and API key never appear in logs, reports, datasets, state, Prefect artifacts,
flow-run parameters or error messages — even when the servers echo the request back in their errors.

`curate link -vv` (in-process), the flow `curate_all` (in-process, embedded Prefect) and `curate run
--root` (a subprocess started from another folder) run live against loopback fakes that refuse every
request with a body quoting the whole request, secrets included. Every output is then searched for the
secrets in plain and URL-encoded form. The subprocess also proves `--root`: it writes only there.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, quote_plus, urlencode

import pytest
from fakes import FakeServer, Reply, Seen
from hostile_helpers import write_hostile_folder

EMAIL = "hostile.curator+leak@example.org"
API_KEY = "0123456789abcdef0123456789abcdef0a1b"  # the shape of an NCBI key: 36 hex digits
SECRETS = {EMAIL, API_KEY, quote_plus(EMAIL), quote(EMAIL), quote(EMAIL, safe="")}
REFERENCES = "document:\n  1: 27570977\n  2: doi:10.1371/journal.pone.0161886\n  3: PMC3574058\n"
ROOT = Path(__file__).parents[2]


class EchoingRefusals(FakeServer):
    """Answers every request 400 with an error body that quotes the request, secrets and all (NCBI's
    and Europe PMC's errors quote parts of the request; a careless mirror could quote all of it)."""

    def __init__(self, json_errors: bool) -> None:
        super().__init__()
        self.json_errors = json_errors

    def route(self, seen: Seen) -> Reply:
        flat = {k: v[0] for k, v in seen.params.items()}
        echo = (
            f"bad request {seen.endpoint}?{urlencode(flat)} from {flat.get('email', '?')} {json.dumps(flat)}"
        )
        if self.json_errors:
            return Reply(400, json.dumps({"errMsg": echo}).encode(), "application/json")
        return Reply(400, f"<eSearchResult><ERROR>{echo}</ERROR></eSearchResult>".encode())


@pytest.fixture
def refusing() -> tuple[EchoingRefusals, EchoingRefusals]:
    eutils, europepmc = EchoingRefusals(json_errors=False).start(), EchoingRefusals(json_errors=True).start()
    yield eutils, europepmc
    eutils.stop()
    europepmc.stop()


@pytest.fixture
def restored_logging():
    """`curate -vv` points the root logger at the captured stderr at DEBUG; undo that afterwards, or
    Prefect's and websockets' threads keep logging into a closed stream for the rest of the session."""
    root, ours = logging.getLogger(), logging.getLogger("curate")
    saved = (root.handlers[:], root.level, ours.level)
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    ours.setLevel(saved[2])


def make_project(root: Path) -> Path:
    folder = root / "sources" / "documents" / "hostile"
    write_hostile_folder(folder)
    (folder / "meta.yaml").write_text("title: Hostile\ncitation_style: document\n", encoding="utf-8")
    (folder / "references.yaml").write_text(REFERENCES, encoding="utf-8")
    return folder


def live_env(root: Path, servers: tuple[FakeServer, FakeServer]) -> dict[str, str]:
    return {
        "CURATE_ROOT": str(root),
        "CURATE_NCBI_EMAIL": EMAIL,
        "CURATE_NCBI_API_KEY": API_KEY,
        "CURATE_EUTILS_URL": servers[0].base_url,
        "CURATE_EUROPEPMC_URL": servers[1].base_url,
        "CURATE_HTTP_TIMEOUT": "2",
    }


def leaks(text: str | bytes) -> set[str]:
    data = text.encode() if isinstance(text, str) else text
    return {s for s in SECRETS if s.encode() in data}


def leaking_files(folder: Path) -> dict[str, set[str]]:
    found = {str(p): leaks(p.read_bytes()) for p in folder.rglob("*") if p.is_file() and not p.is_symlink()}
    return {path: secrets for path, secrets in found.items() if secrets}


def assert_secrets_were_sent(servers: tuple[EchoingRefusals, EchoingRefusals]) -> None:
    """The test means something only if the secrets went out and the refusals came back."""
    calls = servers[0].calls()
    assert calls and all(c.one("email") == EMAIL and c.one("api_key") == API_KEY for c in calls)


def test_curate_link_keeps_the_secrets_out_of_its_output(
    tmp_path, refusing, monkeypatch, capsys, restored_logging
) -> None:
    from pipeline.cli import main

    folder = make_project(tmp_path)
    for name, value in live_env(tmp_path, refusing).items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as info:
        main(["-vv", "link", str(folder), "--top-k", "2"])
        raise SystemExit(0)
    out, err = capsys.readouterr()
    assert info.value.code == 0, err
    assert_secrets_were_sent(refusing)
    assert "PubMed could not be reached" in err and "bad request" in err  # the echo reached the log…
    assert '"status": "failed"' in out or "fetch failed" in out or "unresolved" in out
    assert leaks(out) == set() and leaks(err) == set()  # …with the secrets masked
    assert leaking_files(tmp_path) == {}


@pytest.mark.slow
def test_the_flow_keeps_the_secrets_out_of_outputs_artifacts_and_prefect(
    tmp_path, refusing, monkeypatch
) -> None:
    from prefect.artifacts import Artifact
    from prefect.client.orchestration import get_client

    from pipeline.flows import STATE_FILE, RunOptions, curate_all

    make_project(tmp_path)
    for name, value in live_env(tmp_path, refusing).items():
        monkeypatch.setenv(name, value)
    (tmp_path / ".curate").mkdir()
    summary = curate_all(RunOptions(root=str(tmp_path), max_bytes=1_000_000, ttl=0))
    assert_secrets_were_sent(refusing)
    assert "PubMed" in summary.unreachable and leaks(json.dumps(summary.unreachable)) == set()
    for folder in ("curated", "reports"):
        assert any((tmp_path / folder).iterdir())
    assert (tmp_path / STATE_FILE).is_file() and leaking_files(tmp_path) == {}
    for key in ("curate-summary", "curate-flags"):
        artifact = Artifact.get(key)
        assert artifact is not None and leaks(json.dumps(artifact.model_dump(mode="json"))) == set()
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs()
        logs = client.read_logs()
    assert runs and all(leaks(json.dumps(r.parameters, default=str)) == set() for r in runs)
    assert all(leaks(entry.message) == set() for entry in logs)
    assert leaking_files(Path(os.environ["PREFECT_HOME"])) == {}  # database, results, everything


@pytest.mark.slow
def test_curate_run_with_root_elsewhere_writes_only_there_and_leaks_nothing(tmp_path, refusing) -> None:
    project, elsewhere = tmp_path / "project", tmp_path / "cwd"
    make_project(project)
    elsewhere.mkdir()
    sources_before = {p: p.read_bytes() for p in (project / "sources").rglob("*") if p.is_file()}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CURATE_"))}
    env |= live_env(project, refusing) | {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    del env["CURATE_ROOT"]  # the project comes from --root alone
    curate = Path(sys.executable).with_name("curate")
    result = subprocess.run(
        [str(curate), "-v", "run", "--root", str(project), "--top-k", "2"],
        cwd=elsewhere, capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert_secrets_were_sent(refusing)
    assert "not refreshed: PubMed" in result.stderr
    assert leaks(result.stdout) == set() and leaks(result.stderr) == set()
    assert list(elsewhere.iterdir()) == []  # nothing written where the command was started
    top = {p.name for p in project.iterdir()}
    assert top == {"sources", "curated", "reports", ".curate"}
    assert {p: p.read_bytes() for p in (project / "sources").rglob("*") if p.is_file()} == sources_before
    assert (project / ".curate" / "prefect").is_dir()  # Prefect's database stays in the project too
    assert leaking_files(project) == {}
