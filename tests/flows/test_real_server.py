"""With PREFECT_API_URL set, `curate run` reports to that server, and `curate serve` schedules on it: a real
`prefect server start` on loopback (slow: ~20 s for the server, ~30 s for the run, up to ~90 s for the
first scheduled run)."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(url: str, body: dict) -> list[dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.loads(reply.read())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real Prefect server on a free loopback port, its state in a temporary PREFECT_HOME."""
    tmp_path = tmp_path_factory.mktemp("server")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CURATE_"))}
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect-server"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_UI_ENABLED="false",
    )
    prefect = Path(sys.executable).with_name("prefect")
    process = subprocess.Popen(
        [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{api}/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("the Prefect server did not start")
                time.sleep(0.5)
        yield api
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_curate_run_reports_its_flow_and_artifacts_to_the_configured_server(server, tmp_path):
    shutil.copytree(ROOT / "sources", tmp_path / "sources")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CURATE_"))}
    env.update(
        PREFECT_API_URL=server, PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1", CURATE_OFFLINE="1"
    )
    curate = Path(sys.executable).with_name("curate")
    done = subprocess.run(
        [str(curate), "run", "--root", str(tmp_path)], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    run_id = done.stderr.split("curate run ", 1)[1].split(":", 1)[0]
    runs = _post(f"{server}/flow_runs/filter", {"limit": 10})
    assert [(r["id"], r["state_type"]) for r in runs if r["id"] == run_id] == [(run_id, "COMPLETED")]
    artifacts = _post(f"{server}/artifacts/filter", {"limit": 10})
    keys = {a["key"] for a in artifacts if a["flow_run_id"] == run_id}
    assert keys == {"curate-summary", "curate-flags"}
    summary = next(a for a in artifacts if a["key"] == "curate-summary")
    assert "- claims: 203" in summary["data"]
    assert not (tmp_path / ".curate" / "prefect" / "prefect.db").exists()  # no embedded server was started


def test_curate_serve_runs_curate_all_on_its_cron_schedule(server, tmp_path):
    """`curate serve --cron "* * * * *"`: within about a minute the server schedules curate-all, the serve
    process runs it, and its outputs and artifacts appear."""
    shutil.copytree(ROOT / "sources", tmp_path / "sources")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CURATE_"))}
    env.update(
        PREFECT_API_URL=server, PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1", CURATE_OFFLINE="1"
    )
    curate = Path(sys.executable).with_name("curate")
    log = (tmp_path / "serve.log").open("wb")
    serving = subprocess.Popen(
        [str(curate), "serve", "--root", str(tmp_path), "--cron", "* * * * *"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline, done = time.monotonic() + 200, []
        while not done and time.monotonic() < deadline and serving.poll() is None:
            time.sleep(3)
            flows = {f["id"]: f["name"] for f in _post(f"{server}/flows/filter", {"limit": 20})}
            runs = _post(f"{server}/flow_runs/filter", {"limit": 50})
            done = [r for r in runs if flows.get(r["flow_id"]) == "curate_all" and r["deployment_id"]
                    and r["state_type"] == "COMPLETED"]  # fmt: skip
        assert done, (tmp_path / "serve.log").read_text(errors="replace")[-3000:]
    finally:
        os.killpg(serving.pid, 15)
        serving.wait(timeout=60)
        log.close()
    deployments = {d["name"] for d in _post(f"{server}/deployments/filter", {"limit": 10})}
    assert {"curate-all", "refresh-evidence"} <= deployments
    assert (tmp_path / "curated" / "claims.parquet").is_file() and (
        tmp_path / "reports" / "index.html"
    ).is_file()
