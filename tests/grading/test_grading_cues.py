"""Cue gates and sentence windows: exact shortcuts, so a skipped or windowed search never changes a hit."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.grading.cue_gates import required_literals, stays_in_sentence
from pipeline.grading.text import RecordText, _match
from pipeline.grading.vocab import text_cues

CUES = [cue for group in text_cues().values() for cue in group.cues]


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        (r"\brandomi[sz]ed\b", ("randomised", "randomized")),  # small classes spelled out
        (r"\b(knockout|transgenic|nude) (mice|rats|animals)\b", ("knockout ", "nude ", "transgenic ")),
        (r"\bwe (report|describe)\b|\bcase series\b", ("case series", "we describe", "we report")),
        (
            r"\bmeta-?analys[ie]s|meta-?regression",  # not "analys": nearly every abstract has that
            tuple(f"meta{d}{w}" for d in ("-", "") for w in ("analyses", "analysis", "regression")),
        ),
        (r"\b(a|an) \d+[- ](year|month)s?[- ]old\b", (" month", " year", "-month", "-year")),  # ≤ 8 spellings
        (r"\b(association|associations? of)\b", ("association",)),  # a longer literal adds nothing
        (r"(?i)stud(y|ies)", ()),  # case folding: "ſtudy" matches, and contains neither literal
        (r"\bcase(?i:report)", ()),
        (r"case[ \n]series", ("series",)),  # never a newline in a literal: the index cannot hold one
        (r"\b(we|a)\b", ()),  # no literal of three letters: no gate, the pattern always runs
    ],
)
def test_required_literals(pattern: str, literals: tuple[str, ...]):
    assert required_literals(pattern) == literals


@pytest.mark.parametrize(
    ("pattern", "in_sentence"),
    [
        (r"\b(this|a) ([\w,-]+ ){0,5}randomi[sz]ed\b", True),
        (r"meta-?analys[ie]s\b[^.]{0,80}\b(was|were) done", True),
        (r"(?<!chart )\breview\b(?! board)", True),
        (r"\b(objective|aim)s?\W+(\w+ ){0,3}to review\b", False),  # \W can be a full stop
        (r"^\W*(in response|reply)\W*$", False),
        (r"\bfollow-up of\b.", False),
    ],
)
def test_stays_in_sentence(pattern: str, in_sentence: bool):
    assert stays_in_sentence(pattern) is in_sentence


def test_every_cue_but_the_statistics_one_is_gated():
    ungated = [cue.pattern.pattern for cue in CUES if not cue.gate]
    assert ungated == [r"\bp ?[<=>] ?0?\.\d|\bn ?= ?\d"]


# words that make cues fire, glue words, and punctuation: texts where hits, near-misses and full stops mix
_TOKENS = st.sampled_from(
    (  # noqa: SIM905 -- a word list reads best as words
        "we this a the were was patients cases review reviewed randomly randomised assigned cohort "
        "study meta-analysis systematic mice rats cells in vitro vivo old year 45-year-old two sibs "
        "trial secondary analysis of non-randomised case report literature recent studies have shown "
        "board chart peer . , : ( ) 12 3 and or to "
        # round 3: words of the newer cues, and the decimals their sentence windows must not stop at
        "data study-level crystal structure 2.1 domain protein assay binding cdna isolated cloned "
        "mutagenesis xenopus oocytes recombinant derived monocyte-derived plants plant growth "
        "observation prognostic implemented in c++ r software pipeline designed of 18"
    ).split()
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TOKENS, max_size=40))
def test_gated_windowed_search_finds_exactly_what_a_full_search_finds(tokens: list[str]):
    words = " ".join(tokens)
    text = RecordText(title=words, abstract=words)
    for cue in CUES:
        full = cue.pattern.search(words.lower())
        for field in ("title", "abstract"):
            fast = _match(cue, text, field)
            assert (full and full.span()) == (fast and fast.span()), cue.pattern.pattern
        if full and cue.gate:
            assert any(lit in full.group(0) for lit in cue.gate), cue.pattern.pattern


SPLIT = [cue for cue in CUES if cue.branches]


def test_alternations_of_gated_branches_are_split():
    animal = next(c for c in SPLIT if r"\brats?\b" in c.pattern.pattern)
    assert [b.gate for b in animal.branches][-2:] == [("rat",), ("rodent",)]
    assert len(SPLIT) >= 25 and all(len(c.branches) >= 2 for c in SPLIT)


@pytest.mark.parametrize("cue", SPLIT, ids=lambda c: c.pattern.pattern[:40])
def test_split_search_is_the_leftmost_branch_as_the_alternation_finds_it(cue):
    """Every ordered pair of branch literals, glued in several ways: same span as the whole pattern."""
    words = [branch.gate[0].strip() for branch in cue.branches]
    for first in words:
        for second in words:
            for text in (f"{first} {second} 12", f"{second}, {first}. {first}3", f"x{first} {second}s"):
                full = cue.pattern.search(text)
                fast = _match(cue, RecordText(title=text, abstract=text), "abstract")
                assert (full and full.span()) == (fast and fast.span()), text
