"""Which way claims and records point (pipeline.linking.direction), on the seed's real sentences."""

import re

import pytest

from pipeline.linking.direction import claim_polarity, opposite_effect, record_finding, result_sentences

VK2 = re.compile(r"\b(?:VK2|vitamin K2|menaquinones?|menatetrenone|MNT)\b", re.I)
K1 = re.compile(r"\b(?:phylloquinone|vitamin K1)\b", re.I)


@pytest.mark.parametrize(
    ("text", "polarity"),
    [
        ("In liver cancer, VK2 supplementation has been associated with reduced recurrence rates", "benefit"),
        ("A randomised controlled trial found VK2 (45–90 mg/day) safe and effective", "benefit"),
        ("higher total menaquinone intake was associated with an increased risk of breast cancer", "harm"),
        (
            "Sub-optimal vitamin K status may be linked to higher risk of chronic disease and cancer",
            "benefit",
        ),
        ("These findings point to possible preventive benefits in populations at elevated risk", "benefit"),
        ("45 and 90 mg did not increase adverse effects compared with placebo", "null"),
        ("Vitamin K2 is a group of fat-soluble vitamins", None),
    ],
)
def test_claim_polarity(text, polarity):
    assert claim_polarity(text) == polarity


def test_a_trial_that_did_not_prevent_recurrence_is_null_by_its_numbers(seed_records):
    r = seed_records["doi:10.1002/hep.24430"]  # Yoshida 2011: stopped at the second interim analysis
    finding = record_finding(result_sentences(r.title, [(None, r.abstract)]), ["recurrence"], on_topic=True)
    assert finding.polarity == "null"
    assert "did not prevent disease occurrence or death" in finding.evidence


def test_numbers_outrank_the_authors_words(seed_records):
    """Hotta 2012 calls the effect "moderately suppressive"; every p-value it reports is ≥ 0.05."""
    r = seed_records["pmid:23225445"]
    finding = record_finding(result_sentences(r.title, [(None, r.abstract)]), ["recurrence"], on_topic=True)
    assert (finding.polarity, finding.by_numbers) == ("null", True)
    assert "p=0.545" in finding.evidence


def test_a_significant_trial_reports_benefit(seed_records):
    r = seed_records["pmid:16400650"]  # Mizuta 2006: recurrence P = 0.0002
    sections = [(s.label, s.text) for s in r.abstract_sections] or [(None, r.abstract)]
    finding = record_finding(result_sentences(r.title, sections), ["recurrence"], on_topic=True)
    assert finding.polarity == "benefit"


def test_a_cohort_finding_more_cancer_with_more_menaquinone_reports_harm(seed_records):
    r = seed_records["doi:10.1016/j.clnu.2020.11.009"]
    sentences = result_sentences(r.title, [(None, r.abstract)])
    finding = record_finding(sentences, ["death", "mortality"], on_topic=True, agent=VK2, others=K1)
    assert finding.polarity == "harm"


def test_a_null_result_about_another_form_is_skipped():
    sentences = ["Intro.", "We found no association with phylloquinone intake."]
    assert record_finding(sentences, agent=VK2, others=K1).polarity is None
    assert record_finding(sentences).polarity == "null"


def test_mixed_baseline_and_background_sentences_decide_nothing():
    sentences = [
        "Background.",
        "There were no significant differences in age, body mass index and initial BMD among the groups.",
        "Vitamin K2 has been reported to reduce HCC development.",
        "VK2 does not affect the expression of HSD17B4, but inhibits the proliferation of HCC cells.",
    ]
    assert record_finding(sentences).polarity is None


def test_focus_limits_the_reading_to_sentences_about_the_claims_outcome():
    sentences = ["Intro.", "Fracture incidence did not differ between groups.", "BMD improved."]
    assert record_finding(sentences, ["recurrence"]).polarity is None
    assert record_finding(sentences, ["fracture"]).polarity == "null"


def test_opposite_effect_on_a_shared_mechanism(seed_records):
    r = seed_records["pmid:27570977"]  # bladder cancer cells: VK2 kills through ROS generation
    claim = "VK2 exhibits antioxidant properties, reducing reactive oxygen species (ROS)"
    sentences = result_sentences(r.title, [(None, r.abstract)])
    found = opposite_effect(claim, sentences, "reactive oxygen species", VK2)
    assert found is not None and "generation of reactive oxygen species" in found


def test_an_effect_of_another_agent_is_not_the_supplements():
    """ "HSD17B4-induced proliferation" is HSD17B4's doing; a claim without the supplement is not read."""
    record = ["Intro.", "We detected the effect of VK2 on HSD17B4-induced HCC cell proliferation."]
    assert opposite_effect("VK2 inhibits HCC cell proliferation", record, "proliferation", VK2) is None
    assert opposite_effect("HSD17β4 promotes HCC proliferation", record, "proliferation", VK2) is None


@pytest.mark.parametrize(
    ("sentence", "polarity"),
    [
        ("Menatetrenone was associated with an increased risk of recurrence (HR 1.8, p = 0.01).", "harm"),
        ("Placebo patients had increased risk of recurrence compared with vitamin K2 (P < 0.001).", None),
        ("There was no increased risk of thrombosis; bone density rose significantly (p < 0.01).", None),
    ],
)
def test_significant_harm_is_harm_unless_denied_or_the_comparison_arms(sentence, polarity):
    """A significant p-value rules out 'no effect', not harm; but a denied harm, or the placebo arm's,
    is no harm of the supplement (each once read as one, which would make a false contradiction)."""
    assert record_finding([sentence]).polarity == polarity
