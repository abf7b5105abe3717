"""Citation markers on small documents: the traps of other sites and the reading model's choices."""

import pytest
from doc_helpers import claim_with, parse, refs_of

from pipeline.documents.markers import Option, ScopeEvidence, expand_list, likelihood, splits

SECTIONED = """Vitamin K2

Mechanisms

VK2 induces apoptosis in hepatoma cells1. It arrests the cycle at G1 in lines2. It suppresses invasion3.

Safety

VK2 was well tolerated in trials1. No bleeding was reported2. Doses were high3.
"""

GLOBAL = """Vitamin K2

Background

Chronic disease is common1. It costs a lot2. Many patients suffer3. Diet matters4.

Mechanisms

Menaquinones act on osteocalcin5. They also act on MGP6. Both need carboxylation7. Warfarin blocks it8.

Outcomes

Fracture risk fell9. Mortality fell too10. Calcification slowed11. Quality of life improved20.
Chronic inflammation14 was reduced as well.
"""


def test_section_scopes_restart_numbering():
    doc = parse(SECTIONED)
    scopes = {m.scope for c in doc.claims for m in c.markers}
    assert scopes == {"mechanisms", "safety"}


def test_document_wide_numbering_reads_two_digit_refs():
    doc = parse(GLOBAL)
    assert {m.scope for c in doc.claims for m in c.markers} == {"document"}
    assert refs_of(doc, "Chronic inflammation14") == [[14]]  # ref 14 here, not 1 and 4


def test_style_can_be_forced():
    doc = parse(GLOBAL, style="section")
    assert {m.scope for c in doc.claims for m in c.markers} == {"background", "mechanisms", "outcomes"}


@pytest.mark.parametrize(
    ("sentence", "refs", "style"),
    [
        ("Fractures fell in a large trial [8].", [[8]], "bracket"),
        ("Several trials agreed [8-10].", [[8, 9, 10]], "bracket"),
        ("Several trials agreed [1, 5–7].", [[1, 5, 6, 7]], "bracket"),
        ("This was confirmed in several cohorts.2-4 The effect was small.", [[2, 3, 4]], "punctuation"),
        ("It was confirmed in cohorts,2,5 and in trials.", [[2, 5]], "punctuation"),
    ],
)
def test_explicit_markers(sentence, refs, style):
    doc = parse(f"Vitamin K2\n\nEvidence\n\n{sentence}\n")
    claim = doc.claims[0]
    assert [m.refs for m in claim.markers] == refs
    assert {m.style for m in claim.markers} == {style}
    assert all(m.confidence == 1.0 and not m.ambiguous for m in claim.markers)


def test_superscript_after_comma_glued_to_next_word():
    doc = parse(GLOBAL.replace("Chronic inflammation14 was", "Chronic inflammation was lower,13which"))
    claim = claim_with(doc, "lower,13which")
    assert [(m.token, m.refs, m.style) for m in claim.markers] == [("13", [13], "punctuation")]
    assert "lower, which" in claim.text or "lower,which" in claim.text


@pytest.mark.parametrize(
    ("sentence", "refs"),
    [
        ("Patients with AML responded (AML)5.", [[5]]),
        ("Results came from small studies)3.", [[3]]),
        ("Vitamin K2 and vitamin D39 helped.", [[9]]),
        ("It lowered cyclin D1 and CDK42.", [[2]]),
        ("MK-4 at 45 mg was safe in 2019.", []),
        ("It acts on mTORC1 and CYP4F2 and rs2108622.", []),
        ("HepG2 and COVID-19 and Bcl-2 and 5-FU were studied.", []),
        ("Up to 360 mcg per day (2 mM) was used.", []),
    ],
)
def test_names_quantities_and_glued_markers(sentence, refs):
    doc = parse(SECTIONED.replace("It suppresses invasion3.", sentence))
    assert refs_of(doc, sentence[:20]) == refs


@pytest.mark.parametrize(
    ("sentence", "refs"),
    [
        ("Fewer cancers were seen (doi:10.1001/jama.292.3.358).", []),
        ("Fewer cancers were seen, doi 10.1002/hep.24430 has it.", []),
        ("See https://pubmed.ncbi.nlm.nih.gov/16400650/ and www.example.org/page2 for it.", []),
        ("The trial (PMID:16400650) and PMC3574058 agree.", []),
        ("Write to editor2@example.org for details.", []),
        ("The trial was negative2,3.", [[2, 3]]),
        ("The trials were positive1-3 and safe.", [[1, 2, 3]]),
        ("It lowered CDK4,6 activity.", []),
        ("There were over 2,300 patients.", []),
        ("Take it women2-3 times a day.", []),
        ("Patients aged5-12 years were studied.", []),
        ("Patients with stage2-3 cancer were studied.", []),
        ("It caused grade1-2 toxicity in some.", []),
        ("It helped in type2,3 diabetes models.", []),
        ("It was confirmed over the years1,2.", [[1, 2]]),
        ("It was shown twice[1](https://pubmed.ncbi.nlm.nih.gov/16400650/).", [[1]]),
        (
            "Shown in two[1](https://pubmed.ncbi.nlm.nih.gov/1/)[2](https://pubmed.ncbi.nlm.nih.gov/2/).",
            [[1], [2]],
        ),
        ("Bone gains in adults (see https://doi.org/10.1000/xyz)[4] were strong.", [[4]]),
        ("The Lancet trial (doi:10.1016/S0140-6736(20)30183-5)2 agrees.", [[2]]),
    ],
)
def test_identifiers_are_not_markers_and_glued_lists_are_read_whole(sentence, refs):
    doc = parse(SECTIONED.replace("It suppresses invasion3.", sentence))
    claim = claim_with(doc, sentence[:20])
    assert [m.refs for m in claim.markers] == refs
    if not refs and ("(doi:" in sentence or "PMID:" in sentence):
        assert claim.text == sentence  # nothing cut out of the identifier
    if "twice[1](https" in sentence:
        assert claim.text == "It was shown twice."  # the marker's link leaves with the marker


def test_two_plausible_readings_are_kept_and_marked_ambiguous():
    text = SECTIONED.replace("It suppresses invasion3.", "Trials were positive10. It helped cells13.")
    claim = claim_with(parse(text), "helped cells13")
    marker = claim.markers[0]
    assert marker.ambiguous and marker.confidence < 0.85  # best is at most 1/1.2 of the mass
    assert sorted([marker.refs, *marker.alternatives]) == [[1, 3], [13]]


def test_non_ascending_lists_are_read_when_the_scope_says_so():
    text = SECTIONED.replace("Doses were high3.", "Doses were high5. Effects were rare therapy523.")
    assert refs_of(parse(text), "rare therapy523") == [[5, 2, 3]]


def test_warnings_for_unusual_input():
    doc = parse("Vitamin K2\n\nEvidence\n\nBenefit [8 was seen in patients. Another effect was noted.\n")
    assert any("unbalanced brackets" in w for w in doc.warnings)
    assert any("no citation markers" in w for w in doc.warnings)
    assert len(doc.claims) == 2


def test_splits_and_lists():
    assert splits("157") == [(1, 5, 7), (1, 57), (15, 7), (157,)]
    assert splits("11") == [(11,)]  # a list never repeats a ref
    assert splits("10") == [(10,)]  # no ref 0, no leading zero
    assert expand_list("8-10") == (8, 9, 10)
    assert expand_list("1, 5–7") == (1, 5, 6, 7)


def test_likelihood_prefers_cited_numbers_within_range():
    evidence = ScopeEvidence.build([1, 3, 5, 5, 2])
    assert likelihood(Option((1, 5), 0), evidence) > likelihood(Option((15,), 0), evidence)
    assert likelihood(Option((2, 3), 0), evidence) > likelihood(Option((3, 2), 0), evidence)
