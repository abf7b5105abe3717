"""Evidence grading: accuracy on the labelled set (with and without --text-only) and grading speed.

Run: `.venv/bin/python benchmarks/bench_grading.py` (or `make bench`). Prints Markdown tables, the
misclassified records, and the time to grade 100,000 records (the labelled records, cycled).
"""

from __future__ import annotations

import gzip
import time
from itertools import cycle, islice
from pathlib import Path

import yaml

from pipeline.grading import grade_record
from pipeline.grading.evaluate import Evaluation, evaluate, markdown_table
from pipeline.literature.pubmed_xml import iter_records
from pipeline.literature.record_jsonl import iter_jsonl_records
from pipeline.models import Record

DATA = Path(__file__).parents[1] / "tests" / "data" / "grading"
SPEED_N = 100_000


def load_records(folder: Path = DATA) -> dict[str, Record]:
    """Every record in the folder's JSON Lines and PubMed XML files, by record_id (first seen wins)."""
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


def speed(records: list[Record], text_only: bool) -> float:
    started = time.perf_counter()
    for record in islice(cycle(records), SPEED_N):
        grade_record(record, text_only=text_only)
    return time.perf_counter() - started


def main() -> None:
    records, labels = load_records(), load_labels()
    full, text = run_eval(records, labels, False), run_eval(records, labels, True)
    print(markdown_table(full, text))
    for name, result in (("full", full), ("text-only", text)):
        print(f"\nmisses ({name}):")
        for rid, expected, predicted in result.misses:
            print(f"- {rid}: labelled {expected}, graded {predicted}")
    print("\n| mode | records | seconds | records/s |\n|---|---:|---:|---:|")
    for mode, text_only in (("full", False), ("text-only", True)):
        seconds = speed(list(records.values()), text_only)
        print(f"| {mode} | {SPEED_N:,} | {seconds:.1f} | {SPEED_N / seconds:,.0f} |")


if __name__ == "__main__":
    main()
