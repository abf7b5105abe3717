"""Europe PMC search results (real core and lite JSON in tests/data/europepmc_json) mapped onto Records."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import ParseError
from pipeline.literature.europepmc_json import (
    iter_search_results,
    next_cursor_mark,
    record_from_europepmc,
    strip_html,
)

DATA = Path(__file__).parent.parent / "data" / "europepmc_json"


def page(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def item(name: str, result_id: str) -> dict[str, Any]:
    return next(i for i in iter_search_results(page(name)) if i["id"] == result_id)


CORE = "pyeuropepmc_search_cancer_core.json"
COVID = "kotlin_web_europepmc_1.json"


@pytest.mark.parametrize(
    ("name", "results", "keyed", "cursor"),
    [
        (CORE, 25, 25, "AoIIP4ZawSg1MzEyODI1MA=="),
        (COVID, 25, 23, "AoIIQYG89Cg1MDA4ODY4NQ=="),
        ("kotlin_web_europepmc_2.json", 25, 25, "AoIIQCLlVig1MDEzMzcwOQ=="),
        ("kotlin_web_europepmc_3.json", 25, 19, "AoIIQCSRGCg1MDU1NjgyMA=="),
        ("lagotto_search_ext_id_17183658.json", 1, 1, None),
        ("lagotto_search_ext_id_not_found.json", 0, 0, None),
    ],
)
def test_search_pages(name: str, results: int, keyed: int, cursor: str | None) -> None:
    payload = page(name)
    items = list(iter_search_results(payload))
    records = []
    for result in items:
        try:
            records.append(record_from_europepmc(result))
        except ParseError as e:
            assert e.field == "id" and e.source.startswith("europepmc AGR/IND")  # Agricola: no PMID/DOI/PMCID
    assert (len(items), len(records), next_cursor_mark(payload)) == (results, keyed, cursor)
    assert all(r.source == "europepmc" for r in records)


def test_last_page_repeats_its_cursor_and_gives_none() -> None:
    payload = page(CORE)
    payload["request"]["cursorMark"] = payload["nextCursorMark"]
    assert next_cursor_mark(payload) is None


def test_core_record() -> None:
    record = record_from_europepmc(item(CORE, "39709209"))
    assert (record.record_id, record.pmid, record.doi) == (
        "pmid:39709209",
        "39709209",
        "10.1016/s0140-6736(24)02600-x",
    )
    title = (
        "Abscopal response in a patient with fibrolamellar hepatocellular carcinoma following radiotherapy."
    )
    assert record.title == title
    assert record.journal.model_dump() == {
        "title": "Lancet (London, England)",
        "iso_abbreviation": "Lancet",
        "issn": "0140-6736",
        "issn_linking": None,
        "volume": "404",
        "issue": "10471",
        "pages": "2603-2604",
    }
    assert (record.pub_date.year, record.pub_date.month, record.pub_date.original, record.year) == (
        2025,
        12,
        "2025 Dec",
        2025,
    )
    assert [a.display for a in record.authors] == ["Schoenfeld JD", "Haas-Kogan DA", "O'Neill AF"]
    assert record.authors[0].fore_name == "Jonathan D"
    assert (
        record.authors[0].affiliations[0].startswith("Department of Radiation Oncology, Brigham and Women's")
    )
    assert [t.name for t in record.publication_types] == ["Journal Article"]
    assert (record.is_open_access, record.cited_by_count, record.language) == (False, 0, ["eng"])
    assert record.full_text_urls == ["https://doi.org/10.1016/S0140-6736(24)02600-X"]
    assert str(record.date_revised) == "2024-12-21"
    assert record.source_url == "https://europepmc.org/article/MED/39709209"


def test_structured_abstract_mesh_and_keywords() -> None:
    record = record_from_europepmc(item(CORE, "40468710"))
    assert [s.label for s in record.abstract_sections][:3] == ["Objective", "Design", "Methods"]
    assert record.abstract.startswith("Objective: This study investigated whether psychological flexibility")
    assert "<h4>" not in record.abstract and record.abstract_complete is True
    neoplasms = next(m for m in record.mesh_headings if m.descriptor == "Neoplasms")
    assert (neoplasms.major, [(q.name, q.major) for q in neoplasms.qualifiers]) == (
        True,
        [("psychology", False), ("therapy", False)],
    )
    assert record.keywords[:3] == ["Cancer", "Acceptance And Commitment Therapy", "Longitudinal"]


def test_erratum_link_uses_pubmed_reftype_names() -> None:
    record = record_from_europepmc(item(CORE, "39709208"))
    assert record.pmcid == "PMC12124214"
    assert [(c.type, c.pmid) for c in record.corrections] == [("ErratumFor", "39293462")]
    assert record.corrections[0].ref_source.startswith("Lancet. 2024 Sep 28;404(10459):1227-1239.")
    assert "Published Erratum" in [t.name for t in record.publication_types]


def test_preprint_keyed_by_doi_with_unmapped_link_kept_as_other() -> None:
    record = record_from_europepmc(item(COVID, "PPR838108"))
    assert record.record_id == "doi:10.12688/f1000research.130610.4"
    assert [t.name for t in record.publication_types] == ["Preprint"]
    assert [(c.type, c.pmid) for c in record.corrections] == [("Other", "38605817")]
    assert record.abstract.startswith("Background: Sentiments and opinions regarding COVID-19")
    assert record.year == 2024 and record.is_book is False


def test_collective_author_and_orcid() -> None:
    record = record_from_europepmc(item(COVID, "38729164"))
    collective = [a.collective_name for a in record.authors if a.collective_name]
    assert collective == [
        "Eunice Kennedy Shriver National Institute of Child Health Human Development Maternal-Fetal Medicine "
        "Units Network, Bethesda, MD"
    ]
    orcids = [a.orcid for a in record_from_europepmc(item("kotlin_web_europepmc_2.json", "38359949")).authors]
    assert "0000-0002-8751-9627" in orcids


def test_html_is_stripped_but_less_than_signs_in_text_survive() -> None:
    abstract = record_from_europepmc(item("kotlin_web_europepmc_2.json", "38359949")).abstract
    assert "95% CI = 2.13 to 7.10, P<0.001), respectively" in abstract
    assert (
        "with a median overall survival of <1 year. Conclusions:"
        in record_from_europepmc(item(CORE, "40245290")).abstract
    )


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<i>CACNA1C</i>-related", "CACNA1C-related"),
        ("CO<sub>2</sub> and p<0.05", "CO2 and p<0.05"),
        ("one<br/>two<p>three</p>", "one two three"),
        ("A &amp; B", "A & B"),
        ("", None),
    ],
)
def test_strip_html(html: str, text: str | None) -> None:
    assert strip_html(html) == text


def test_lite_result_from_2016() -> None:
    record = record_from_europepmc(item("lagotto_search_ext_id_17183658.json", "17183658"))
    assert (record.pmid, record.pmcid, record.doi) == (
        "17183658",
        "PMC1762313",
        "10.1371/journal.pone.0000030",
    )
    assert record.title.startswith("Triose phosphate isomerase deficiency is caused by altered dimerization")
    assert (record.journal.title, record.journal.volume, record.journal.issue, record.journal.pages) == (
        "PLoS One",
        "1",
        "1",
        "e30",
    )
    assert [t.name for t in record.publication_types] == [
        "journal article",
        "research support, non-u.s. gov't",
        "research-article",
    ]
    assert (record.year, record.is_open_access, record.cited_by_count) == (2006, True, 23)


BROKEN = {
    "authorList": "Schoenfeld JD",
    "journalInfo": ["Lancet"],
    "meshHeadingList": {"meshHeading": "Humans"},
    "pubTypeList": {"pubType": "Journal Article"},
    "keywordList": {"keyword": [1.5, None, "kept"]},
    "commentCorrectionList": {"commentCorrection": [None, "x", {"type": 3}]},
    "citedByCount": "many",
    "isOpenAccess": 1,
    "title": {"text": "no"},
    "abstractText": ["no"],
    "dateOfRevision": "yesterday",
    "fullTextUrlList": {"fullTextUrl": {"url": "https://example.org/one"}},
}


def test_wrong_types_drop_the_field_not_the_record() -> None:
    broken = {**item(CORE, "39709209"), **BROKEN}
    record = record_from_europepmc(broken)
    assert record.record_id == "pmid:39709209"
    assert (record.authors, record.mesh_headings, record.publication_types) == ([], [], [])
    assert record.keywords == ["kept"]
    assert [(c.type, c.pmid) for c in record.corrections] == [("Other", None)]
    assert (record.title, record.abstract, record.cited_by_count, record.is_open_access) == (
        None,
        None,
        None,
        None,
    )
    assert (record.journal.title, record.journal.pages, record.date_revised) == (None, "2603-2604", None)
    assert record.full_text_urls == ["https://example.org/one"]


def test_missing_everything_but_an_id() -> None:
    record = record_from_europepmc({"pmcid": "PMC1762313"})
    assert (record.record_id, record.title, record.year, record.source_url) == (
        "pmcid:PMC1762313",
        None,
        None,
        None,
    )
    with pytest.raises(ParseError, match="no PMID, DOI or PMCID"):
        record_from_europepmc({"id": "X1", "source": "AGR", "doi": "not a doi"})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
FIELDS = [k for k in item(CORE, "40468710") if k != "pmid"]


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6))
def test_any_json_in_any_field_never_crashes(overrides: dict[str, Any]) -> None:
    result = copy.deepcopy(item(CORE, "40468710"))
    result.update(overrides)
    assert record_from_europepmc(result).record_id == "pmid:40468710"
