"""Study design from all signals: PubMed publication types, MeSH headings and the text, by precedence.

1. A publication type that names a design decides, with the text allowed only to refine it: a
   "Case Reports" record describing three or more patients is a case series, a "Clinical Trial" the text
   calls randomised is an RCT, a "Review" that says it is systematic (or a meta-analysis) is one.
   When the text names a different design, the type still wins and the conflict lowers confidence.
2. Otherwise the text's own statement of design (design_text.py).
3. Otherwise MeSH design headings (Cohort Studies, Random Allocation, …), animals/cells winning over
   "Random Allocation" when the headings say no humans were studied.
4. Otherwise animals/cells from text and MeSH, then a narrative review that never names itself, then
   humans with association words, else `other`.
In text-only mode steps 1 and 3 are skipped, and MeSH plays no part in step 4.
"""

from __future__ import annotations

import re
from dataclasses import replace

from pipeline.grading.design_text import (
    Finding,
    bench_work,
    design_from_text,
    lab_design,
    narrative_review,
    weak_observational,
)
from pipeline.grading.details import pooled_designs, trial_detail
from pipeline.grading.models import Reason
from pipeline.grading.text import RecordText, first_hit
from pipeline.grading.vocab import TypeRule, mesh, publication_types
from pipeline.models import MeshHeading, PublicationType, Record

_N_PEOPLE = re.compile(
    r"\b(\d+|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen"
    r"|seventeen|eighteen|nineteen|twenty)\s+(consecutive\s+|additional\s+)?(patients|cases|children|women|men)\b",
    re.IGNORECASE,
)
_WORDS = {"three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_TRIALS = ("rct", "nonrandomized_trial")


def classify(record: Record, text: RecordText, text_only: bool) -> Finding:
    """The record's design, detail, confidence and reasons."""
    from_text = design_from_text(text)
    if not text_only and (typed := design_from_types(record.publication_types)):
        return _refine(typed, from_text, text)
    if from_text is not None:
        return from_text
    if not text_only and (from_mesh := design_from_mesh(record.mesh_headings)):
        return from_mesh
    return _fallback(record, text, text_only)


def design_from_types(types: list[PublicationType]) -> Finding | None:
    """The highest-ranked design among the record's publication types, or None."""
    matched = [(rule, t) for t in types if (rule := type_rule(t)) is not None]
    if not matched:
        return None
    rule, pt = max(matched, key=lambda m: m[0].rank)
    reasons = [Reason(signal="publication_type", evidence=pt.name, effect=f"design={rule.design}")]
    return Finding(rule.design, rule.detail, 0.85, reasons)


def type_rule(pt: PublicationType) -> TypeRule | None:
    """The design rule for one publication type, by UI first, then by name (older and renamed types)."""
    vocab = publication_types()
    return vocab.by_ui.get(pt.ui or "") or vocab.by_name.get(pt.name.strip().lower())


def unknown_types(types: list[PublicationType]) -> list[str]:
    """Publication types neither in the design table nor known to be design-neutral."""
    neutral = publication_types().neutral
    return [t.name for t in types if type_rule(t) is None and t.name.strip().lower() not in neutral]


def design_from_mesh(headings: list[MeshHeading]) -> Finding | None:
    """A design named by MeSH study-design headings; animals without humans make it an animal study."""
    table = mesh()["designs"]
    hits = [h for h in headings if h.descriptor in table]
    if not hits:
        return None
    names = {h.descriptor for h in headings}
    if names & set(mesh()["animals"]) and "Humans" not in names:
        return None  # an animal study with randomised groups: the lab step decides
    first = hits[0]
    design, detail = table[first.descriptor]["design"], table[first.descriptor].get("detail")
    return Finding(
        design, detail, 0.7, [Reason(signal="mesh", evidence=first.descriptor, effect=f"design={design}")]
    )


def _refine(typed: Finding, from_text: Finding | None, text: RecordText) -> Finding:
    if typed.detail and "notice" in typed.detail:
        return typed
    refined = _refinement(typed, from_text, text)
    if refined is not None:
        return refined
    detail = _merge(typed.detail, _detail_for(typed.design, from_text, text))
    if from_text is None or from_text.design == typed.design:
        confidence = 0.95 if from_text else 0.85
        return Finding(
            typed.design, detail, confidence, typed.reasons + (from_text.reasons if from_text else [])
        )
    conflict = Reason(
        signal="text",
        where=from_text.reasons[0].where if from_text.reasons else None,
        evidence=from_text.reasons[0].evidence if from_text.reasons else "",
        effect=f"conflict: text suggests {from_text.design}; publication type kept",
    )
    return Finding(typed.design, detail, 0.7, [*typed.reasons, conflict])


def _refinement(typed: Finding, from_text: Finding | None, text: RecordText) -> Finding | None:
    """The text refining a publication type: case report→series, trial→RCT, review→systematic."""
    if typed.design == "case_report" and (count := _people(text)) and count[0] >= 3:
        why = Reason(
            signal="text", where=count[2], evidence=count[1], effect="design=case_series (≥3 people)"
        )
        return Finding("case_series", None, 0.85, [*typed.reasons, why])
    upgrade = {
        "nonrandomized_trial": ("rct",),
        "review": ("systematic_review", "meta_analysis"),
        "systematic_review": ("meta_analysis",),
    }
    if from_text is not None and from_text.design in upgrade.get(typed.design, ()):
        detail = _merge(typed.detail, from_text.detail)
        return Finding(from_text.design, detail, 0.85, typed.reasons + from_text.reasons)
    return None


def _detail_for(design: str, from_text: Finding | None, text: RecordText) -> str | None:
    if design in _TRIALS:
        return trial_detail(text)
    if design in ("systematic_review", "meta_analysis"):
        return pooled_designs(text)
    same = from_text is not None and from_text.design == design
    return from_text.detail if same and from_text is not None else None


def _fallback(record: Record, text: RecordText, text_only: bool) -> Finding:
    from pipeline.grading.population import mesh_population, text_cell_lines

    animals, cells = (None, None) if text_only else mesh_population(record.mesh_headings)
    source = None
    if animals and _bench_only(text) and not _in_vivo_heading(record.mesh_headings):
        source, animals = animals, None  # a species heading on bench work: the material's source
    if lab := lab_design(text, animals, cells, text_cell_lines(text)):
        if source:
            why = "species heading read as the source of the material, not an animal study"
            return replace(lab, reasons=[*lab.reasons, Reason(signal="mesh", evidence=source, effect=why)])
        return lab
    if review := narrative_review(text):
        return review
    if weak := weak_observational(text):
        return weak
    return _no_design(record, text)


def _bench_only(text: RecordText) -> bool:
    """The text names bench work (cells, assays, in vitro) and no animal work."""
    from pipeline.grading.population import text_cell_lines

    bench = bench_work(text) or text_cell_lines(text)
    return bool(bench) and first_hit("animal", text) is None and not text.has_word("both", "animals")


def _in_vivo_heading(headings: list[MeshHeading]) -> bool:
    in_vivo = set(mesh()["in_vivo"])
    return any(h.descriptor in in_vivo for h in headings)


def _no_design(record: Record, text: RecordText) -> Finding:
    """Nothing names a design: `other`, with a confidence that says how little there was to read."""
    if not text.title and not text.abstract:
        why = "no title and no abstract"
        confidence = 0.1
    elif not text.abstract:
        why, confidence = "no design signal in the title and no abstract", 0.2
    else:
        why, confidence = "no design signal in title or abstract", 0.3
    evidence = (record.title or "")[:80]
    return Finding(
        "other", None, confidence, [Reason(signal="record", where="title", evidence=evidence, effect=why)]
    )


def _people(text: RecordText) -> tuple[int, str, str] | None:
    for where, value in (("title", text.title), ("abstract", text.abstract)):
        for m in _N_PEOPLE.finditer(value):
            word = m.group(1).lower()
            count = int(word) if word.isdigit() else _WORDS.get(word, 20)
            if count >= 3:
                return count, m.group(0), where
    return None


def _merge(first: str | None, second: str | None) -> str | None:
    parts = [p for d in (first, second) if d for p in d.split("; ")]
    return "; ".join(dict.fromkeys(parts)) or None
