"""Progress bars: one per stage on stderr when a person watches it (a terminal), none in pipes and CI.

The commands run in a subprocess whose stderr is a pseudo-terminal and whose stdout is a pipe, as when a
curator runs them with the data redirected to a file."""

import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.progress import stage

ROOT = Path(__file__).parents[2]
RECORDS = ROOT / "tests" / "data" / "records" / "vitamin-k2-records.jsonl"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def test_a_stage_draws_its_name_and_count_only_when_enabled(capsys):
    with stage("documents", 3, enabled=True) as bar:
        for _ in range(3):
            bar.advance()
    drawn = capsys.readouterr().err
    assert re.search(r"documents\s.*3/3", drawn), drawn
    with stage("documents", 3, enabled=False) as bar:
        bar.advance(3)
    assert capsys.readouterr() == ("", "")


def test_not_watched_means_no_bar(capsys):
    with stage("outputs", 1) as bar:  # stderr is pytest's capture here, not a terminal
        bar.advance()
    assert capsys.readouterr().err == ""


def _on_a_terminal(argv: list[str], cwd: Path, timeout: float) -> tuple[int, str, str]:
    """Run `argv` with stderr on a pseudo-terminal and stdout to a file; (exit code, stdout, stderr
    without colour codes). Past `timeout` the process and its children (Prefect's server) are killed."""
    master, slave = pty.openpty()
    with (cwd / "stdout.txt").open("w+b") as out:
        process = subprocess.Popen(
            argv, stdout=out, stderr=slave, env=_env(), cwd=cwd, start_new_session=True
        )
        os.close(slave)
        drawn, deadline = bytearray(), time.monotonic() + timeout
        try:
            while True:  # read as it is drawn: a full pty buffer would block the process
                if time.monotonic() > deadline:
                    os.killpg(process.pid, signal.SIGKILL)
                    tail = drawn[-2000:].decode(errors="replace")
                    pytest.fail(f"{Path(argv[0]).name} {argv[1]} did not finish in {timeout} s: {tail}")
                ready, _, _ = select.select([master], [], [], 1.0)
                if not ready:
                    continue
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: every holder of the terminal closed it
                    break
                if not chunk:
                    break
                drawn += chunk
            code = process.wait(timeout=max(1.0, deadline - time.monotonic()))
        finally:
            os.close(master)
        out.seek(0)
        return code, out.read().decode(), ANSI.sub("", drawn.decode(errors="replace"))


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CURATE_"))}
    env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1", CURATE_OFFLINE="1")
    return env


@pytest.mark.slow
def test_curate_grade_draws_a_grading_bar_with_the_record_count(tmp_path):
    curate = str(Path(sys.executable).with_name("curate"))
    code, out, err = _on_a_terminal([curate, "grade", "--input", str(RECORDS)], tmp_path, timeout=120)
    assert code == 0, err
    assert len(out.splitlines()) == 38  # the data still goes to stdout, untouched by the bar
    assert re.search(r"grading\s.*38/38", err), err
    assert "graded 38 record(s)" in err


@pytest.mark.slow
def test_curate_run_draws_a_bar_per_stage_then_the_summary(tmp_path):
    shutil.copytree(ROOT / "sources", tmp_path / "sources")
    curate = str(Path(sys.executable).with_name("curate"))
    code, _, err = _on_a_terminal([curate, "run", "--root", str(tmp_path)], tmp_path, timeout=300)
    assert code == 0, err
    assert re.search(r"documents\s.*1/1", err) and re.search(r"outputs\s.*1/1", err), err
    assert err.index("documents ") < err.index("outputs ") < err.index("curate run ")  # summary last
    assert "1 document(s), 203 claims" in err
    assert "Traceback" not in err
