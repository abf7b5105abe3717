"""Evidence levels (Oxford CEBM 2011, treatment benefit) for each design and detail."""

from __future__ import annotations

import pytest

from pipeline.grading.level import evidence_level


@pytest.mark.parametrize(
    ("design", "detail", "level"),
    [
        ("meta_analysis", "pools randomised trials", 1),
        ("systematic_review", "pools randomised trials", 1),
        ("meta_analysis", "pools randomised and observational studies", 2),
        ("meta_analysis", "pools observational studies", 3),  # not level 1
        ("systematic_review", None, 3),  # included designs unknown: not assumed randomised
        ("rct", None, 2),
        ("rct", "phase III; post-hoc analysis of a trial", 3),
        ("nonrandomized_trial", "phase II", 3),
        ("observational", "prospective cohort", 3),
        ("observational", "case-control", 4),
        ("observational", "cross-sectional", 4),
        ("case_series", None, 4),
        ("case_report", None, 4),
        ("in_vitro", None, 5),
        ("animal", None, 5),
        ("in_vitro_and_animal", None, 5),
        ("review", None, None),  # not primary evidence
        ("other", "editorial", None),
    ],
)
def test_levels(design: str, detail: str | None, level: int | None):
    got, why = evidence_level(design, detail)
    assert got == level
    assert why  # every level carries its reason
