"""Bad input never raises: it yields a low-confidence grade that says why."""

from __future__ import annotations

from grading_helpers import make
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.grading import grade_record
from pipeline.grading.models import INTEGRITY_STATUSES
from pipeline.models import EVIDENCE_TYPES


def test_no_title_no_abstract():
    grade = grade_record(make())
    assert (grade.evidence_type, grade.confidence, grade.level) == ("other", 0.1, None)
    assert any(r.effect == "no title and no abstract" for r in grade.reasons)


def test_title_only_without_signal_is_low_confidence():
    grade = grade_record(make("Piano Fortes."))
    assert grade.confidence <= 0.2


def test_unknown_publication_type_is_reported():
    grade = grade_record(make("Something", types=("Journal Article", "Hologram")))
    assert any(r.evidence == "Hologram" and "unknown publication type" in r.effect for r in grade.reasons)
    assert not any(r.evidence == "Journal Article" for r in grade.reasons)


words = st.sampled_from(
    [
        "randomised",
        "randomly",
        "assigned",
        "cohort",
        "mice",
        "cells",
        "review",
        "meta-analysis",
        "case",
        "report",
        "patients",
        "phase",
        "II",
        "in",
        "vitro",
        "retracted",
        "a",
        "45-year-old",
        "(HepG2)",
        "Background:",
        "Methods:",
        "[",
        "]",
        "(",
        ")",
        "*",
        ".",
        ",",
        ";",
        "",
    ]
)
text = st.lists(words | st.text(max_size=12), max_size=40).map(" ".join)
types = st.lists(
    st.sampled_from(["Review", "Case Reports", "Letter", "Retraction Notice", "X", ""]), max_size=3
)


@settings(max_examples=150, deadline=None)
@given(title=st.none() | text, abstract=st.none() | text, pts=types, text_only=st.booleans())
def test_any_input_gives_a_valid_grade(title, abstract, pts, text_only):
    grade = grade_record(make(title, abstract, tuple(pts)), text_only=text_only)
    assert grade.evidence_type in EVIDENCE_TYPES
    assert grade.integrity in INTEGRITY_STATUSES
    assert 0.0 <= grade.confidence <= 1.0
    assert grade.reasons
    assert grade == grade_record(make(title, abstract, tuple(pts)), text_only=text_only)  # deterministic
