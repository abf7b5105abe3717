"""With PREFECT_API_URL set, `curate run` reports to that server, `curate serve` schedules on it and runs
what it schedules, and the deployments of prefect.yaml run on a process worker: a real `prefect server
start` on loopback (slow: ~20 s for the server, ~30 s per run)."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
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
    return _call(
        urllib.request.Request(
            url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
        )
    )


def _get(url: str) -> dict:
    return _call(urllib.request.Request(url))


def _call(request: urllib.request.Request, attempts: int = 20):
    """The server answers 503 while its SQLite database is locked by another writer (here the serving
    process and the server's own scheduler); Prefect's client retries those, and so does this one."""
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return json.loads(reply.read())
        except urllib.error.HTTPError as error:
            if error.code != 503 or attempt == attempts - 1:
                raise
            time.sleep(0.5)


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


def test_curate_serve_registers_both_schedules_and_runs_what_the_server_schedules(server, tmp_path):
    """`curate serve --cron …` registers curate-all on that cron and refresh-evidence weekly, then runs
    the flow runs the server hands it. (The server's scheduler creates the first cron run only after a
    minute or more, so the test asks the server for a run of the deployment instead of waiting.)"""
    shutil.copytree(ROOT / "sources", tmp_path / "sources")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CURATE_"))}
    env.update(
        PREFECT_API_URL=server, PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1", CURATE_OFFLINE="1"
    )
    curate = Path(sys.executable).with_name("curate")
    log = (tmp_path / "serve.log").open("wb")
    serving = subprocess.Popen(
        [str(curate), "serve", "--root", str(tmp_path), "--cron", "*/5 * * * *"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deployments = _wait(lambda: _deployments(server), "both deployments registered")
        assert deployments["curate-all"]["schedules"][0]["schedule"]["cron"] == "*/5 * * * *"
        assert deployments["refresh-evidence"]["schedules"][0]["schedule"]["cron"] == "0 5 * * 1"
        run = _post(f"{server}/deployments/{deployments['curate-all']['id']}/create_flow_run", {})
        done = _wait(lambda: _completed(server, run["id"]), "the served flow run completed", timeout=240)
        assert done["state_type"] == "COMPLETED"
    except AssertionError:
        raise AssertionError((tmp_path / "serve.log").read_text(errors="replace")[-3000:]) from None
    finally:
        os.killpg(serving.pid, 15)
        serving.wait(timeout=60)
        log.close()
    assert (tmp_path / "curated" / "claims.parquet").is_file()
    assert (tmp_path / "reports" / "index.html").is_file()


def _deployments(server: str) -> dict[str, dict] | None:
    found = {d["name"]: d for d in _post(f"{server}/deployments/filter", {"limit": 10})}
    return found if {"curate-all", "refresh-evidence"} <= set(found) else None


def _completed(server: str, run_id: str) -> dict | None:
    run = _get(f"{server}/flow_runs/{run_id}")
    return run if run["state_type"] in ("COMPLETED", "FAILED", "CRASHED") else None


def _wait(probe, what: str, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while (found := probe()) is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting: {what}")
        time.sleep(2)
    return found


def test_prefect_yaml_deploys_to_a_work_pool_and_a_process_worker_runs_it(server, tmp_path):
    """The README's work-pool commands, as written: create the pool, `prefect deploy --all` from the
    project folder, `prefect worker start --pool curate-pool` (here `--run-once`) runs the flow run."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("pipeline", "sources"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "prefect.yaml", project / "prefect.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CURATE_"))}
    env.update(
        PREFECT_API_URL=server,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        CURATE_PROJECT_DIR=str(project),
        PREFECT_HOME=str(tmp_path / "prefect-client"),
    )
    prefect = str(Path(sys.executable).with_name("prefect"))

    def prefect_cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
        command = [prefect, "--no-prompt", *args]
        done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        return done

    prefect_cli("work-pool", "create", "curate-pool", "--type", "process")
    prefect_cli("deploy", "--all")
    listed = _post(f"{server}/deployments/filter", {"limit": 20})
    deployments = [d for d in listed if d["work_pool_name"] == "curate-pool"]
    assert sorted(d["name"] for d in deployments) == ["curate-all", "refresh-evidence"]
    curate_all = next(d for d in deployments if d["name"] == "curate-all")
    assert [s["schedule"]["cron"] for s in curate_all["schedules"]] == ["0 6 * * *"]
    assert curate_all["job_variables"]["env"]["DO_NOT_TRACK"] == "1"

    run = _post(f"{server}/deployments/{curate_all['id']}/create_flow_run", {})
    prefect_cli("worker", "start", "--pool", "curate-pool", "--run-once", timeout=300)
    done = _wait(lambda: _completed(server, run["id"]), "the worker's flow run finished", timeout=60)
    assert done["state_type"] == "COMPLETED"
    assert (project / "curated" / "claims.parquet").is_file()
    assert (project / "reports" / "vitamin-k2.html").is_file()
