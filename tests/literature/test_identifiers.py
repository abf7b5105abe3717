"""Identifier normalisation: every written form of a PMID, PMCID or DOI, record keys, free-text extraction."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.errors import InputError
from pipeline.literature.identifiers import find_identifiers, parse_identifier, record_key


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("PMID: 123", "pmid", "123"),
        ("pmid:123", "pmid", "123"),
        ("PMID 23191943", "pmid", "23191943"),
        ("123", "pmid", "123"),
        (" 0027570977 ", "pmid", "27570977"),
        ("PMC3574058", "pmcid", "PMC3574058"),
        ("pmc3574058", "pmcid", "PMC3574058"),
        ("pmcid:PMC3574058", "pmcid", "PMC3574058"),
        ("PMCID: 3574058", "pmcid", "PMC3574058"),
        ("doi:10.1186/1471-230X-12-170", "doi", "10.1186/1471-230X-12-170"),
        ("DOI: 10.1186/1471-230X-12-170", "doi", "10.1186/1471-230X-12-170"),
        ("10.1186/1471-230X-12-170", "doi", "10.1186/1471-230X-12-170"),
        ("10.1186/1471-230X-12-170.", "doi", "10.1186/1471-230X-12-170"),
        ("10.1371/journal.pone.0161886,", "doi", "10.1371/journal.pone.0161886"),
        ("10.1016/S0140-6736(20)30183-5", "doi", "10.1016/S0140-6736(20)30183-5"),
        ("10.1016/S0140-6736(20)30183-5).", "doi", "10.1016/S0140-6736(20)30183-5"),
        ("10.1016/S0140-6736(20)30183-5;", "doi", "10.1016/S0140-6736(20)30183-5"),
        ("https://doi.org/10.1016/S0140-6736(20)30183-5)", "doi", "10.1016/S0140-6736(20)30183-5"),
        ("http://dx.doi.org/10.3892/ol.2018.8502.", "doi", "10.3892/ol.2018.8502"),
        ("https://doi.org/10.1007%2Fs00774-008-0008-8", "doi", "10.1007/s00774-008-0008-8"),
        ("<https://doi.org/10.1002/hep.24430>", "doi", "10.1002/hep.24430"),
        ("https://pubmed.ncbi.nlm.nih.gov/27570977/", "pmid", "27570977"),
        ("https://pubmed.ncbi.nlm.nih.gov/10641439/?dopt=Abstract", "pmid", "10641439"),
        ("http://www.ncbi.nlm.nih.gov/pubmed/28819398", "pmid", "28819398"),
        ("ncbi.nlm.nih.gov/pubmed/23225445", "pmid", "23225445"),
        ("https://www.ncbi.nlm.nih.gov/pmc/articles/PMC8630649/", "pmcid", "PMC8630649"),
        ("https://pmc.ncbi.nlm.nih.gov/articles/PMC8630649", "pmcid", "PMC8630649"),
        ("https://pmc.ncbi.nlm.nih.gov/articles/PMC9413298/?term=%22Nutrients", "pmcid", "PMC9413298"),
        ("https://europepmc.org/article/MED/17183658", "pmid", "17183658"),
        ("europepmc.org/abstract/MED/17183658", "pmid", "17183658"),
        ("https://europepmc.org/article/PMC/PMC1762313", "pmcid", "PMC1762313"),
        ("https://europepmc.org/article/PMC/1762313", "pmcid", "PMC1762313"),
    ],
)
def test_every_written_form(text: str, kind: str, value: str) -> None:
    ident = parse_identifier(text)
    assert (ident.kind, ident.value, ident.input) == (kind, value, text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "vitamin K2",
        "PMID:",
        "PMC",
        "0",
        "PMID: 0",
        "10.1/abc",
        "doi:10.1186",
        "https://example.org/1",
    ],
)
def test_garbage_is_an_input_error_naming_the_text(text: str) -> None:
    with pytest.raises(InputError, match=r"not a PMID, PMCID or DOI|cannot be zero|has no suffix") as caught:
        parse_identifier(text)
    assert caught.value.text == text


def test_record_key_prefers_pmid_then_doi_then_pmcid() -> None:
    assert record_key(pmid="23191943", doi="10.1186/1471-230X-12-170", pmcid="PMC3574058") == "pmid:23191943"
    assert record_key(doi="10.1186/1471-230X-12-170", pmcid="PMC3574058") == "doi:10.1186/1471-230x-12-170"
    assert record_key(pmcid="PMC4042573") == "pmcid:PMC4042573"
    assert record_key(pmid="", doi="https://doi.org/10.1002/HEP.24430") == "doi:10.1002/hep.24430"


def test_record_key_rejects_nothing_and_the_wrong_kind() -> None:
    with pytest.raises(InputError, match="needs a PMID, DOI or PMCID"):
        record_key()
    with pytest.raises(InputError, match="expected a PMID, got a DOI"):
        record_key(pmid="10.1186/1471-230X-12-170")


def test_find_identifiers_in_free_text() -> None:
    text = (
        "Vitamin K2 was studied (doi: 10.1016/S0140-6736(20)30183-5), see PMID: 23191943; full text at "
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC3574058/. Also https://doi.org/10.3892/ol.2018.8502, "
        "europepmc.org/article/MED/17183658 and PMC3574058 again. 1999 and 10.1/x are not identifiers."
    )
    assert [i.key for i in find_identifiers(text)] == [
        "doi:10.1016/s0140-6736(20)30183-5",
        "pmid:23191943",
        "pmcid:PMC3574058",
        "doi:10.3892/ol.2018.8502",
        "pmid:17183658",
    ]


def test_find_identifiers_ignores_unlabelled_numbers() -> None:
    assert find_identifiers("In 2012, 170 patients took 45 mg daily.") == []


# ----------------------------------------------------------------------------- invariants

pmids = st.integers(min_value=1, max_value=999_999_999).map(str)
doi_suffixes = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._;()/:"),
    min_size=1,
    max_size=30,
).filter(lambda s: s[-1].isalnum())
dois = st.builds(lambda reg, suffix: f"10.{reg}/{suffix}", st.integers(1000, 99_999_999), doi_suffixes)
written = st.one_of(
    pmids.map(lambda n: f"PMID: {n}"),
    pmids.map(lambda n: f"https://pubmed.ncbi.nlm.nih.gov/{n}/"),
    pmids.map(lambda n: f"pmcid:PMC{n}"),
    pmids.map(lambda n: f"https://europepmc.org/article/PMC/{n}"),
    dois.map(lambda d: f"doi:{d}"),
    dois.map(lambda d: f"https://doi.org/{d}."),
    dois,
)


@given(written)
def test_normalisation_is_idempotent(text: str) -> None:
    once = parse_identifier(text)
    again = parse_identifier(once.value)
    assert (again.kind, again.value) == (once.kind, once.value)


@given(dois)
def test_doi_key_is_stable_across_case_and_form(doi: str) -> None:
    keys = {
        record_key(doi=form)
        for form in (doi, doi.upper(), doi.lower(), f"doi:{doi}", f"https://doi.org/{doi}", f"{doi}.")
    }
    assert keys == {f"doi:{doi.lower()}"}


@given(pmids, dois)
def test_pmid_key_wins_whatever_the_doi(pmid: str, doi: str) -> None:
    assert record_key(pmid=f"PMID: {pmid}", doi=doi) == record_key(pmid=pmid) == f"pmid:{pmid}"
