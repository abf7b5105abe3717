"""Curator decisions applied to a run's links: accept, reject, add, override relation or evidence type, note.

Decisions apply in file order, so a later decision on the same claim, record and aspect wins. A decision
whose claim is gone, or whose record is not linked to the claim (for anything but `add`), is orphaned with
the reason — reported, never dropped. Every change appends the decision's ID and a reason to the link.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from pipeline.linking.decisions import Decision
from pipeline.models import EvidenceType, LinkOrigin, Relation


class LinkLike(Protocol):
    """What `apply_decisions` reads from a link (pipeline.models.Link has it all)."""

    @property
    def claim_id(self) -> str: ...
    @property
    def record_id(self) -> str: ...
    @property
    def relation(self) -> Relation: ...
    @property
    def evidence_type(self) -> EvidenceType | None: ...
    @property
    def origin(self) -> LinkOrigin: ...


class LinkView(BaseModel):
    """A link as the curator's decisions leave it; rejected links are kept (marked) for the audit."""

    model_config = ConfigDict(frozen=True)

    claim_id: str
    record_id: str
    relation: Relation
    evidence_type: EvidenceType | None = None
    origin: LinkOrigin
    accepted: bool = False
    rejected: bool = False
    reasons: list[str] = Field(default_factory=list)
    decisions: list[str] = Field(default_factory=list)  # IDs of the decisions applied, in order

    @classmethod
    def from_link(cls, link: LinkLike) -> LinkView:
        reasons = list(getattr(link, "reasons", []))
        return cls(
            claim_id=link.claim_id,
            record_id=link.record_id,
            relation=link.relation,
            evidence_type=link.evidence_type,
            origin=link.origin,
            reasons=reasons,
        )


class OrphanedDecision(BaseModel):
    decision: Decision
    reason: str


class AppliedDecisions(BaseModel):
    """Links after the decisions, notes and claim-level evidence types per claim, and the orphans."""

    links: list[LinkView]
    notes: dict[str, list[Decision]] = Field(default_factory=dict)
    claim_evidence_types: dict[str, EvidenceType] = Field(default_factory=dict)
    orphaned: list[OrphanedDecision] = Field(default_factory=list)


def apply_decisions(
    links: Iterable[LinkLike], decisions: Sequence[Decision], claim_ids: Collection[str]
) -> AppliedDecisions:
    """Apply the decisions in file order to the run's links (which stay in their order, adds at the end).

    A curator-added link gets origin `curator`, relation `supports` unless the decision names one; the
    caller still has to find its record (a missing one is the verdicts' `missing_record`).
    """
    state = _Applier([LinkView.from_link(link) for link in links], set(claim_ids))
    for decision in decisions:
        state.apply(decision)
    return AppliedDecisions(
        links=state.links, notes=state.notes, claim_evidence_types=state.claim_types, orphaned=state.orphaned
    )


class _Applier:
    """The links being decided on, indexed by (claim, record), and what the decisions produced."""

    def __init__(self, links: list[LinkView], claim_ids: set[str]) -> None:
        self.links, self.claim_ids = links, claim_ids
        self.index: dict[tuple[str, str], list[int]] = {}
        for i, link in enumerate(links):
            self.index.setdefault((link.claim_id, link.record_id), []).append(i)
        self.notes: dict[str, list[Decision]] = {}
        self.claim_types: dict[str, EvidenceType] = {}
        self.orphaned: list[OrphanedDecision] = []

    def apply(self, d: Decision) -> None:
        if d.claim_id not in self.claim_ids:
            self._orphan(d, f"claim {d.claim_id} is no longer in the document")
        elif d.action == "note":
            self.notes.setdefault(d.claim_id, []).append(d)
        elif d.record_id is None:  # only evidence_type may omit the record: it is about the claim
            self.claim_types[d.claim_id] = d.evidence_type  # type: ignore[assignment]
        elif d.action == "add":
            self._add(d, d.record_id)
        elif (d.claim_id, d.record_id) not in self.index:
            self._orphan(d, f"record {d.record_id} is not linked to claim {d.claim_id}")
        else:
            self._update(d, _CHANGES[d.action](d))

    def _add(self, d: Decision, record_id: str) -> None:
        if (d.claim_id, record_id) in self.index:
            return self._update(d, _CHANGES["add"](d))
        self.index[(d.claim_id, record_id)] = [len(self.links)]
        view = LinkView(
            claim_id=d.claim_id,
            record_id=record_id,
            relation=d.relation or "supports",
            origin="curator",
            evidence_type=d.evidence_type,
            accepted=True,
        )
        self.links.append(view.model_copy(update=_audit(view, d, "added by the curator")))

    def _update(self, d: Decision, changes: dict[str, object]) -> None:
        for i in self.index[(d.claim_id, d.record_id or "")]:
            link = self.links[i]
            what = _describe(link, d)
            self.links[i] = link.model_copy(update={**changes, **_audit(link, d, what)})

    def _orphan(self, d: Decision, reason: str) -> None:
        self.orphaned.append(OrphanedDecision(decision=d, reason=reason))


_CHANGES = {
    "accept": lambda d: {"accepted": True, "rejected": False},
    "reject": lambda d: {"accepted": False, "rejected": True},
    "add": lambda d: {"accepted": True, "rejected": False, **_given(d, "relation", "evidence_type")},
    "relation": lambda d: {"relation": d.relation},
    "evidence_type": lambda d: {"evidence_type": d.evidence_type},
}


def _given(d: Decision, *names: str) -> dict[str, object]:
    return {name: getattr(d, name) for name in names if getattr(d, name) is not None}


def _describe(link: LinkView, d: Decision) -> str:
    if d.action == "relation":
        return f"curator set relation {link.relation} → {d.relation}"
    if d.action == "evidence_type":
        return f"curator set evidence type {link.evidence_type or 'unknown'} → {d.evidence_type}"
    if d.action == "add":
        return f"curator added (already linked as {link.origin})"
    return "curator rejected" if d.action == "reject" else "curator accepted"


def _audit(link: LinkView, d: Decision, what: str) -> dict[str, object]:
    """The reason and decision ID appended to a link, naming who decided and why."""
    by = f"{d.id}, {d.curator}" if d.curator else str(d.id)
    reason = f"{what} ({by})" + (f": {d.note}" if d.note else "")
    return {"reasons": [*link.reasons, reason], "decisions": [*link.decisions, str(d.id)]}
