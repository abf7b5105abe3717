"""The literal index (one RE2 pass) answers exactly what substring searches would, field by field."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.grading.literal_index import LiteralIndex, known_cell_lines, vocabulary_literals
from pipeline.grading.vocab import cell_line_names, text_cues

VOCABULARY = vocabulary_literals()
OUTSIDERS = ("zebrafish larvae", "quasi", "mendelian", "randomi")  # asked for, not all in the vocabulary

# vocabulary literals and pieces of them, glue, non-ASCII text (≥, µ, İ changes length when lowered)
_TOKENS = st.sampled_from(VOCABULARY) | st.sampled_from(
    ("the", "an", "≥", "µg", "İstanbul", "zebrafish", "larvae", "quasi-random", "\n", ".", "ran", "dom", "i")
)
_TEXT = st.lists(_TOKENS, max_size=30).map(" ".join)


def naive_span(text: str, literals: tuple[str, ...]) -> tuple[int, int] | None:
    starts = [text.find(s) for s in literals if s in text]
    ends = [text.rfind(s) + len(s) for s in literals if s in text]
    return (min(starts), max(ends)) if starts else None


@settings(max_examples=300, deadline=None)
@given(title=_TEXT, abstract=_TEXT)
def test_presence_and_spans_match_substring_search(title: str, abstract: str):
    title, abstract = title.lower(), abstract.lower()
    index, both = LiteralIndex(title, abstract), f"{title}\n{abstract}"
    for literal in (*VOCABULARY, *OUTSIDERS):
        assert index.present(literal) == (literal in both), literal
    assert index.found == {s for s in VOCABULARY if s in both}
    for group in text_cues().values():
        for cue in group.cues:
            for field, text in (("title", title), ("abstract", abstract)):
                assert index.span(field, cue.gate) == naive_span(text, cue.gate), (cue.gate, field)
    assert index.span("abstract", OUTSIDERS) == naive_span(abstract, OUTSIDERS)


def test_the_vocabulary_holds_every_gate_word_and_species_name():
    groups = text_cues().values()
    needed = {s for g in groups for s in (*g.words, *g.gate, *(lit for c in g.cues for lit in c.gate))}
    assert needed <= set(VOCABULARY)
    assert {"mice", "rats", "zebrafish"} <= set(VOCABULARY)
    assert len(VOCABULARY) > 250 and all("\n" not in s for s in VOCABULARY)


def test_positions_are_per_field_and_nothing_runs_across_the_join():
    index = LiteralIndex("a trial of rat", "s in the clinic")  # "rats" only if the fields ran together
    assert not index.present("rats") and index.present("rat")
    assert index.span("title", ("rat",)) == (11, 14) and index.span("abstract", ("rat",)) is None


def test_known_cell_lines_gate_exactly_because_their_names_are_ascii():
    # `known_cell_lines` answers "could the case-sensitive name pattern match?" from the lower-cased text:
    # sound only while every name lower-cases letter by letter
    assert all(name.isascii() for name in cell_line_names())
    index = LiteralIndex("effects on hepg2 and cho cells", "")
    assert index.any_present(known_cell_lines()) and {"hepg2", "cho"} <= index.found
    assert not LiteralIndex("a trial in adults", "no cells named").any_present(known_cell_lines())


def test_a_lone_surrogate_does_not_stop_the_scan():
    # JSON allows "\ud800" and Europe PMC text reaches Record unchanged: `in` copes, so must the index
    index = LiteralIndex("cells \ud800 in vitro", "mice\ud800")
    assert index.present("in vitro") and index.present("mice") and not index.present("rats")
