"""Study design: the issue's hard cases, publication-type precedence, and text-only mode."""

from __future__ import annotations

import pytest
from grading_helpers import make

from pipeline.grading import grade_record

HARD_CASES = [
    # (title, abstract, publication types, expected type, detail fragment or None)
    (
        "Vertebral osteomyelitis after dental procedures",
        "We describe 16 patients with vertebral osteomyelitis following dental work, treated 2005-2019.",
        ("Case Reports",),
        "case_series",
        None,
    ),
    (
        "Hepatitis B reactivation on ibrutinib: a review of case reports",
        "We searched for published case reports of hepatitis B reactivation and summarise 23 cases.",
        (),
        "review",
        "review of case reports",
    ),
    (
        "Sodium intake and blood pressure: a post hoc analysis of the DASH-Sodium randomized trial",
        "In this post hoc analysis, participants who had been randomly assigned to diets were compared.",
        ("Randomized Controlled Trial",),
        "rct",
        "post-hoc",
    ),
    (
        "Coffee and liver cancer: a meta-analysis of prospective cohort studies",
        "We performed a meta-analysis of 12 prospective cohort studies identified in PubMed and Embase.",
        (),
        "meta_analysis",
        "pools observational studies",
    ),
    (
        "Nivolumab in recurrent glioma",
        "This phase II single-arm trial enrolled 40 patients who received nivolumab every two weeks.",
        ("Clinical Trial, Phase II",),
        "nonrandomized_trial",
        "phase II",
    ),
    (
        "Menaquinone-7 and arterial calcification in rats",
        "Forty male Wistar rats were randomly assigned to four diet groups for 12 weeks.",
        (),
        "animal",
        "randomised animal experiment",
    ),
    (
        "Curcumin suppresses hepatoma growth in vitro and in vivo",
        "HepG2 cells were treated with curcumin; in nude mice, xenografts shrank by 40%.",
        (),
        "in_vitro_and_animal",
        None,
    ),
    (
        "Vitamin K2 reduces calcification of human aortic tissue ex vivo",
        "Human aortic valve tissue obtained at surgery was cultured ex vivo with menaquinone-7.",
        (),
        "in_vitro",
        None,
    ),
    (
        "Statins after stroke: a randomised trial with an observational cohort",
        "Patients were randomly assigned to atorvastatin or placebo, and those declining randomisation "
        "joined a parallel cohort followed for 3 years.",
        (),
        "rct",
        "also reports an observational cohort",
    ),
]


@pytest.mark.parametrize(("title", "abstract", "types", "expected", "detail"), HARD_CASES)
def test_hard_cases(title: str, abstract: str, types: tuple[str, ...], expected: str, detail: str | None):
    grade = grade_record(make(title, abstract, types))
    assert grade.evidence_type == expected
    if detail:
        assert detail in (grade.design_detail or "")


def test_mendelian_randomisation_is_not_a_randomised_trial():
    record = make(
        "Alcohol and stroke: a Mendelian randomization study", "We used SNPs from GWAS as instruments."
    )
    grade = grade_record(record, text_only=True)
    assert grade.evidence_type == "observational"
    assert grade.design_detail == "mendelian randomisation"


def test_case_report_with_literature_review_stays_a_case_report(real_records):
    grade = grade_record(real_records["pmid:25364329"], text_only=True)  # "… and review of the literature"
    assert grade.evidence_type == "case_report"


def test_publication_type_outranks_text_and_conflict_lowers_confidence():
    record = make("A cohort study of statin use", "We followed 2,000 adults for 10 years.", ("Case Reports",))
    grade = grade_record(record)
    assert grade.evidence_type == "case_report"
    assert grade.confidence == 0.7
    assert any(r.effect.startswith("conflict: text suggests observational") for r in grade.reasons)


def test_text_only_ignores_publication_types_and_mesh():
    record = make("Effects of drug X", "", ("Randomized Controlled Trial",), mesh=("Mice", "Cohort Studies"))
    assert grade_record(record).evidence_type == "rct"
    text_only = grade_record(record, text_only=True)
    assert text_only.evidence_type == "other"
    assert text_only.text_only is True
    assert all(r.signal not in ("publication_type", "mesh") for r in text_only.reasons)


def test_renamed_and_old_publication_types_are_known():
    assert grade_record(make("x", types=("Retraction Notice",))).evidence_type == "other"
    assert (
        grade_record(make("x", types=("Review of Reported Cases",))).design_detail == "review of case reports"
    )
    vet = grade_record(make("x", types=("Randomized Controlled Trial, Veterinary",)))
    assert vet.evidence_type == "animal"


def test_clinical_trial_the_text_calls_randomised_becomes_rct():
    record = make("Drug X in asthma", "Patients were randomly assigned to X or placebo.", ("Clinical Trial",))
    assert grade_record(record).evidence_type == "rct"


def test_non_english_record_graded_from_english_abstract(real_records):
    grade = grade_record(real_records["pmid:38051086"], text_only=True)  # Dutch, English abstract
    assert grade.evidence_type == "case_report"
    assert any(r.where == "language" and r.evidence == "dut" for r in grade.reasons)


def test_real_post_hoc_phase_iii_trial(real_records):
    grade = grade_record(real_records["pmid:41617358"])
    assert grade.evidence_type == "rct"
    assert grade.design_detail is not None
    assert "phase III" in grade.design_detail and "post-hoc analysis of a trial" in grade.design_detail
    assert grade.level == 3


def test_reasons_name_the_signal_and_its_evidence(real_records):
    grade = grade_record(real_records["pmid:23225445"])  # snapshot record with RCT type and MeSH
    signals = {(r.signal, r.evidence) for r in grade.reasons}
    assert ("publication_type", "Randomized Controlled Trial") in signals
    assert grade.confidence == 0.95  # the title agrees: "prospective randomized controlled trial"


TEXT_ONLY_CASES = [
    # (title, abstract, expected type, detail fragment or None): cues that must work without indexing
    (
        "Anaemia and birth size: a secondary analysis of the Women First preconception nutrition trial",
        "We analysed data from 2,443 dyads in four countries.",
        "rct",
        "post-hoc",
    ),
    (
        "A novel CLN5 mutation",
        "We report two sibs harbouring a novel mutation with early behaviour disturbances.",
        "case_report",
        None,
    ),
    (
        "Probiotics and obesity",
        "Obesity is increasingly linked to the gut flora. Recent clinical studies have shown that "
        "probiotics reduce fat accumulation, although the mechanism is unclear.",
        "review",
        None,
    ),
    (
        "Back Pain: Differential Diagnosis and Management",
        "Back pain is common. Conservative therapy comes first; imaging is reserved for red flags.",
        "review",
        None,
    ),
    (
        "Exercise apps for the physical activity guidelines in multiple sclerosis",
        "We conducted a secondary qualitative analysis of interviews with 20 people with MS.",
        "observational",
        "qualitative",
    ),
    (
        "Biotransformation in in vitro toxicology: a critical review with guidance recommendations",
        "Published studies using S9 fractions were appraised for their reporting.",
        "review",
        None,
    ),
    (
        "Community tuberculosis testing in foreign-born populations: a systematic review",
        "We systematically searched five databases and used random-effects models to pool proportions.",
        "meta_analysis",
        None,
    ),
    (
        "Telomere length and pancreatic cancer",
        "We measured telomere length in 386 pancreatic cancer cases and 896 matched controls.",
        "observational",
        None,
    ),
    (
        "Coordination of humanitarian WASH responses",
        "We conducted a mixed-methods evaluation with key informant interviews in five countries.",
        "observational",
        None,
    ),
    (
        "Thromboembolism after vaccination",
        "We conducted a self-controlled case series study of 20,000 vaccinated adults.",
        "observational",
        None,
    ),
    (
        "Women's cancer control in Morocco: a qualitative study of lay advisors' perspectives",
        "In-depth interviews were held with ten lay health advisors.",
        "observational",
        "qualitative",
    ),
    (
        "Factors associated with disparities in clinical trial eligibility",
        "A cross-sectional analysis was conducted among 113,030 patients.",
        "observational",
        "cross-sectional",
    ),
    (
        "Vaccination and post-COVID complications in three countries",
        "We conducted a staggered cohort study on health records. Random effect meta-analyses were "
        "conducted across cohorts and databases.",
        "observational",
        None,
    ),
    (
        "The top 50 most-cited articles on COVID-19: a bibliometric analysis",
        "Articles were identified in Scopus and their citations counted.",
        "other",
        "bibliometric",
    ),
    (
        "Paclitaxel in the ID8 murine epithelial ovarian cancer cell line",
        "Cell viability was measured after co-administration of NaHS and paclitaxel.",
        "in_vitro",
        None,
    ),
    (
        "Cefiderocol against double-carbapenemase-producing Enterobacterales",
        "MICs of 57 clinical isolates were determined by reference broth microdilution.",
        "in_vitro",
        None,
    ),
    (
        "Secreted proteins of Bacillus subtilis",
        "Extracellular proteins were separated by two-dimensional gel electrophoresis.",
        "in_vitro",
        None,
    ),
]


# Round 3 (README "What changed in the cues"): human studies that name no design, bench work named by its
# method rather than by cells, plants, tools, and words that only look like a synthesis.
ROUND_3_CASES = [
    (
        "Shear wave elastography under hypoglossal nerve stimulation",
        "Sleep laboratory parameters of a cohort of 18 patients were analysed.",
        "observational",
        None,
    ),
    (
        "Bariatric surgery in a real-world setting",
        "A longitudinal registry-based observation study of 122,567 patients undergoing surgery.",
        "observational",
        None,
    ),
    (
        "Deep-learning CT prediction of survival",
        "This prognostic study used routinely collected scans from ten institutions.",
        "observational",
        None,
    ),
    (
        "Validity of a belt-worn accelerometer",
        "This study evaluated the validity of the device in two parts, with 10 healthy participants each.",
        "observational",
        None,
    ),
    (
        "A pulmonary imaging pipeline",
        "We designed a software pipeline for imaging research in patients with lung disease.",
        "other",
        None,
    ),
    (
        "Keap1 and nuclear export of Nrf2",
        "Deletion and mutagenesis studies identified a nuclear export signal in Keap1.",
        "in_vitro",
        None,
    ),
    (
        "A urea transporter isoform in testis",
        "We isolated a 1.4-kb cDNA encoding the isoform; expressed in Xenopus oocytes, it takes up urea.",
        "in_vitro",
        None,
    ),
    (
        "Detection of toxic oligomers",
        "Designed peptides serve as the capture agent in a soluble oligomer binding assay.",
        "in_vitro",
        None,
    ),
    (
        "Structure of an immune regulator",
        "We describe a crystal structure of the human IgV domain with bound calcium.",
        "in_vitro",
        None,
    ),
    (
        "Photochromism of coordination cages",
        "Host-guest complexes were characterized by X-ray crystallography.",
        "other",
        None,
    ),
    (
        "Mangrin enhances salt tolerance",
        "Expression of the mangrove plant protein in tobacco cell lines enhanced salt tolerance.",
        "other",
        "plant science",
    ),
    (
        "A plant extract against hepatoma",
        "The leaf extract of a medicinal plant species inhibited proliferation of hepatoma cells in vitro.",
        "in_vitro",
        None,
    ),
    (
        "Drug-targetable genes for eczema",
        "This study analyzed data obtained by meta-analysis of 2 genome-wide association studies; "
        "eQTL data were used for Mendelian randomization.",
        "observational",
        None,
    ),
    (
        "ST8SIA6 sialylates CD24",
        "We performed a systematic pan-cancer analysis and showed sialylation in breast cancer cells.",
        "in_vitro",
        None,
    ),
    (
        "Insights into zinc-ion storage in MoS2 nanosheets",
        "Doped carbon quantum dots widen the interlayer spacing of the anode.",
        "other",
        None,
    ),
]


@pytest.mark.parametrize(("title", "abstract", "expected", "detail"), TEXT_ONLY_CASES + ROUND_3_CASES)
def test_text_only_cues(title: str, abstract: str, expected: str, detail: str | None):
    grade = grade_record(make(title, abstract), text_only=True)
    assert grade.evidence_type == expected
    if detail:
        assert detail in (grade.design_detail or "")


def test_narrative_review_is_low_confidence_and_says_why():
    grade = grade_record(
        make("Gut flora", "Recent studies have shown that probiotics matter."), text_only=True
    )
    assert (grade.evidence_type, grade.confidence, grade.level) == ("review", 0.5, None)
    assert any("no study of its own" in r.effect for r in grade.reasons)


def test_a_study_that_cites_recent_studies_is_not_a_narrative_review():
    abstract = "Recent studies have shown benefits. We enrolled 120 adults and found lower weight (p < 0.01)."
    assert grade_record(make("Probiotics in adults", abstract), text_only=True).evidence_type != "review"


def test_a_human_study_without_design_words_is_observational_at_low_confidence():
    grade = grade_record(
        make("Eye tracking in infants", "Of 54 infants enrolled, 50 completed the task; we show it works"),
        text_only=True,
    )
    assert (grade.evidence_type, grade.confidence) == ("observational", 0.45)  # 0.5 with association words
    assert any("no design named" in r.effect for r in grade.reasons)


def test_species_heading_on_bench_work_is_the_material_not_an_animal_study():
    abstract = "Protein phosphatase activity was measured in erythrocyte membranes with kinase assays."
    bench = grade_record(make("Phosphatase in red cells", abstract, mesh=("Animals", "Mice")))
    assert bench.evidence_type == "in_vitro"
    assert any(r.evidence == "Mice" and "source of the material" in r.effect for r in bench.reasons)
    headings = ("Mice", "Disease Models, Animal")
    in_vivo = grade_record(make("Phosphatase in red cells", abstract, mesh=headings))
    assert in_vivo.evidence_type == "in_vitro_and_animal"
    silent = grade_record(make("Phosphatase in red cells", "Activity was higher.", mesh=("Mice",)))
    assert silent.evidence_type == "animal"  # the text names no bench work: the heading still speaks


# Found in review of round 3: what the round-3 cues must not do.
ROUND_3_LIMITS = [
    (
        "IPD meta-analysis of statins",
        "This individual participant data meta-analysis included 28 trials (95% CI 0.7-0.9).",
        "meta_analysis",
    ),
    ("Aspirin trials pooled", "This study-level meta-analysis pooled 12 randomised trials.", "meta_analysis"),
    (
        "Glucose in shift workers",
        "Serum glucose was measured with an enzymatic assay in 120 nurses; levels were higher (p < 0.01).",
        "observational",
    ),
    (
        "Spinal fusion outcomes",
        "Patients received recombinant human bone morphogenetic protein-2; we assessed fusion at one year.",
        "observational",
    ),
    (
        "A kinase in a bacterial toxin",
        "We report the crystal structure at 2.1 Å resolution of the kinase domain.",
        "in_vitro",
    ),
    ("Photochromic cages", "We determined the crystal structure of the coordination cage.", "other"),
    (
        "Lung imaging in practice",
        "We studied patients with chronic lung disease; the pipeline was implemented in C++ and runs daily.",
        "other",
    ),
    (
        "A plant extract and skin cells",
        "The leaf extract of a plant species reduced oxidative stress in cultured human keratinocytes.",
        "in_vitro",
    ),
    (
        "Noise at work",
        "We measured hearing thresholds in 300 workers at three chemical plants and found losses.",
        "observational",
    ),
    (
        "Waiting times",
        "We describe changes in the healthcare system and found longer waits for 2,000 patients.",
        "observational",
    ),
]


@pytest.mark.parametrize(("title", "abstract", "expected"), ROUND_3_LIMITS)
def test_round_3_limits(title: str, abstract: str, expected: str):
    assert grade_record(make(title, abstract), text_only=True).evidence_type == expected
