"""Scoring a grader against labelled records: accuracy, per-class precision/recall, and the misses.

Pure: takes (record_id, expected, predicted) triples, so the benchmark and the tests share one scorer.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.models import EVIDENCE_TYPES


@dataclass(frozen=True)
class ClassScore:
    label: str
    support: int  # labelled with this class
    predicted: int  # predicted as this class
    correct: int

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.correct / self.support if self.support else None


@dataclass(frozen=True)
class Evaluation:
    total: int
    correct: int
    classes: list[ClassScore]
    misses: list[tuple[str, str, str]]  # (record_id, expected, predicted)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def score(self, label: str) -> ClassScore:
        return next(c for c in self.classes if c.label == label)


def evaluate(triples: list[tuple[str, str, str]]) -> Evaluation:
    """Score (record_id, expected, predicted) triples over the fixed evidence-type vocabulary."""
    classes = [
        ClassScore(
            label,
            support=sum(e == label for _, e, _ in triples),
            predicted=sum(p == label for _, _, p in triples),
            correct=sum(e == p == label for _, e, p in triples),
        )
        for label in EVIDENCE_TYPES
    ]
    misses = [t for t in triples if t[1] != t[2]]
    return Evaluation(len(triples), len(triples) - len(misses), classes, misses)


def markdown_table(full: Evaluation, text_only: Evaluation) -> str:
    """Per-class precision / recall with and without text-only mode, as a Markdown table."""
    rows = [
        "| class | n | precision | recall | precision (text-only) | recall (text-only) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for a, b in zip(full.classes, text_only.classes, strict=True):
        if a.support or a.predicted or b.predicted:
            cells = (_pct(a.precision), _pct(a.recall), _pct(b.precision), _pct(b.recall))
            rows.append(f"| {a.label} | {a.support} | " + " | ".join(cells) + " |")
    rows.append(
        f"| **accuracy** | {full.total} | {full.accuracy:.3f} ({full.correct}/{full.total}) | | "
        f"{text_only.accuracy:.3f} ({text_only.correct}/{text_only.total}) | |"
    )
    return "\n".join(rows)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"
