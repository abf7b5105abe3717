"""Support assessment (pipeline.linking.relations) on the seed's claims and its real records."""

import pytest
from linking_helpers import find_claim

from pipeline.grading import grade_record
from pipeline.linking.entities import extract_entities
from pipeline.linking.relations import assess, claim_view
from pipeline.models import Correction, Record

SUBJECT = "vitamin K2"


def judge(doc, records, words: str, record_id: str, record: Record | None = None):
    claim = find_claim(doc, words)
    view = claim_view(claim, extract_entities(claim.text, intervention=SUBJECT))
    record = record or records[record_id]
    text = f"{record.title or ''} {record.abstract or ''}"
    return assess(view, record, extract_entities(text, intervention=SUBJECT), grade_record(record))


def test_the_negative_recurrence_trial_contradicts_the_recurrence_claim(seed_doc, seed_records):
    a = judge(
        seed_doc, seed_records, "reduced recurrence rates and improved prognosis", "doi:10.1002/hep.24430"
    )
    assert a.relation == "contradicts"
    assert a.reasons[0].startswith("contradicts: the claim asserts benefit")
    assert "did not prevent disease occurrence or death" in a.reasons[0]


def test_the_positive_recurrence_trial_supports_it(seed_doc, seed_records):
    a = judge(seed_doc, seed_records, "reduced recurrence rates and improved prognosis", "pmid:16400650")
    assert a.relation == "supports"
    assert any(r.startswith("condition: match") for r in a.reasons)


def test_a_cohort_finding_more_cancer_deaths_contradicts_less_cancer_mortality(seed_doc, seed_records):
    a = judge(seed_doc, seed_records, "significantly less likely to die", "doi:10.1016/j.clnu.2020.11.009")
    assert a.relation == "contradicts"
    assert "reports harm" in a.reasons[0]


def test_the_page_reporting_that_cohort_correctly_is_supported_by_it(seed_doc, seed_records):
    a = judge(seed_doc, seed_records, "A large US study found", "doi:10.1016/j.clnu.2020.11.009")
    assert a.relation in ("supports", "partial")


def test_another_cancer_is_partial_at_best(seed_doc, seed_records):
    """A liver-cancer claim and a bladder-cancer cell study: different condition, and cells for patients."""
    a = judge(seed_doc, seed_records, "In liver cancer, VK2 supplementation", "pmid:27570977")
    assert a.relation == "partial"
    assert any("condition differs" in r for r in a.reasons)
    assert a.indirect


def test_a_disease_of_another_kind_is_unrelated(seed_doc, seed_records):
    a = judge(seed_doc, seed_records, "In liver cancer, VK2 supplementation", "pmid:11793169")  # osteoporosis
    assert a.relation == "unrelated"
    assert "a condition of another kind" in a.reasons[0]


def test_another_form_of_vitamin_k_is_unrelated(seed_doc, seed_records):
    a = judge(seed_doc, seed_records, "In liver cancer, VK2 supplementation", "pmid:34591201")  # vitamin K1
    assert a.relation == "unrelated"
    assert "another intervention" in a.reasons[0]


def test_cells_for_a_clinical_claim_are_partial_and_indirect(seed_doc, seed_records):
    a = judge(seed_doc, seed_records, "A randomised controlled trial in HCC patients", "pmid:34858832")
    assert a.relation == "partial"
    assert a.indirect
    assert any("indirect population" in r for r in a.reasons)


def test_patients_for_a_claim_about_animals_are_another_population_not_indirect(seed_doc, seed_records):
    """The page's "recurrence … in animal models" bullet and the Mizuta 2006 trial in patients: a
    shortfall, but not the indirect evidence the flag warns about (that is cells or mice for people)."""
    a = judge(seed_doc, seed_records, "Suppressed tumour recurrence post-hepatectomy", "pmid:16400650")
    assert a.relation == "partial"
    assert not a.indirect
    assert "partial: another population (the claim is about cells or animals; the record studies" in " ".join(
        a.reasons
    )


def test_a_record_without_text_is_not_judged(seed_doc, seed_records):
    a = judge(
        seed_doc, seed_records, "In liver cancer, VK2 supplementation", "doi:10.1038/s41598-020-64880-x"
    )
    assert a.relation == "partial"
    assert a.reasons == ["record has no title or abstract: not judged"]


def test_a_retracted_record_keeps_its_relation_but_its_grade_says_it_cannot_support(seed_doc, seed_records):
    base = seed_records["pmid:16400650"]
    retracted = base.model_copy(
        update={"corrections": [Correction(type="RetractionIn", pmid="99999999", ref_source="Cancer 2020")]}
    )
    a = judge(seed_doc, seed_records, "reduced recurrence rates and improved prognosis", "", retracted)
    assert a.relation == "supports"
    assert not grade_record(retracted).can_support


@pytest.mark.parametrize("score_of", ["pmid:16400650", "pmid:11793169"])
def test_scores_lie_between_zero_and_one(seed_doc, seed_records, score_of):
    a = judge(seed_doc, seed_records, "In liver cancer, VK2 supplementation", score_of)
    assert 0.0 <= a.score <= 1.0


def _trial(records, abstract: str) -> Record:
    """The Mizuta 2006 trial record with another abstract: a realistic record whose results we choose."""
    return records["pmid:16400650"].model_copy(update={"abstract": abstract, "abstract_sections": []})


@pytest.mark.parametrize(
    "result",
    [
        "The trial was stopped for futility at the interim analysis: recurrence did not differ between arms.",
        "Menatetrenone showed no significant difference in recurrence rates compared with placebo.",
        "Menatetrenone was associated with an increased risk of recurrence (HR 1.8, p = 0.01).",
    ],
)
def test_a_trial_finding_no_effect_futility_or_harm_contradicts_a_benefit_claim(
    seed_doc, seed_records, result
):
    record = _trial(
        seed_records,
        "Background: Vitamin K2 may prevent recurrence of hepatocellular carcinoma. Methods: Patients "
        "after curative treatment of HCC were randomised to menatetrenone 45 mg/day or no treatment. "
        f"Results: {result}",
    )
    a = judge(seed_doc, seed_records, "reduced recurrence rates and improved prognosis", "", record)
    assert a.relation == "contradicts", a.reasons
    assert a.reasons[0].startswith("contradicts: the claim asserts benefit")


def test_another_form_and_dose_is_partial_with_both_reasons(seed_doc, seed_records):
    """A claim about 45 mg of MK-4 backed by a trial of 180 µg of MK-7: one supplement, not the same thing."""
    claim_words = "reduced recurrence rates and improved prognosis"
    record = _trial(
        seed_records,
        "Patients after curative treatment of hepatocellular carcinoma were randomised to menaquinone-7 "
        "(MK-7) 180 µg/day or placebo. Results: MK-7 reduced recurrence of hepatocellular carcinoma "
        "(p = 0.01) and improved survival (p = 0.02).",
    )
    from linking_helpers import find_claim

    from pipeline.models import Claim

    claim: Claim = find_claim(seed_doc, claim_words)
    doc = seed_doc.model_copy(
        update={
            "claims": [
                claim.model_copy(update={"text": claim.text + " with menatetrenone (MK-4) at 45 mg per day"})
            ]
        }
    )
    a = judge(doc, seed_records, claim_words, "", record)
    assert a.relation == "partial", a.reasons
    assert any(r.startswith("partial: form differs") for r in a.reasons)
    assert any(r.startswith("partial: dose differs") for r in a.reasons)
