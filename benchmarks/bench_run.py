"""`curate run` on the seed: cold, warm, then with synthetic documents added, each in a subprocess.

Run: `.venv/bin/python benchmarks/bench_run.py [--documents 100]` (or `make bench`). A fresh copy of
sources/ in a temporary folder is the project (empty store, no Prefect database), run as the test suite
runs it (tests/flows/test_run_flow.py): `curate run --root COPY` offline, with the Prefect and curate
variables of this shell removed. Four runs, in order:

1. cold: the store is imported from the snapshot and the temporary Prefect server creates its database;
2. warm: nothing changed, so the document comes from the task cache;
3. `--documents` synthetic documents added (copies of the seed with its top-level sections shuffled and
   the supplement renamed, each in its own folder): the seed is cached, every copy is new work;
4. warm again with all of them.

`--quick` (a smoke test) makes runs 1 and 3 only; run 3 still serves the seed from the cache.

Wall time includes starting Python, Prefect and its temporary server; the flow's own time is the "in N s"
of the summary line. "cached" is the summary's "documents served from cache". The task cache keys on
the package's code, so a row is marked when pipeline/ was edited since the run before it (a shared tree).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "sources" / "documents" / "vitamin-k2"
CURATE = Path(sys.executable).with_name("curate")
SUPPLEMENTS = ["curcumin", "melatonin", "resveratrol", "quercetin", "berberine", "selenium", "zinc",
               "coenzyme Q10", "vitamin D3", "green tea extract", "metformin",
               "omega-3 fatty acids"]  # fmt: skip
# The seed's top-level sections, in page order; the FAQ and the site furniture after it stay last.
SECTIONS = ["Cancer Impact Summary", "Dosage", "Cancer Types Tested Against", "Side Effects",
            "Combination Therapies", "Quality of Life Effects"]  # fmt: skip
TAIL = "Answers to all your questions"
SUMMARY = re.compile(r"(\d+) document\(s\), (\d+) claims.* in ([\d.]+)s")
LINKS = re.compile(r"links: (\d+) discovered")
CACHED = re.compile(r"documents served from cache: (\d+)")


@dataclass(frozen=True)
class Run:
    label: str
    documents: int
    claims: int
    links: int
    cached: int
    wall: float
    flow: float


def split_sections(text: str) -> tuple[str, list[str], str]:
    """(text before the first section, the top-level sections in order, the FAQ and what follows)."""
    starts = [_heading_at(text, heading) for heading in [*SECTIONS, TAIL]]
    if starts != sorted(starts):
        raise SystemExit(f"{SEED}: the headings of SECTIONS are no longer in page order")
    bodies = [text[a:b] for a, b in pairwise(starts)]
    return text[: starts[0]], bodies, text[starts[-1] :]


def _heading_at(text: str, heading: str) -> int:
    found = re.search(rf"^{re.escape(heading)}$", text, re.M)
    if found is None:
        raise SystemExit(f"{SEED}: heading {heading!r} not found; update SECTIONS in {__file__}")
    return found.start()


def renamed(text: str, supplement: str) -> str:
    """The seed's names for its supplement (Vitamin K2, vitamin K2, VK2) replaced by `supplement`."""
    text = re.sub(r"\bVitamin K2\b", supplement[0].upper() + supplement[1:], text)
    return re.sub(r"\b(?:vitamin K2|VK2)\b", supplement, text)


def write_synthetic(documents: Path, seed: str, count: int, rng: random.Random) -> None:
    """`count` distinct documents, `synthetic-NNN/`: a supplement and an order of sections not used yet."""
    head, bodies, tail = split_sections(seed)
    used: set[tuple[str, tuple[int, ...]]] = set()
    for i in range(count):
        supplement = SUPPLEMENTS[i % len(SUPPLEMENTS)]
        for _ in range(100):  # 720 orders per supplement: a fresh one turns up at once
            order = tuple(rng.sample(range(len(bodies)), len(bodies)))
            if (supplement, order) not in used:
                break
        used.add((supplement, order))
        folder = documents / f"synthetic-{i:03d}"
        folder.mkdir()
        text = head + "".join(bodies[j] for j in order) + tail
        (folder / "document.txt").write_text(renamed(text, supplement), encoding="utf-8")
        title = supplement[0].upper() + supplement[1:]
        (folder / "meta.yaml").write_text(f"title: {title}\nsupplement: {supplement}\n", encoding="utf-8")


def curate_run(project: Path, label: str) -> Run:
    """One `curate run` in a subprocess, offline, with only this project's Prefect state."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CURATE_"))}
    env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1", CURATE_OFFLINE="1")
    started = time.perf_counter()
    done = subprocess.run(
        [str(CURATE), "run", "--root", str(project)], capture_output=True, text=True, env=env, timeout=3600
    )
    wall = time.perf_counter() - started
    summary = SUMMARY.search(done.stderr)
    if done.returncode != 0 or summary is None:
        raise SystemExit(f"curate run ({label}) failed, exit {done.returncode}:\n{done.stderr[-3000:]}")
    documents, claims, flow = int(summary[1]), int(summary[2]), float(summary[3])
    links, cached = int(LINKS.search(done.stderr)[1]), int(CACHED.search(done.stderr)[1])
    return Run(label, documents, claims, links, cached, wall, flow)


def row(run: Run, code_changed: bool) -> str:
    note = " ⚠ pipeline/ edited since the run before: the cache keys on the code" if code_changed else ""
    return (
        f"| {run.label}{note} | {run.documents} | {run.claims:,} | {run.links:,} | {run.cached} "
        f"| {run.wall:.1f} | {run.flow:.1f} | {run.wall - run.flow:.1f} |"
    )


def code_stamp() -> str:
    """The package's files and modification times: on a shared tree an edit between two runs changes
    every document's cache key, and a "warm" run then redoes everything."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "pipeline").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(f"{path}:{path.stat().st_mtime_ns}\n".encode())
    return digest.hexdigest()


class Runs:
    """Runs `curate run` on one project in turn and prints a row for each."""

    def __init__(self, project: Path) -> None:
        self.project, self.stamp = project, code_stamp()

    def run(self, label: str) -> None:
        stamp = code_stamp()
        result = curate_run(self.project, label)
        print(row(result, stamp != self.stamp), flush=True)
        self.stamp = stamp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100, help="synthetic documents for runs 3 and 4")
    parser.add_argument("--quick", action="store_true", help="runs 1 and 3 only (run 3 has the seed cached)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary project and print its path")
    args = parser.parse_args()
    project = Path(tempfile.mkdtemp(prefix="curate-bench-run-"))
    try:
        shutil.copytree(ROOT / "sources", project / "sources")
        print("| run | documents | claims | links | cached | wall s | flow s | wall − flow s |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        runs = Runs(project)
        runs.run("cold (fresh copy)")
        if not args.quick:
            runs.run("warm (nothing changed)")
        seed = (SEED / "document.txt").read_text(encoding="utf-8")
        write_synthetic(project / "sources" / "documents", seed, args.documents, random.Random(17))
        runs.run(f"+{args.documents} synthetic documents")
        if not args.quick:
            runs.run(f"warm ({args.documents + 1} documents)")
    finally:
        if args.keep:
            print(f"\nproject kept in {project}")
        else:
            shutil.rmtree(project, ignore_errors=True)


if __name__ == "__main__":
    main()
