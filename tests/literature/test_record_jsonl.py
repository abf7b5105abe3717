"""JSON Lines records: the shared vitamin K2 snapshot (tests/data/records) and our own export format."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.errors import ParseError
from pipeline.literature.pubmed_xml import parse_records
from pipeline.literature.record_jsonl import (
    iter_jsonl_records,
    parse_mesh_term,
    read_jsonl_line,
    record_from_snapshot,
    record_to_jsonl,
)
from pipeline.models import Record

DATA = Path(__file__).parent.parent / "data"
SNAPSHOT = DATA / "records" / "vitamin-k2-records.jsonl"


@pytest.fixture(scope="module")
def snapshot() -> dict[str, Record]:
    with SNAPSHOT.open(encoding="utf-8") as stream:
        return {r.record_id: r for r in iter_jsonl_records(stream, str(SNAPSHOT))}


def test_snapshot_counts(snapshot: dict[str, Record]) -> None:
    assert len(snapshot) == 38
    assert sum(1 for r in snapshot.values() if r.pmid) == 19
    assert all(r.source == "snapshot" for r in snapshot.values())
    assert {key.split(":")[0] for key in snapshot} == {"pmid", "doi", "pmcid"}


def test_doi_keys_are_lower_case_but_the_doi_is_kept_as_written(snapshot: dict[str, Record]) -> None:
    record = snapshot["doi:10.2147/cia.s54107"]
    assert (record.doi, record.pmcid) == ("10.2147/CIA.S54107", "PMC3890406")
    assert record.title.startswith("Menatetrenone versus alfacalcidol in the treatment of Chinese postmeno")
    assert all(key == key.lower() for key in snapshot if key.startswith("doi:"))


@pytest.mark.parametrize(
    ("key", "title"),
    [
        (
            "pmid:27570977",
            "Vitamin K2 Induces Mitochondria-Related Apoptosis in Human Bladder Cancer Cells via ROS and "
            "JNK/p38 MAPK Signal Pathways",
        ),
        ("doi:10.3892/ol.2018.8502", "Research progress on the anticancer effects of vitamin K2 (Review)"),
        ("doi:10.1002/hep.24430", "Effect of vitamin K2 on the recurrence of hepatocellular carcinoma"),
    ],
)
def test_specific_titles(snapshot: dict[str, Record], key: str, title: str) -> None:
    assert snapshot[key].title.startswith(title)


def test_pmid_wins_the_key_over_doi_and_pmcid(snapshot: dict[str, Record]) -> None:
    record = snapshot["pmid:23191943"]
    assert (record.doi, record.pmcid) == ("10.1186/1471-230X-12-170", "PMC3574058")
    assert record.source_url == "https://pmc.ncbi.nlm.nih.gov/articles/PMC3574058"
    only_pmcid = snapshot["pmcid:PMC4042573"]
    assert (only_pmcid.pmid, only_pmcid.doi, only_pmcid.journal.title, only_pmcid.year) == (
        None,
        None,
        None,
        None,
    )


def test_snapshot_fields(snapshot: dict[str, Record]) -> None:
    record = snapshot["pmid:36014904"]
    assert record.journal.title == "Nutrients" and (record.year, record.pub_date.year) == (2022, 2022)
    assert [(a.fore_name, a.last_name) for a in record.authors] == [
        ("Anna", "Markowska"),
        ("Michał", "Antoszczak"),
        ("Janina", "Markowska"),
    ]
    shortened = snapshot["pmid:34858832"]
    assert [a.display for a in shortened.authors] == [
        "Lu Xin",
        "Ma Panpan",
        "Kong Lingyu",
    ]  # "et al." dropped
    assert [t.name for t in snapshot["pmid:23225445"].publication_types] == ["Randomized Controlled Trial"]
    assert snapshot["pmid:27570977"].abstract_complete is True
    assert snapshot["doi:10.4161/auto.5941"].abstract_complete is None


def test_mesh_terms_in_pubmed_display_form(snapshot: dict[str, Record]) -> None:
    headings = {h.descriptor: h for h in snapshot["pmid:23225445"].mesh_headings}
    carcinoma = headings["Carcinoma, Hepatocellular"]
    assert (carcinoma.major, [(q.name, q.major) for q in carcinoma.qualifiers]) == (
        False,
        [("drug therapy", True), ("pathology", False), ("surgery", False)],
    )
    assert [h.descriptor for h in snapshot["pmid:23225445"].mesh_headings].count(
        "Carcinoma, Hepatocellular"
    ) == 1
    assert (headings["Aged"].major, headings["Aged"].qualifiers) == (False, [])
    major = parse_mesh_term("Vitamin K 2* / therapeutic use")
    assert (major.descriptor, major.major, major.qualifiers[0].major) == ("Vitamin K 2", True, False)


def test_export_round_trips_snapshot_and_pubmed_records(snapshot: dict[str, Record]) -> None:
    pubmed = [
        r
        for r in parse_records((DATA / "pubmed" / "biopython_pubmed4.xml").read_bytes())
        if isinstance(r, Record)
    ]
    originals = [*snapshot.values(), *pubmed]
    lines = [record_to_jsonl(r) for r in originals]
    assert all("\n" not in line and json.loads(line)["record_id"] for line in lines)
    assert list(iter_jsonl_records(io.StringIO("\n".join(lines) + "\n\n"), "export.jsonl")) == originals


@given(st.text(), st.text(), st.integers(min_value=1, max_value=999_999_999))
def test_any_text_survives_one_line_export(title: str, abstract: str, pmid: int) -> None:
    record = Record(record_id=f"pmid:{pmid}", pmid=str(pmid), title=title, abstract=abstract)
    line = record_to_jsonl(record)
    assert len(line.splitlines()) == 1
    assert list(iter_jsonl_records(io.StringIO(line), "x")) == [record]


@given(st.text(st.one_of(st.characters(), st.sampled_from("\ud800\udfff\t\x00"))))
def test_any_record_line_reads_back_with_lone_surrogates_replaced(title: str) -> None:
    # record lines are read in one pass by pydantic's JSON parser, which rejects a lone surrogate escape
    # ("\\ud800") that json.loads accepts: such lines are still read, the surrogate as U+FFFD, so the
    # record can be stored and written out (UTF-8 cannot encode a lone surrogate)
    line = json.dumps({"record_id": "pmid:1", "title": title, "abstract": "\ud800 and \udfff"})
    expected = Record(record_id="pmid:1", title=_replaced(title), abstract="\ufffd and \ufffd")
    assert read_jsonl_line(line, "x", 1) == expected
    assert record_to_jsonl(expected)  # writable


def test_a_valid_surrogate_pair_escape_is_one_character() -> None:
    line = '{"record_id": "pmid:1", "title": "\\ud83d\\ude00 \\uD83D"}'
    assert read_jsonl_line(line, "x", 1).title == "\U0001f600 \ufffd"


def _replaced(text: str) -> str:
    return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"pmid": "1", "title": "unterminated', "column 37"),
        ('["pmid", "1"]', "expected a JSON object, got list"),
        ('{"pmid": null, "doi": null, "pmcid": null, "title": "no id"}', "needs a PMID, DOI or PMCID"),
        ('{"pmid": "1", "authors": [42]}', "cannot parse snapshot"),
        ('{"record_id": "pmid:1", "year": "nineteen"}', "year: Input should be a valid integer"),
    ],
)
def test_bad_line_names_origin_and_line_number(line: str, reason: str) -> None:
    good = SNAPSHOT.read_text(encoding="utf-8").splitlines()[0]
    stream = io.StringIO(f"{good}\n\n{line}\n{good}\n")
    with pytest.raises(ParseError, match=reason) as caught:
        list(iter_jsonl_records(stream, "curated.jsonl"))
    assert (caught.value.source, caught.value.field) == ("curated.jsonl", "line 3")


def test_record_from_snapshot_accepts_unknown_keys() -> None:
    record = record_from_snapshot({"pmid": "123", "doi": None, "extra": {"anything": 1}, "mesh_terms": None})
    assert (record.record_id, record.mesh_headings, record.authors) == ("pmid:123", [], [])
