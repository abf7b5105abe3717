"""The seed document (tests/data/vitamin-k2.txt): every trap named in the shared notes, on the real page."""

from pathlib import Path

import pytest
from doc_helpers import claim_with, refs_of

from pipeline.documents.parse import parse_text
from pipeline.models import DocumentMeta

SEED = Path(__file__).parents[1] / "data" / "vitamin-k2.txt"


@pytest.fixture(scope="module")
def seed():
    meta = DocumentMeta(slug="vitamin-k2", title="Vitamin K2", supplement="vitamin K2")
    return parse_text(SEED.read_text(encoding="utf-8"), meta, path=str(SEED))


@pytest.mark.parametrize(
    ("words", "refs"),
    [
        ("bladder cancers157", [[1, 5, 7]]),  # flattened superscript, ascending
        ("growth cycle16", [[1, 6]]),
        ("well-designed clinical trials are warranted", []),
        ("with a strong safety profile and minimal toxicity13567", [[1, 3, 5, 6, 7]]),
        ("high therapeutic doses used in cancer therapy523", [[5, 2, 3]]),  # not ascending: 5, 2, 3
        ("even at daily doses of 45 mg (MK-4 subtype)", [[5, 2]]),
        ("combined with vitamin D39", [[9]]),  # vitamin D3 + ref 9
        ("cyclin D1 and CDK42", [[2]]),  # CDK4 + ref 2
        ("post-MDS AML patients19", [[1, 9]]),
        ("drug resistance1012", [[10, 12]]),  # a zero forces 10
        ("Reduced drug resistance810", [[8, 10]]),
        ("(e.g., 45 mg/kg in HCC studies)23", [[2, 3]]),  # after a closing bracket
        ("COVID-19 (phase II, double-blind, randomised, placebo-controlled trial)4", [[2], [4], [1]]),
        ("Clinical/animal studies135", [[1, 3, 5]]),  # table row, QoL scope
    ],
)
def test_seed_markers(seed, words, refs):
    assert refs_of(seed, words) == refs


@pytest.mark.parametrize(
    "words",
    [
        "autophagic cell death3",  # mTORC1 in this sentence is a name
        "binds directly to HSD17β4",  # HSD17β4 is defined in parentheses by the page
        "CYP4F2 rs2108622 (G>A) AA genotype",
        "HepG2 cells",
        "5-FU’s growth-inhibitory",
        "High Bcl-2 levels",
        "menaquinone-4 (MK-4) levels",
        "MK-7 subtype",
        "at the G1 phase",
    ],
)
def test_names_ending_in_digits_are_not_markers(seed, words):
    claim = claim_with(seed, words)
    names = ("mTORC1", "HSD17β4", "rs2108622", "HepG2", "5-FU", "Bcl-2", "MK-4", "MK-7", "G1", "K2", "CYP4F2")
    for marker in claim.markers:
        for name in names:
            start = claim.source_text.find(name)
            if start >= 0:  # no marker overlaps a name
                s, e = claim.start + start, claim.start + start + len(name)
                assert not (marker.start < e and s < marker.end), (name, marker)


def test_quantities_years_and_list_numbers_are_not_markers(seed):
    for words in ("up to 360 mcg per day", "Intravenous VK2 (2 mM)", "as of April 2025", "VK2 (10–20 mg/kg)"):
        claim = claim_with(seed, words)
        tokens = [m.token for m in claim.markers]
        assert not any(t in ("360", "2", "2025", "10", "20") for t in tokens), (words, tokens)
    assert not any(c.source_text.startswith("1.") for c in seed.claims)  # "1. Ovarian Cancer Resistance"


def test_marker_followed_by_no_break_space(seed):
    claim = claim_with(seed, "cancers157")
    marker = claim.markers[0]
    assert (marker.token, marker.line, marker.column) == ("157", 16, claim.source_text.index("157") + 1)
    assert "\u00a0" in SEED.read_text(encoding="utf-8").splitlines()[15]


def test_ambiguous_markers_keep_their_alternatives(seed):
    ambiguous = [(c, m) for c in seed.claims for m in c.markers if m.ambiguous]
    assert [(m.token, m.refs, m.alternatives) for _, m in ambiguous] == [("13", [1, 3], [[13]])] * 2
    assert {c.section for c, _ in ambiguous} == {
        "combination-therapies/ovarian-cancer",
        "combination-therapies/summary-table-key-combination-therapies-involving-vitamin-k2",
    }
    assert all(m.confidence < 0.8 for _, m in ambiguous)


def test_reference_scopes_restart_per_section_and_faq_answer(seed):
    scopes = {c.markers[0].scope for c in seed.claims if c.markers}
    assert "dosage" in scopes and "side-effects" in scopes
    assert sum(s.startswith("faq-") for s in scopes) == 5  # the first answer cites nothing


def test_faq_answers_are_split_without_their_questions(seed):
    answers = [s for s in seed.sections if s.kind == "faq_answer"]
    assert [a.line for a in answers] == [233, 235, 275, 315, 378, 400]
    assert all(a.heading is None and a.scope == a.section_id for a in answers)


def test_top_level_sections(seed):
    top = [s.heading for s in seed.sections if s.level == 1]
    assert top == [
        None,
        "Cancer Impact Summary",
        "Dosage",
        "Cancer Types Tested Against",
        "Side Effects",
        "Combination Therapies",
        "Links to Scientific Studies",
        "Quality of Life Effects",
        "Answers to all your questions",
    ]


def test_chrome_and_boilerplate_are_not_claims(seed):
    text = " ".join(c.text for c in seed.claims)
    for chrome in (
        "Click to Learn More",
        "Read More",
        "Related Posts",
        "consider sharing",
        "Skool Group",
        "Drugs and supplements that induce apoptosis",
        "Beta Glucan",
        "US National Library",
    ):
        assert chrome not in text
    assert max(c.line for c in seed.claims) == 443  # nothing after the article's last conclusion


def test_headings_and_lead_ins_are_not_claims(seed):
    texts = {c.text for c in seed.claims}
    assert "Cell-Cycle Arrest and Differentiation" not in texts
    assert "Key findings include:" not in texts
    assert not any(t.startswith("Below is") for t in texts)


def test_claim_kinds_and_counts(seed):
    kinds = {k: sum(c.kind == k for c in seed.claims) for k in ("sentence", "bullet", "table_row")}
    assert kinds == {"sentence": 53, "bullet": 108, "table_row": 42}
    assert sum(len(c.markers) for c in seed.claims) == 112


def test_table_rows_recover_evidence_and_source_columns(seed):
    row = claim_with(seed, "Clinical outcomes Case reports, trials")
    assert row.kind == "table_row"
    assert row.cells == {"Mechanism": "Clinical outcomes", "Evidence Type": "Case reports, trials"}
    assert row.asserted_evidence == ["case_report", "nonrandomized_trial"]
    source_row = claim_with(seed, "SK-OV-3 intrinsic resistance")
    assert source_row.cells == {"Source": "3"}
    assert [(m.refs, m.style) for m in source_row.markers] == [([3], "table_cell")]
    assert source_row.text == "Ovarian SK-OV-3 intrinsic resistance No growth inhibition observed"


@pytest.mark.parametrize(
    ("words", "evidence"),
    [
        ("In vitro studies have shown that VK2", ["in_vitro"]),
        ("In animal models, VK2 significantly inhibited", ["animal"]),
        ("Several case reports highlight", ["case_report"]),
        ("In a large, randomised, controlled trial", ["rct"]),
        ("These were open-label, single-arm", ["nonrandomized_trial"]),
        ("Epidemiological data suggest", ["observational"]),
        ("There is no evidence from these or other sources of phase III", []),  # denied, not asserted
        ("Further large-scale clinical trials are needed", []),  # deferred, not asserted
    ],
)
def test_asserted_evidence(seed, words, evidence):
    assert claim_with(seed, words).asserted_evidence == evidence


def test_claim_text_has_markers_removed(seed):
    claim = claim_with(seed, "cancers157")
    assert claim.text.endswith("and bladder cancers.")
    assert "157" in claim.source_text and "157" not in claim.text
