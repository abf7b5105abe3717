"""How far a record's entities agree with a claim's, aspect by aspect, with a reason a report can print.

Each aspect is a match, a conflict or not comparable (one side names nothing): intervention (the claim's
supplement against the record's family members), form, condition (a subtype matches its parent), organ
group, co-intervention, mechanism or outcome, population (humans vs animals vs cells) and dose (ranges in
the same dimension overlap).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any, Literal

from pipeline.linking.entities import Dose, Entities, Mention, Population
from pipeline.linking.entity_vocab import vocabulary

Status = Literal["match", "conflict", "not_comparable"]


@dataclass(frozen=True)
class AspectAgreement:
    """One aspect's status; the reason (both sides as written) is only spelled out when a report asks,
    because ranking compares thousands of pairs and reads nothing but the status."""

    status: Status
    what: str
    claim: str | tuple[Mention, ...]
    record: str | tuple[Mention, ...]
    different: str | None = None

    @property
    def reason(self) -> str:
        c, r = (side if isinstance(side, str) else _label(side) for side in (self.claim, self.record))
        verdict = {"match": f"same {self.what}", "conflict": self.different or f"different {self.what}"}
        shown = verdict.get(self.status) or f"no {self.what} to compare"
        return f"claim: {c or 'none'}; record: {r or 'none'} → {shown}"


@dataclass(frozen=True)
class EntityAgreement:
    """How a record's entities agree with a claim's, aspect by aspect."""

    intervention: AspectAgreement
    form: AspectAgreement
    condition: AspectAgreement
    condition_group: AspectAgreement
    co_intervention: AspectAgreement
    mechanism_outcome: AspectAgreement
    population: AspectAgreement
    dose: AspectAgreement

    def __iter__(self) -> Iterator[tuple[str, AspectAgreement]]:
        return ((f.name, getattr(self, f.name)) for f in fields(self))

    def reasons(self) -> list[str]:
        """One line per aspect, "aspect: status: reason", in field order."""
        return [f"{name}: {a.status}: {a.reason}" for name, a in self]

    def conflicts(self) -> list[str]:
        return [name for name, a in self if a.status == "conflict"]


def agreement(claim: Entities, record: Entities) -> EntityAgreement:
    """How far a record's entities agree with a claim's: match, conflict or not comparable, per aspect."""
    c_conditions, r_conditions = _specific(claim.conditions), _specific(record.conditions)
    c_groups, r_groups = ({m.group or "" for m in ms} for ms in (c_conditions, r_conditions))
    c_effects, r_effects = claim.mechanisms + claim.outcomes, record.mechanisms + record.outcomes
    return EntityAgreement(
        intervention=_intervention(claim, record),
        form=_verdict("form", claim.forms, record.forms, _same(claim.forms, record.forms)),
        condition=_verdict("condition", claim.conditions, record.conditions, _same(c_conditions, r_conditions,
                           _related_condition), bool(c_conditions and r_conditions)),
        condition_group=_verdict("organ/system", ", ".join(sorted(c_groups)), ", ".join(sorted(r_groups)),
                                 bool(c_groups & r_groups), bool(c_groups and r_groups)),
        co_intervention=_co_intervention(claim.co_interventions, record.co_interventions),
        mechanism_outcome=_verdict("mechanism or outcome", c_effects, r_effects, _same(c_effects, r_effects)),
        population=_population_agreement(claim.populations, record.populations),
        dose=_dose_agreement(claim.doses, record.doses),
    )  # fmt: skip


def _specific(mentions: list[Mention]) -> list[Mention]:
    return [m for m in mentions if not vocabulary().terms[m.id].generic]


def _label(mentions: tuple[Mention, ...]) -> str:
    """Each distinct term once as written, then a condition's abbreviation or else the canonical name."""
    first: dict[str, Mention] = {}
    for m in mentions:
        first.setdefault(m.id, m)
    shown = []
    for m in first.values():
        term = vocabulary().terms[m.id]
        # "liver cancer (HCC)", "HCC (hepatocellular carcinoma)", "prognosis (survival)"
        other = term.abbreviation if term.aspect == "condition" and term.abbreviation else m.name
        other = m.name if other.lower() == m.text.lower() else other
        shown.append(m.text if other.lower() == m.text.lower() else f"{m.text} ({other})")
    return ", ".join(shown[:4]) + (" …" if len(shown) > 4 else "")


def _verdict(
    what: str,
    claim: str | list[Mention],
    record: str | list[Mention],
    same: bool,
    comparable: bool | None = None,
    different: str | None = None,
) -> AspectAgreement:
    """Match, conflict, or not comparable (by default when either side names nothing), both sides kept."""
    comparable = bool(claim and record) if comparable is None else comparable
    status: Status = ("match" if same else "conflict") if comparable else "not_comparable"
    c, r = (side if isinstance(side, str) else tuple(side) for side in (claim, record))
    return AspectAgreement(status, what, c, r, different)


def _same(claim: list[Mention], record: list[Mention], related: Any = None) -> bool:
    return any(related(a, b) if related else a.id == b.id for a in claim for b in record)


def _related_condition(a: Mention, b: Mention) -> bool:
    return a.id == b.id or a.id in _ancestors(b.id) or b.id in _ancestors(a.id)


def _ancestors(term_id: str) -> set[str]:
    terms, out = vocabulary().terms, set()
    while (parent := terms[term_id].parent) and parent not in out:
        out.add(parent)
        term_id = parent
    return out


def _intervention(claim: Entities, record: Entities) -> AspectAgreement:
    """The claim's supplement (named in it, else the document's) against the record's family members."""
    terms = vocabulary().terms
    wanted = {m.id for m in _specific(claim.interventions)} or ({claim.subject} if claim.subject else set())
    named = {
        m.id for m in record.interventions + record.co_interventions if terms[m.id].aspect == "intervention"
    }
    c, r = (", ".join(sorted(terms[i].name for i in ids)) for ids in (wanted, named))
    siblings = {
        i for i in named if terms[i].group in {terms[w].group for w in wanted} and not terms[i].generic
    }
    # a record naming no member, or only "vitamin K", is broader rather than about something else
    return _verdict("intervention", c, r, bool(wanted & named), bool(wanted and siblings))


def _co_intervention(claim: list[Mention], record: list[Mention]) -> AspectAgreement:
    def related(a: Mention, b: Mention) -> bool:
        generic = vocabulary().terms[a.id].generic or vocabulary().terms[b.id].generic
        return a.id == b.id or (generic and a.group == b.group)

    # a claim about a combination is not backed by a record that names no partner drug
    missing = "combination not in the record" if not record else None
    return _verdict("co-intervention", claim, record, _same(claim, record, related), bool(claim), missing)


def _population_agreement(claim: list[Population], record: list[Population]) -> AspectAgreement:
    c, r = (", ".join(dict.fromkeys(_population_label(p) for p in ps)) for ps in (claim, record))
    kinds, record_kinds = {p.kind for p in claim}, {p.kind for p in record}
    indirect = "indirect population" if "humans" in kinds - record_kinds else None
    return _verdict("population", c, r, bool(kinds & record_kinds), bool(kinds and record_kinds), indirect)


def _population_label(p: Population) -> str:
    detail = p.species or p.cell_line
    return f"{p.kind} ({detail})" if detail else p.kind


def _dose_agreement(claim: list[Dose], record: list[Dose]) -> AspectAgreement:
    """Doses agree when two in the same kind of unit (mass, mass per weight, concentration) overlap."""
    c, r = ", ".join(d.text for d in claim), ", ".join(d.text for d in record)
    pairs = [(a, b) for a in map(_base, claim) for b in map(_base, record) if a[0] == b[0]]
    same = any(a[1] <= b[2] * 1.0001 and b[1] <= a[2] * 1.0001 for a, b in pairs)  # rounding of conversions
    return _verdict("dose", c, r, same, bool(pairs))


def _base(dose: Dose) -> tuple[str, float, float]:
    """A dose's dimension and its range in that dimension's base unit (open ends as 0 and infinity)."""
    unit = next(u for u in vocabulary().units.values() if u.name == dose.unit)
    low = 0.0 if dose.low is None else dose.low * unit.factor
    return unit.dimension, low, float("inf") if dose.high is None else dose.high * unit.factor


COVERAGE_WEIGHTS = {
    "conditions": 2.0,
    "mechanisms": 1.5,
    "outcomes": 1.5,
    "co_interventions": 1.5,
    "forms": 1.0,
}


def coverage(claim: Entities, record: Entities) -> float:
    """Weighted share of the claim's specific terms (conditions, mechanisms, outcomes, partner drugs,
    forms) that the record names too — a subtype counts for its parent. 0 when the claim names none."""
    total = found = 0.0
    for field, weight in COVERAGE_WEIGHTS.items():
        wanted = {m.id for m in getattr(claim, field) if not vocabulary().terms[m.id].generic}
        named = {m.id for m in getattr(record, field)}
        if field == "conditions":
            named |= {a for i in named for a in _ancestors(i)}
        total += weight * len(wanted)
        found += weight * len(wanted & named)
    return round(found / total, 3) if total else 0.0
