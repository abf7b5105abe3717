"""Evidence grading: accuracy on the labelled, held-out and unseen sets (with and without --text-only), speed.

Run: `.venv/bin/python benchmarks/bench_grading.py [--n 100000] [--workers 2] [--cli 100000]` (or
`make bench`). Prints Markdown tables, the misclassified records, the time to grade `--n` distinct records
in one process and with `--workers` processes, and the time `curate grade --input` takes end to end on
`--cli` of them written as record JSON Lines, with one process and by default. The speed records are
the labelled records perturbed one by one (new ID, abstract sentences shuffled, a sentence of another
record appended), so no two are alike and a cache keyed on the text could not fake the figure.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from pipeline.grading import grade_record, grade_records
from pipeline.grading.evaluate import Evaluation, evaluate, markdown_table
from pipeline.grading.parallel import cpu_count
from pipeline.literature.europepmc_json import iter_search_results, record_from_europepmc
from pipeline.literature.pubmed_xml import iter_records
from pipeline.literature.record_jsonl import iter_jsonl_records, record_to_jsonl
from pipeline.models import AbstractSection, Record

DATA = Path(__file__).parents[1] / "tests" / "data" / "grading"
HELD_OUT = DATA / "heldout"
FRESH = DATA / "fresh"  # labelled blind after the third round of cue work; never used to tune a cue
UNSEEN = DATA / "unseen"  # labels only: its records are the ones in DATA that DATA's labels leave out
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def load_records(folder: Path = DATA) -> dict[str, Record]:
    """Every record in the folder's JSON Lines, PubMed XML and Europe PMC JSON files (first seen wins)."""
    found: dict[str, Record] = {}
    for path in sorted(folder.iterdir()):
        for record in _read(path):
            found.setdefault(record.record_id, record)
    return found


def _read(path: Path) -> list[Record]:
    if path.suffix == ".jsonl":
        with path.open(encoding="utf-8") as f:
            return list(iter_jsonl_records(f, str(path)))
    if path.name.endswith((".xml", ".xml.gz")):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as f:
            return [r for r in iter_records(f, str(path)) if isinstance(r, Record)]
    if path.suffix == ".json":  # a Europe PMC search response (resultType=core)
        payload = json.loads(path.read_text(encoding="utf-8"))
        return [record_from_europepmc(item) for item in iter_search_results(payload)]
    return []


def load_labels(folder: Path = DATA) -> dict[str, str]:
    """record_id → expected evidence type, skipping records labelled null (unreadable)."""
    data = yaml.safe_load((folder / "labels.yaml").read_text(encoding="utf-8"))
    return {row["id"]: row["type"] for row in data["labels"] if row["type"]}


def run_eval(records: dict[str, Record], labels: dict[str, str], text_only: bool) -> Evaluation:
    triples = [
        (rid, expected, grade_record(records[rid], text_only=text_only).evidence_type)
        for rid, expected in labels.items()
    ]
    return evaluate(triples)


def perturbed(records: list[Record], n: int, seed: int = 4) -> list[Record]:
    """`n` distinct records made from `records`: new ID, shuffled sentences, one foreign sentence added."""
    rng = random.Random(seed)
    sentences = [s for r in records for s in _sentences(r.abstract or "")] or ["No abstract."]
    out = []
    for i in range(n):
        base = records[i % len(records)]
        extra = rng.choice(sentences)
        update = {"record_id": f"{base.record_id}#{i}", "abstract": _shuffle(base.abstract, extra, rng)}
        if base.abstract_sections:
            update["abstract_sections"] = _shuffle_sections(base.abstract_sections, extra, rng)
        out.append(base.model_copy(update=update))
    return out


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s]


def _shuffle(text: str | None, extra: str, rng: random.Random) -> str | None:
    if not text:
        return text
    parts = _sentences(text)
    rng.shuffle(parts)
    return " ".join([*parts, extra])


def _shuffle_sections(
    sections: list[AbstractSection], extra: str, rng: random.Random
) -> list[AbstractSection]:
    out = [s.model_copy(update={"text": _shuffle(s.text, "", rng) or s.text}) for s in sections]
    out[-1] = out[-1].model_copy(update={"text": f"{out[-1].text} {extra}"})
    return out


def speed(records: list[Record], text_only: bool, workers: int) -> float:
    started = time.perf_counter()
    for _ in grade_records(records, text_only=text_only, workers=workers):
        pass
    return time.perf_counter() - started


def report_accuracy(name: str, folder: Path, records_in: Path | None = None) -> None:
    records, labels = load_records(records_in or folder), load_labels(folder)
    full, text = run_eval(records, labels, False), run_eval(records, labels, True)
    print(f"\n### {name} ({folder.relative_to(DATA.parents[2])})\n")
    print(markdown_table(full, text))
    for mode, result in (("full", full), ("text-only", text)):
        print(f"\nmisses ({name}, {mode}):")
        for rid, expected, predicted in result.misses:
            print(f"- {rid}: labelled {expected}, graded {predicted}")


def report_speed(n: int, workers: int) -> None:
    base = list(load_records(DATA).values()) + list(load_records(HELD_OUT).values())
    records = perturbed(base, n)
    print(f"\n{n:,} distinct records (from {len(base)} real ones)\n")
    print("| mode | processes | seconds | records/s |\n|---|---:|---:|---:|")
    runs = [("full", False, 1), ("text-only", True, 1)]
    runs += [("full", False, workers)] if workers > 1 else []
    for mode, text_only, procs in runs:
        seconds = speed(records, text_only, procs)
        print(f"| {mode} | {procs} | {seconds:.1f} | {n / seconds:,.0f} |", flush=True)


def report_cli(n: int) -> None:
    """`curate grade --input FILE` end to end (reading record JSON Lines, grading, printing), with one
    process and with the default (one worker per CPU from 5,000 records); the outputs must be identical."""
    base = list(load_records(DATA).values()) + list(load_records(HELD_OUT).values())
    curate = Path(sys.executable).with_name("curate")
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        source = Path(tmp) / "records.jsonl"
        with source.open("w", encoding="utf-8") as f:
            for record in perturbed(base, n):
                f.write(record_to_jsonl(record) + "\n")
        size = source.stat().st_size / 1e6
        print(f"\n`curate grade --input` on {n:,} distinct records ({size:,.0f} MB of JSON Lines)\n")
        print("| command | seconds | records/s |\n|---|---:|---:|")
        outputs = []
        for label, extra in (("--workers 1", ["--workers", "1"]), (f"default ({cpu_count()} CPUs)", [])):
            out = Path(tmp) / f"grades{len(outputs)}.jsonl"
            started = time.perf_counter()
            with out.open("wb") as stdout:
                command = [str(curate), "grade", "--input", str(source), *extra]
                subprocess.run(command, stdout=stdout, stderr=subprocess.PIPE, check=True)
            seconds = time.perf_counter() - started
            print(f"| `curate grade` {label} | {seconds:.1f} | {n / seconds:,.0f} |", flush=True)
            outputs.append(out.read_bytes())
        if outputs[0] != outputs[1]:
            raise SystemExit("the default run printed other grades than one process")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="records for the speed table (0: none)")
    parser.add_argument("--workers", type=int, default=2, help="processes for the parallel run")
    parser.add_argument("--cli", type=int, default=100_000, help="records for `curate grade` (0: none)")
    args = parser.parse_args()
    report_accuracy("labelled set", DATA)
    report_accuracy("held-out set", HELD_OUT)
    report_accuracy("unseen set", UNSEEN, records_in=DATA)
    report_accuracy("fresh set", FRESH)
    if args.n > 0:
        report_speed(args.n, args.workers)
    if args.cli > 0:
        report_cli(args.cli)


if __name__ == "__main__":
    main()
