"""The task-runner setting: threads by default, Dask on a scheduler address or a local cluster.

The flow tests run a tiny Prefect flow through a real `distributed.LocalCluster` of two in-process
workers (process workers would each start their own temporary Prefect server, 12–17 s apiece) against
one temporary Prefect server for the module.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import LocalCluster, get_worker
from prefect import flow, task
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.testing.utilities import prefect_test_harness
from prefect_dask import DaskTaskRunner

from pipeline.runners import task_runner
from pipeline.settings import Settings

pytestmark = pytest.mark.slow


@task
def square(n: int) -> tuple[int, str]:
    """n², and the address of the Dask worker that computed it."""
    time.sleep(0.2)  # keeps one worker busy, so the scheduler hands the next task to the idle one
    return n * n, get_worker().address


@flow
def squares(numbers: list[int]) -> list[tuple[int, str]]:
    futures = [square.submit(n) for n in numbers]
    return [f.result() for f in futures]


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One temporary Prefect server (and PREFECT_HOME) for this module's flow runs."""
    home = tmp_path_factory.mktemp("prefect-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PREFECT_HOME", str(home))
        patch.setenv("PREFECT_LOGGING_LEVEL", "WARNING")
        with prefect_test_harness(server_startup_timeout=120):
            yield


@pytest.fixture
def cluster() -> Iterator[LocalCluster]:
    # Loopback TCP: the inproc transport would look up its route to 8.8.8.8 (blocked in tests).
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        protocol="tcp://",
        host="127.0.0.1",
        dashboard_address=None,
    ) as local:
        yield local


def test_flow_tasks_run_on_both_workers_of_a_scheduler_address(
    prefect_server: None, cluster: LocalCluster
) -> None:
    started = time.perf_counter()
    runner = DaskTaskRunner(address=cluster.scheduler_address)
    results = squares.with_options(task_runner=runner)([1, 2, 3, 4])
    assert [value for value, _ in results] == [1, 4, 9, 16]
    assert {worker for _, worker in results} == set(cluster.scheduler_info["workers"])
    assert len(cluster.scheduler_info["workers"]) == 2
    print(f"4 tasks on 2 Dask workers: {time.perf_counter() - started:.2f}s")


def test_dask_setting_without_an_address_runs_a_local_cluster(prefect_server: None) -> None:
    runner = task_runner(Settings(task_runner="dask", dask_address=None, workers=2))
    results = squares.with_options(task_runner=runner)([5, 6, 7, 8])
    assert [value for value, _ in results] == [25, 36, 49, 64]
    # its scheduler and workers log every start and stop at INFO: kept out of the run's one-line log
    assert logging.getLogger("distributed").getEffectiveLevel() == logging.WARNING
    assert len({worker for _, worker in results}) == 2


def test_thread_setting_is_the_default_thread_pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("CURATE_TASK_RUNNER", "CURATE_DASK_ADDRESS", "CURATE_WORKERS"):
        monkeypatch.delenv(name, raising=False)
    runner = task_runner(Settings(workers=3))
    assert isinstance(runner, ThreadPoolTaskRunner) and runner._max_workers == 3


def test_dask_address_is_passed_to_the_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURATE_TASK_RUNNER", "dask")
    monkeypatch.setenv("CURATE_DASK_ADDRESS", " tcp://10.0.0.5:8786 ")
    runner = task_runner(Settings())
    assert isinstance(runner, DaskTaskRunner) and runner.address == "tcp://10.0.0.5:8786"
    assert runner.cluster_kwargs == {}  # an address means no local cluster is started


def test_curate_all_links_documents_on_a_local_dask_cluster(prefect_server: None, tmp_path: Path) -> None:
    """The real flow, two documents, on CURATE_TASK_RUNNER=dask: both linked, the dataset written."""
    import shutil

    import pandas as pd

    from pipeline.flows import RunOptions, curate_all

    root = Path(__file__).parents[2]
    shutil.copytree(root / "sources", tmp_path / "sources")
    shutil.copytree(tmp_path / "sources/documents/vitamin-k2", tmp_path / "sources/documents/vitamin-k2-copy")
    options = RunOptions(root=str(tmp_path), store_url=f"sqlite:///{tmp_path / 'store.sqlite'}", offline=True)
    runner = task_runner(Settings(task_runner="dask", dask_address=None, workers=2))
    summary = curate_all.with_options(task_runner=runner)(options)
    assert summary.documents == ["vitamin-k2", "vitamin-k2-copy"] and summary.claims == 406
    claims = pd.read_parquet(tmp_path / "curated" / "claims.parquet")
    assert claims.groupby("document").size().to_dict() == {"vitamin-k2": 203, "vitamin-k2-copy": 203}
