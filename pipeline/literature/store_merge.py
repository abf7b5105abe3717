"""Keys and merging for the record store: which keys a record answers to, and how two copies combine.

A record is keyed `pmid:<n>` when it has a PMID, else `doi:<lower-case doi>`, else `pmcid:PMC<n>`
(identifiers.record_key); every other identifier it carries becomes an alias of that key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.literature.identifiers import IdentifierError, IdentifierKind, parse_identifier
from pipeline.models import Record

ID_KINDS: tuple[IdentifierKind, ...] = ("pmid", "doi", "pmcid")  # priority order of the canonical key


@dataclass(frozen=True)
class Keyed:
    """A record with its canonical key, every key it answers to, and its UNIQUE identifier columns."""

    record: Record
    key: str
    keys: tuple[str, ...]
    cols: dict[str, str] = field(default_factory=dict)  # pmid digits, lower-case doi, PMC…

    @property
    def pmid(self) -> str | None:
        return self.cols.get("pmid")

    @property
    def col_keys(self) -> dict[str, str]:
        """The alias key of each identifier column (`doi` -> `doi:10.1/x`)."""
        return {kind: f"{kind}:{value}" for kind, value in self.cols.items()}

    def without_columns(self, kinds: set[str]) -> Keyed:
        """The same record with some identifier columns left empty (another paper holds them)."""
        if not kinds:
            return self
        cols = {k: v for k, v in self.cols.items() if k not in kinds}
        return Keyed(self.record, self.key, self.keys, cols)


def key_for(text: str, kind: IdentifierKind | None = None) -> str:
    """The alias key for any written form (`1`, `PMID: 1`, a DOI URL, `pmc123`); other text as given.

    With `kind`, the text must be that kind of identifier (IdentifierError, an InputError, otherwise).
    """
    try:
        ident = parse_identifier(text)
    except IdentifierError:
        if kind:
            raise
        return text.strip()
    if kind and ident.kind != kind:
        raise IdentifierError(text, f"expected a {kind.upper()}, got a {ident.kind.upper()}")
    return ident.key


def keyed(record: Record) -> Keyed:
    """Key a record by its identifiers; a malformed identifier stays in the record but keys nothing."""
    found: dict[str, str] = {}
    for kind in ID_KINDS:
        raw = getattr(record, kind)
        if raw and raw.strip():
            try:
                ident = parse_identifier(raw)
            except IdentifierError:
                continue
            if ident.kind == kind:
                found[kind] = ident.key
    own = key_for(record.record_id)
    key = next(iter(found.values()), own)
    # The given record_id is an alias only when it is an identifier key: free text would link papers.
    extra = [own] if own.partition(":")[0] in ID_KINDS else []
    keys = tuple(dict.fromkeys([key, *found.values(), *extra]))
    cols = {kind: k.split(":", 1)[1] for kind, k in found.items()}
    if record.record_id != key:
        record = record.model_copy(update={"record_id": key})
    return Keyed(record, key, keys, cols)


def merge_records(old: Record, new: Record) -> Record:
    """Combine two copies of one paper: non-empty new values win, lists come from the longer side."""
    return Record.model_validate(_merge(old.model_dump(), new.model_dump()))


def _merge(old: Any, new: Any) -> Any:
    if isinstance(old, dict) and isinstance(new, dict):
        return {k: _merge(old.get(k), new.get(k)) for k in {**old, **new}}
    if isinstance(old, list) and isinstance(new, list):
        return new if len(new) >= len(old) else old
    return old if new is None or new == "" else new


@dataclass
class BatchPlan:
    """How a batch will be written: in bulk where a record meets at most one row, else one by one."""

    fresh: list[Keyed] = field(default_factory=list)  # no key known: bulk insert
    unchanged: list[str] = field(default_factory=list)  # record_ids whose stored copy already matches
    changed: list[tuple[Keyed, Any, list[str]]] = field(default_factory=list)  # (merged, row, new aliases)
    later: list[Keyed] = field(default_factory=list)  # renames, folds, conflicts, repeats: in order


def plan_batch(items: list[Keyed], known: dict[str, str], rows: dict[str, Any]) -> BatchPlan:
    """Sort a batch: `known` maps stored keys to record_ids, `rows` holds those stored rows.

    A record sharing a key or a row with an earlier record of the batch goes to `later`, so the bulk
    writes never depend on each other and `later` still sees the batch in its original order.
    """
    plan, seen_keys, seen_rows = BatchPlan(), set[str](), set[str]()
    for item in items:
        targets = {known[k] for k in item.keys if k in known}
        repeat = bool(seen_keys.intersection(item.keys) or seen_rows & targets)
        seen_keys.update(item.keys)
        seen_rows.update(targets)
        if repeat or len(targets) > 1:
            plan.later.append(item)
        elif not targets:
            plan.fresh.append(item)
        else:
            _plan_update(plan, item, rows[targets.pop()], known)
    return plan


def _plan_update(plan: BatchPlan, item: Keyed, row: Any, known: dict[str, str]) -> None:
    if item.record.model_dump_json() == row.parsed:
        plan.unchanged.append(row.record_id)
        return
    if row.pmid and item.pmid and row.pmid != item.pmid:
        plan.later.append(item)  # two papers sharing a DOI: the one-by-one path records the conflict
        return
    merged = keyed(merge_records(Record.model_validate_json(row.parsed), item.record))
    if merged.key != row.record_id:
        plan.later.append(item)  # the row gets a new key (doi:… -> pmid:…)
        return
    if merged.record.model_dump_json() == row.parsed:
        plan.unchanged.append(row.record_id)
        return
    # A column value the input did not bring and the row left empty is held by another paper: keep it empty.
    cols = {k: v for k, v in merged.cols.items() if f"{k}:{v}" in item.keys or getattr(row, k) == v}
    new_aliases = [k for k in item.keys if k not in known]
    plan.changed.append((Keyed(merged.record, merged.key, merged.keys, cols), row, new_aliases))
