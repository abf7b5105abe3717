"""Run every benchmark in this folder (`make bench`) and write their tables to reports/benchmarks.md.

    .venv/bin/python benchmarks/run_all.py [--only linking fetch] [--quick]
        [--pubmed-parser-python /tmp/ppvenv/bin/python] [--out reports/benchmarks.md]
    PUBMED_PARSER_PYTHON=/tmp/ppvenv/bin/python make bench    # the same, through make

Each bench_*.py runs in its own subprocess, so one that fails is reported (exit code and the end of its
error output) and the rest still run. The report names the machine, its load before and after, the date
and the commit, then gives each benchmark's purpose (its docstring), the exact command that reproduces
it, and its output (Markdown tables). It is rewritten atomically after every benchmark, so an
interrupted run leaves the finished sections. `--quick` runs every benchmark on small sizes, as a
smoke test of the whole chain in about three minutes; its figures are not the ones to quote.
"""

from __future__ import annotations

import argparse
import ast
import os
import platform
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # run as a script: the package may not be installed in this Python

from pipeline.outputs.atomic import write_text  # noqa: E402

DEFAULT_OUT = ROOT / "reports" / "benchmarks.md"
ENV = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}  # no telemetry from any child
# Smaller sizes for --quick. A benchmark not listed runs as in the full mode: bench_parse has no size
# option and takes its ~45 s either way.
QUICK_ARGS: dict[str, list[str]] = {
    "pubmed_parse": ["--articles", "1000", "--entrez-articles", "200"],
    "grading": ["--n", "1000", "--cli", "6000"],
    "linking": ["--sizes", "1000", "--k-shares"],  # no 100k stores that keep vitamin K
    "fetch": ["--sizes", "1000"],
    "run": ["--documents", "2", "--quick"],
    "prefect_overhead": ["--tasks", "20"],
}
TIMEOUT = {"full": 4 * 3600, "quick": 600}  # seconds per benchmark; the full 100k-store build is slow
ERROR_LINES = 20  # of a failed benchmark's stderr, in the report


@dataclass(frozen=True)
class Bench:
    name: str
    script: Path
    purpose: str
    args: list[str]

    @property
    def command(self) -> list[str]:
        return [sys.executable, str(self.script), *self.args]

    def shown_command(self) -> str:
        """The command as typed from the project root (`.venv/bin/python benchmarks/bench_x.py …`)."""
        python = _relative(Path(sys.executable))
        return shlex.join([python, _relative(self.script), *self.args])


@dataclass(frozen=True)
class Result:
    bench: Bench
    returncode: int | None  # None: timed out
    seconds: float
    stdout: str
    stderr: str
    load_before: tuple[float, float, float]

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def _relative(path: Path) -> str:
    """`path` relative to the project root when it lies inside it (the venv's python does, unresolved)."""
    absolute = Path(os.path.abspath(path))
    return str(absolute.relative_to(ROOT)) if absolute.is_relative_to(ROOT) else str(path)


# ----------------------------------------------------------------------------- discovery


def discover(quick: bool, pubmed_parser_python: str | None) -> list[Bench]:
    """Every bench_*.py here, named without the prefix, with the arguments this mode gives it."""
    benches = []
    for script in sorted(HERE.glob("bench_*.py")):
        name = script.stem.removeprefix("bench_")
        args = list(QUICK_ARGS.get(name, [])) if quick else []
        if name == "pubmed_parse" and pubmed_parser_python:
            args += ["--pubmed-parser-python", pubmed_parser_python]
        benches.append(Bench(name, script, purpose(script), args))
    return benches


def purpose(script: Path) -> str:
    """The first paragraph of the script's docstring: what it measures and why."""
    doc = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8"))) or "(no docstring)"
    return " ".join(doc.split("\n\n")[0].split())


# ----------------------------------------------------------------------------- running


def run(bench: Bench, timeout: float) -> Result:
    """One benchmark in a subprocess from the project root; stderr goes to a file (Prefect is chatty).

    The benchmark gets a process group of its own, so a timeout also ends what it started (a `curate
    run`, a parser child, a Prefect server) instead of leaving it to load the next benchmark.
    """
    load, started = os.getloadavg(), time.perf_counter()
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as err:
        with subprocess.Popen(
            bench.command,
            cwd=ROOT,
            env=os.environ | ENV,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            start_new_session=True,
        ) as proc:
            try:
                out, code = proc.communicate(timeout=timeout)[0], proc.returncode
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                out, code = proc.communicate()[0], None
        err.seek(0)
        return Result(bench, code, time.perf_counter() - started, out, err.read(), load)


# ----------------------------------------------------------------------------- the report


@dataclass(frozen=True)
class Machine:
    cpus: int
    cpu_model: str
    ram_gib: float
    python: str
    os: str

    @classmethod
    def here(cls) -> Machine:
        return cls(
            cpus=os.cpu_count() or 0,
            cpu_model=_cpuinfo_model() or platform.processor() or "unknown",
            ram_gib=_meminfo_total_kib() / 2**20,
            python=f"{platform.python_version()} ({platform.python_implementation()})",
            os=platform.platform(),
        )


def _cpuinfo_model() -> str | None:
    try:
        lines = Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), None)


def _meminfo_total_kib() -> int:
    try:
        lines = Path("/proc/meminfo").read_text(encoding="utf-8").splitlines()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in lines if line.startswith("MemTotal:")), 0)


def git_commit() -> str:
    """The commit checked out, and whether tracked files differ from it (read-only git commands)."""
    try:
        head = _git("rev-parse", "--short=12", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no git)"
    return f"{head} (with uncommitted changes)" if dirty else head


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=30)
    return done.stdout.strip()


@dataclass
class Report:
    """What the Markdown file says; rendered anew after every benchmark."""

    mode: str
    machine: Machine
    commit: str
    started: datetime
    load_start: tuple[float, float, float]
    planned: list[Bench]
    results: list[Result]
    load_end: tuple[float, float, float] | None = None
    seconds: float | None = None

    def render(self) -> str:
        return "\n".join([*self.header(), *self.summary(), *self.sections()]) + "\n"

    def header(self) -> list[str]:
        m = self.machine
        when = f"{self.started:%Y-%m-%d %H:%M} UTC"
        took = f"in {_duration(self.seconds)}" if self.seconds is not None else "**still running**"
        end = _load(self.load_end) if self.load_end else "(not finished)"
        quick = " `--quick` (small sizes: a smoke test, not figures to quote)" if self.mode == "quick" else ""
        return [
            "# Benchmarks",
            "",
            f"Written by `benchmarks/run_all.py`{quick} on {when}, commit {self.commit}, {took}.",
            "Every benchmark ran in its own subprocess, one after another, from the project root with",
            "`PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1`. Timings on a shared machine are noisy:",
            "compare the ratios measured within one run, not absolute figures across runs or machines.",
            "",
            "| machine | |",
            "|---|---|",
            f"| CPU | {m.cpus} × {m.cpu_model} |",
            f"| RAM | {m.ram_gib:.1f} GiB |",
            f"| Python | {m.python} |",
            f"| OS | {m.os} |",
            f"| load average (1/5/15 min) at start | {_load(self.load_start)} |",
            f"| load average at end | {end} |",
            "",
        ]

    def summary(self) -> list[str]:
        lines = ["| benchmark | status | seconds | load (1 min) before |", "|---|---|---:|---:|"]
        done = {r.bench.name: r for r in self.results}
        for bench in self.planned:
            link, r = f"[{bench.name}](#{bench.name})", done.get(bench.name)
            if r is None:
                lines.append(f"| {link} | not run yet | | |")
            else:
                lines.append(f"| {link} | {_status(r)} | {r.seconds:.0f} | {r.load_before[0]:.2f} |")
        return [*lines, ""]

    def sections(self) -> list[str]:
        return [line for r in self.results for line in section(r)]


def section(r: Result) -> list[str]:
    """One benchmark: what it measures, how to reproduce it, and what it printed (or why it failed)."""
    lines = [
        f"## {r.bench.name}",
        "",
        r.bench.purpose,
        "",
        f"Reproduce: `{r.bench.shown_command()}` "
        f"({r.seconds:.0f} s here, load {r.load_before[0]:.2f} before).",
        "",
    ]
    if not r.ok:
        tail = "\n".join(r.stderr.strip().splitlines()[-ERROR_LINES:]) or "(nothing)"
        lines += [f"**{_status(r)}.** The end of its error output:", "", "```", tail, "```", ""]
    if r.stdout.strip():
        printed = blank_before_tables(r.stdout.strip())
        lines += ([] if r.ok else ["What it printed before it stopped:", ""]) + [printed, ""]
    return lines


def blank_before_tables(text: str) -> str:
    """A blank line before every table that follows a line of text, which Markdown would else run in."""
    out: list[str] = []
    for line in text.splitlines():
        if line.startswith("|") and out and out[-1].strip() and not out[-1].startswith("|"):
            out.append("")
        out.append(line)
    return "\n".join(out)


def _status(r: Result) -> str:
    if r.returncode is None:
        return f"timed out after {r.seconds:.0f} s"
    return "ok" if r.ok else f"failed (exit {r.returncode})"


def _load(load: tuple[float, float, float]) -> str:
    return ", ".join(f"{x:.2f}" for x in load)


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


# ----------------------------------------------------------------------------- main


def parse_args(names: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=names, metavar="NAME", help=f"of: {', '.join(names)}")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test in about 3 minutes")
    parser.add_argument(
        "--pubmed-parser-python",
        default=os.environ.get("PUBMED_PARSER_PYTHON") or None,  # so `make bench` can be given one too
        help="python of a venv with pubmed_parser, for pubmed_parse (default: $PUBMED_PARSER_PYTHON)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the Markdown report to write")
    return parser.parse_args()


def main() -> int:
    names = [s.stem.removeprefix("bench_") for s in sorted(HERE.glob("bench_*.py"))]
    args = parse_args(names)
    mode = "quick" if args.quick else "full"
    benches = [
        b for b in discover(args.quick, args.pubmed_parser_python) if not args.only or b.name in args.only
    ]
    report = Report(
        mode, Machine.here(), git_commit(), datetime.now(UTC), os.getloadavg(), benches, results=[]
    )
    started = time.perf_counter()
    for i, bench in enumerate(benches, 1):
        print(f"[{i}/{len(benches)}] {bench.name}: {bench.shown_command()}", flush=True)
        result = run(bench, TIMEOUT[mode])
        print(f"[{i}/{len(benches)}] {bench.name}: {_status(result)} in {result.seconds:.0f} s", flush=True)
        report.results.append(result)
        write_text(args.out, report.render())
    report.load_end, report.seconds = os.getloadavg(), time.perf_counter() - started
    write_text(args.out, report.render())
    print(f"wrote {_relative(args.out)}", flush=True)
    return 0 if all(r.ok for r in report.results) else 1


if __name__ == "__main__":
    sys.exit(main())
