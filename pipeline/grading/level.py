"""Evidence level on the Oxford CEBM 2011 scale for treatment benefit, with the reason for each choice.

1  systematic review or meta-analysis of randomised trials
2  randomised trial
3  non-randomised controlled cohort / follow-up study; non-randomised trial; a synthesis of such studies
4  case series, case-control, cross-sectional, case report (historically controlled or uncontrolled)
5  mechanism-based reasoning: in vitro and animal work
None  not primary evidence (narrative reviews, editorials, comments, letters, notices, guidelines)
"""

from __future__ import annotations

_FIXED: dict[str, tuple[int | None, str]] = {
    "rct": (2, "randomised trial (CEBM level 2)"),
    "nonrandomized_trial": (3, "non-randomised trial (CEBM level 3)"),
    "case_series": (4, "case series (CEBM level 4)"),
    "case_report": (4, "single case: uncontrolled, the weakest level-4 evidence"),
    "in_vitro": (5, "cell work is mechanism-based reasoning (CEBM level 5)"),
    "animal": (5, "animal work is mechanism-based reasoning (CEBM level 5)"),
    "in_vitro_and_animal": (5, "cell and animal work is mechanism-based reasoning (CEBM level 5)"),
    "review": (None, "a narrative review is not primary evidence"),
    "other": (None, "not a study: no evidence level"),
}


def evidence_level(design: str, detail: str | None) -> tuple[int | None, str]:
    """The CEBM level for a design and its detail, and why."""
    detail = (detail or "").lower()
    if design in ("systematic_review", "meta_analysis"):
        return _synthesis_level(detail)
    if design == "rct" and "post-hoc" in detail:
        return 3, "post-hoc analysis of a trial: the compared groups were not randomised (graded down to 3)"
    if design == "observational":
        return _observational_level(detail)
    return _FIXED[design]


def _synthesis_level(detail: str) -> tuple[int, str]:
    if "randomised and observational" in detail:
        return 2, "synthesis mixing randomised and observational studies (graded down from 1)"
    if "randomised trials" in detail:
        return 1, "systematic review / meta-analysis of randomised trials (CEBM level 1)"
    if "observational" in detail:
        return 3, "synthesis of observational studies is not level 1 (CEBM level 3)"
    return 3, "synthesis whose included designs are not stated: not assumed randomised (level 3)"


def _observational_level(detail: str) -> tuple[int, str]:
    if "case-control" in detail or "cross-sectional" in detail:
        return 4, f"{detail} study (CEBM level 4)"
    return 3, "cohort / follow-up study (CEBM level 3)"
