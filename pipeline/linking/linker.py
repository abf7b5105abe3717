"""One document's claims linked to records and judged: explicit links, discovered candidates, decisions.

    markers ─resolve─▶ identifiers ─fetch─▶ records ─┐
    claims without resolvable references ─discover─▶ candidates ─┤─assess─▶ links ─decisions─▶ verdicts

The linker reads records through a small store interface and asks for identifiers through a `fetch`
callable (the acquirer: store first, live sources when configured); discovery's live search is another
callable. It does no I/O of its own, so the whole stage runs against an in-memory store in tests.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from pydantic import BaseModel, Field

from pipeline.grading import grade_record
from pipeline.grading.level import evidence_level
from pipeline.grading.models import Grade
from pipeline.linking.bm25 import Bm25
from pipeline.linking.decision_apply import AppliedDecisions, OrphanedDecision, apply_decisions
from pipeline.linking.decisions import Decision
from pipeline.linking.discovery import (
    claim_query,
    evidence_fit,
    prelim_score,
    rank_score,
    remote_query,
    required_names,
)
from pipeline.linking.entities import Entities, extract_entities
from pipeline.linking.entity_agreement import EntityAgreement, agreement, coverage
from pipeline.linking.references import MarkerTarget, ReferenceTable, inline_identifiers, resolve_markers
from pipeline.linking.relations import Assessment, ClaimView, agreement_score, assess, claim_view
from pipeline.linking.verdicts import judge
from pipeline.literature.identifiers import Identifier, parse_identifier
from pipeline.models import Claim, ClaimVerdict, Link, ParsedDocument, Record

DEFAULT_TOP_K = 5
POOL = 30  # BM25 hits read per claim; the best 3·k of them by relevance and agreement are fully assessed
SUBSET_CAP = 50_000  # papers naming the supplement ranked in memory (~15 KB each); beyond, the store ranks


class SearchHitLike(Protocol):
    @property
    def record_id(self) -> str: ...
    @property
    def score(self) -> float: ...


class RecordSource(Protocol):
    """What the linker reads from the record store."""

    def get_many(self, keys: Iterable[str]) -> dict[str, Record]: ...
    def search(
        self, query: str, limit: int = 20, mode: str = "all", require: Sequence[str] = ()
    ) -> Sequence[SearchHitLike]: ...


# identifiers → {identifier key: record_id, or None with a reason}
Fetch = Callable[[Sequence[Identifier]], dict[str, tuple[str | None, str | None]]]
# (a live discovery query, the IDs of the claims that ask it) → None; it stores what it finds
RemoteSearch = Callable[[str, Sequence[str]], None]


class LinkResult(BaseModel):
    """Everything a run needs to emit: links after decisions, verdicts, and what could not be done."""

    slug: str
    links: list[Link]
    verdicts: list[ClaimVerdict]
    targets: list[MarkerTarget] = Field(default_factory=list)
    orphaned: list[OrphanedDecision] = Field(default_factory=list)
    notes: dict[str, list[Decision]] = Field(default_factory=dict)
    grades: dict[str, Grade] = Field(default_factory=dict)


@dataclass
class References:
    """Where a document's markers may point: the curator's sidecar and the document's own list."""

    sidecar: ReferenceTable = field(default_factory=dict)
    listed: dict[int, Identifier | None] = field(default_factory=dict)


def link_document(
    doc: ParsedDocument,
    store: RecordSource,
    *,
    references: References | None = None,
    decisions: Sequence[Decision] = (),
    top_k: int = DEFAULT_TOP_K,
    fetch: Fetch | None = None,
    remote_search: RemoteSearch | None = None,
) -> LinkResult:
    """Link and judge every claim of one parsed document (see the module docstring)."""
    ctx = _Context(store, doc.meta.supplement or doc.meta.title, fetch or _from_store(store), remote_search)
    refs = references or References()
    targets = resolve_markers(doc.claims, refs.sidecar, refs.listed)
    found = ctx.fetch_all(_identifiers(doc.claims, targets))
    explicit = {c.claim_id: _explicit(ctx, c, targets, found) for c in doc.claims}
    if top_k >= 1:  # live searches first, so every claim ranks everything they stored
        ctx.search_live([c for c in doc.claims if not explicit[c.claim_id][2]])
    links: list[Link] = []
    missing: dict[str, list[MarkerTarget]] = {}
    for claim in doc.claims:
        found_links, absent, resolvable = explicit[claim.claim_id]
        missing[claim.claim_id] = absent
        links += found_links if resolvable else ctx.discover(claim, top_k)
    applied = apply_decisions(links, decisions, [c.claim_id for c in doc.claims])
    links = _decided(ctx, links, applied, doc.claims, missing)
    verdicts = _verdicts(doc.claims, links, targets, missing, applied)
    return LinkResult(
        slug=doc.meta.slug,
        links=links,
        verdicts=verdicts,
        targets=targets,
        orphaned=applied.orphaned,
        notes=applied.notes,
        grades={rid: g for rid, g in ctx.grades.items() if any(k.record_id == rid for k in links)},
    )


class _Context:
    """Caches for one document: records, their entities and grades, searches already made."""

    def __init__(self, store: RecordSource, subject: str | None, fetch: Fetch, remote: RemoteSearch | None):
        self.store, self.subject, self.fetch, self.remote = store, subject, fetch, remote
        self.records: dict[str, Record] = {}
        self.entities: dict[str, Entities] = {}
        self.grades: dict[str, Grade] = {}
        self.searches: dict[str, list[tuple[str, float]]] = {}
        self.subsets: dict[tuple[str, ...], Bm25 | None] = {}
        self.remote_done: set[str] = set()
        self.views: dict[str, ClaimView] = {}

    def fetch_all(self, idents: Sequence[Identifier]) -> dict[str, tuple[str | None, str | None]]:
        found = self.fetch(idents) if idents else {}
        self.load([rid for rid, _why in found.values() if rid])
        return found

    def load(self, record_ids: Collection[str]) -> None:
        wanted = [r for r in dict.fromkeys(record_ids) if r not in self.records]
        if wanted:
            self.records.update({r.record_id: r for r in self.store.get_many(wanted).values()})

    def record_entities(self, record: Record) -> Entities:
        if record.record_id not in self.entities:
            text = " ".join(filter(None, [record.title, record.abstract or _sections(record)]))
            self.entities[record.record_id] = extract_entities(text, intervention=self.subject)
        return self.entities[record.record_id]

    def grade(self, record: Record) -> Grade:
        if record.record_id not in self.grades:
            self.grades[record.record_id] = grade_record(record)
        return self.grades[record.record_id]

    def view(self, claim: Claim) -> ClaimView:
        if claim.claim_id not in self.views:
            entities = extract_entities(claim.text, intervention=self.subject)
            self.views[claim.claim_id] = claim_view(claim, entities)
        return self.views[claim.claim_id]

    def judge(
        self, view: ClaimView, record: Record, agree: EntityAgreement | None = None
    ) -> tuple[Assessment, Grade]:
        grade = self.grade(record)
        return assess(view, record, self.record_entities(record), grade, agree), grade

    def search(self, query: str, require: Sequence[str]) -> list[tuple[str, float]]:
        """BM25 among the papers naming the supplement (see bm25.py); the store's own full-text index
        when there is no supplement to filter on or too many such papers to rank in memory."""
        key = f"{query}\x00{'|'.join(require)}"
        if key not in self.searches:
            index = self.subset(tuple(require))
            if index is not None:
                self.searches[key] = index.search(query, POOL)
            else:
                hits = self.store.search(query, limit=POOL, mode="any", require=require)
                self.searches[key] = [(h.record_id, h.score) for h in hits]
        return self.searches[key]

    def subset(self, require: tuple[str, ...]) -> Bm25 | None:
        if require not in self.subsets:
            hits = self.store.search(" ".join(require), limit=SUBSET_CAP + 1, mode="any", require=require)
            ids = [h.record_id for h in hits]
            if not require or len(ids) > SUBSET_CAP:
                self.subsets[require] = None
            else:  # streamed: the index keeps term counts, and only candidates are loaded again
                self.subsets[require] = Bm25(self._stream(ids))
        return self.subsets[require]

    def _stream(self, ids: Sequence[str], batch: int = 2_000) -> Iterator[Record]:
        for start in range(0, len(ids), batch):
            found = self.store.get_many(ids[start : start + batch])
            yield from (found[i] for i in ids[start : start + batch] if i in found)

    def search_live(self, claims: Sequence[Claim]) -> None:
        """Ask the live sources once per distinct entity query of `claims`, naming the claims that ask it
        (a refresh searches a claim it never searched in full), before any ranking: the in-memory index
        of the supplement's papers is built once, afterwards."""
        if self.remote is None:
            return
        asking: dict[str, list[str]] = {}
        for claim in claims:
            view = self.view(claim)
            if claim_query(view) is not None and (rq := remote_query(view)) and rq not in self.remote_done:
                asking.setdefault(rq, []).append(claim.claim_id)
        for rq, claim_ids in asking.items():
            self.remote_done.add(rq)
            self.remote(rq, claim_ids)

    def discover(self, claim: Claim, top_k: int) -> list[Link]:
        view = self.view(claim)
        query = claim_query(view)
        if query is None or top_k < 1:
            return []
        hits = self.search(query, required_names(view))
        self.load([rid for rid, _ in hits])
        return _ranked(self, view, [(self.records[r], s) for r, s in hits if r in self.records], top_k)


def _ranked(ctx: _Context, view: ClaimView, hits: list[tuple[Record, float]], top_k: int) -> list[Link]:
    if not hits:
        return []
    best = max(s for _r, s in hits) or 1.0
    prelim = []
    for record, bm25 in hits:
        entities = ctx.record_entities(record)
        agree, covered = agreement(view.entities, entities), coverage(view.entities, entities)
        first = prelim_score(bm25 / best, agreement_score(agree), covered)
        prelim.append((first, record, bm25, agree, covered))
    prelim.sort(key=lambda p: (-p[0], p[1].record_id))
    scored = []
    for _p, record, bm25, agree, covered in prelim[: 3 * top_k]:
        judged, grade = ctx.judge(view, record, agree)
        fit = evidence_fit(view, grade)
        score = rank_score(bm25 / best, judged.score, covered, fit, judged.relation == "unrelated")
        why = (
            f"discovered: score {score:.2f} = 0.35·relevance {bm25 / best:.2f} (BM25 {bm25:.1f}) "
            f"+ 0.25·agreement {judged.score:.2f} + 0.25·coverage {covered:.2f} + 0.15·evidence fit {fit:.1f}"
            + (" × 0.25 (unrelated)" if judged.relation == "unrelated" else "")
        )
        scored.append((score, record, judged, grade, why))
    scored.sort(key=lambda s: (-s[0], s[1].record_id))
    return [
        _link(view.claim, record, judged, grade, "discovered", score, [why], rank=i)
        for i, (score, record, judged, grade, why) in enumerate(scored[:top_k], start=1)
    ]


def _link(
    claim: Claim,
    record: Record,
    judged: Assessment,
    grade: Grade,
    origin: str,
    score: float,
    why: list[str],
    **extra: object,
) -> Link:
    reasons = [*why, *judged.reasons]
    if not grade.can_support:
        reasons.append(f"integrity: {grade.integrity} — cannot count as support")
    return Link(
        claim_id=claim.claim_id,
        line=claim.line,
        record_id=record.record_id,
        origin=origin,  # type: ignore[arg-type]
        relation=judged.relation,
        score=score,
        evidence_type=grade.evidence_type,
        level=grade.level,
        integrity=grade.integrity,
        indirect=judged.indirect,
        reasons=reasons,
        **extra,  # type: ignore[arg-type]
    )


def _identifiers(claims: Sequence[Claim], targets: Sequence[MarkerTarget]) -> list[Identifier]:
    idents = [t.identifier for t in targets if t.identifier is not None]
    idents += [i for c in claims for i in inline_identifiers(c)]
    return list({i.key: i for i in idents}.values())


def _explicit(
    ctx: _Context,
    claim: Claim,
    targets: Sequence[MarkerTarget],
    found: dict[str, tuple[str | None, str | None]],
) -> tuple[list[Link], list[MarkerTarget], bool]:
    """The claim's explicit links, its targets whose record could not be had, and whether it has any
    resolvable reference at all (if not, discovery takes over)."""
    mine = [t for t in targets if t.claim_id == claim.claim_id and t.identifier is not None]
    mine += [
        MarkerTarget(claim_id=claim.claim_id, scope="text", number=0, identifier=i, via="claim_text")
        for i in inline_identifiers(claim)
    ]
    links, absent, seen = [], [], set()
    view = ctx.view(claim) if mine else None
    for target in mine:
        record_id, why = found.get(target.identifier.key, (None, "not looked up"))  # type: ignore[union-attr]
        record = ctx.records.get(record_id) if record_id else None
        if record is None:
            if all(t.identifier != target.identifier for t in absent):  # two numbers, one paper
                absent.append(target.model_copy(update={"reason": why or "no record"}))
            continue
        if record.record_id in seen:
            continue
        seen.add(record.record_id)
        judged, grade = ctx.judge(view, record)  # type: ignore[arg-type]
        marker = f"{target.scope}#{target.number}" if target.via != "claim_text" else None
        via = f"explicit: {target.via}" + (f" {marker}" if marker else "")
        links.append(_link(claim, record, judged, grade, "explicit", judged.score, [via], marker=marker))
    return links, absent, bool(mine)


def _from_store(store: RecordSource) -> Fetch:
    """Offline fetch: the store answers, or the identifier is missing."""

    def fetch(idents: Sequence[Identifier]) -> dict[str, tuple[str | None, str | None]]:
        have = store.get_many([i.key for i in idents])
        return {
            i.key: (have[i.key].record_id, None) if i.key in have else (None, "not in the record store")
            for i in idents
        }

    return fetch


def _decided(
    ctx: _Context,
    links: list[Link],
    applied: AppliedDecisions,
    claims: Sequence[Claim],
    missing: dict[str, list[MarkerTarget]],
) -> list[Link]:
    """The run's links with the curator's decisions applied; curator-added records are looked up."""
    by_claim = {c.claim_id: c for c in claims}
    ctx.load([v.record_id for v in applied.links[len(links) :]])
    out = []
    for i, view in enumerate(applied.links):
        changes = {
            "relation": view.relation,
            "evidence_type": view.evidence_type,
            "accepted": view.accepted,
            "rejected": view.rejected,
            "reasons": view.reasons,
            "decisions": view.decisions,
        }
        if i < len(links):
            base = links[i]
            if view.evidence_type != base.evidence_type and view.evidence_type is not None:
                changes["level"] = evidence_level(view.evidence_type, None)[0]
            out.append(base.model_copy(update=changes))
            continue
        claim = by_claim[view.claim_id]
        record = ctx.records.get(view.record_id)
        if record is None:
            missing[claim.claim_id].append(
                MarkerTarget(claim_id=claim.claim_id, scope="curator", number=0,
                             identifier=parse_identifier(view.record_id), reason="not in the record store")
            )  # fmt: skip
            out.append(_curator_stub(claim, view.record_id, changes))
            continue
        judged, grade = ctx.judge(ctx.view(claim), record)
        link = _link(claim, record, judged, grade, "curator", judged.score, [])
        if view.evidence_type and view.evidence_type != grade.evidence_type:
            changes["level"] = evidence_level(view.evidence_type, None)[0]
        changes["evidence_type"] = view.evidence_type or grade.evidence_type
        out.append(link.model_copy(update={**changes, "reasons": [*view.reasons, *judged.reasons]}))
    return out


def _curator_stub(claim: Claim, record_id: str, changes: dict[str, object]) -> Link:
    return Link(
        claim_id=claim.claim_id,
        line=claim.line,
        record_id=record_id,
        origin="curator",
        score=0.0,
        **{**changes, "reasons": [*changes["reasons"], "record not in the store: run curate fetch"]},  # type: ignore[arg-type,list-item]
    )


def _verdicts(
    claims: Sequence[Claim],
    links: Sequence[Link],
    targets: Sequence[MarkerTarget],
    missing: dict[str, list[MarkerTarget]],
    applied: AppliedDecisions,
) -> list[ClaimVerdict]:
    by_claim: dict[str, list[Link]] = {}
    for link in links:
        if not link.rejected:
            by_claim.setdefault(link.claim_id, []).append(link)
    targets_of: dict[str, list[MarkerTarget]] = {}
    for target in targets:
        targets_of.setdefault(target.claim_id, []).append(target)
    verdicts = []
    for claim in claims:
        if claim.claim_id in applied.claim_evidence_types:
            claim = claim.model_copy(
                update={"asserted_evidence": [applied.claim_evidence_types[claim.claim_id]]}
            )
        verdicts.append(
            judge(
                claim,
                by_claim.get(claim.claim_id, []),
                targets_of.get(claim.claim_id, []),
                missing[claim.claim_id],
            )
        )
    return verdicts


def _sections(record: Record) -> str:
    return " ".join(s.text for s in record.abstract_sections)
