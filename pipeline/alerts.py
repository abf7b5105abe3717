"""What changed since the last run, for the curator: stronger evidence, new contradictions, retractions.

After each run the flow keeps a small state — per document, per claim, the best supporting level and
every link's relation, level and integrity (`.curate/state/last-run.json`). The next run compares:

    new_higher_level   a supporting link, new to the claim, with a better CEBM level than the claim had
    new_contradiction  a `contradicts` link the claim did not have before
    new_retraction     a linked record now retracted that was not before

A first run (no state) raises no alerts: everything would be new, so nothing would stand out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pipeline.outputs.bundle import Alert, DocumentRun

State = dict[str, dict[str, dict[str, Any]]]  # slug → claim_id → {"best_level": …, "links": {record_id: …}}


def state_of(documents: Iterable[DocumentRun]) -> State:
    """The comparable state of a run (JSON-ready)."""
    state: State = {}
    for doc in documents:
        claims: dict[str, dict[str, Any]] = {}
        best = {v.claim_id: v.best_level for v in doc.verdicts}
        for claim in doc.doc.claims:
            claims[claim.claim_id] = {"best_level": best.get(claim.claim_id), "links": {}}
        for link in doc.links:
            if not link.rejected and link.claim_id in claims:
                claims[link.claim_id]["links"][link.record_id] = {
                    "relation": link.relation,
                    "level": link.level,
                    "integrity": link.integrity,
                }
        state[doc.slug] = claims
    return state


def alerts_since(previous: State | None, doc: DocumentRun) -> list[Alert]:
    """The alerts of one document against the previous run's state (none on a first run)."""
    before = (previous or {}).get(doc.slug)
    if before is None:
        return []
    alerts = []
    for link in doc.links:
        if link.rejected:
            continue
        claim = before.get(link.claim_id)
        if claim is None:  # a claim new to the document: its links are news, not changes
            continue
        old = claim["links"].get(link.record_id)
        alerts += _changes(doc.slug, link, old, claim.get("best_level"))
    return alerts


def _changes(slug: str, link: Any, old: dict[str, Any] | None, best_level: int | None) -> list[Alert]:
    out = []
    base = {"document": slug, "claim_id": link.claim_id, "record_id": link.record_id}
    improves = link.level is not None and (best_level is None or link.level < best_level)
    if old is None and link.relation == "supports" and improves and link.integrity != "retracted":
        was = f"level {best_level}" if best_level is not None else "no support"
        out.append(Alert(kind="new_higher_level", detail=f"level {link.level} support (was {was})", **base))
    if link.relation == "contradicts" and (old is None or old["relation"] != "contradicts"):
        out.append(
            Alert(kind="new_contradiction", detail=f"{link.evidence_type or 'a record'} contradicts", **base)
        )
    if link.integrity == "retracted" and (old is None or old.get("integrity") != "retracted"):
        out.append(Alert(kind="new_retraction", detail="a linked record is now retracted", **base))
    return out
