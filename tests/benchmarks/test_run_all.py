"""`make bench`'s harness (benchmarks/run_all.py) end to end on one quick benchmark: the report names the
machine and the commit, and gives the benchmark's purpose, the command that reproduces it and its table."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
pytestmark = pytest.mark.slow


def test_a_quick_linking_benchmark_writes_a_report_that_says_how_to_reproduce_it(tmp_path):
    out = tmp_path / "benchmarks.md"
    done = subprocess.run(
        [sys.executable, "benchmarks/run_all.py", "--quick", "--only", "linking", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    report = out.read_text(encoding="utf-8")
    assert report.startswith("# Benchmarks\n") and "`--quick` (small sizes" in report
    assert "| CPU | " in report and "| RAM | " in report and "| load average at end | " in report
    assert "| [linking](#linking) | ok |" in report
    section = report.split("## linking", 1)[1]
    assert "Reproduce: `.venv/bin/python benchmarks/bench_linking.py --sizes 1000 --k-shares`" in section
    assert "| seed records | 38 |" in section and "| synthetic 1,000 | 1,038 |" in section
    assert "0.712 (158/222)" in section  # the seed's recall@5, in the table the benchmark printed
