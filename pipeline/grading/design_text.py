"""Study design from the title and abstract alone: ordered cue groups, the first that speaks wins.

Precedence (first wins): notices, editorials, protocols, bibliometric analyses > meta-analysis >
systematic review > guideline > review of case reports > review > randomised trial > non-randomised trial >
case series > case report > observational. Trials and observational cues on animals make an animal study.
When none of these speak (design.py): animals and/or cells (levels of mechanism; bench work on plants is
`other`), then a narrative review that never names itself (it summarises studies and reports none of its
own; low confidence), then people studied with association words, or reporting a study of their own that
builds no tool (observational, low confidence), else `other`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.grading.details import pooled_designs, trial_detail
from pipeline.grading.models import Reason
from pipeline.grading.text import Hit, RecordText, all_hits, first_hit

_LITERATURE_REVIEW = re.compile(
    r"[\s,:;-]*\b(and|with|plus|we|also|:)?\s*(a\s+)?(brief\s+|short\s+|focused\s+)?"
    r"(review(ed)?|overview)\s+(of\s+)?(the\s+)?(relevant\s+|pertinent\s+|current\s+)?literature\b",
    re.IGNORECASE,
)
# the part of _LITERATURE_REVIEW every match contains: a fast search (it starts with a literal) that says
# whether the slow substitution (its leading `[\s,:;-]*` is tried at every position) has anything to do
_LITERATURE_REVIEW_CORE = re.compile(
    r"(?:review(?:ed)?|overview)\s+(?:of\s+)?(?:the\s+)?(?:relevant\s+|pertinent\s+|current\s+)?literature\b"
)
_COUNT_WORDS = dict(
    zip(
        ("three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen"),
        range(3, 14),
        strict=True,
    )
) | {"one": 1, "two": 2, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18}
_OBS_DETAILS = (
    ("case-control", re.compile(r"case[- ]control", re.I)),
    ("cross-sectional", re.compile(r"cross[- ]sectional", re.I)),
    ("mendelian randomisation", re.compile(r"mendelian", re.I)),
    ("genome-wide association", re.compile(r"genome-wide|gwas", re.I)),
    ("qualitative", re.compile(r"qualitative|interview", re.I)),
    ("prospective cohort", re.compile(r"prospective", re.I)),
    ("retrospective cohort", re.compile(r"retrospective", re.I)),
    ("cohort", re.compile(r"cohort|follow", re.I)),
    ("survey", re.compile(r"survey", re.I)),
)
_SCOPING = re.compile(r"\bscoping (review|study)\b", re.I)
_UMBRELLA = re.compile(r"umbrella|overview of (systematic )?reviews", re.I)
_DETAIL_OTHER = {
    "notice": "notice",
    "editorial": "editorial or reply",
    "protocol": "protocol",
    "guideline": "guideline",
    "bibliometric": "bibliometric analysis",
}


@dataclass(frozen=True)
class Finding:
    """A design decision with its detail, confidence and the reasons behind it."""

    design: str
    detail: str | None
    confidence: float
    reasons: list[Reason] = field(default_factory=list)


def reason(hit: Hit, effect: str) -> Reason:
    return Reason(signal="text", where=hit.where, evidence=hit.span, effect=effect)


def design_from_text(text: RecordText) -> Finding | None:
    """The first design the text states about itself, or None when it states none."""
    for rule in (_other, _synthesis, _guideline, _review, _trial, _cases, _observational):
        found = rule(text)
        if found is not None:
            return found
    return None


def _other(text: RecordText) -> Finding | None:
    for group in ("notice", "editorial", "protocol", "bibliometric"):
        if hit := first_hit(group, text):
            return Finding("other", _DETAIL_OTHER[group], 0.85, [reason(hit, f"design=other ({group})")])
    return None


def _synthesis(text: RecordText) -> Finding | None:
    meta, review = first_hit("meta_analysis", text), first_hit("systematic_review", text)
    hit = meta or review
    if hit is None or (meta is None and _SCOPING.search(f"{text.title} {text.abstract}")):
        return None  # a scoping review searches databases too, but is not a systematic review
    if review is None and hit.where == "abstract" and first_hit("own_primary_design", text):
        return None  # "we conducted a cohort study … pooled by meta-analysis": a primary study
    design = "meta_analysis" if meta else "systematic_review"
    pooled = first_hit("pooling", text) if meta is None else None
    if pooled is not None:  # a systematic review that pools its studies is a meta-analysis
        design, hit = "meta_analysis", pooled
    umbrella = "umbrella review" if _UMBRELLA.search(hit.span) else None
    detail = "; ".join(d for d in (umbrella, pooled_designs(text)) if d) or None
    return Finding(design, detail, _strength(hit), [reason(hit, f"design={design}")])


def _guideline(text: RecordText) -> Finding | None:
    hit = first_hit("guideline", text)
    if hit is None:
        return None
    # guidelines as the topic ("… the physical activity guidelines: a qualitative study"), not the record
    studied = any(first_hit(g, text) for g in ("rct", "nonrandomized_trial", "observational"))
    if studied or first_hit("review", text, "title"):
        return None
    return Finding("other", "guideline", 0.75, [reason(hit, "design=other (guideline)")])


def _review(text: RecordText) -> Finding | None:
    if hit := first_hit("review_of_cases", text):
        return Finding("review", "review of case reports", 0.85, [reason(hit, "design=review")])
    # "a case report and review of the literature" is a case report, not a review
    cleaned = text
    if text.mentions(("literature",)) and _LITERATURE_REVIEW_CORE.search(text.lowered["both"]):
        cleaned = RecordText(
            _LITERATURE_REVIEW.sub(" ", text.title), _LITERATURE_REVIEW.sub(" ", text.abstract)
        )
    hit = first_hit("review", cleaned)
    if hit is None:
        return None
    detail = "scoping review" if "scoping" in hit.span.lower() else None
    return Finding("review", detail, _strength(hit), [reason(hit, "design=review")])


def _trial(text: RecordText) -> Finding | None:
    hit, design = first_hit("rct", _without_nonrandom(text)), "rct"
    if hit is None:
        hit, design = first_hit("nonrandomized_trial", text), "nonrandomized_trial"
    if hit is None:
        return None
    if lab := _lab_instead(text, hit, design):
        return lab
    return Finding(design, trial_detail(text), _strength(hit), [reason(hit, f"design={design}")])


def _cases(text: RecordText) -> Finding | None:
    for hit in all_hits("case_series", text):
        count = _count(hit)
        if count is None or count >= 3:
            return Finding("case_series", None, _strength(hit), [reason(hit, "design=case_series")])
    if hit := first_hit("case_report", text):
        return Finding("case_report", None, _strength(hit), [reason(hit, "design=case_report")])
    return None


def _observational(text: RecordText) -> Finding | None:
    hit = first_hit("observational", text)
    if hit is None:
        return None
    if lab := _lab_instead(text, hit, "observational"):
        return lab
    detail = next((name for name, p in _OBS_DETAILS if p.search(hit.span)), None)
    return Finding("observational", detail, _strength(hit) - 0.05, [reason(hit, "design=observational")])


def _lab_instead(text: RecordText, hit: Hit, design: str) -> Finding | None:
    """A trial or cohort whose subjects are animals is an animal study (randomised or not)."""
    animal = first_hit("animal", text)
    if animal is None or first_hit("humans", text) is not None:
        return None
    cells = first_hit("in_vitro", text)
    kind = "in_vitro_and_animal" if cells else "animal"
    detail = "randomised animal experiment" if design == "rct" else None
    reasons = [reason(hit, f"{design} cue on animals"), reason(animal, f"design={kind}")]
    return Finding(kind, detail, 0.75, reasons)


def lab_design(
    text: RecordText, mesh_animals: str | None, mesh_cells: str | None, cell_lines: list[str]
) -> Finding | None:
    """Animals and/or cells under study, from text cues, MeSH headings (names given) and named cell lines."""
    animal, cells = first_hit("animal", text), bench_work(text)
    has_animal = bool(animal or mesh_animals)
    has_cells = bool(cells or mesh_cells or cell_lines)
    if not (has_animal or has_cells):
        return None
    if not has_animal and (plant := _plant_science(text, cell_lines)):
        return plant
    kind = "in_vitro_and_animal" if has_animal and has_cells else ("animal" if has_animal else "in_vitro")
    reasons = [reason(h, f"design={kind}") for h in (animal, cells) if h is not None]
    reasons += [
        Reason(signal="mesh", evidence=name, effect=f"design={kind}")
        for name in (mesh_animals, mesh_cells)
        if name
    ]
    if cell_lines:
        reasons.append(Reason(signal="text", evidence=", ".join(cell_lines), effect="cell lines named"))
    confidence = 0.75 if len(reasons) >= 2 else 0.6
    return Finding(kind, None, confidence, reasons)


def bench_work(text: RecordText) -> Hit | None:
    """Cells or bench work named in the text; a method that is also used on people (an enzymatic assay,
    a recombinant protein, marrow-derived cells) counts only when the record does not study people."""
    if hit := first_hit("in_vitro", text):
        return hit
    method = first_hit("bench_method", text)
    return None if method is None or _people_studied(text) else method


def _people_studied(text: RecordText) -> bool:
    return first_hit("humans", text) is not None and (
        first_hit("weak_observational", text) is not None or first_hit("primary_study", text) is not None
    )


def _plant_science(text: RecordText, cell_lines: list[str]) -> Finding | None:
    """Bench work on plants (their cells, tissues or enzymes), no animal or human cells: `other`."""
    plant = first_hit("plant", text)
    if plant is None or cell_lines or first_hit("animal_cells", text) is not None:
        return None
    return Finding("other", "plant science", 0.6, [reason(plant, "design=other (plant science)")])


def narrative_review(text: RecordText) -> Finding | None:
    """A review that never names itself: it summarises what studies have shown (or has a clinical-review
    title such as "Diagnosis and Management") and reports no study of its own. Low confidence."""
    hit = first_hit("review_weak", text)
    if hit is None or first_hit("primary_study", text) is not None:
        return None
    return Finding(
        "review", None, 0.5, [reason(hit, "design=review (summarises studies; no study of its own)")]
    )


def weak_observational(text: RecordText) -> Finding | None:
    """People studied, and associations reported or a study of their own (unless it builds a tool or
    studies plants), but no design named: observational, low confidence."""
    people = first_hit("humans", text)
    if people is None or not text.abstract:
        return None
    assoc, confidence = first_hit("weak_observational", text), 0.5
    if assoc is None and not any(first_hit(g, text) for g in ("tool_development", "plant")):
        # people studied, though nothing is said to be associated: weaker still
        assoc, confidence = first_hit("primary_study", text), 0.45
    if assoc is None:
        return None
    reasons = [reason(people, "humans studied"), reason(assoc, "design=observational (no design named)")]
    return Finding("observational", None, confidence, reasons)


def _strength(hit: Hit) -> float:
    return 0.85 if hit.where == "title" else 0.8


def _count(hit: Hit) -> int | None:
    word = hit.match.groupdict().get("count") if hit.match else None
    if word is None:
        return None
    return int(word) if word.isdigit() else _COUNT_WORDS.get(word.lower(), 20)


def _without_nonrandom(text: RecordText) -> RecordText:
    """Drop "non-randomised" and "Mendelian randomisation" so they do not read as randomised trials."""
    if not text.mentions(("randomi",)) or not text.mentions(("non", "mendelian", "quasi")):
        return text
    pattern = re.compile(r"\bnon-?\s?randomi[sz]ed|\bmendelian randomi[sz]ation|\bquasi-randomi[sz]ed", re.I)
    return RecordText(pattern.sub(" ", text.title), pattern.sub(" ", text.abstract))
