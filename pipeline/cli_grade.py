"""`curate grade`: grade stored records, or the records of a JSON Lines or PubMed XML file, as JSON Lines.

The main CLI wires this in; errors are raised as CurateError subclasses for it to translate.
"""

from __future__ import annotations

import gzip
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import InputError, ParseError
from pipeline.grading import grade_lines
from pipeline.grading.parallel import AUTO, grade_jsonl, grade_stored
from pipeline.literature.record_jsonl import numbered_lines, utf8_lines
from pipeline.models import DeletedCitation, Record
from pipeline.progress import stage, watched

if TYPE_CHECKING:
    from pipeline.literature.store import RecordStore

log = logging.getLogger("curate")


def grade_command(ids: list[str], input: Path | None, text_only: bool, workers: int = AUTO) -> None:
    """Print one JSON line per graded record; IDs are resolved through the store (any identifier form).

    `workers`: grading processes, which also parse the records and serialise the lines (grading.parallel);
    AUTO (0) starts one per CPU once the input reaches POOL_AFTER records, else grades here.
    """
    if ids and input is not None:
        raise InputError("give record IDs or --input FILE, not both")
    if input is not None and input.is_file() and not _is_xml(input):
        lines = grade_jsonl(_numbered_lines(input), str(input), text_only=text_only, workers=workers)
    elif input is None and not ids:
        lines = grade_stored(_stored_json(), text_only=text_only, workers=workers)
    else:
        records = _file_records(input) if input is not None else _stored_records(ids)
        lines = grade_lines(records, text_only=text_only, workers=workers)
    out, count = sys.stdout, 0
    # only for a person watching (counting costs a read of the input), and not when stdout is the same
    # terminal: the bar would redraw over the lines
    show = watched() and not sys.stdout.isatty()
    with stage("grading", _expected(ids, input) if show else None, enabled=show) as bar:
        for line in lines:
            out.write(line + "\n")
            count += 1
            bar.advance()
    out.flush()
    log.info("graded %d record(s)%s", count, " (text only)" if text_only else "")


def _expected(ids: list[str], input: Path | None) -> int | None:
    """How many records the command will grade, for its progress bar (None when only parsing would say:
    PubMed XML, or an input that is not there)."""
    if ids:
        return len(ids)
    if input is None:
        with _store() as store:
            return store.count()
    if not input.is_file() or _is_xml(input):
        return None
    try:
        return sum(1 for _ in _numbered_lines(input))  # the very lines that will be graded
    except ParseError:
        return None  # not UTF-8: grading stops there and says so


def _is_xml(path: Path) -> bool:
    return path.name.endswith((".xml", ".xml.gz"))


def _numbered_lines(path: Path) -> Iterator[tuple[int, str]]:
    """The file's non-blank lines with their numbers, for workers to parse (same rules as one process)."""
    with path.open("rb") as stream:
        yield from numbered_lines(utf8_lines(stream, str(path)))


def _file_records(path: Path) -> Iterator[Record]:
    """Records of a PubMed XML file (.xml, .xml.gz); JSON Lines files go to the workers as lines."""
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    yield from _xml_records(path)


def _xml_records(path: Path) -> Iterator[Record]:
    from pipeline.literature.pubmed_xml import iter_records

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as stream:
        for item in iter_records(stream, str(path)):
            if isinstance(item, DeletedCitation):
                log.warning("%s: skipping a DeleteCitation for %s", path, ", ".join(item.pmids))
            else:
                yield item


def _store() -> RecordStore:
    """The configured record store (its modules imported on use: grading a file never needs them)."""
    from pipeline.settings import Settings
    from pipeline.wiring import open_store

    return open_store(Settings())


def _stored_json() -> Iterator[tuple[str, str]]:
    """(record_id, stored JSON) of every stored record, for workers to parse."""
    with _store() as store:
        yield from store.iter_record_json()


def _stored_records(ids: list[str]) -> Iterator[Record]:
    """The stored records for these IDs, in their order; unknown IDs fail at the end (the whole store goes
    to the workers as JSON: _stored_json)."""
    with _store() as store:
        found = store.get_many(ids)
        yield from (found[key] for key in ids if key in found)
    missing = [key for key in ids if key not in found]
    if missing:
        raise InputError(f"not in the record store: {', '.join(missing)} (run `curate fetch` first)")
