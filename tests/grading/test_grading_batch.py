"""Batch grading: the process-pool path gives the same grades, in the same order, as one process."""

from __future__ import annotations

import json
import re
from itertools import islice
from pathlib import Path

import pytest

from pipeline import grading
from pipeline.errors import InputError
from pipeline.grading import grade_lines, grade_record, grade_records, parallel
from pipeline.grading.parallel import AUTO, RECORD_FIELDS, from_wire, grade_jsonl, to_wire
from pipeline.literature.record_jsonl import record_to_jsonl
from pipeline.models import Record


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


def test_records_travel_with_every_field_grading_reads():
    """RECORD_FIELDS must name each `record.<field>` the grading code reads, or pooled grades would
    silently see that field at its default."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in Path(grading.__file__).parent.glob("*.py"))
    read = set(re.findall(r"\brecord\.([a-z_]+)\b", source)) - {"record_id"}
    assert read, "the scan found no field reads: the pattern is out of date"
    assert read <= set(RECORD_FIELDS), read - set(RECORD_FIELDS)


@pytest.mark.parametrize("text_only", [False, True])
def test_wire_records_grade_exactly_like_the_originals(real_records, text_only):
    for record in real_records.values():
        assert grade_record(from_wire(to_wire(record)), text_only=text_only) == grade_record(
            record, text_only=text_only
        ), record.record_id


def test_pooled_json_lines_are_what_one_process_prints(real_records):
    records = list(real_records.values())[:40]
    single = list(grade_lines(records))
    assert list(grade_lines(records, workers=2, chunk_size=9)) == single
    assert [json.loads(line)["record_id"] for line in single] == [r.record_id for r in records]


def test_a_failing_input_still_yields_the_records_before_it(real_records):
    records = list(real_records.values())[:25]

    def then_fail():
        yield from records
        raise InputError("line 26: not a record")

    seen = []
    with pytest.raises(InputError, match="line 26"):
        for grade in grade_records(then_fail(), workers=2, chunk_size=10):
            seen.append(grade.record_id)
    assert seen == [r.record_id for r in records]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_record_that_fails_to_grade_comes_after_the_grades_before_it(real_records, workers):
    """Not only input errors: whatever stops a worker mid-chunk, the grades before it are not lost."""
    records = list(real_records.values())[:9]
    broken = Record.model_construct(record_id="pmid:999", title=5)  # not a valid Record: cannot be graded
    seen = []
    with pytest.raises(Exception):  # noqa: B017 -- the type differs by path; the order is the point
        for grade in grade_records([*records[:5], broken, *records[5:]], workers=workers, chunk_size=20):
            seen.append(grade.record_id)
    assert seen == [r.record_id for r in records[:5]]


@pytest.fixture
def pools(monkeypatch) -> list[int]:
    """The worker counts of the pools started (on a pretend two-CPU machine)."""
    started: list[int] = []
    real = parallel._pooled

    def spy(stream, work, workers, chunk_size, encode):
        started.append(workers)
        return real(stream, work, workers, chunk_size, encode)

    monkeypatch.setattr(parallel, "_pooled", spy)
    monkeypatch.setattr(parallel, "cpu_count", lambda: 2)
    return started


def test_auto_grades_a_small_input_here_and_a_large_one_in_one_worker_per_cpu(
    real_records, monkeypatch, pools
):
    records = list(real_records.values())[:30]
    single = list(grade_lines(records, workers=1))
    monkeypatch.setattr(parallel, "POOL_AFTER", 16)
    assert list(grade_lines(records, workers=AUTO, chunk_size=8)) == single
    assert pools == []  # 16 graded here while counted, then only 14 wait: too few for a pool
    monkeypatch.setattr(parallel, "POOL_AFTER", 15)
    assert list(grade_lines(records, workers=AUTO, chunk_size=8)) == single
    assert pools == [2]  # 15 here (records are not held back), then 15 wait: the pool takes them
    monkeypatch.setattr(parallel, "cpu_count", lambda: 1)
    assert list(grade_records(records, workers=AUTO)) == [grade_record(r) for r in records]
    assert pools == [2]  # one CPU: no pool, however large the input


def test_auto_reads_text_ahead_and_pools_from_the_threshold(real_records, monkeypatch, pools):
    lines = [(n, record_to_jsonl(r)) for n, r in enumerate(list(real_records.values())[:30], 1)]
    single = list(grade_jsonl(lines, "x.jsonl", text_only=False, workers=1))
    monkeypatch.setattr(parallel, "POOL_AFTER", 31)
    assert list(grade_jsonl(lines, "x.jsonl", text_only=False, workers=AUTO, chunk_size=8)) == single
    assert pools == []
    monkeypatch.setattr(parallel, "POOL_AFTER", 30)
    assert list(grade_jsonl(lines, "x.jsonl", text_only=False, workers=AUTO, chunk_size=8)) == single
    assert pools == [2]  # text is cheap to hold: all 30 lines go to the pool


@pytest.mark.parametrize("pool_after", [10, 40])  # the failure comes after / before the threshold
@pytest.mark.parametrize("as_text", [False, True])
def test_auto_yields_the_records_before_a_failing_input(
    real_records, monkeypatch, pools, pool_after, as_text
):
    records = list(real_records.values())[:25]
    monkeypatch.setattr(parallel, "POOL_AFTER", pool_after)

    def then_fail(items):
        yield from items
        raise InputError("line 26: not a record")

    seen = []
    with pytest.raises(InputError, match="line 26"):
        if as_text:
            lines = [(n, record_to_jsonl(r)) for n, r in enumerate(records, 1)]
            graded = grade_jsonl(then_fail(lines), "x", text_only=False, workers=AUTO, chunk_size=10)
            seen.extend(json.loads(line)["record_id"] for line in graded)
        else:
            seen.extend(g.record_id for g in grade_records(then_fail(records), workers=AUTO, chunk_size=10))
    assert seen == [r.record_id for r in records]
    assert pools == ([2] if pool_after < 25 else [])  # a failure within the threshold: no pool


def test_an_error_in_this_process_keeps_its_type_and_cause(real_records, monkeypatch):
    class Unpicklable(Exception):  # a local class: pickle cannot find it, so a worker could not send it
        pass

    def broken(record, text_only=False):
        try:
            raise KeyError("the cause")
        except KeyError as cause:
            raise Unpicklable(record.record_id) from cause

    monkeypatch.setattr("pipeline.grading.grade.grade_record", broken)
    records = list(real_records.values())[:3]
    for run in (
        lambda: list(grade_lines(records, workers=AUTO)),
        lambda: list(grade_jsonl([(1, record_to_jsonl(records[0]))], "x", text_only=False, workers=1)),
    ):
        with pytest.raises(Unpicklable) as caught:
            run()
        assert isinstance(caught.value.__cause__, KeyError)


def test_a_workers_unpicklable_error_reaches_the_parent_as_its_text():
    class Unpicklable(Exception):
        pass

    def chunk_work(chunk):
        return [*chunk, parallel.ChunkFailure(Unpicklable("lost in transit"))]

    results = parallel._portable(chunk_work, ["a", "b"])
    assert results[:2] == ["a", "b"]
    error = results[2].error
    assert type(error) is RuntimeError and str(error) == "Unpicklable in a grading worker: lost in transit"
    kept = parallel._portable(lambda chunk: [parallel.ChunkFailure(InputError("line 3"))], ["a"])
    assert isinstance(kept[0].error, InputError)  # ours pickle: sent as they are
