"""Identifiers in, stored records out: the store first, then PubMed and Europe PMC when live.

Every input ends with one outcome — `cached`, `fetched`, `not_found` (the source answered and has no such
record) or `failed` (with the reason: offline, unreachable, a server error) — never a silent drop.
PMIDs go to PubMed (EFetch, batched); DOIs and PMCIDs go to Europe PMC, which also resolves them to a
PMID that PubMed then serves in full, so the record keeps one key however it was first known.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Literal

from pydantic import BaseModel

from pipeline.errors import CurateError, FetchError, ParseError
from pipeline.literature.europepmc import EuropePmcClient
from pipeline.literature.europepmc_json import record_from_europepmc
from pipeline.literature.eutils import EutilsClient
from pipeline.literature.identifiers import Identifier, parse_identifier
from pipeline.literature.pubmed_xml import iter_records_with_raw
from pipeline.literature.store import RecordStore
from pipeline.literature.store_schema import utc_naive
from pipeline.models import DeletedCitation, Record

log = logging.getLogger("curate")
Status = Literal["fetched", "cached", "not_found", "failed"]


class FetchOutcome(BaseModel):
    input: str
    record_id: str | None = None
    status: Status
    reason: str | None = None
    title: str | None = None


@dataclass
class Sources:
    """The live clients; None where a source is off (offline, or no contact email configured)."""

    eutils: EutilsClient | None = None
    europepmc: EuropePmcClient | None = None
    unreachable: dict[str, str] = field(default_factory=dict)  # source → first failure, reported once

    @property
    def live(self) -> bool:
        return self.eutils is not None or self.europepmc is not None

    def note_unreachable(self, source: str, error: Exception) -> None:
        if source not in self.unreachable:
            self.unreachable[source] = str(error)
            log.warning("%s is unreachable, continuing from the record store: %s", source, error)


def parse_inputs(inputs: Sequence[str]) -> list[Identifier]:
    """Validate every input before any request is made (an InputError names the first bad one)."""
    return [parse_identifier(text) for text in inputs]


class Acquirer:
    def __init__(self, store: RecordStore, sources: Sources, *, ttl_seconds: float) -> None:
        self.store, self.sources, self.ttl = store, sources, ttl_seconds

    def fetch(self, identifiers: Sequence[Identifier], *, refresh: bool = False) -> list[FetchOutcome]:
        """One outcome per identifier, in input order."""
        outcomes: dict[int, FetchOutcome] = {}
        wanted: list[tuple[int, Identifier]] = []
        stored = self.store.get_many(ident.key for ident in identifiers)  # two queries, not two per input
        fetched = self.store.fetched_at(r.record_id for r in stored.values())
        now = utc_naive(None)
        for i, ident in enumerate(identifiers):
            record = stored.get(ident.key)
            when = fetched.get(record.record_id) if record else None
            if record and not refresh and when is not None and (now - when).total_seconds() < self.ttl:
                outcomes[i] = _outcome(ident, "cached", record)
            else:
                wanted.append((i, ident))
        by_pmid = [(i, x) for i, x in wanted if x.kind == "pmid"]
        others = [(i, x) for i, x in wanted if x.kind != "pmid"]
        outcomes.update(self._via_europepmc(others, by_pmid))
        outcomes.update(self._via_pubmed(by_pmid))
        return [outcomes[i] for i in range(len(identifiers))]

    # ------------------------------------------------------------------ PubMed

    def _via_pubmed(self, items: list[tuple[int, Identifier]]) -> dict[int, FetchOutcome]:
        if not items:
            return {}
        client = self.sources.eutils
        if client is None:
            return {i: self._fallback(x, "offline: PubMed not contacted") for i, x in items}
        pmids = list(dict.fromkeys(x.value for _, x in items))
        found: dict[str, Record] = {}
        failed: dict[str, str] = {}
        # Batch by batch: a batch that fails (after the client's retries) or cannot be parsed has its IDs
        # reported as failed, and the batches after it are still fetched.
        for batch, result in client.efetch_pubmed_batches(pmids):
            try:
                if isinstance(result, FetchError):
                    raise result
                self._store_pubmed(result, found)
            except (FetchError, ParseError) as e:
                if isinstance(e, FetchError) and e.status is None:
                    self.sources.note_unreachable("PubMed", e)
                failed.update({p: f"PubMed: {e}" for p in batch if p not in found})
        out = {}
        for i, ident in items:
            if ident.value in found:
                out[i] = _outcome(ident, "fetched", found[ident.value])
            elif ident.value in failed:
                out[i] = self._fallback(ident, failed[ident.value])
            else:
                out[i] = FetchOutcome(
                    input=ident.input, status="not_found", reason="PubMed returned no record"
                )
        return out

    def _store_pubmed(self, body: bytes, found: dict[str, Record]) -> None:
        """Store the articles of an EFetch body in one transaction per run of articles (a DeleteCitation
        ends a run, so deletions apply in order), each with its own XML as the raw payload. A ParseError
        part way still stores and counts the articles read before it."""
        pending: list[tuple[Record, bytes]] = []
        try:
            for item, raw in iter_records_with_raw(io.BytesIO(body)):
                if isinstance(item, DeletedCitation):
                    self._store_run(pending, found)
                    self.store.delete_pmids(item.pmids)
                else:
                    pending.append((item, raw))
        finally:
            self._store_run(pending, found)

    def _store_run(self, pending: list[tuple[Record, bytes]], found: dict[str, Record]) -> None:
        if not pending:
            return
        records = [item for item, _raw in pending]
        self.store.upsert_many(records, raws={item.record_id: raw for item, raw in pending})
        stored = self.store.get_many(r.record_id for r in records)
        for item in records:
            if item.pmid:
                found[item.pmid] = stored.get(item.record_id, item)
        pending.clear()

    # ------------------------------------------------------------------ Europe PMC

    def _via_europepmc(
        self, items: list[tuple[int, Identifier]], pubmed_queue: list[tuple[int, Identifier]]
    ) -> dict[int, FetchOutcome]:
        """DOIs and PMCIDs: look up in Europe PMC; a hit with a PMID is queued for PubMed as well."""
        client = self.sources.europepmc
        out: dict[int, FetchOutcome] = {}
        for i, ident in items:
            if client is None:
                out[i] = self._fallback(ident, "offline: Europe PMC not contacted")
                continue
            try:
                item = client.lookup(ident.kind, ident.value)  # type: ignore[arg-type]
            except FetchError as e:
                if e.status is None:
                    self.sources.note_unreachable("Europe PMC", e)
                out[i] = self._fallback(ident, f"Europe PMC: {e}")
                continue
            if item is None:
                out[i] = FetchOutcome(
                    input=ident.input, status="not_found", reason="Europe PMC has no record"
                )
                continue
            record = record_from_europepmc(item)
            record_id = self.store.upsert(record, raw=json.dumps(item, ensure_ascii=False))
            out[i] = _outcome(ident, "fetched", self.store.get(record_id) or record)
            if record.pmid and self.sources.eutils is not None:
                pubmed_queue.append((i, Identifier(kind="pmid", value=record.pmid, input=ident.input)))
        return out

    # ------------------------------------------------------------------ helpers

    def _fallback(self, ident: Identifier, reason: str) -> FetchOutcome:
        """A source could not answer: a stored (stale) record still serves, marked as not refreshed."""
        stored = self.store.get(ident.key)
        if stored:
            return _outcome(ident, "cached", stored, reason=f"not refreshed ({reason})")
        return FetchOutcome(input=ident.input, status="failed", reason=reason)


def _outcome(ident: Identifier, status: Status, record: Record, reason: str | None = None) -> FetchOutcome:
    return FetchOutcome(
        input=ident.input, record_id=record.record_id, status=status, reason=reason, title=record.title
    )


def search_remote(
    sources: Sources, store: RecordStore, source: str, query: str, limit: int, since: date | None = None
) -> list[Record]:
    """Search PubMed or Europe PMC live, store what is found, and return the records in rank order.

    With `since`, only records the source added from that day on: PubMed's Entrez date (`edat`, when a
    record entered PubMed) and Europe PMC's `CREATION_DATE` — "new since the last run", not "published
    since", so a 2019 paper indexed last week is new."""
    today = datetime.now(UTC).date()
    if source == "europepmc":
        if sources.europepmc is None:
            raise CurateError("Europe PMC is off: offline, or CURATE_NCBI_EMAIL not configured")
        if since is not None:
            query = f"({query}) AND CREATION_DATE:[{since:%Y-%m-%d} TO {today:%Y-%m-%d}]"
        records = []
        for item in sources.europepmc.search(query, limit=limit):
            try:
                records.append(record_from_europepmc(item))
            except ParseError as e:  # e.g. an Agricola record with no PMID, DOI or PMCID: nothing to key
                log.info("skipped a Europe PMC result: %s", e)
        ids = [store.upsert(r) for r in records]
        return [store.get(i) or r for i, r in zip(ids, records, strict=True)]
    if sources.eutils is None:
        raise CurateError("PubMed is off: offline, or CURATE_NCBI_EMAIL not configured")
    # Best Match, as Europe PMC ranks by default: ESearch's own default for PubMed is the most recent
    # first (the PubMed web site, not the API, defaults to Best Match), and the first `limit` of those
    # would be the latest papers rather than the ones most about the claim
    added = {} if since is None else {"mindate": since, "maxdate": today, "datetype": "edat"}
    pmids = sources.eutils.esearch(query, retmax=limit, limit=limit, sort="relevance", **added)
    outcomes = Acquirer(store, sources, ttl_seconds=float("inf")).fetch(
        [Identifier(kind="pmid", value=p, input=p) for p in pmids]
    )
    return [r for o in outcomes if o.record_id and (r := store.get(o.record_id))]
