"""Record → Grade: design, population, evidence level, integrity and the reasons behind each.

Never raises on odd records: no title, no abstract, unknown publication types or conflicting signals give
a grade with low confidence and a reason saying why.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from functools import partial
from itertools import islice
from multiprocessing.context import BaseContext

from pipeline.grading.design import classify, unknown_types
from pipeline.grading.integrity import integrity
from pipeline.grading.level import evidence_level
from pipeline.grading.models import Grade, Reason
from pipeline.grading.population import population
from pipeline.grading.text import record_text
from pipeline.models import Record

_NON_ENGLISH_PENALTY = 0.05


def grade_record(record: Record, *, text_only: bool = False) -> Grade:
    """Grade one record. `text_only` ignores publication types and MeSH for design (not for integrity)."""
    text = record_text(record)
    found = classify(record, text, text_only)
    level, level_why = evidence_level(found.design, found.detail)
    status = integrity(record)
    reasons = [*found.reasons, Reason(signal="record", evidence=found.design, effect=f"level: {level_why}")]
    reasons += status.reasons + _input_warnings(record, text_only)
    confidence = found.confidence - (_NON_ENGLISH_PENALTY if _non_english(record) else 0.0)
    return Grade(
        record_id=record.record_id,
        evidence_type=found.design,  # type: ignore[arg-type]
        design_detail=found.detail,
        population=population(text, record.mesh_headings, found.design, text_only),
        level=level,
        confidence=round(max(0.05, min(1.0, confidence)), 2),
        integrity=status.status,
        integrity_role=status.role,
        integrity_links=status.links,
        can_support=status.can_support,
        text_only=text_only,
        reasons=reasons,
    )


def grade_records(
    records: Iterable[Record], *, text_only: bool = False, workers: int = 1, chunk_size: int = 1000
) -> Iterator[Grade]:
    """Grades for a stream of records, in order.

    `workers` > 1 grades chunks of `chunk_size` records in that many processes: worth it for large
    batches only, since every record and grade is pickled across (see benchmarks/bench_grading.py).
    """
    if workers <= 1:
        for record in records:
            yield grade_record(record, text_only=text_only)
        return
    grade_chunk = partial(_grade_chunk, text_only=text_only)
    with ProcessPoolExecutor(max_workers=workers, mp_context=_start_method()) as pool:
        pending: deque[Future[list[Grade]]] = deque()
        chunks = iter(partial(_take, iter(records), chunk_size), [])
        for chunk in chunks:
            pending.append(pool.submit(grade_chunk, chunk))
            if len(pending) >= 2 * workers:  # bounded read-ahead: the input stays a stream
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def _start_method() -> BaseContext | None:
    """Forkserver where available: forking the caller itself is unsafe once it runs threads (flows do)."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver") if "forkserver" in methods else None


def _take(records: Iterator[Record], n: int) -> list[Record]:
    return list(islice(records, n))


def _grade_chunk(records: list[Record], text_only: bool) -> list[Grade]:
    return [grade_record(record, text_only=text_only) for record in records]


def _input_warnings(record: Record, text_only: bool) -> list[Reason]:
    out = []
    if not text_only:
        out += [
            Reason(signal="publication_type", evidence=name, effect="unknown publication type: ignored")
            for name in unknown_types(record.publication_types)
        ]
    if _non_english(record):
        langs = ", ".join(record.language)
        out.append(
            Reason(
                signal="record",
                where="language",
                evidence=langs,
                effect="non-English record: graded from the English title/abstract",
            )
        )
    return out


def _non_english(record: Record) -> bool:
    return bool(record.language) and "eng" not in record.language
