"""Does a record back a claim? `supports`, `partial`, `contradicts` or `unrelated`, with every reason.

The rules, in the order they decide (each reason names the aspect and both sides):

1. No title and no abstract: `partial` — nothing to judge from; a curator reads the paper.
2. Not about the claim's supplement (another intervention family, or none named): `unrelated`.
3. A different condition: another cancer than the claim's is `partial` at best (the liver-cancer claim and
   the bladder-cancer study); a condition of another kind (osteoporosis for a cancer claim) is `unrelated`.
4. Direction: the claim asserts benefit and the record's results show no effect or harm (numbers outrank
   the authors' words), or the claim asserts harm and the record a benefit, or the two move a shared
   mechanism opposite ways → `contradicts`.
5. Anything short of agreement makes it `partial`: a combination the record lacks, the claim's outcome or
   mechanism not reported, an indirect population (a claim about patients backed by cells or animals) or
   another one (a claim about mice backed by patients), another form or dose of the supplement, the
   supplement only as "vitamin K", a review offered for a clinical claim, or no condition named where the
   claim names one.
6. Otherwise `supports`.

`score` is the share of weighted entity aspects that agree (0–1), a number a report can explain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from pipeline.grading.models import Grade
from pipeline.linking.direction import (
    claim_polarity,
    has_numbers,
    opposite_effect,
    record_finding,
    result_sentences,
)
from pipeline.linking.entities import Entities
from pipeline.linking.entity_agreement import EntityAgreement, agreement
from pipeline.linking.entity_vocab import vocabulary
from pipeline.models import Claim, Record, Relation

PRECLINICAL = frozenset({"in_vitro", "animal", "in_vitro_and_animal"})
CLINICAL_TYPES = frozenset(
    {"observational", "nonrandomized_trial", "rct", "systematic_review", "meta_analysis", "case_report",
     "case_series"}
)  # fmt: skip
_CLINICAL_WORDS = re.compile(
    r"\b(?:clinical(?:ly)?|trials?|patients?|RCTs?|cohorts?|randomi[sz]ed|placebo|participants|"
    r"people|women|men|adults|survival|recurrence|mortality|intake|supplementation)\b",
    re.IGNORECASE,
)
_PRECLINICAL_WORDS = re.compile(
    r"\b(?:in vitro|cell lines?|cells|xenografts?|mice|rats|murine|in vivo|animal models?)\b", re.IGNORECASE
)
_CANCER_WORDS = re.compile(
    r"\b(?:cancers?|tumou?rs?|carcinomas?|malignan\w+|oncolog\w+|leuka?emi\w+)\b", re.I
)
WEIGHTS = {
    "intervention": 3.0,
    "condition": 3.0,
    "mechanism_outcome": 2.0,
    "co_intervention": 1.5,
    "condition_group": 1.0,
    "population": 1.0,
    "form": 1.0,
    "dose": 1.0,
}


@dataclass(frozen=True)
class Assessment:
    """The judgement of one claim ↔ record pair: the deciding reasons, then every aspect's agreement
    (spelled out only when asked: ranking assesses many more pairs than it keeps)."""

    relation: Relation
    score: float
    indirect: bool = False
    why: tuple[str, ...] = ()
    agreement: EntityAgreement | None = None

    @property
    def reasons(self) -> list[str]:
        return [*self.why, *(self.agreement.reasons() if self.agreement else [])]


@dataclass(frozen=True)
class ClaimView:
    """What the relation rules read from a claim, computed once per claim."""

    claim: Claim
    entities: Entities
    polarity: str | None
    about_people: bool
    about_lab: bool


def claim_view(claim: Claim, entities: Entities) -> ClaimView:
    kinds = {p.kind for p in entities.populations}
    asserted = set(claim.asserted_evidence)
    about_people = (
        "humans" in kinds or bool(asserted & CLINICAL_TYPES) or bool(_CLINICAL_WORDS.search(claim.text))
    )
    about_lab = (bool(kinds) and kinds <= {"cells", "animals"}) or bool(asserted and asserted <= PRECLINICAL)
    about_lab = about_lab or (not about_people and bool(_PRECLINICAL_WORDS.search(claim.text)))
    return ClaimView(claim, entities, claim_polarity(claim.text), about_people and not about_lab, about_lab)


def assess(
    view: ClaimView,
    record: Record,
    entities: Entities,
    grade: Grade | None,
    agree: EntityAgreement | None = None,
) -> Assessment:
    """Judge one record against one claim (rules in the module docstring); `agree` if already computed."""
    agree = agree or agreement(view.entities, entities)
    score = agreement_score(agree)
    if not (record.title or record.abstract or record.abstract_sections):
        return Assessment("partial", score, why=("record has no title or abstract: not judged",))
    if (why := _off_topic(view, agree, entities)) is not None:
        return Assessment("unrelated", score, why=(why,), agreement=agree)
    if (why := _contradiction(view, record, agree, grade)) is not None:
        return Assessment("contradicts", score, why=(why,), agreement=agree)
    gaps, indirect = _gaps(view, agree, entities, grade)
    if record.abstract_complete is False and not _visible_result(record):
        gaps.append("partial: the stored abstract stops before its results")
    relation: Relation = "partial" if gaps else "supports"
    return Assessment(relation, score, indirect, tuple(gaps), agree)


def agreement_score(agree: EntityAgreement) -> float:
    """Weighted share of aspects that match; an aspect with nothing to compare counts half."""
    value = {"match": 1.0, "not_comparable": 0.5, "conflict": 0.0}
    total = sum(WEIGHTS.values())
    return round(sum(WEIGHTS[name] * value[a.status] for name, a in agree) / total, 3)


def _off_topic(view: ClaimView, agree: EntityAgreement, record: Entities) -> str | None:
    claim = view.entities
    if agree.intervention.status == "conflict":
        return f"unrelated: another intervention ({agree.intervention.reason})"
    terms = vocabulary().terms
    family = (
        {terms[claim.subject].group} if claim.subject else {terms[m.id].group for m in claim.interventions}
    )
    named = [m for m in record.interventions + record.co_interventions if terms[m.id].group in family]
    if family and not named:
        return "unrelated: the record does not name the supplement"
    if agree.condition.status == "conflict" and not _both_cancers(claim, record):
        return f"unrelated: a condition of another kind ({agree.condition.reason})"
    about_cancer = _has_cancer(claim) or bool(_CANCER_WORDS.search(view.claim.text))
    if about_cancer and record.conditions and not _has_cancer(record):
        named = ", ".join(dict.fromkeys(m.name for m in record.conditions))
        return f"unrelated: the claim is about cancer; the record about {named}"
    return None


def _both_cancers(claim: Entities, record: Entities) -> bool:
    return _has_cancer(claim) and _has_cancer(record)


def _has_cancer(entities: Entities) -> bool:
    terms = vocabulary().terms
    return any(terms[m.id].family == "cancer" for m in entities.conditions)


def _contradiction(
    view: ClaimView, record: Record, agree: EntityAgreement, grade: Grade | None
) -> str | None:
    """Direction is read only where a primary study is about the claim's own outcome or mechanism, in
    the claim's kind of population and not about another condition: a null result on fractures says
    nothing about recurrence, a trial in patients nothing about mice, and a review reports no finding."""
    if agree.mechanism_outcome.status != "match" or agree.condition.status == "conflict":
        return None
    if grade is not None and (grade.level is None or _population_gap(view, grade, agree)[0]):
        return None
    results = _results(record)
    effects = view.entities.outcomes + view.entities.mechanisms
    focus = [w for m in effects for w in dict.fromkeys([m.text, *vocabulary().terms[m.id].query])]
    title = (record.title or "").lower()
    agent, others = _agent_pattern(view.entities), _siblings_pattern(view.entities)
    on_topic = any(w.lower() in title for w in focus)
    finding = record_finding(results, focus, on_topic=on_topic, agent=agent, others=others)
    if view.polarity == "benefit" and finding.polarity in ("null", "harm"):
        how = (
            "numbers show no significant effect"
            if finding.by_numbers
            else f"record reports {finding.polarity}"
        )
        return f"contradicts: the claim asserts benefit; the {how}: “{finding.evidence}”"
    if view.polarity == "harm" and finding.polarity == "benefit":
        return f"contradicts: the claim asserts harm; the record reports benefit: “{finding.evidence}”"
    for mention in view.entities.mechanisms:
        for target in dict.fromkeys([mention.text, *vocabulary().terms[mention.id].query]):
            if sentence := opposite_effect(view.claim.text, results, target, agent):
                return f"contradicts: the record moves {target} the other way: “{sentence}”"
    return None


def _siblings_pattern(entities: Entities) -> re.Pattern[str] | None:
    return _siblings(entities.subject)


@cache
def _siblings(subject_id: str | None) -> re.Pattern[str] | None:
    """The names of the supplement's family members other than itself (vitamin K1 for vitamin K2)."""
    terms = vocabulary().terms
    subject = terms.get(subject_id or "")
    if subject is None:
        return None
    names = {w for t in terms.values() if t.aspect == "intervention" and t.group == subject.group
             and t.id != subject.id and not t.generic for w in t.query}  # fmt: skip
    return _names_pattern(names) if names else None


def _names_pattern(names: set[str] | frozenset[str]) -> re.Pattern[str]:
    return _compiled_names(frozenset(names))


@cache
def _compiled_names(names: frozenset[str]) -> re.Pattern[str]:
    return re.compile(
        r"\b(?:" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + r")\b", re.I
    )


def _visible_result(record: Record) -> bool:
    """Whether a cut abstract still shows a result: a finding in words, or one in numbers."""
    results = _results(record, title=False)
    return record_finding(results).polarity is not None or any(map(has_numbers, results))


def _results(record: Record, *, title: bool = True) -> list[str]:
    """The sentences that can state a finding (a cut abstract is judged without its title, which names
    a topic — "Role of K2 in preventing…" — not a result)."""
    sections = [(s.label or s.category, s.text) for s in record.abstract_sections]
    return result_sentences(record.title if title else None, sections or [(None, record.abstract or "")])


def _agent_pattern(entities: Entities) -> re.Pattern[str]:
    """The supplement's names (and forms) as written in any text, for "who does what" checks."""
    terms = vocabulary().terms
    ids = [entities.subject] if entities.subject else [m.id for m in entities.interventions]
    names = {w for i in ids if i in terms for w in terms[i].query} | {m.text for m in entities.interventions}
    names |= {m.text for m in entities.forms}
    if not names:
        return re.compile(r"(?!)")
    return re.compile(
        r"\b(?:" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + r")\b", re.I
    )


def _gaps(
    view: ClaimView, agree: EntityAgreement, record: Entities, grade: Grade | None
) -> tuple[list[str], bool]:
    """Every reason the record falls short of full support, and whether its population is indirect."""
    gaps = [
        f"partial: {name.replace('_', ' ')} differs ({a.reason})"
        for name, a in agree
        if a.status == "conflict" and name not in ("population", "intervention")
    ]
    if view.entities.conditions and not record.conditions and _specific(view.entities):
        gaps.append("partial: the record names no condition; the claim names one")
    wanted = view.entities.mechanisms + view.entities.outcomes
    if wanted and not (record.mechanisms + record.outcomes):
        gaps.append("partial: the claim's mechanism or outcome is not reported")
    elif missing := _unreported(view.entities, record):
        gaps.append(f"partial: the record covers only part of the claim (not named: {', '.join(missing)})")
    if (
        view.entities.interventions
        and all(vocabulary().terms[m.id].generic for m in record.interventions)
        and (
            record.interventions
            and not any(not vocabulary().terms[m.id].generic for m in record.interventions)
        )
    ):
        gaps.append("partial: the record speaks of vitamin K as a class, not this form")
    population, indirect = _population_gap(view, grade, agree)
    if population:
        gaps.append(f"partial: {'indirect population' if indirect else 'another population'} ({population})")
    if grade is not None and view.about_people and grade.evidence_type in ("review", "other"):
        gaps.append(f"partial: a {grade.evidence_type} offered for a clinical claim")
    return gaps, indirect


def _unreported(claim: Entities, record: Entities) -> list[str]:
    """The claim's mechanisms, outcomes and partner drugs the record does not name, when the claim names
    several: "apoptosis and autophagy" backed by an apoptosis-only study is only part of the claim."""
    missing = []
    for field in ("mechanisms", "outcomes", "co_interventions"):
        wanted = {m.id: m.name for m in getattr(claim, field)}
        named = {m.id for m in getattr(record, field)}
        missing += [name for i, name in wanted.items() if i not in named]
    total = sum(
        len({m.id for m in getattr(claim, f)}) for f in ("mechanisms", "outcomes", "co_interventions")
    )
    return missing if total >= 2 else []


def _specific(entities: Entities) -> bool:
    return any(not vocabulary().terms[m.id].generic for m in entities.conditions)


def _population_gap(view: ClaimView, grade: Grade | None, agree: EntityAgreement) -> tuple[str | None, bool]:
    """Why the record's population is not the claim's, and whether that makes it indirect evidence.

    Only cells or animals offered for a claim about people are *indirect* (the issue's
    `indirect_population`); people offered for a claim about cells or mice are another population, a
    shortfall of the same weight that no curator would call weaker evidence."""
    kinds = set(grade.population.kinds) if grade else set()
    evidence = grade.evidence_type if grade else None
    studied = ", ".join(sorted(kinds)) or evidence
    if view.about_people and (evidence in PRECLINICAL or (kinds and "humans" not in kinds)):
        return f"the claim is about people; the record studies {studied}", True
    if view.about_lab and (evidence in CLINICAL_TYPES or kinds == {"humans"}):
        return f"the claim is about cells or animals; the record studies {studied}", False
    if agree.population.status == "conflict" and not grade:
        return agree.population.reason, view.about_people
    return None, False
