"""The Prefect task runner a run uses, chosen by settings: threads in this process, or a Dask cluster.

    CURATE_TASK_RUNNER=thread   ThreadPoolTaskRunner(max_workers=CURATE_WORKERS)       (default)
    CURATE_TASK_RUNNER=dask     DaskTaskRunner(address=CURATE_DASK_ADDRESS)            (many machines)
                                without an address: an in-process LocalCluster of CURATE_WORKERS workers

Dask workers run tasks but report their state to the Prefect API they find in their own environment:
every worker machine needs the same PREFECT_API_URL as the process that starts the flow. That is also
why the local cluster keeps its workers in this process (processes=False): a worker process without
PREFECT_API_URL would start a temporary Prefect server of its own (12–17 s each) and report there.
"""

from __future__ import annotations

import logging
from typing import Any

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from pipeline.errors import ConfigError
from pipeline.settings import Settings


def task_runner(settings: Settings) -> TaskRunner[Any]:
    """The task runner named by `settings.task_runner` (Dask is imported only when asked for)."""
    if settings.task_runner == "dask":
        return dask_runner(settings.dask_address, settings.workers)
    return ThreadPoolTaskRunner(max_workers=settings.workers)


def dask_runner(address: str | None, workers: int) -> TaskRunner[Any]:
    """A DaskTaskRunner on the scheduler at `address`, else on a temporary in-process LocalCluster."""
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError as e:
        raise ConfigError("task_runner", "the dask task runner needs `pip install prefect-dask`") from e
    _quiet_dask()
    if address and address.strip():
        return DaskTaskRunner(address=address.strip())
    # Loopback TCP, not Dask's default inproc transport, which names itself by asking the OS for its
    # route to 8.8.8.8; and no dashboard, which nobody looks at during one run.
    local = {
        "n_workers": workers,
        "threads_per_worker": 1,
        "processes": False,
        "protocol": "tcp://",
        "host": "127.0.0.1",
        "dashboard_address": None,
    }
    return DaskTaskRunner(cluster_class="distributed.LocalCluster", cluster_kwargs=local)


def _quiet_dask() -> None:
    """Dask logs every scheduler and worker start and stop at INFO (64 lines for one local run): the
    run's own logs stay one line per stage, so Dask says only warnings unless `-vv` asked for debug."""
    if not logging.getLogger("curate").isEnabledFor(logging.DEBUG):
        for name in ("distributed", "dask"):
            logging.getLogger(name).setLevel(logging.WARNING)
