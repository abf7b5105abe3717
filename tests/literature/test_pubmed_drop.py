"""iter_records' byte filter: unread elements dropped unparsed, articles cut out and parsed alone.

The oracle everywhere is iter_records_with_raw, which feeds lxml every byte as it stands: whatever the
filter drops or cuts, the records must come out the same, wherever the chunks end.
"""

from __future__ import annotations

import io
import re

import pytest
from pubmed_helpers import DATA, Trickle, raw

from pipeline.errors import ParseError
from pipeline.literature.pubmed_xml import _skip_unread, iter_records, iter_records_with_raw, parse_records


def oracle(data: bytes) -> list:
    return [record for record, _ in iter_records_with_raw(io.BytesIO(data))]


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("pmparser_*.xml.gz")))
def test_every_baseline_subset_parses_as_the_unfiltered_parser_does(name: str) -> None:
    data = raw(name)
    assert b"<History>" in data  # the dropped elements are really there
    assert list(iter_records(io.BytesIO(data))) == oracle(data)


@pytest.mark.parametrize("size", [1, 7, 300, 4096])
def test_articles_cut_across_chunk_boundaries_come_out_whole(size: int) -> None:
    data = raw("pmparser_pubmed24n1219.xml.gz")
    assert list(iter_records(Trickle(data, size))) == oracle(data)


def test_history_and_investigators_are_dropped_but_kept_in_the_raw_payload() -> None:
    data = raw("metapub_38147649.xml")
    investigators = (
        b"<InvestigatorList><Investigator><LastName>Doe</LastName></Investigator></InvestigatorList>"
    )
    data = data.replace(b"</AuthorList>", b"</AuthorList>" + investigators, 1)
    (record, payload), *_ = iter_records_with_raw(io.BytesIO(data))
    assert b"<History>" in payload and b"<InvestigatorList>" in payload
    assert parse_records(data) == [record]
    assert "Doe" not in {a.last_name for a in record.authors}  # investigators are not authors


@pytest.mark.parametrize(
    ("data", "kept"),
    [
        # a longer name is another element: kept
        (
            b"<a><HistoryNote>x</HistoryNote><History><b/></History></a>",
            b"<a><HistoryNote>x</HistoryNote></a>",
        ),
        # empty-element and attribute forms, a quoted ">" inside an attribute value
        (b"<a><History/><History x=\"1>2\" y='z'><b/></History>t</a>", b"<a>t</a>"),
        # nested unread elements end at the outer one's end tag
        (
            b"<a><ReferenceList><ReferenceList/><ReferenceList>r</ReferenceList></ReferenceList>u</a>",
            b"<a>u</a>",
        ),
    ],
)
def test_unread_elements_are_found_by_their_exact_tags(data: bytes, kept: bytes) -> None:
    assert _skip_unread(data, 0, final=True, plain=True) == (kept, b"", 0)


def test_a_stray_end_tag_of_an_unread_element_is_left_for_lxml_to_report() -> None:
    data = raw("metapub_38147649.xml").replace(b"<ArticleTitle>", b"<ArticleTitle></History>", 1)
    with pytest.raises(ParseError) as caught:
        parse_records(data, "stray.xml")
    assert caught.value.field == "xml" and caught.value.source == "stray.xml"


def test_a_malformed_article_fails_with_the_source_named() -> None:
    data = raw("metapub_38147649.xml").replace(b"</ArticleTitle>", b"</Title>", 1)
    with pytest.raises(ParseError) as caught:
        list(iter_records(io.BytesIO(data), "broken.xml"))
    assert caught.value.field == "xml" and caught.value.source == "broken.xml"


def test_namespaces_declared_around_an_article_still_apply_inside_it() -> None:
    data = raw("metapub_38147649.xml").replace(
        b"<PubmedArticleSet>", b'<PubmedArticleSet xmlns:mml="http://www.w3.org/1998/Math/MathML">', 1
    )
    data = data.replace(b"<ArticleTitle>", b"<ArticleTitle><mml:math><mml:mi>x</mml:mi></mml:math> ", 1)
    (record,) = parse_records(data)
    assert record == oracle(data)[0] and record.title.startswith("x Social anxiety")


def test_documents_not_in_utf8_are_read_without_cutting() -> None:
    data = raw("metapub_38147649.xml").replace(b"<ArticleTitle>Social", b"<ArticleTitle>Soci\xe9l", 1)
    latin = data.replace(b'<?xml version="1.0" ?>', b'<?xml version="1.0" encoding="ISO-8859-1"?>', 1)
    (record,) = parse_records(latin)
    assert record == oracle(latin)[0] and record.title.startswith("Sociél anxiety")


def two_articles() -> bytes:
    """A document of two real articles (distinct PMIDs; the first has a reference list)."""
    data = raw("pmparser_pubmed26n1335.xml.gz")
    start = data.index(b"<PubmedArticle>")
    second = data.index(b"<PubmedArticle>", start + 1)
    third = data.index(b"<PubmedArticle>", second + 1)
    return data[:third] + b"</PubmedArticleSet>\n"


def test_article_tags_with_spaces_or_attributes_are_read_as_lxml_reads_them() -> None:
    data = two_articles().replace(b"</PubmedArticle>", b"</PubmedArticle >", 1)
    first_end = data.index(b"</PubmedArticle >")
    data = data[:first_end] + data[first_end:].replace(b"<PubmedArticle>", b'<PubmedArticle a="1">', 1)
    expected = oracle(data)
    assert len(expected) == 2
    for size in (7, 65536):
        assert list(iter_records(Trickle(data, size))) == expected


@pytest.mark.parametrize("size", [1, 5, 16, 65536])
def test_the_encoding_is_read_from_the_whole_prolog_whatever_the_first_read(size: int) -> None:
    data = raw("metapub_38147649.xml").replace(b"<ArticleTitle>Social", b"<ArticleTitle>Soci\xe9l", 1)
    latin = data.replace(b'<?xml version="1.0" ?>', b'<?xml version="1.0" encoding="ISO-8859-1"?>', 1)
    (record,) = iter_records(Trickle(latin, size))
    assert record.title.startswith("Sociél anxiety")


def test_attribute_defaults_from_an_internal_subset_apply_to_every_article() -> None:
    data = re.sub(rb'(<MedlineCitation) Status="[^"]*"', rb"\1", two_articles())
    subset = b'<!DOCTYPE PubmedArticleSet [<!ATTLIST MedlineCitation Status CDATA "DEFAULTED">]>'
    data = re.sub(rb"<!DOCTYPE[^>]*>", subset, data, count=1)
    records = list(iter_records(Trickle(data, 4096)))
    assert records == oracle(data) and {r.status for r in records} == {"DEFAULTED"}


def test_an_unclosed_reference_list_cannot_swallow_the_next_article() -> None:
    data = two_articles()
    close = b"</Reference></ReferenceList>"
    end = data.index(close)  # the first article's list is closed only inside the second article
    data = data[:end] + data[end + len(close) :]
    second = data.index(b"<PubmedData>", data.index(b"</PubmedArticle>")) + len(b"<PubmedData>")
    data = data[:second] + close + data[second:]
    with pytest.raises(ParseError):
        oracle(data)  # lxml, reading every byte, refuses the document …
    with pytest.raises(ParseError) as caught:  # … and so does the filter, instead of losing an article
        list(iter_records(io.BytesIO(data), "unclosed.xml"))
    assert caught.value.field == "xml" and caught.value.source == "unclosed.xml"
