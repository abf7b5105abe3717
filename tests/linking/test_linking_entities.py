"""Entities of claims and records (pipeline.linking.entities): the seed's claims and the 38 real records."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.documents.parse import parse_text
from pipeline.errors import ConfigError
from pipeline.linking import entity_vocab
from pipeline.linking.entities import Entities, extract_entities, find_subject, query_terms
from pipeline.linking.entity_agreement import agreement
from pipeline.literature.record_jsonl import iter_jsonl_records
from pipeline.models import DocumentMeta

DATA = Path(__file__).parents[1] / "data"
SUPPLEMENT = "vitamin K2"


@cache
def claims() -> list[str]:
    meta = DocumentMeta(slug="vitamin-k2", title="Vitamin K2", supplement=SUPPLEMENT)
    return [c.text for c in parse_text((DATA / "vitamin-k2.txt").read_text(encoding="utf-8"), meta).claims]


@cache
def records() -> dict[str, str]:
    with (DATA / "records" / "vitamin-k2-records.jsonl").open(encoding="utf-8") as f:
        return {r.record_id: f"{r.title or ''}\n{r.abstract or ''}" for r in iter_jsonl_records(f, "records")}


def claim(words: str) -> Entities:
    found = [c for c in claims() if words in c]
    assert len(found) == 1, f"{len(found)} claims contain {words!r}"
    return extract_entities(found[0], intervention=SUPPLEMENT)


def record(record_id: str) -> Entities:
    return extract_entities(records()[record_id], intervention=SUPPLEMENT)


def ids(mentions) -> list[str]:
    return list(dict.fromkeys(m.id for m in mentions))


# ----------------------------------------------------------------------------- extraction


def test_hcc_trial_claim_names_condition_doses_outcome_and_patients():
    e = claim("vitamin K2 at both 45 mg and 90 mg daily")
    assert e.subject == "vitamin_k2" and ids(e.interventions) == ["vitamin_k2"]
    assert [(m.text, m.id, m.group) for m in e.conditions] == [
        ("hepatocellular carcinoma", "hepatocellular_carcinoma", "liver"),
        ("HCC", "hepatocellular_carcinoma", "liver"),
    ]
    assert [(d.text, d.low, d.high, d.unit, d.per_day) for d in e.doses] == [
        ("45 mg", 45, 45, "mg", False),
        ("90 mg daily", 90, 90, "mg", True),
    ]
    assert ids(e.outcomes) == ["incidence", "safety"]
    assert [p.kind for p in e.populations] == ["humans"]


def test_organ_words_in_a_coordinated_list_stand_for_their_cancers():
    e = claim("including liver, leukaemia, ovarian, pancreatic, breast, and bladder cancers")
    specific = [(m.text, m.id) for m in e.conditions if m.id != "cancer"]
    assert specific == [
        ("liver", "hepatocellular_carcinoma"),
        ("leukaemia", "leukaemia"),
        ("ovarian", "ovarian_cancer"),
        ("pancreatic", "pancreatic_cancer"),
        ("breast", "breast_cancer"),
        ("bladder cancers", "bladder_cancer"),
    ]
    heading = extract_entities("Pancreatic, Lung, and Prostate Cancers")
    assert ids(heading.conditions) == ["pancreatic_cancer", "lung_cancer", "prostate_cancer"]


def test_5_fu_and_5_fluorouracil_are_one_co_intervention():
    assert [(m.text, m.id) for m in extract_entities("5-Fluorouracil (5-FU):").co_interventions] == [
        ("5-Fluorouracil", "fluorouracil"),
        ("5-FU", "fluorouracil"),
    ]
    assert ids(claim("VK2 augments 5-FU").co_interventions) == ["fluorouracil"]
    noted = claim("Synergistic effects noted with sorafenib (HCC), 5-fluorouracil (CRC)")
    assert ids(noted.co_interventions) == ["sorafenib", "fluorouracil", "retinoic_acid"]


def test_nude_mice_are_animals_and_hepg2_cells_a_named_line():
    e = claim("nude mice implanted with HepG2 cells")
    assert [(p.kind, p.species, p.cell_line, p.text) for p in e.populations] == [
        ("animals", "mouse", None, "nude mice"),
        ("cells", None, "HepG2", "HepG2"),
        ("cells", None, None, "cells"),
    ]
    assert [(d.text, d.low, d.unit) for d in e.doses] == [("50 μM", 50, "µM")]


@pytest.mark.parametrize(
    "words",
    [
        "Overexpression of 17β-hydroxysteroid dehydrogenase 4 (HSD17β4) promotes HCC proliferation",
        "This suggests that CYP4F2 genetic variants may influence",
        "Individuals with CYP4F2 AA genotypes may require lower VK2 doses",
    ],
)
def test_gene_and_protein_names_are_not_conditions(words):
    e = claim(words)
    assert all(m.text == "HCC" for m in e.conditions)
    assert not any(x in m.text for m in e.conditions + e.mechanisms for x in ("HSD17", "CYP4F2"))


def test_menaquinone_forms_are_kept_apart_from_the_supplement():
    e = claim("much higher doses of the MK-4 subtype")
    assert ids(e.forms) == ["MK-4"] and ids(e.interventions) == ["vitamin_k2"]
    assert [(d.text, d.low, d.high, d.unit, d.per_day) for d in e.doses] == [
        ("up to 45 milligrams", None, 45, "mg", False),
        ("45,000 mcg per day", 45000, 45000, "mcg", True),
    ]
    mk7 = extract_entities("vitamin K2 (menaquinone 7), 180 µg daily")
    assert ids(mk7.forms) == ["MK-7"] and mk7.doses[0].per_day
    assert extract_entities("menaquinones (MK-4-14)").forms == []  # a range of forms, not MK-4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("HCC", ["hepatocellular_carcinoma"]),
        ("hcc", []),  # abbreviations are matched in their own case only
        ("Hepatoma", ["hepatocellular_carcinoma"]),
        ("Acute Myeloid Leukemia (AML)", ["acute_myeloid_leukaemia"]),
        ("aml", []),
        ("myelodysplastic syndromes (MDS)", ["myelodysplastic_syndrome"]),
        ("TNBC cells", ["triple_negative_breast_cancer"]),
        ("triple negative breast cancer", ["triple_negative_breast_cancer"]),
        ("CML and APL", ["chronic_myeloid_leukaemia", "acute_promyelocytic_leukaemia"]),
        ("colon cancer cell lines and CRC", ["colorectal_cancer"]),
        ("cholangiocarcinoma or bile duct cancer", ["cholangiocarcinoma"]),
        ("COVID-19 and nocturnal leg cramps", ["covid_19", "leg_cramps"]),
        ("postmenopausal osteoporosis", ["osteoporosis"]),
        ("Bcl-2, p38 MAPK, 5-FU, MK-4", []),
    ],
)
def test_condition_names_and_abbreviations(text, expected):
    assert ids(extract_entities(text).conditions) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45 mg/day", [(45, 45, "mg", True)]),
        ("45 mg", [(45, 45, "mg", False)]),
        ("90 mg daily", [(90, 90, "mg", True)]),
        ("50–180 mcg", [(50, 180, "mcg", False)]),
        ("up to 360 mcg per day", [(None, 360, "mcg", True)]),
        ("10–20 mg/kg", [(10, 20, "mg/kg", False)]),
        ("50 μM", [(50, 50, "µM", False)]),
        ("2 mM", [(2, 2, "mM", False)]),
        ("0.1-50 microM", [(0.1, 50, "µM", False)]),
        ("from 5 to 50 microM", [(5, 50, "µM", False)]),
        ("the 45-mg/day group", [(45, 45, "mg", True)]),
        ("a daily oral dose of 45 mg of menatetrenone", [(45, 45, "mg", True)]),
        ("exceeding 40 mg per day", [(40, None, "mg", True)]),
        ("(IC50 values ≤150 μM)", [(None, 150, "µM", False)]),
        ("87–192 µg/d", [(87, 192, "mcg", True)]),
        ("MK-4, 1,25(OH)2D3, intermediate-1 risk, a 2 mm lesion", []),
    ],
)
def test_doses(text, expected):
    assert [(d.low, d.high, d.unit, d.per_day) for d in extract_entities(text).doses] == expected


def test_subject_comes_from_metadata_or_title_and_sorts_family_members():
    assert find_subject("vitamin K2") == find_subject("Vitamin K2") == "vitamin_k2"
    assert find_subject("Menatetrenone") == "vitamin_k2"
    assert find_subject("METABOLIC THERAPY Supplement Vitamin K1") == "vitamin_k1"
    assert find_subject("Fish oil") is None
    text = "Phylloquinone (vitamin K1) and menaquinones (vitamin K2) and vitamin K intake"
    as_k2 = extract_entities(text, intervention="vitamin K2")
    assert ids(as_k2.interventions) == ["vitamin_k2", "vitamin_k"]
    assert ids(as_k2.co_interventions) == ["vitamin_k1"]
    assert ids(extract_entities(text).interventions) == ["vitamin_k1", "vitamin_k2", "vitamin_k"]


def test_every_record_about_vitamin_k2_is_found_so():
    about = {rid for rid in records() if "vitamin_k2" in ids(record(rid).interventions)}
    words = ("vitamin k2", "menatetrenone", "menaquinone")
    titled = {rid for rid, text in records().items() if any(w in text.split("\n")[0].lower() for w in words)}
    assert len(records()) == 38 and len(titled) == 21 and titled <= about
    # the rest name vitamin K in general, vitamin K1, or nothing (a record without title or abstract)
    assert set(records()) - about == {
        "pmid:34591201", "pmid:36014904", "pmid:20653669", "pmid:28819398", "doi:10.18632/oncotarget.17997",
        "doi:10.2174/1568009621999210120182834", "doi:10.1038/s41598-020-64880-x",
    }  # fmt: skip
    assert ids(record("pmid:34591201").co_interventions) == ["vitamin_k1"]
    assert ids(record("pmid:28819398").interventions) == ["vitamin_k"]
    colon = record("pmid:19424596")
    assert ids(colon.conditions) == ["colorectal_cancer", "cancer"]
    assert {p.cell_line for p in colon.populations} >= {"PMCO1", "COLO201", "DLD-1"}


# ----------------------------------------------------------------------------- agreement


def test_bladder_record_against_a_liver_cancer_claim_conflicts_on_condition():
    a = agreement(claim("In liver cancer, VK2 supplementation"), record("pmid:27570977"))
    assert a.condition.status == a.condition_group.status == "conflict"
    assert a.condition.reason.startswith("claim: liver cancer (HCC); record: Bladder Cancer")
    assert a.condition.reason.endswith("→ different condition")
    assert a.intervention.status == "match"
    assert a.population.status == "not_comparable"  # the claim names nobody


def test_hcc_and_liver_cancer_and_leukaemia_subtypes_match():
    assert agreement(extract_entities("HCC"), extract_entities("liver cancer")).condition.status == "match"
    assert agreement(extract_entities("leukaemia"), extract_entities("AML")).condition.status == "match"
    cirrhosis = agreement(extract_entities("HCC"), extract_entities("liver cirrhosis"))
    assert (cirrhosis.condition.status, cirrhosis.condition_group.status) == ("conflict", "match")
    broad = agreement(extract_entities("cancer"), extract_entities("bladder cancer"))
    assert broad.condition.status == "not_comparable"


def test_mk4_45_mg_claim_matches_a_menatetrenone_45_mg_record():
    a = agreement(extract_entities("MK-4 45 mg/day"), record("pmid:23225445"))
    assert (a.form.status, a.dose.status, a.condition.status) == ("match", "match", "not_comparable")
    assert "administered 45 mg of MNT daily" in records()["pmid:23225445"]
    mk7 = agreement(extract_entities("MK-7 90 mg"), extract_entities("menatetrenone 45 mg"))
    assert (mk7.form.status, mk7.dose.status) == ("conflict", "conflict")
    assert mk7.dose.reason == "claim: 90 mg; record: 45 mg → different dose"
    cells = agreement(extract_entities("45 mg/day"), extract_entities("10 μM"))
    assert cells.dose.status == "not_comparable"


def test_patients_claim_backed_by_leukaemia_cells_is_indirect():
    patients = claim("remission in patients with myelodysplastic syndrome")
    a = agreement(patients, record("doi:10.4161/auto.5941"))  # title only: "… in leukemia cells"
    assert a.population.reason == "claim: humans; record: cells → indirect population"
    assert a.population.status == "conflict" and a.condition_group.status == "match"  # both blood
    # the HL-60 record studies cells but its conclusion names patients: mentions, not the study design
    assert agreement(patients, record("pmid:11455981")).population.status == "match"


def test_vitamin_k1_cohort_is_a_different_intervention():
    k1 = agreement(claim("VK2 administration led to remission"), record("pmid:34591201"))
    assert k1.intervention.status == "conflict"
    assert k1.intervention.reason == "claim: vitamin K2; record: vitamin K1 → different intervention"
    both = agreement(claim("VK2 administration led to remission"), record("pmid:20335553"))
    assert both.intervention.status == "match"


def test_combination_claims_need_the_partner_drug():
    sorafenib = claim("Combining VK2 with the multikinase inhibitor sorafenib")
    assert agreement(sorafenib, record("pmid:28819398")).co_intervention.status == "match"
    missing = agreement(sorafenib, record("pmid:27570977")).co_intervention
    assert missing.status == "conflict"
    assert missing.reason == "claim: sorafenib; record: none → combination not in the record"
    chemo = agreement(extract_entities("conventional chemo"), extract_entities("cisplatin"))
    assert chemo.co_intervention.status == "match"


def test_reasons_and_conflicts_list_every_aspect():
    a = agreement(claim("In liver cancer, VK2 supplementation"), record("pmid:27570977"))
    assert [r.split(":")[0] for r in a.reasons()] == [
        "intervention", "form", "condition", "condition_group", "co_intervention", "mechanism_outcome",
        "population", "dose",
    ]  # fmt: skip
    assert {"condition", "condition_group"} <= set(a.conflicts())


def test_query_terms_give_canonical_names_and_main_synonyms():
    words = query_terms(claim("In liver cancer, VK2 supplementation"))
    assert words[:6] == ["vitamin K2", "menaquinone", "menatetrenone", "MK-4", "MK-7", "VK2"]
    assert {"hepatocellular carcinoma", "liver cancer", "HCC", "recurrence", "survival"} <= set(words)


# ----------------------------------------------------------------------------- vocabulary and invariants


def test_a_surface_naming_two_terms_is_refused(monkeypatch):
    load = entity_vocab._load

    def with_duplicate(name):
        data = load(name)
        if name == "outcomes.yaml":
            data["liver"] = {"name": "liver", "names": ["liver cancer"]}
        return data

    monkeypatch.setattr(entity_vocab, "_load", with_duplicate)
    entity_vocab.vocabulary.cache_clear()
    try:
        with pytest.raises(
            ConfigError,
            match=r"'liver cancers?' is both condition hepatocellular_carcinoma and outcome liver",
        ):
            entity_vocab.vocabulary()
    finally:
        entity_vocab.vocabulary.cache_clear()


SURFACES = ["HCC", "liver cancer", "VK2", "MK-4", "5-FU", "nude mice", "HepG2", "45 mg/day", "up to 360 mcg"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(SURFACES), st.text(max_size=12)), max_size=12))
def test_spans_lie_within_the_text_and_give_the_mention(parts):
    text = " ".join(parts)
    e = extract_entities(text, intervention=SUPPLEMENT)
    mentions = [*e.interventions, *e.forms, *e.conditions, *e.co_interventions, *e.mechanisms, *e.outcomes]
    for m in [*mentions, *e.populations, *e.doses]:
        assert 0 <= m.start < m.end <= len(text) and text[m.start : m.end] == m.text
    assert extract_entities(text, intervention=SUPPLEMENT) == e
