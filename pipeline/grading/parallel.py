"""Grading in worker processes: records go out and grades come back in a compact form.

Grading is pure CPU work, so a batch scales with processes, but only if the parent does little besides
handing out work: it is one process feeding all the others. Pickled whole, a Record costs the parent
~30 µs to send and a Grade ~65 µs to receive (pydantic rebuilds every nested model): enough, measured on
two cores, to make two workers slower than one process. So records travel as tuples of just the fields
grading reads (`RECORD_FIELDS`, checked against the grading code by a test) and grades come back as plain
dicts, or as finished JSON lines when the caller only prints them (`curate grade --workers`). Record JSON
Lines and stored records go out as their JSON text: the workers parse them too.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import pickle
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from itertools import islice
from multiprocessing.context import BaseContext
from typing import Any, TypeVar

from pipeline.grading.models import Grade
from pipeline.literature.record_jsonl import read_jsonl_line, stored_record
from pipeline.models import Record

T = TypeVar("T")

# Every Record attribute the grading code reads (tests/grading/test_grading_batch.py keeps this honest).
RECORD_FIELDS = (
    "record_id",
    "title",
    "abstract",
    "abstract_sections",
    "language",
    "publication_types",
    "mesh_headings",
    "corrections",
)
Wire = tuple[Any, ...]


def to_wire(record: Record) -> Wire:
    """The fields grading reads, as plain tuples (cheap to pickle)."""
    return (
        record.record_id,
        record.title,
        record.abstract,
        tuple((s.label, s.category, s.text) for s in record.abstract_sections),
        tuple(record.language),
        tuple((p.name, p.ui) for p in record.publication_types),
        tuple((m.descriptor, m.ui, m.major) for m in record.mesh_headings),
        tuple((c.type, c.pmid, c.ref_source) for c in record.corrections),
    )


def from_wire(wire: Wire) -> Record:
    """A Record holding the grading fields (the others at their defaults), validated as usual."""
    rid, title, abstract, sections, language, types, headings, corrections = wire
    return Record.model_validate(
        {
            "record_id": rid,
            "title": title,
            "abstract": abstract,
            "abstract_sections": [{"label": lb, "category": c, "text": t} for lb, c, t in sections],
            "language": language,
            "publication_types": [{"name": n, "ui": ui} for n, ui in types],
            "mesh_headings": [{"descriptor": d, "ui": ui, "major": m} for d, ui, m in headings],
            "corrections": [{"type": t, "pmid": p, "ref_source": s} for t, p, s in corrections],
        }
    )


AUTO = 0  # `workers`: one process per CPU, once POOL_AFTER items wait to be graded (grade_in_chunks)
# Starting a pool costs ~1–1.5 s (measured: 5,000 records took as long with two workers as with one;
# 10,000 took 3.5–3.9 s with two, 4.5–4.7 s with one), so smaller inputs are graded in this process.
POOL_AFTER = 5_000
_END = object()  # the end of an input, told apart from any item
_LOCAL_CHUNK = 50  # items graded in this process between yields (a short wait for the first line)


def grade_in_chunks(
    items: Iterable[Any],
    work: Callable[[list[Any]], list[T | ChunkFailure]],
    workers: int,
    chunk_size: int,
    *,
    local: Callable[[list[Any]], list[T | ChunkFailure]],
    encode: Callable[[Any], Any] | None = to_wire,
) -> Iterator[T]:
    """Results of `work` on chunks of items in `workers` processes (each item `encode`d first, unless None
    when items travel as they are), in input order; `local` is the same work on items as given, in this
    process. `workers` 1 grades here, as does AUTO on one CPU. Elsewhere AUTO starts a pool once POOL_AFTER
    items are waiting to be graded:
    - text items (record JSON, stored JSON; ~5 KB each) are read ahead up to POOL_AFTER, then all go to the
      pool, or all are graded here when the input ends sooner;
    - Record objects (~23 KB each in memory) are not held back: the first POOL_AFTER are graded here while
      they are counted, the next POOL_AFTER read ahead encoded (~3 KB each), and a pool takes over only
      when they fill (the first part can no longer gain from it).

    In a pool at most two chunks per worker are in flight, so the input is never read further ahead and
    memory stays flat however large it is. When the input fails part way (a bad line, an ID not in the
    store), the items before it are still graded and yielded first, as in one process; so are those before
    a bad line a worker parses (it hands back a ChunkFailure in that line's place).
    """
    stream = iter(items)
    count = cpu_count() if workers == AUTO else workers
    if count <= 1:
        yield from _in_process(stream, local)
        return
    if workers == AUTO and encode is not None:
        yield from _in_process(islice(stream, POOL_AFTER), local)
        stream, encode, local = map(encode, stream), None, work  # the rest as encoded, cheaper to hold
    if workers == AUTO:
        head, failure = _read_chunk(stream, POOL_AFTER, None)
        stream = itertools.chain(_replay(head, failure), stream)
        if failure is not None or len(head) < POOL_AFTER:
            yield from _in_process(stream, local)
            return
    yield from _pooled(stream, work, count, chunk_size, encode)


def cpu_count() -> int:
    """The CPUs this process may run on (a container or `taskset` may allow fewer than the machine has)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _in_process(stream: Iterator[Any], local: Callable[[list[Any]], list[T | ChunkFailure]]) -> Iterator[T]:
    """The items graded here, a few at a time (the first results come at once); then the input's error."""
    while True:
        chunk, failure = _read_chunk(stream, _LOCAL_CHUNK, None)
        yield from _unwrap(local(chunk))
        if failure is not None:
            raise failure
        if not chunk:
            return


def _replay(head: list[Any], failure: Exception | None) -> Iterator[Any]:
    """The items read ahead, each handed out once and let go, then the error met while reading them."""
    head.reverse()
    while head:
        yield head.pop()
    if failure is not None:
        raise failure


def _pooled(
    stream: Iterator[Any],
    work: Callable[[list[Any]], list[T | ChunkFailure]],
    workers: int,
    chunk_size: int,
    encode: Callable[[Any], Any] | None,
) -> Iterator[T]:
    with ProcessPoolExecutor(max_workers=workers, mp_context=_start_method()) as pool:
        pending: deque[Future[list[T | ChunkFailure]]] = deque()
        try:
            while True:
                chunk, failure = _read_chunk(stream, chunk_size, encode)
                if chunk:
                    pending.append(pool.submit(_portable, work, chunk))
                if failure is not None or not chunk:
                    break
                if len(pending) >= 2 * workers:
                    yield from _unwrap(pending.popleft().result())
            while pending:
                yield from _unwrap(pending.popleft().result())
        except BaseException:  # the consumer stopped early, or a chunk failed: drop the queued chunks
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    if failure is not None:
        raise failure


@dataclass(frozen=True)
class ChunkFailure:
    """A worker's stand-in for the item it failed on (unreadable, or not gradable): raised in the parent,
    in order, after the results before it."""

    error: Exception


def _unwrap(results: list[T | ChunkFailure]) -> Iterator[T]:
    for item in results:
        if isinstance(item, ChunkFailure):
            raise item.error
        yield item


def _read_chunk(
    stream: Iterator[Any], size: int, encode: Callable[[Any], Any] | None
) -> tuple[list[Any], Exception | None]:
    """Up to `size` encoded items, and the error that stopped the input early, if any."""
    chunk: list[Any] = []
    try:
        for item in islice(stream, size):
            chunk.append(item if encode is None else encode(item))
    except Exception as exc:  # re-raised by the caller once the items before it are graded
        return chunk, exc
    return chunk, None


def grade_jsonl(
    lines: Iterable[tuple[int, str]], origin: str, *, text_only: bool, workers: int, chunk_size: int = 500
) -> Iterator[str]:
    """JSON lines of grades for numbered record JSON Lines, parsed by the workers themselves.

    Reading a record from JSON costs ~145 µs, three times what the parent spends per record otherwise:
    done in the parent it would cap a pool at ~7,000 records/s however many cores there are.
    """
    work = worker(partial(_jsonl_record, origin=origin), grade_json, text_only)
    return grade_in_chunks(lines, work, workers, chunk_size, local=work, encode=None)


def grade_stored(
    rows: Iterable[tuple[str, str]], *, text_only: bool, workers: int, chunk_size: int = 500
) -> Iterator[str]:
    """JSON lines of grades for stored records as (record_id, stored JSON), parsed by the workers
    (~120 µs a record, which would otherwise cap the pool at the parent's ~8,000 records/s)."""
    work = worker(_stored_record, grade_json, text_only)
    return grade_in_chunks(rows, work, workers, chunk_size, local=work, encode=None)


def worker(
    read: Callable[[Any], Record], write: Callable[[Grade], T], text_only: bool
) -> Callable[[list[Any]], list[T | ChunkFailure]]:
    """The function run on a chunk, in a worker or here: `read` each item into a Record, grade it, `write`
    the grade (module-level functions or partials, so that it pickles)."""
    return partial(_grade_chunk, read=read, write=write, text_only=text_only)


def _grade_chunk(
    chunk: list[Any], read: Callable[[Any], Record], write: Callable[[Grade], T], text_only: bool
) -> list[T | ChunkFailure]:
    from pipeline.grading.grade import grade_record  # grade.py imports this module

    return _each(chunk, lambda item: write(grade_record(read(item), text_only=text_only)))


def _portable(
    work: Callable[[list[Any]], list[T | ChunkFailure]], chunk: list[Any]
) -> list[T | ChunkFailure]:
    """`work` in a worker: a failure must survive pickling to reach the parent. (Graded here, an error
    stays as it is, cause chain and all.)"""
    results = work(chunk)
    if results and isinstance(results[-1], ChunkFailure):
        results[-1] = ChunkFailure(_picklable(results[-1].error))
    return results


def _jsonl_record(item: tuple[int, str], origin: str) -> Record:
    number, line = item
    return read_jsonl_line(line, origin, number)


def _stored_record(item: tuple[str, str]) -> Record:
    return stored_record(*item)


def grade_dict(grade: Grade) -> dict[str, Any]:
    """One grade as a plain dict (pickled in a fraction of a Grade's time)."""
    return grade.model_dump()


def _each(chunk: list[Any], work: Callable[[Any], T]) -> list[T | ChunkFailure]:
    """`work` on each item until one fails: the results before it, then the failure in its place, so the
    parent yields exactly what one process would have before raising (not one exception for the chunk)."""
    out: list[T | ChunkFailure] = []
    for item in chunk:
        try:
            out.append(work(item))
        except Exception as error:
            out.append(ChunkFailure(error))
            break
    return out


def _picklable(error: Exception) -> Exception:
    """The error itself when it survives pickling (ours do: errors.py), else a stand-in with its text."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError(f"{type(error).__name__} in a grading worker: {error}")
    return error


def grade_json(grade: Grade) -> str:
    """One grade as a JSON line's text (no newline), the same in one process or many."""
    return json.dumps(grade.model_dump(mode="json"), ensure_ascii=False)


def as_grades(items: Iterable[Grade | dict[str, Any]]) -> Iterator[Grade]:
    """Parent side: Grade models again (a worker's dicts validated, ~10 µs each; local grades as they are)."""
    return (item if isinstance(item, Grade) else Grade.model_validate(item) for item in items)


def unchanged(item: T) -> T:
    """The `read` or `write` of work done in this process: records need no decoding, grades no encoding."""
    return item


def _start_method() -> BaseContext | None:
    """Forkserver where available: forking the caller itself is unsafe once it runs threads (flows do)."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver") if "forkserver" in methods else None
