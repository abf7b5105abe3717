"""Linking against a gold standard (tests/data/linking/gold.yaml): recall@k, relation agreement, flags.

recall@k     share of gold pairs whose relation is not `unrelated` that appear among the claim's links
             of rank ≤ k (explicit and curator links count at any rank)
contradicts  precision: among predicted `contradicts` links whose pair is in the gold, the share the gold
             also calls `contradicts`; predicted contradictions outside the gold are counted apart
relations    a gold × predicted confusion table over the pairs both have
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from pipeline.models import ClaimVerdict, Link, Relation


class GoldPair(BaseModel):
    claim_id: str
    record_id: str
    relation: Relation
    line: int | None = None


class LinkingScores(BaseModel):
    k: int
    gold_relevant: int
    found: int
    recall_at_k: float
    contradicts_predicted: int
    contradicts_in_gold: int
    contradicts_correct: int
    contradicts_precision: float | None
    relation_agreement: float | None
    confusion: dict[str, dict[str, int]] = Field(default_factory=dict)
    flags: dict[str, int] = Field(default_factory=dict)


def load_gold(path: Path) -> list[GoldPair]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return [GoldPair.model_validate(item) for item in data]


def score(
    gold: Sequence[GoldPair], links: Iterable[Link], verdicts: Iterable[ClaimVerdict], k: int = 5
) -> LinkingScores:
    """Every figure of the module docstring for one run's links and verdicts."""
    kept = {(x.claim_id, x.record_id): x for x in links if not x.rejected and (x.rank is None or x.rank <= k)}
    truth = {(g.claim_id, g.record_id): g.relation for g in gold}
    relevant = [pair for pair, relation in truth.items() if relation != "unrelated"]
    found = [pair for pair in relevant if pair in kept]
    predicted = [pair for pair, x in kept.items() if x.relation == "contradicts"]
    judged = [pair for pair in predicted if pair in truth]
    correct = [pair for pair in judged if truth[pair] == "contradicts"]
    both = [pair for pair in truth if pair in kept]
    confusion: dict[str, dict[str, int]] = {}
    for pair in both:
        row = confusion.setdefault(truth[pair], {})
        row[kept[pair].relation] = row.get(kept[pair].relation, 0) + 1
    agree = sum(truth[p] == kept[p].relation for p in both)
    return LinkingScores(
        k=k,
        gold_relevant=len(relevant),
        found=len(found),
        recall_at_k=round(len(found) / len(relevant), 3) if relevant else 0.0,
        contradicts_predicted=len(predicted),
        contradicts_in_gold=len(judged),
        contradicts_correct=len(correct),
        contradicts_precision=round(len(correct) / len(judged), 3) if judged else None,
        relation_agreement=round(agree / len(both), 3) if both else None,
        confusion=confusion,
        flags=dict(Counter(f.kind for v in verdicts for f in v.flags)),
    )
