"""Records as JSON Lines: read the shared snapshot format and our own export format, write the export format.

Snapshot lines (`vitamin-k2-records.jsonl`) carry pmid, doi, pmcid, title, journal, year, authors (display
names), abstract, abstract_complete, publication_types, mesh_terms ("Descriptor / qualifier*") and
source_url, any of them null. Export lines are full Record dumps, recognised by their `record_id` key.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from pydantic import ValidationError

from pipeline.errors import InputError, ParseError
from pipeline.literature import json_text
from pipeline.literature.identifiers import record_key
from pipeline.models import Author, Journal, MeshHeading, MeshQualifier, PubDate, PublicationType, Record

_ET_AL = {"", "et al", "et al.", "et. al."}  # not names: empty, or the close of a cut list


def utf8_lines(stream: BinaryIO, origin: str) -> Iterator[str]:
    """The lines of a byte stream decoded one at a time, so a bad byte is reported at its line and every
    line before it is still read (a text stream decodes 8 KB blocks and fails before their first line)."""
    for number, raw in enumerate(stream, 1):
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ParseError(origin, f"line {number}", f"not UTF-8 (byte {e.start + 1} of the line)") from e


def record_to_jsonl(record: Record) -> str:
    """One export line (no trailing newline): the full Record, read back by iter_jsonl_records."""
    line = record.model_dump_json()
    # JSON allows these raw inside strings, but many line readers (str.splitlines) break lines on them
    return line.replace("\x85", "\\u0085").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def iter_jsonl_records(stream: Iterable[str], origin: str) -> Iterator[Record]:
    """Records from JSON Lines in either format; blank lines skipped; ParseError names origin and line."""
    for number, line in numbered_lines(stream):
        yield read_jsonl_line(line, origin, number)


def numbered_lines(stream: Iterable[str]) -> Iterator[tuple[int, str]]:
    """The non-blank lines with their 1-based line numbers (what read_jsonl_line takes)."""
    return ((number, line) for number, line in enumerate(stream, 1) if line.strip())


def read_jsonl_line(line: str, origin: str, number: int) -> Record:
    """One line of either format as a Record; ParseError names origin and line number."""
    if '"record_id"' in line:
        try:  # a line in the record format, read in one pass (~40 µs, not ~60–85 via json.loads)
            return Record.model_validate_json(line)
        except ValueError:
            pass  # not that, or not valid: the path below reads it, or says exactly what is wrong
    try:
        obj = json_text.loads(line)
        if not isinstance(obj, dict):
            raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
        return Record.model_validate(obj) if "record_id" in obj else record_from_snapshot(obj)
    except (ValueError, InputError, ParseError) as e:  # JSONDecodeError, ValidationError are ValueErrors
        raise ParseError(origin, f"line {number}", f"{_reason(e)}: {line.strip()}") from e
    except RecursionError as e:  # json.loads on "[[[[…" thousands deep
        raise ParseError(origin, f"line {number}", f"nested too deeply: {line.strip()[:80]}") from e


def stored_record(record_id: str, text: str) -> Record:
    """A record as the store keeps it (a full Record dump); ParseError names the record when the stored
    JSON no longer validates (a store written by another version, a hand-edited row)."""
    try:
        return Record.model_validate_json(text)
    except ValueError as e:  # ValidationError, including malformed JSON
        raise ParseError("record store", record_id, _reason(e)) from e


def record_from_snapshot(obj: dict[str, Any]) -> Record:
    """One snapshot object as a Record (source="snapshot"), keyed by its PMID, else DOI, else PMCID."""
    try:
        year = obj.get("year")
        return Record(
            record_id=record_key(pmid=obj.get("pmid"), doi=obj.get("doi"), pmcid=obj.get("pmcid")),
            pmid=obj.get("pmid"),
            doi=obj.get("doi"),
            pmcid=obj.get("pmcid"),
            title=obj.get("title"),
            abstract=obj.get("abstract"),
            abstract_complete=obj.get("abstract_complete"),
            journal=Journal(title=obj.get("journal")),
            pub_date=PubDate(year=year, original=None if year is None else str(year)),
            year=year,
            authors=[parse_display_name(name) for name in obj.get("authors") or () if _is_author(name)],
            publication_types=[PublicationType(name=name) for name in obj.get("publication_types") or ()],
            mesh_headings=parse_mesh_terms(obj.get("mesh_terms") or []),
            source_url=obj.get("source_url"),
            source="snapshot",
        )
    except (ValidationError, TypeError, AttributeError) as e:
        raise ParseError("snapshot", _first_error_field(e), str(obj)[:200]) from e


def parse_display_name(name: str) -> Author:
    """A display name as written ("Carmen J. Narvaez", "A Takami"): the last word is the family name."""
    *given, last = name.split()
    return Author(last_name=last, fore_name=" ".join(given) or None)


def parse_mesh_terms(terms: list[str]) -> list[MeshHeading]:
    """PubMed's display form, one line per qualifier ("Carcinoma, Hepatocellular / drug therapy*"), merged
    into one heading per descriptor; `*` marks a major topic."""
    merged: dict[str, MeshHeading] = {}
    for term in terms:
        heading = parse_mesh_term(term)
        seen = merged.get(heading.descriptor)
        if seen is not None:
            heading = MeshHeading(
                descriptor=seen.descriptor,
                major=seen.major or heading.major,
                qualifiers=[*seen.qualifiers, *heading.qualifiers],
            )
        merged[heading.descriptor] = heading
    return list(merged.values())


def parse_mesh_term(term: str) -> MeshHeading:
    """One display-form term: "Descriptor[*] / qualifier[*] / …"."""
    descriptor, *qualifiers = (part.strip() for part in term.split(" / "))
    return MeshHeading(
        descriptor=descriptor.rstrip("*"),
        major=descriptor.endswith("*"),
        qualifiers=[MeshQualifier(name=q.rstrip("*"), major=q.endswith("*")) for q in qualifiers],
    )


def _is_author(name: object) -> bool:
    """False for the "et al." that closes a shortened author list."""
    return not (isinstance(name, str) and name.strip().lower() in _ET_AL)


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        return f"{'.'.join(map(str, first['loc'])) or 'record'}: {first['msg']}"
    return str(error)


def _first_error_field(error: Exception) -> str | None:
    if isinstance(error, ValidationError) and error.errors():
        return ".".join(map(str, error.errors()[0]["loc"])) or None
    return None
