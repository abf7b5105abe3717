"""Discovered candidates: records a claim's entities point to when its markers point nowhere.

Queries come from the claim's entities (conditions, mechanisms, outcomes, partner drugs, forms, then the
supplement's names) plus its salient words the vocabularies do not know (a gene, a drug, a cell line). The
local store answers with BM25; live, the same entities build a PubMed / Europe PMC query whose results are
stored first, so ranking always happens over the store.

Ranking, every part explainable in a report:

    score = 0.35 · relevance      BM25 relative to the claim's best hit
          + 0.25 · agreement      weighted share of entity aspects that agree (relations.agreement_score)
          + 0.25 · coverage       weighted share of the claim's own terms the record names
          + 0.15 · evidence fit   the record's design against what the claim asserts or implies

then × 0.25 when the relation is `unrelated`, so a near miss never outranks a real candidate. The weights
were set on the seed's gold (tests/data/linking): a coarse grid moved recall@5 by at most ±5 pairs in 222,
so they are round numbers rather than a tuned optimum.
"""

from __future__ import annotations

import re
from importlib import resources

from pipeline.grading.models import Grade
from pipeline.linking.entities import Entities
from pipeline.linking.entity_vocab import vocabulary
from pipeline.linking.relations import CLINICAL_TYPES, PRECLINICAL, ClaimView

RELEVANCE, AGREEMENT, COVERAGE, FIT = 0.35, 0.25, 0.25, 0.15
UNRELATED_PENALTY = 0.25
_FIELDS = ("conditions", "mechanisms", "outcomes", "co_interventions", "forms", "interventions")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-αβγκ]{3,}")
_STOP = frozenset(
    word
    for line in resources.files("pipeline.linking")
    .joinpath("data/query_stopwords.txt")
    .read_text("utf-8")
    .splitlines()
    if not line.startswith("#")
    for word in line.split()
)
MAX_EXTRA_WORDS = 8


def claim_query(view: ClaimView) -> str | None:
    """The words of a local search for this claim; None when it names nothing beyond the supplement."""
    entities = view.entities
    specific = [m for field in _FIELDS[:-1] for m in getattr(entities, field)]
    extra = _salient_words(view.claim.text, entities)
    if not specific and not extra:
        return None
    words: dict[str, None] = {}
    for mention in specific:
        words.update(dict.fromkeys(vocabulary().terms[mention.id].query))
    words.update(dict.fromkeys(extra))
    # the supplement's names are not ranked on: `required_names` filters on them, and in a large store
    # their rarity would let papers that repeat "vitamin K2" outrank papers about the claim's point
    return " ".join(words)


def required_names(view: ClaimView) -> list[str]:
    """Names of which a local hit must contain one: the supplement's own and its family's generic name
    ("vitamin K"), so a store full of other supplements' papers never crowds the candidates."""
    terms = vocabulary().terms
    subject = terms.get(view.entities.subject or "")
    if subject is None:
        return []
    family = [
        t for t in terms.values() if t.aspect == "intervention" and t.generic and t.group == subject.group
    ]
    return list(dict.fromkeys([*subject.query, *(w for t in family for w in t.query)]))


def remote_query(view: ClaimView) -> str | None:
    """A PubMed / Europe PMC boolean query: the supplement's names AND each named aspect's names."""
    entities = view.entities
    groups = []
    for field in ("conditions", "mechanisms", "outcomes", "co_interventions"):
        ids = dict.fromkeys(m.id for m in getattr(entities, field) if not vocabulary().terms[m.id].generic)
        if ids:
            names = {n for i in ids for n in vocabulary().terms[i].query}
            groups.append(_any(names))
    if not groups:
        return None
    return " AND ".join([_any(_subject_words(entities)), *groups[:2]])


def evidence_fit(view: ClaimView, grade: Grade | None) -> float:
    """1 when the record's design is what the claim asserts (or its wording implies), 0 when it is not."""
    if grade is None:
        return 0.5
    asserted = set(view.claim.asserted_evidence)
    kind = grade.evidence_type
    if asserted:
        broadened = asserted | ({"in_vitro_and_animal"} if asserted & {"in_vitro", "animal"} else set())
        return 1.0 if kind in broadened else 0.0
    if view.about_people:
        return 1.0 if kind in CLINICAL_TYPES else 0.2 if kind in PRECLINICAL else 0.4
    if view.about_lab:
        return 1.0 if kind in PRECLINICAL else 0.3
    return 0.5


def prelim_score(relevance: float, agreement: float, coverage: float) -> float:
    """The ranking score without the parts that need a grade (used to pick whom to assess in full)."""
    return RELEVANCE * relevance + AGREEMENT * agreement + COVERAGE * coverage


def rank_score(relevance: float, agreement: float, coverage: float, fit: float, unrelated: bool) -> float:
    score = prelim_score(relevance, agreement, coverage) + FIT * fit
    return round(score * (UNRELATED_PENALTY if unrelated else 1.0), 4)


def _subject_words(entities: Entities) -> list[str]:
    terms = vocabulary().terms
    ids = [entities.subject] if entities.subject else [m.id for m in entities.interventions[:1]]
    return [w for i in ids if i in terms for w in terms[i].query]


def _salient_words(text: str, entities: Entities) -> list[str]:
    """Content words the vocabularies did not claim (genes, drugs, cell lines), longest first."""
    covered = {(m.start, m.end) for f in _FIELDS for m in getattr(entities, f)}
    spans = [range(s, e) for s, e in covered]
    words = []
    for m in _WORD.finditer(text):
        if m[0].lower() in _STOP or any(m.start() in r for r in spans):
            continue
        words.append(m[0])
    unique = list(dict.fromkeys(w.lower() for w in words))
    return sorted(unique, key=len, reverse=True)[:MAX_EXTRA_WORDS]


def _any(names: object) -> str:
    quoted = sorted({f'"{n}"' if " " in str(n) or "-" in str(n) else str(n) for n in names})  # type: ignore[attr-defined]
    return "(" + " OR ".join(quoted) + ")"
