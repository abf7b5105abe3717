"""Finer design details read from text: trial phase, post-hoc analyses, what a meta-analysis pools."""

from __future__ import annotations

from pipeline.grading.cue_gates import GatedPattern as Gated
from pipeline.grading.text import RecordText

# lower-case patterns, run on the lower-cased title and abstract (faster than IGNORECASE, and gated)
_POST_HOC = Gated(
    r"\b(post[- ]hoc|secondary analysis|exploratory analysis|ancillary (study|analysis)"
    r"|subgroup analysis|pre-?specified analysis|extension study|follow-up analysis) of\b"
    r"|\bpost[- ]hoc\b|\bsecondary analysis\b"
)
_PHASE = Gated(r"\bphase (iv|iii|ii|i|[1-4])(?:[/-](iv|iii|ii|i|[1-4]))?[ab]?\b")
_ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV"}
_DESIGN_WORDS = (
    ("crossover", Gated(r"\bcross-?over\b")),
    ("cluster", Gated(r"\bcluster[- ]randomi[sz]|\bstepped[- ]wedge\b")),
    ("noninferiority", Gated(r"\bnon-?inferiority\b")),
)
_POOLS_RCT = Gated(r"\brandomi[sz]ed|\brcts?\b")
_POOLS_OBS = Gated(
    r"\bcohort|\bobservational|\bcase-control|\bcross-sectional|\bprevalence\b|\bprospective studies\b"
)
_COHORT_TOO = Gated(r"\b(and|plus|with) (an? )?(observational|prospective|parallel) cohort\b")
_SEX_OR_ROMAN = {"i", "ii", "iii", "iv"}


def trial_detail(text: RecordText) -> str | None:
    """Phase, post-hoc status and trial shape, joined ("phase III; post-hoc analysis")."""
    both = text.lowered["both"]
    parts = []
    if m := _PHASE.search(both):
        parts.append("phase " + "/".join(_roman(g) for g in m.groups() if g))
    parts += [name for name, pattern in _DESIGN_WORDS if pattern.search(both)]
    if _POST_HOC.search(both):
        parts.append("post-hoc analysis of a trial")
    if _COHORT_TOO.search(both):
        parts.append("also reports an observational cohort")
    return "; ".join(parts) or None


def pooled_designs(text: RecordText) -> str | None:
    """What a systematic review or meta-analysis pools, as far as title and abstract say."""
    both = text.lowered["both"]
    rct, obs = bool(_POOLS_RCT.search(both)), bool(_POOLS_OBS.search(both))
    if rct and obs:
        return "pools randomised and observational studies"
    if rct:
        return "pools randomised trials"
    return "pools observational studies" if obs else None


def _roman(token: str) -> str:
    return token.upper() if token.lower() in _SEX_OR_ROMAN else _ROMAN[token]
