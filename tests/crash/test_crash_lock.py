"""The run lock (pipeline.run_lock): exclusive, names its holder, dies with it; the staging sweep."""

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from pipeline.run_lock import RunLockedError, run_lock, sweep_staging

HOLDER = """
import sys, time
from pathlib import Path
from pipeline.run_lock import run_lock
with run_lock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_second_holder_is_refused_with_the_first_ones_pid(tmp_path):
    lock = tmp_path / ".curate" / "run.lock"
    with run_lock(lock):
        with pytest.raises(RunLockedError) as info, run_lock(lock):
            pass
        assert info.value.pid == os.getpid() and info.value.path == lock
        assert info.value.exit_code == 2 and f"(pid {os.getpid()}) holds {lock}" in str(info.value)
    with run_lock(lock):  # released on leaving the block
        assert lock.read_text() == f"{os.getpid()}\n"


def test_the_holder_pid_is_unknown_until_written(tmp_path):
    lock = tmp_path / "run.lock"
    lock.write_text("")
    with run_lock(lock):
        lock.write_text("")  # as if the holder had not written its pid yet
        with pytest.raises(RunLockedError, match=r"\(pid unknown\)") as info, run_lock(lock):
            pass
    assert info.value.pid is None


def test_a_pid_written_just_after_the_refusal_is_still_named(tmp_path):
    lock = tmp_path / "run.lock"
    with run_lock(lock):
        lock.write_text("")  # the holder has the lock but has not written its pid yet …
        late = threading.Timer(0.2, lambda: lock.write_text(f"{os.getpid()}\n"))  # … until 0.2 s later
        late.start()
        with pytest.raises(RunLockedError) as info, run_lock(lock):
            pass
        late.join()
    assert info.value.pid == os.getpid()


def test_the_last_runs_pid_is_not_taken_for_the_holders(tmp_path):
    lock = tmp_path / "run.lock"
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    with run_lock(lock):
        lock.write_text(ended.stdout)  # a finished run's pid, not yet replaced by the holder's
        with pytest.raises(RunLockedError, match=r"\(pid unknown\)"), run_lock(lock):
            pass


def test_a_pid_too_large_for_any_process_reads_as_unknown(tmp_path):
    lock = tmp_path / "run.lock"
    with run_lock(lock):
        lock.write_text("99999999999999999999\n")  # not written by curate: no such process can exist
        with pytest.raises(RunLockedError, match=r"\(pid unknown\)"), run_lock(lock):
            pass


@pytest.mark.slow
def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    lock = tmp_path / "run.lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(RunLockedError) as info, run_lock(lock):
            pass
        assert info.value.pid == holder.pid
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    deadline = time.monotonic() + 5  # the kernel drops the lock as the process is reaped
    while True:
        try:
            with run_lock(lock):
                break
        except RunLockedError:
            assert time.monotonic() < deadline, "the lock outlived its killed holder"
            time.sleep(0.01)


def test_the_sweep_removes_staging_files_only(tmp_path):
    curated, schema = tmp_path / "curated", tmp_path / "curated" / "schema"
    schema.mkdir(parents=True)
    names = ["claims.csv", ".claims.csv.k2j4h1.tmp", "notes.tmp", ".hidden", "datapackage.json"]
    for name in names:
        (curated / name).write_text("x")
    (schema / ".claims.schema.json.ab12cd.tmp").write_text("x")
    removed = sweep_staging([curated, schema, tmp_path / "missing"])
    assert removed == [curated / ".claims.csv.k2j4h1.tmp", schema / ".claims.schema.json.ab12cd.tmp"]
    assert sorted(p.name for p in curated.iterdir()) == sorted(
        [".hidden", "claims.csv", "datapackage.json", "notes.tmp", "schema"]
    )


def test_a_reentrant_take_passes_in_the_holding_process_and_still_refuses_others(tmp_path):
    """`curate run` holds the lock and its flow takes it again (reentrant): that passes; a flow run in
    another process (a schedule, a worker) is refused."""
    lock = tmp_path / ".curate" / "run.lock"
    with run_lock(lock) as fresh:
        assert fresh
        with run_lock(lock, reentrant=True) as again:
            assert again is False
        other = subprocess.run(
            [sys.executable, "-c", REENTRANT_ELSEWHERE, str(lock)], capture_output=True, text=True, timeout=60
        )
        assert other.returncode == 3, other.stderr
    with run_lock(lock, reentrant=True) as fresh:  # released: a reentrant take is a real one again
        assert fresh


REENTRANT_ELSEWHERE = """
import sys
from pathlib import Path
from pipeline.run_lock import RunLockedError, run_lock
try:
    with run_lock(Path(sys.argv[1]), reentrant=True):
        sys.exit(0)
except RunLockedError:
    sys.exit(3)
"""


def test_another_thread_of_the_holding_process_is_refused(tmp_path):
    """Reentrance follows the call chain, not the process: a thread that did not take the lock (a
    notebook, an app embedding the flows) is refused like another process."""
    lock = tmp_path / ".curate" / "run.lock"
    outcome: list[object] = []

    def other() -> None:
        try:
            with run_lock(lock, reentrant=True):
                outcome.append("entered")
        except RunLockedError as e:
            outcome.append(e)

    with run_lock(lock):
        thread = threading.Thread(target=other)
        thread.start()
        thread.join(timeout=30)
    assert len(outcome) == 1 and isinstance(outcome[0], RunLockedError)
