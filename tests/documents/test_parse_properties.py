"""Invariants of the parser, on generated documents: spans inside the text, removing markers removes
only marker characters, parsing is deterministic, and claim IDs survive unrelated edits."""

import re

from doc_helpers import parse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.documents.parse import claim_id

WORDS = [
    "vitamin",
    "K2",
    "cells",
    "HepG2",
    "MK-4",
    "trial",
    "mice",
    "(AML)",
    "D3",
    "CDK4",
    "dose",
    "45 mg",
    "studies)",
    "G1",
    "[8]",
    "[2-4]",
    "cancers",
    "\u00a0",
    "rs2108622",
    "therapy",
    "2019",
    "COVID-19",
]
markers = st.one_of(st.just(""), st.integers(1, 15).map(str), st.sampled_from(["157", "523", "1012", "39"]))
words = st.lists(st.tuples(st.sampled_from(WORDS), markers).map("".join), min_size=3, max_size=14)
sentences = words.map(lambda ws: " ".join(ws).capitalize() + ".")
paragraphs = st.lists(sentences, min_size=1, max_size=4).map(" ".join)
documents = st.lists(
    st.tuples(st.sampled_from(["Mechanisms", "Safety", "Dosage", "Evidence"]), paragraphs),
    min_size=1,
    max_size=4,
).map(lambda secs: "Vitamin K2\n\n" + "\n\n".join(f"{h}\n\n{p}" for h, p in secs) + "\n")

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(documents)
def test_marker_spans_lie_inside_their_claims_and_the_text(text):
    for claim in parse(text).claims:
        assert text[claim.start : claim.end] == claim.source_text
        for m in claim.markers:
            assert claim.start <= m.start < m.end <= claim.end
            assert text[m.start : m.end] == m.token
            assert m.refs and all(r > 0 for r in m.refs)


@SETTINGS
@given(documents)
def test_removing_markers_removes_only_marker_characters(text):
    for claim in parse(text).claims:
        removed = "".join(text[m.start : m.end] for m in claim.markers)
        assert re.fullmatch(r"[0-9\[\]\-–, ]*", removed), removed
        kept, pos = [], claim.start
        for m in sorted(claim.markers, key=lambda m: m.start):
            kept.append(text[pos : m.start])
            pos = m.end
        kept.append(text[pos : claim.end])
        assert claim.text == " ".join("".join(kept).split())


@SETTINGS
@given(documents)
def test_parsing_is_deterministic(text):
    assert parse(text) == parse(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_never_crashes(text):
    doc = parse(text)
    assert all(0 <= c.start <= c.end <= len(text) for c in doc.claims)


BASE = """Vitamin K2

Mechanisms

VK2 induces apoptosis in hepatoma cells1. It arrests the cycle at G1 in lines2.

Safety

VK2 was well tolerated in trials1. No bleeding was reported2.
"""


def test_claim_ids_survive_unrelated_edits():
    before = {c.text: c.claim_id for c in parse(BASE).claims}
    edited = BASE.replace(
        "No bleeding was reported2.", "No bleeding or clotting was reported in any patient2."
    )
    edited = "Vitamin K2\n\nIntro\n\nA new opening paragraph about natto.\n\n" + edited.split("\n", 2)[2]
    after = {c.text: c.claim_id for c in parse(edited).claims}
    for text in ("VK2 induces apoptosis in hepatoma cells.", "VK2 was well tolerated in trials."):
        assert before[text] == after[text]
    assert "No bleeding was reported." not in after


def test_claim_ids_ignore_white_space_and_quote_style():
    assert claim_id("doc", "s", "VK2’s  effect\u00a0was large") == claim_id(
        "doc", "s", "VK2's effect was large"
    )
    assert claim_id("doc", "s", "effect was large") != claim_id("doc", "t", "effect was large")
    assert claim_id("doc", "s", "a b c") != claim_id("doc", "s", "a b c", occurrence=2)
