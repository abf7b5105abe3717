"""Batch grading: the process-pool path gives the same grades, in the same order, as one process."""

from __future__ import annotations

from itertools import islice

from pipeline.grading import grade_record, grade_records


def test_workers_give_the_same_grades_in_order(real_records):
    records = list(real_records.values())[:60]
    pooled = list(grade_records(records, text_only=True, workers=2, chunk_size=7))
    assert [g.record_id for g in pooled] == [r.record_id for r in records]
    assert pooled == [grade_record(r, text_only=True) for r in records]


def test_single_process_grading_streams(real_records):
    def endless():
        while True:
            yield from real_records.values()

    first = list(islice(grade_records(endless()), 3))  # a generator input is never read ahead
    assert [g.record_id for g in first] == list(real_records)[:3]
