"""The curator's decisions file: what a person decided about a claim's links, applied on every run.

File format — `sources/documents/<slug>/decisions.yaml`, a YAML list, one mapping per decision:

    - id: d-3f9a0c1b2e4d          # stable: a hash of the other fields (computed when left out)
      action: reject               # accept | reject | add | relation | evidence_type | note
      claim_id: c_f4d09ec20794c221
      record_id: pmid:12345678     # canonical record key; any PMID/DOI/PMCID form is normalised
      note: bladder cancer cells, not HCC patients
      curator: alice
      decided_at: '2025-04-01T12:00:00Z'

`relation` (supports | partial | contradicts | unrelated) goes with `relation` and optionally `add`;
`evidence_type` (pipeline.models.EVIDENCE_TYPES) with `evidence_type` and optionally `add`. `record_id`
is required except for `note` and for `evidence_type` on the claim itself. Unknown fields are refused,
not ignored: a typo in a hand-edited file must not silently drop a decision.

Writing: only `curate review` appends (`append_decision`); runs only read. An append takes an exclusive
`fcntl.flock` on `.decisions.yaml.lock` beside the file, reads, and rewrites the whole file atomically
(temp file, fsync, rename): every earlier entry is kept in order, YAML comments are not.

Applying (`decision_apply.apply_decisions`): decisions act in file order, and a later decision on
the same (claim, record, aspect) overrides an earlier one. The aspects are *status* (accept / reject /
add), *relation* and *evidence type*; notes accumulate. File order, not `decided_at`, decides, because
the file is append-only and clocks of different curators may disagree. A decision whose claim is gone,
or whose record is no longer linked to the claim, is returned as orphaned with the reason, never dropped.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import hashlib
import json
import os
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    ValidationError,
    field_validator,
    model_validator,
)

from pipeline.errors import DocumentError
from pipeline.literature.identifiers import IdentifierError, parse_identifier
from pipeline.models import EvidenceType, Relation
from pipeline.outputs.atomic import write_text

DECISIONS_FILE = "decisions.yaml"
LOCK_TIMEOUT = 10.0  # seconds; an append holds the lock for milliseconds
Action = Literal["accept", "reject", "add", "relation", "evidence_type", "note"]
_NEEDS: dict[str, tuple[str, ...]] = {
    "accept": ("record_id",),
    "reject": ("record_id",),
    "add": ("record_id",),
    "relation": ("record_id", "relation"),
    "evidence_type": ("evidence_type",),
    "note": ("note",),
}
_ALLOWS = {"relation": ("relation", "add"), "evidence_type": ("evidence_type", "add")}
_HEADER = (
    "# Curator decisions for this document, oldest first. Appended by `curate review`; runs only read it.\n"
    "# Later decisions on the same claim, record and aspect override earlier ones.\n"
)


class Decision(BaseModel):
    """One curator decision about a claim, or about one record linked (or to be linked) to it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str | None = Field(default=None, pattern=r"^[\w.-]+$")
    action: Action
    claim_id: str = Field(pattern=r"^\S+$")  # claim IDs are single tokens (c_<hash>)
    record_id: str | None = None
    relation: Relation | None = None
    evidence_type: EvidenceType | None = None
    note: str | None = None
    curator: str | None = None
    decided_at: datetime

    @field_validator("record_id")
    @classmethod
    def _record_key(cls, value: str | None) -> str | None:
        """Store the canonical key so `PMID: 123`, `123` and `pmid:123` name the same record."""
        if value is None:
            return None
        try:
            return parse_identifier(value).key
        except IdentifierError as e:
            raise ValueError(f"not a PMID, PMCID or DOI: {value!r}") from e

    @field_validator("decided_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=UTC)  # a bare time is read as UTC

    @field_validator("note", "curator")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return (value.strip() or None) if value is not None else None

    @model_validator(mode="after")
    def _fields_fit_action(self) -> Decision:
        for name in _NEEDS[self.action]:
            if getattr(self, name) is None:
                raise ValueError(f"field {name!r} is required for action {self.action!r}")
        for name, actions in _ALLOWS.items():
            if getattr(self, name) is not None and self.action not in actions:
                raise ValueError(f"field {name!r} does not go with action {self.action!r}")
        if not self.id:  # frozen, and validators may not return a copy: set the computed ID in place
            object.__setattr__(self, "id", self.content_id())
        return self

    def content_id(self) -> str:
        """`d-` and a hash of every other field: the same decision made at the same time has the same ID."""
        body = self.model_dump(mode="json", exclude={"id"})
        return "d-" + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:12]


class DecisionsFile(RootModel[list[Decision]]):
    """The whole file: a list of decisions in the order they were made."""


# ----------------------------------------------------------------------------- where the file lives


def document_folder(documents_dir: Path, slug: str) -> Path:
    """`documents_dir/<slug>`, refusing a slug that could lead out of it (`..`, `/`, absolute, symlink)."""
    if not slug or slug.startswith(".") or "/" in slug or "\\" in slug or Path(slug).is_absolute():
        raise DocumentError(slug, "not a document slug (a single folder name, no '/', '..' or leading '.')")
    folder = documents_dir / slug
    if not folder.resolve().is_relative_to(documents_dir.resolve()):
        raise DocumentError(str(folder), f"resolves outside {documents_dir} (a symlink out?)")
    return folder


def decisions_path(folder: Path) -> Path:
    """The decisions file of a document folder, refusing paths with `..` and a file that links elsewhere."""
    if ".." in folder.parts:
        raise DocumentError(str(folder), "a document folder path may not contain '..'")
    if not folder.is_dir():
        raise DocumentError(str(folder), "decisions are kept per document folder (sources/documents/<slug>)")
    if folder.is_symlink():  # writing through it would change a folder outside the project
        raise DocumentError(
            str(folder), "is a symlink; decisions are written only into a real document folder"
        )
    target = folder / DECISIONS_FILE
    _check_file(target)
    if not target.resolve().is_relative_to(folder.resolve()):
        raise DocumentError(str(target), f"resolves outside {folder}")
    return target


def _check_file(path: Path) -> None:
    if ".." in path.parts:
        raise DocumentError(str(path), "a decisions path may not contain '..'")
    if path.is_symlink():
        raise DocumentError(str(path), "is a symlink; decisions live in a real file in the document folder")


# ----------------------------------------------------------------------------- reading and appending


def load_decisions(path: Path) -> list[Decision]:
    """Every decision in the file, validated, in file order; [] when the document has no decisions file."""
    _check_file(path)
    if not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise DocumentError(str(path), f"not valid YAML: {str(e).splitlines()[0]}") from e
    except OSError as e:
        raise DocumentError(str(path), f"cannot read: {e.strerror}") from e
    if data is None:
        return []
    if not isinstance(data, list):
        raise DocumentError(str(path), f"expected a list of decisions, got a {type(data).__name__}")
    try:
        decisions = DecisionsFile.model_validate(data).root
    except ValidationError as e:
        raise DocumentError(str(path), describe_error(e)) from e
    _check_unique(path, decisions)
    return decisions


def describe_error(error: ValidationError) -> str:
    """The first validation problem as `entry N: field 'x': message` (entries counted from 1)."""
    first = error.errors()[0]
    loc = list(first["loc"])
    parts = [f"entry {loc.pop(0) + 1}"] if loc and isinstance(loc[0], int) else []
    if loc:
        parts.append(f"field {'.'.join(str(x) for x in loc)!r}")
    message = first["msg"].removeprefix("Value error, ")
    more = f" (and {error.error_count() - 1} more problem(s))" if error.error_count() > 1 else ""
    return ": ".join([*parts, message]) + more


def _check_unique(path: Path, decisions: Sequence[Decision]) -> None:
    seen: dict[str | None, int] = {}
    for index, decision in enumerate(decisions, 1):
        if decision.id in seen:
            first = seen[decision.id]
            raise DocumentError(str(path), f"entry {index}: duplicate id {decision.id} (as entry {first})")
        seen[decision.id] = index


def append_decision(path: Path, decision: Decision) -> Decision:
    """Add one decision at the end, keeping every earlier one; atomic and safe against a second writer.

    The same decision (same ID) appended twice is stored once and the stored entry is returned.
    """
    _check_file(path)
    with _locked(path):
        _sweep_staged(path)
        existing = load_decisions(path)
        duplicate = next((d for d in existing if d.id == decision.id), None)
        if duplicate is not None:
            return duplicate
        try:
            write_text(path, render_decisions([*existing, decision]))
        except OSError as e:
            raise DocumentError(str(path), f"cannot write: {e.strerror or e}") from e
    return decision


def _sweep_staged(path: Path) -> None:
    """Remove new versions of `path` a killed writer staged but never renamed into place (we hold the
    lock, so no live writer is staging one); the file itself is untouched."""
    for staged in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        if staged.is_file() and not staged.is_symlink():
            staged.unlink(missing_ok=True)


def render_decisions(decisions: Sequence[Decision]) -> str:
    """The file's text: a short header, then the list with empty fields left out."""
    rows = [d.model_dump(mode="json", exclude_none=True) for d in decisions]
    # allow_unicode would write NEL and the Unicode line separators raw, and YAML reads them back as
    # line breaks; escaping non-ASCII keeps every note exactly as the curator typed it.
    return _HEADER + yaml.safe_dump(rows, sort_keys=False, allow_unicode=False, width=100)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `.<name>.lock` beside `path`; the lock file stays (unlinking it races)."""
    lock = path.with_name(f".{path.name}.lock")
    try:  # O_NOFOLLOW: a planted symlink must not make us create or lock a file elsewhere
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as e:
        raise DocumentError(str(lock), f"cannot open the lock file: {e.strerror or e}") from e
    try:
        deadline = time.monotonic() + LOCK_TIMEOUT
        while not _try_lock(fd):  # polled, not blocking, so a stuck writer cannot hang us forever
            if time.monotonic() > deadline:
                raise DocumentError(str(path), f"still locked by another writer after {LOCK_TIMEOUT:g} s")
            time.sleep(0.005)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
