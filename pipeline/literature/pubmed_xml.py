"""Streaming parser for PubMed / MEDLINE XML (efetch output, baseline and update files) into Records.

Safety: a guard parser reads the prolog and refuses any entity declaration (billion laughs, external
entities) before the body is parsed; the ordinary PubMed DOCTYPE is accepted and its DTD never fetched.

    ParseError(source, field, snippet)   malformed XML, HTML page, eFetchResult ERROR, unexpected root
    └── TruncatedXML                     well-formed so far, but the stream ended mid-document
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date
from io import BytesIO
from typing import Any, BinaryIO
from xml.parsers import expat

from lxml import etree
from lxml.etree import _Element as Element

from pipeline.errors import ParseError
from pipeline.literature.identifiers import IdentifierError, parse_identifier, record_key
from pipeline.models import (
    AbstractSection,
    Author,
    Chemical,
    Correction,
    DeletedCitation,
    Journal,
    MeshHeading,
    MeshQualifier,
    OtherAbstract,
    PubDate,
    PublicationType,
    Record,
)

CHUNK = 64 * 1024
MAX_PROLOG = 1024 * 1024  # a real prolog is a few hundred bytes; more is an attack or not PubMed
_RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle", "DeleteCitation")
_MATHML = "{http://www.w3.org/1998/Math/MathML}"
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun"), 1)} | {
    m: i for i, m in enumerate(("jul", "aug", "sep", "oct", "nov", "dec"), 7)
}
_ID_KINDS = {"doi": "doi", "pmc": "pmcid"}  # ArticleId IdType → identifiers kind
_ORCID = re.compile(r"(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dX])")
_PMCID = re.compile(r"PMC[1-9]\d*")
_TRUNCATED_NOTE = re.compile(r"\(?ABSTRACT TRUNCATED( AT \d+ WORDS)?\)?\s*$", re.IGNORECASE)


class TruncatedXML(ParseError):
    """The stream ended before the document did (a cut-off download): worth retrying, unlike bad XML."""

    def __init__(self, source: str, snippet: str = "") -> None:
        super().__init__(source, "truncated", snippet)


class _RootFound(Exception):
    """Raised by the guard parser at the first element: the prolog is over."""


class _EntityDeclared(Exception):
    """Raised by the guard parser at any <!ENTITY …> declaration."""


# ----------------------------------------------------------------------------- streaming


def parse_records(data: bytes, source: str = "pubmed") -> list[Record | DeletedCitation]:
    """All records of an in-memory PubMed XML document (convenience over iter_records)."""
    return list(iter_records(BytesIO(data), source))


def iter_records(stream: BinaryIO, source: str = "pubmed") -> Iterator[Record | DeletedCitation]:
    """Yield each PubmedArticle / PubmedBookArticle as a Record and each DeleteCitation, in file order.

    Memory stays flat: each record element is freed once read. `source` names the input in errors.
    """
    chunks = iter(lambda: stream.read(CHUNK), b"")
    prolog, root = _check_prolog(chunks, source)
    parser, tail = _pull_parser(), b""
    for chunk in _chain(prolog, chunks):
        _feed(parser, chunk, source)
        tail = (tail + chunk)[-256:]
        for _, elem in parser.read_events():
            if elem.tag == "ERROR":  # <eFetchResult><ERROR>…: NCBI refused the request
                raise ParseError(source, "ERROR", flatten_text(elem) or "")
            yield _parse_element(elem, source)
            _drop(elem)
    try:
        parser.close()
    except etree.XMLSyntaxError as e:
        # a complete download ends with the root's end tag; without it the stream was cut off
        ended = tail.rstrip().endswith(f"</{root}>".encode())
        raise (ParseError(source, "xml", str(e)) if ended else TruncatedXML(source, str(e))) from e


def _pull_parser() -> etree.XMLPullParser:
    # lxml filters events on the record tags in C, so Python never sees the other elements: building the
    # tree runs ~1.9x faster than ElementTree iterparse (4,067 vs 2,195 articles per CPU second on 30,000
    # articles, benchmarks/bench_pubmed_parse.py). Entities are never expanded and nothing is fetched.
    return etree.XMLPullParser(
        events=("end",),
        tag=(*_RECORD_TAGS, "ERROR"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )


def _drop(elem: Element) -> None:
    """Free a parsed record and the emptied siblings before it, so the tree never grows."""
    elem.clear(keep_tail=False)
    parent = elem.getparent()
    while parent is not None and elem.getprevious() is not None:
        del parent[0]


def _chain(first: list[bytes], rest: Iterator[bytes]) -> Iterator[bytes]:
    yield from first
    yield from rest


def _feed(parser: etree.XMLPullParser, chunk: bytes, source: str) -> None:
    try:
        parser.feed(chunk)
    except etree.XMLSyntaxError as e:
        raise ParseError(source, "xml", str(e)) from e


def _check_prolog(chunks: Iterator[bytes], source: str) -> tuple[list[bytes], str]:
    """Read up to the root element with an expat guard that refuses entity declarations.

    Entities can only be declared in the DOCTYPE, which precedes the root element; once the root starts
    the rest of the document cannot declare any. Returns the chunks read so far (to parse again) and
    the root tag.
    """
    guard = expat.ParserCreate()
    guard.EntityDeclHandler = guard.UnparsedEntityDeclHandler = _forbid_entity
    guard.StartElementHandler = _stop_at_root
    seen: list[bytes] = []
    try:
        for chunk in chunks:
            if not seen:
                _reject_html(chunk, source)
            seen.append(chunk)
            if sum(map(len, seen)) > MAX_PROLOG:
                raise ParseError(source, "prolog", f"no root element in the first {MAX_PROLOG} bytes")
            guard.Parse(chunk, False)
    except _RootFound as found:
        return seen, _check_root(str(found), source)
    except _EntityDeclared as declared:
        raise ParseError(source, "entity", f"entity declarations are refused: {declared}") from None
    except expat.ExpatError as e:
        raise ParseError(source, "xml", str(e)) from e
    # the stream ended before the root element started
    raise TruncatedXML(source, "no root element") if seen else ParseError(source, "xml", "empty document")


def _forbid_entity(name: str, *_: object) -> None:
    raise _EntityDeclared(f"<!ENTITY {name} …>")


def _stop_at_root(tag: str, _attrs: object) -> None:
    raise _RootFound(tag)


def _reject_html(chunk: bytes, source: str) -> None:
    head = chunk[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        shown = head[:120].decode(errors="replace")
        raise ParseError(source, "html", f"got an HTML page instead of PubMed XML: {shown}")


def _check_root(tag: str, source: str) -> str:
    if tag.lower() == "html":
        raise ParseError(source, "html", "got an HTML page instead of PubMed XML")
    if tag not in ("PubmedArticleSet", "eFetchResult"):
        raise ParseError(source, "root", f"expected <PubmedArticleSet>, got <{tag}>")
    return tag


def _parse_element(elem: Element, source: str) -> Record | DeletedCitation:
    if elem.tag == "DeleteCitation":
        return DeletedCitation(pmids=[p.text.strip() for p in elem.iter("PMID") if p.text])
    try:
        return parse_book(elem) if elem.tag == "PubmedBookArticle" else parse_article(elem)
    except (IdentifierError, ValueError) as e:
        pmid = next((p.text for p in elem.iter("PMID")), None) or "?"
        raise ParseError(f"{source} PMID {pmid.strip()}", type(e).__name__, str(e)) from e


# ----------------------------------------------------------------------------- records


def parse_article(article: Element) -> Record:
    """One <PubmedArticle> as a Record."""
    citation = _child(article, "MedlineCitation")
    article_node = _child(citation, "Article")
    cit, art = _kids(citation), _kids(article_node)
    ids = parse_article_ids(article.find("PubmedData/ArticleIdList"))
    ids["doi"] = ids.get("doi") or parse_elocation_doi(article_node)
    issue = _kids(_kids(art.get("Journal")).get("JournalIssue"))
    return Record(
        **_identity(_child(citation, "PMID"), ids),
        **_abstract_fields(art.get("Abstract")),
        **_date_fields(parse_pub_date(issue.get("PubDate"), art.get("ArticleDate"))),
        title=flatten_text(art.get("ArticleTitle")) or flatten_text(art.get("VernacularTitle")),
        other_abstracts=parse_other_abstracts(citation.iterchildren("OtherAbstract")),
        language=_texts(article_node.iterchildren("Language")),
        journal=parse_journal(art, issue, _kids(cit.get("MedlineJournalInfo"))),
        authors=parse_authors(art.get("AuthorList")),
        publication_types=parse_publication_types(_grandchildren(art.get("PublicationTypeList"))),
        mesh_headings=parse_mesh(_grandchildren(cit.get("MeshHeadingList"))),
        keywords=parse_keywords(citation.iterchildren("KeywordList")),
        chemicals=parse_chemicals(_grandchildren(cit.get("ChemicalList"))),
        corrections=parse_corrections(_grandchildren(cit.get("CommentsCorrectionsList"))),
        status=citation.get("Status"),
        date_revised=parse_date(cit.get("DateRevised")),
        source="pubmed",
    )


def parse_book(article: Element) -> Record:
    """One <PubmedBookArticle> (a book or chapter, e.g. GeneReviews) as a Record with is_book=True."""
    doc_node = _child(article, "BookDocument")
    doc, book = _kids(doc_node), _kids(doc_node.find("Book"))
    ids = parse_article_ids(doc.get("ArticleIdList"))
    ids.update(parse_article_ids(article.find("PubmedBookData/ArticleIdList")))
    book_title = flatten_text(book.get("BookTitle"))
    authors = doc_node.find("AuthorList[@Type='authors']")
    return Record(
        **_identity(_child(doc_node, "PMID"), ids),
        **_abstract_fields(doc.get("Abstract")),
        **_date_fields(parse_pub_date(book.get("PubDate"), None)),
        title=flatten_text(doc.get("ArticleTitle")) or book_title,
        language=_texts(doc_node.iterchildren("Language")),
        journal=Journal(title=book_title),  # the container of a chapter is its book
        authors=parse_authors(doc.get("AuthorList") if authors is None else authors),
        publication_types=parse_publication_types(doc_node.iterchildren("PublicationType")),
        keywords=parse_keywords(doc_node.iterchildren("KeywordList")),
        date_revised=parse_date(doc.get("DateRevised")),
        is_book=True,
        source="pubmed",
    )


def _identity(pmid_node: Element, ids: dict[str, str | None]) -> dict[str, Any]:
    pmid, doi, pmcid = (pmid_node.text or "").strip(), ids.pop("doi", None), ids.pop("pmc", None)
    return {
        "record_id": record_key(pmid=pmid, doi=doi, pmcid=pmcid),
        "pmid": pmid,
        "pmid_version": _int(pmid_node.get("Version")),
        "doi": doi,
        "pmcid": pmcid,
        "other_ids": {k: v for k, v in ids.items() if v},
    }


def _abstract_fields(node: Element | None) -> dict[str, Any]:
    abstract, sections, complete = parse_abstract(node)
    return {"abstract": abstract, "abstract_sections": sections, "abstract_complete": complete}


def _date_fields(pub_date: PubDate) -> dict[str, Any]:
    return {"pub_date": pub_date, "year": pub_date.year}


# ----------------------------------------------------------------------------- fields


def flatten_text(node: Element | None) -> str | None:
    """Text of an element with inline markup (<i>, <sup>, MathML …) flattened and whitespace collapsed."""
    if node is None:
        return None
    if len(node):
        parts: list[str] = []
        _collect_text(node, parts)
        text = "".join(parts)
    else:
        text = node.text or ""
    return " ".join(text.split()) or None


def _collect_text(node: Element, parts: list[str]) -> None:
    if node.text:
        parts.append(node.text)
    for child in node:
        if child.tag.startswith(_MATHML):
            parts.append(_math_text(child))
        else:
            _collect_text(child, parts)
        if child.tail:
            parts.append(child.tail)


def _math_text(math: Element) -> str:
    """MathML as text: whitespace between elements is layout, so tokens join tightly; <mtext> is kept."""
    texts = (n.text if n.tag.endswith("mtext") else n.text.strip() for n in math.iter() if n.text)
    return "".join(texts)


def parse_article_ids(node: Element | None) -> dict[str, str | None]:
    """ArticleIdList as {IdType: value}; doi and pmc normalised (None if malformed), PubMed id dropped."""
    ids: dict[str, str | None] = {}
    for item in node.iterchildren("ArticleId") if node is not None else ():
        kind, value = item.get("IdType", "").lower(), (item.text or "").strip()
        if value and kind not in ("pubmed", "") and kind not in ids:
            ids[kind] = _normalised_id(value, _ID_KINDS[kind]) if kind in _ID_KINDS else value
    return ids


def parse_elocation_doi(article: Element) -> str | None:
    """The DOI from <ELocationID EIdType="doi">, used when PubmedData lists none."""
    for loc in article.iterchildren("ELocationID"):
        if loc.get("EIdType") == "doi" and loc.get("ValidYN", "Y") == "Y" and loc.text:
            return _normalised_id(loc.text, "doi")
    return None


def parse_abstract(node: Element | None) -> tuple[str | None, list[AbstractSection], bool | None]:
    """(flattened "LABEL: text LABEL: text", labelled sections, complete?) of an Abstract element."""
    texts = node.iterchildren("AbstractText") if node is not None else ()
    parts = [(p, text) for p in texts if (text := flatten_text(p))]
    if not parts:
        return None, [], None
    sections = [
        AbstractSection(label=p.get("Label"), category=p.get("NlmCategory"), text=t) for p, t in parts
    ]
    abstract = " ".join(f"{s.label}: {s.text}" if s.label else s.text for s in sections)
    labelled = sections if any(s.label for s in sections) else []
    return abstract, labelled, not _TRUNCATED_NOTE.search(abstract)


def parse_other_abstracts(nodes: Iterable[Element]) -> list[OtherAbstract]:
    """<OtherAbstract> blocks (translations, plain-language summaries) with their type and language."""
    found = [(n, parse_abstract(n)[0]) for n in nodes]
    return [OtherAbstract(type=n.get("Type"), language=n.get("Language"), text=t) for n, t in found if t]


def parse_journal(art: dict[str, Element], issue: dict[str, Element], info: dict[str, Element]) -> Journal:
    """Journal title, ISO abbreviation, ISSNs, volume, issue and pages (children indexed by tag)."""
    journal, pagination = _kids(art.get("Journal")), _kids(art.get("Pagination"))
    pages = _text(pagination.get("MedlinePgn")) or "-".join(
        p for p in (_text(pagination.get("StartPage")), _text(pagination.get("EndPage"))) if p
    )
    return Journal(
        title=_text(journal.get("Title")),
        iso_abbreviation=_text(journal.get("ISOAbbreviation")),
        issn=_text(journal.get("ISSN")),
        issn_linking=_text(info.get("ISSNLinking")),
        volume=_text(issue.get("Volume")),
        issue=_text(issue.get("Issue")),
        pages=pages or None,
    )


def parse_pub_date(pub: Element | None, electronic: Element | None) -> PubDate:
    """PubDate from Year/Month/Day, Season or MedlineDate; the ArticleDate stands in when it has no year."""
    parts = _kids(pub)
    if "MedlineDate" in parts:
        return parse_medline_date(_text(parts["MedlineDate"]) or "")
    if "Year" not in parts and electronic is not None:
        parts = _kids(electronic)
    texts = [_text(parts.get(tag)) for tag in ("Year", "Month", "Day", "Season")]
    return PubDate(
        year=_int(texts[0]),
        month=_month(texts[1]),
        day=_int(texts[2]),
        season=texts[3],
        original=" ".join(t for t in texts if t) or None,
    )


def parse_medline_date(text: str) -> PubDate:
    """A free-form MedlineDate ("1998 Dec-1999 Jan", "2000 Spring"): first year and month, original kept."""
    year = re.search(r"\b(\d{4})\b", text)
    month = re.fullmatch(r"\s*\d{4}\s+([A-Za-z]{3})[a-z]*(?:\s+\d{1,2})?\s*", text)  # a range has none
    season = re.search(r"\b(Spring|Summer|Autumn|Fall|Winter)\b", text, re.IGNORECASE)
    return PubDate(
        year=int(year.group(1)) if year else None,
        month=_month(month.group(1)) if month else None,
        season=season.group(1) if season else None,
        original=text.strip() or None,
    )


def parse_date(node: Element | None) -> date | None:
    """A Year/Month/Day element (DateRevised, DateCompleted) as a date; None when incomplete."""
    parts = _kids(node)
    year, day = _int(_text(parts.get("Year"))), _int(_text(parts.get("Day")))
    month = _month(_text(parts.get("Month")))
    return date(year, month, day) if year and month and day else None


def parse_authors(node: Element | None) -> list[Author]:
    """Individual and collective authors, skipping entries NLM marked invalid (ValidYN="N")."""
    authors = node.iterchildren("Author") if node is not None else ()
    return [parse_author(a) for a in authors if a.get("ValidYN") != "N"]


def parse_author(node: Element) -> Author:
    """One <Author>: names, affiliations (current and pre-2014 layouts) and ORCID."""
    names: dict[str, Element] = {}
    affiliations: list[str | None] = []
    orcid = None
    for child in node:  # one pass over the children: this runs ~10 times per article
        if child.tag == "AffiliationInfo":
            affiliations.append(flatten_text(child.find("Affiliation")))
        elif child.tag == "Affiliation":
            affiliations.append(flatten_text(child))
        elif child.tag == "Identifier" and child.get("Source") == "ORCID":
            orcid = orcid or _orcid(child.text or "")
        else:
            names[child.tag] = child
    return Author(
        last_name=_text(names.get("LastName")),
        fore_name=_text(names.get("ForeName")),
        initials=_text(names.get("Initials")),
        collective_name=flatten_text(names.get("CollectiveName")),
        affiliations=[a for a in affiliations if a],
        orcid=orcid,
    )


def _orcid(text: str) -> str | None:
    """The ORCID in its bare 0000-0000-0000-000X form, whichever URL or spacing PubMed gives."""
    match = _ORCID.search(text)
    return "-".join(match.groups()) if match else None


def parse_publication_types(nodes: Iterable[Element]) -> list[PublicationType]:
    """PublicationType names with their MeSH UI (e.g. D016441 Retracted Publication)."""
    return [PublicationType(name=name, ui=n.get("UI")) for n in nodes if (name := _text(n))]


def parse_mesh(headings: Iterable[Element]) -> list[MeshHeading]:
    """MeSH headings with qualifiers; `major` is each descriptor's or qualifier's own MajorTopicYN."""
    found = []
    for heading in headings:
        desc, qualifiers = None, []
        for child in heading:
            if child.tag == "DescriptorName":
                desc = child
            elif child.tag == "QualifierName" and (name := _text(child)):
                qualifiers.append(MeshQualifier(name=name, ui=child.get("UI"), major=_yes(child)))
        if desc is not None and (descriptor := _text(desc)):
            found.append(
                MeshHeading(descriptor=descriptor, ui=desc.get("UI"), major=_yes(desc), qualifiers=qualifiers)
            )
    return found


def parse_keywords(lists: Iterable[Element]) -> list[str]:
    """Keywords from every KeywordList (NLM and author-supplied), markup flattened."""
    return _texts(k for node in lists for k in node.iterchildren("Keyword"))


def parse_chemicals(nodes: Iterable[Element]) -> list[Chemical]:
    """ChemicalList entries; a RegistryNumber of "0" means none was assigned."""
    found = []
    for chem in nodes:
        kids = _kids(chem)
        name, registry = kids.get("NameOfSubstance"), _text(kids.get("RegistryNumber"))
        if name is not None and _text(name):
            number = None if registry == "0" else registry
            found.append(Chemical(name=_text(name), ui=name.get("UI"), registry_number=number))
    return found


def parse_corrections(nodes: Iterable[Element]) -> list[Correction]:
    """CommentsCorrections links (RetractionIn, ErratumFor, CommentOn …) with linked PMID and RefSource."""
    found = []
    for item in nodes:
        kids = _kids(item)
        pmid, ref = _text(kids.get("PMID")), _text(kids.get("RefSource"))
        found.append(Correction(type=item.get("RefType", "Other"), pmid=pmid, ref_source=ref))
    return found


# ----------------------------------------------------------------------------- helpers


def _child(node: Element, tag: str) -> Element:
    found = node.find(tag)
    if found is None:
        raise ValueError(f"<{node.tag}> has no <{tag}>")
    return found


def _kids(node: Element | None) -> dict[str, Element]:
    """Children by tag, first one winning: one pass instead of a find() per field (3-4x faster)."""
    kids: dict[str, Element] = {}
    for child in node if node is not None else ():
        kids.setdefault(child.tag, child)
    return kids


def _grandchildren(node: Element | None) -> Iterable[Element]:
    return node.iterchildren() if node is not None else ()


def _text(node: Element | None) -> str | None:
    text = node.text if node is not None else None
    return (text.strip() or None) if text else None


def _texts(nodes: Iterable[Element]) -> list[str]:
    return [t for n in nodes if (t := flatten_text(n))]


def _yes(node: Element) -> bool:
    return node.get("MajorTopicYN") == "Y"


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def _month(text: str | None) -> int | None:
    number = _int(text) if text else None
    month = number if number is not None else _MONTHS.get((text or "")[:3].lower())
    return month if month and 1 <= month <= 12 else None


def _normalised_id(text: str, kind: str) -> str | None:
    """The normalised DOI / PMCID, or None for a value that is not one (publishers mistype these)."""
    if kind == "pmcid" and _PMCID.fullmatch(text):
        return text  # the usual shape: skip the general parser
    try:
        ident = parse_identifier(text)
    except IdentifierError:
        return None
    return ident.value if ident.kind == kind else None
