"""Streaming parser for PubMed / MEDLINE XML (efetch output, baseline and update files) into Records.

Safety: a guard parser reads the prolog and refuses any entity declaration (billion laughs, external
entities) before the body is parsed; the ordinary PubMed DOCTYPE is accepted and its DTD never fetched.
The per-field functions live in pubmed_fields.py; this module streams, guards and assembles Records.

    ParseError(source, field, snippet)   malformed XML, HTML page, eFetchResult ERROR, unexpected root
    └── TruncatedXML                     well-formed so far, but the stream ended mid-document
"""

from __future__ import annotations

import os
import re
from collections import deque
from collections.abc import Iterator
from io import BytesIO
from itertools import chain
from typing import Any, BinaryIO
from xml.parsers import expat

from lxml import etree
from lxml.etree import _Element as Element

from pipeline.errors import ParseError
from pipeline.literature.identifiers import IdentifierError, record_key
from pipeline.literature.pubmed_fields import (
    child_nodes,
    children_by_tag,
    children_grouped,
    first_child,
    flatten_text,
    node_texts,
    parse_abstract,
    parse_article_ids,
    parse_authors,
    parse_chemicals,
    parse_corrections,
    parse_date,
    parse_elocation_doi,
    parse_journal,
    parse_keywords,
    parse_medline_date,
    parse_mesh,
    parse_other_abstracts,
    parse_pub_date,
    parse_publication_types,
    to_int,
    validator,
)
from pipeline.models import DeletedCitation, Journal, PubDate, Record

__all__ = [  # flatten_text and parse_medline_date lived here before the split: re-exported
    "TruncatedXML",
    "flatten_text",
    "iter_records",
    "iter_records_with_raw",
    "parse_article",
    "parse_book",
    "parse_medline_date",
    "parse_records",
]

CHUNK = 64 * 1024
MAX_PROLOG = 1024 * 1024  # a real prolog is a few hundred bytes; more is an attack or not PubMed
_RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle", "DeleteCitation")
_SAFE = {"resolve_entities": False, "no_network": True, "load_dtd": False, "remove_comments": True}
_record = validator(Record)
_TAIL = 256  # bytes kept from the end of the stream, to tell a cut-off download from bad XML
# elements no Record field reads (field functions in pubmed_fields.py), dropped by iter_records unparsed
_UNREAD = (b"ReferenceList", b"History", b"InvestigatorList")
# their tags, and the markup in which a tag would be text (with how each ends)
_MARKUP = re.compile(rb"</?(" + b"|".join(_UNREAD) + rb")|<!--|<!\[CDATA\[|<\?")
_UNREAD_OPEN = re.compile(rb"</?(?:" + b"|".join(_UNREAD) + rb")")
_NAME = b"PubmedArticle"  # only <PubmedArticle> and </PubmedArticle> are cut out, to parse alone
_PREDEFINED = (b"&amp;", b"&lt;", b"&gt;", b"&quot;", b"&apos;", b"&#")
_ENCODING = re.compile(rb"(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)")
_CLOSERS = {b"<!--": b"-->", b"<![CDATA[": b"]]>", b"<?": b"?>"}
_SPACE = rb"[ \t\r\n]"
_START_REST = re.compile(rb"(?:%s+[^ \t\r\n=/>]+%s*=%s*(?:\"[^\"]*\"|'[^']*'))*%s*(/?)>" % ((_SPACE,) * 4))
_END_REST = re.compile(_SPACE + rb"*>")


class TruncatedXML(ParseError):
    """The stream ended before the document did (a cut-off download): worth retrying, unlike bad XML."""

    def __init__(self, source: str, snippet: str = "") -> None:
        super().__init__(source, "truncated", snippet)

    def _init_args(self) -> tuple[object, ...]:
        return self.source, self.snippet


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
    Elements no Record field reads (reference lists, History …) are dropped unparsed: see _ByteFilter.
    """
    for elem in _record_elements(stream, source, skip_unread=True):
        yield _parse_element(elem, source)


def iter_records_with_raw(
    stream: BinaryIO, source: str = "pubmed"
) -> Iterator[tuple[Record | DeletedCitation, bytes]]:
    """Like iter_records, each item paired with its whole element (references included) as UTF-8 XML,
    for the store to keep: no declaration or tail; wrapped in <PubmedArticleSet> it parses back the same.
    """
    for elem in _record_elements(stream, source):
        yield _parse_element(elem, source), etree.tostring(elem, encoding="UTF-8", with_tail=False)


def _record_elements(stream: BinaryIO, source: str, skip_unread: bool = False) -> Iterator[Element]:
    """Each record element in turn, freed once the consumer asks for the next one."""
    chunks = iter(lambda: stream.read(CHUNK), b"")
    prolog, root, subset = _check_prolog(chunks, source)
    alone = f"Alone{os.urandom(8).hex()}"  # unguessable: a document cannot fake a placeholder
    parser, tail = _pull_parser(alone), b""
    # articles are parsed alone as UTF-8 and without the DTD: an internal subset could declare defaults
    cut = skip_unread and not subset and _declares_utf8(b"".join(prolog))
    filtered = _ByteFilter(f"<{alone}/>".encode() if cut else None) if skip_unread else None
    alone_parser = etree.XMLParser(remove_pis=True, **_SAFE)  # one per stream: parsers are not shared
    for chunk in chain(prolog, chunks):
        tail = (tail + chunk[-_TAIL:])[-_TAIL:]
        _feed(parser, _filtered(filtered, chunk, source) if filtered else chunk, source)
        for _, elem in parser.read_events():
            if elem.tag == "ERROR":  # <eFetchResult><ERROR>…: NCBI refused the request
                raise ParseError(source, "ERROR", flatten_text(elem) or "")
            if elem.tag == alone and filtered:
                yield _parse_alone(filtered.articles.popleft(), elem.nsmap, alone_parser, source)
            else:
                yield elem
            _drop(elem)
    try:
        if filtered:
            _feed(parser, _filtered(filtered, b"", source), source)  # whatever it held back at the end
        parser.close()
    except etree.XMLSyntaxError as e:
        # a complete download ends with the root's end tag; without it the stream was cut off
        ended = tail.rstrip().endswith(f"</{root}>".encode())
        raise (ParseError(source, "xml", str(e)) if ended else TruncatedXML(source, str(e))) from e


def _filtered(filtered: _ByteFilter, chunk: bytes, source: str) -> bytes:
    try:
        return filtered.send(chunk)
    except UnclosedUnread as e:
        raise ParseError(source, "xml", f"an unclosed element runs into the next record near: {e}") from None


def _pull_parser(alone: str) -> etree.XMLPullParser:
    # lxml filters events on the record tags in C, so Python never sees the other elements: building the
    # tree runs ~1.7x faster than ElementTree iterparse (3,901 vs 2,248 articles per CPU second on 30,000
    # articles, benchmarks/bench_pubmed_parse.py). Entities are never expanded and nothing is fetched.
    return etree.XMLPullParser(events=("end",), tag=(*_RECORD_TAGS, "ERROR", alone), remove_pis=True, **_SAFE)


def _parse_alone(
    article: bytes, nsmap: dict[str | None, str], parser: etree.XMLParser, source: str
) -> Element:
    """A <PubmedArticle> cut out of the stream, parsed as a document of its own (same safe options).

    Without the pull parser's per-element callbacks (each takes the GIL back) building the tree costs
    ~25% fewer instructions. Namespaces declared around the article (`nsmap`, the placeholder's) are
    declared again on a wrapper. An error's line and column count from the article's start.
    """
    try:
        if not nsmap:
            return etree.fromstring(article, parser)
        names = " ".join(f'xmlns{":" if p else ""}{p or ""}="{_escaped(uri)}"' for p, uri in nsmap.items())
        return etree.fromstring(f"<w {names}>".encode() + article + b"</w>", parser)[0]
    except etree.XMLSyntaxError as e:
        raise ParseError(source, "xml", str(e)) from e


def _escaped(value: str) -> str:
    """`value` as the text of a double-quoted XML attribute."""
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _drop(elem: Element) -> None:
    """Free a parsed record and the emptied siblings before it, so the tree never grows."""
    elem.clear(keep_tail=False)
    parent = elem.getparent()
    while parent is not None and elem.getprevious() is not None:
        del parent[0]


class _ByteFilter:
    """The bytes iter_records feeds lxml: without the _UNREAD elements and, given a `placeholder`, with
    each <PubmedArticle> moved whole to `articles` (to parse alone) and the placeholder in its place.

    No Record field comes from the _UNREAD elements, and they hold ~45% of an article's elements (a
    baseline file's reference lists alone are a third of its bytes). Outside comments, CDATA and PIs
    (stepped over whole) a literal "<History>" can only be that tag: "<" is escaped in text and
    attributes. An unfinished tag is held back until the next chunk; send(b"") at the end returns it.
    Skipped bytes are not parsed: malformed XML inside a dropped element goes unreported (an unclosed one
    still fails the document, a stray end tag too). Articles stay in the stream when their chunk has a
    comment, CDATA or PI, or when they use an entity other than the five predefined.
    """

    def __init__(self, placeholder: bytes | None) -> None:
        self.held, self.depth, self.placeholder = b"", 0, placeholder
        self.article: list[bytes] | None = None  # the pieces of the article being cut out
        self.articles: deque[bytes] = deque()
        self.odd = False  # an article tag in a form the cut does not follow was seen: cut no more

    def send(self, chunk: bytes) -> bytes:
        """The bytes to feed lxml for this chunk; b"" at the end of the stream."""
        data = self.held + chunk
        plain = _plain(data)
        data, self.held, self.depth = _skip_unread(data, self.depth, final=not chunk, plain=plain)
        if self.placeholder is None:
            return data
        return self._cut(data) if plain and chunk else self._uncut(data)

    def _cut(self, data: bytes) -> bytes:
        out, pos, size = [], 0, len(_NAME)
        at = data.find(_NAME)  # one search finds both tags: "<PubmedArticle>" and "</PubmedArticle>"
        while at != -1:
            after = data[at + size : at + size + 1]
            tag = 1 if at >= 1 and data[at - 1] == 60 else 2 if data[max(at - 2, 0) : at] == b"</" else 0
            if tag and after != b">" and after != b"S":  # spaces or attributes (or <PubmedArticleSet>)
                self.odd = True  # written in a form the cut does not follow: lxml reads the rest
            elif tag == 1 and after == b">":  # a start tag (another inside an article: its own)
                out.append(self._uncut(data[pos : at - 1]))  # (an unfinished article stays in the stream)
                self.article, pos = [], at - 1
            elif tag == 2 and after == b">" and self.article is not None:
                end = at + size + 1
                self.article.append(data[pos:end])
                article, self.article, pos = b"".join(self.article), None, end
                out.append(self._alone(article))
            at = data.find(_NAME, at + size)
        if self.article is not None:
            self.article.append(data[pos:])
            return b"".join(out)
        out.append(data[pos:])
        return b"".join(out)

    def _alone(self, article: bytes) -> bytes:
        """The placeholder for a cut-out article, or the article itself if only lxml can read it."""
        if self.odd:
            return article  # an article tag was written with spaces or attributes: the cut may be wrong
        at = article.find(b"&")
        while at != -1:
            if not article.startswith(_PREDEFINED, at):
                return article
            at = article.find(b"&", at + 2)
        self.articles.append(article)
        return self.placeholder  # type: ignore[return-value]  # _cut runs only with a placeholder

    def _uncut(self, data: bytes) -> bytes:
        """`data` after the article cut so far, which stays in the stream."""
        article, self.article = b"".join(self.article or ()), None
        return article + data


class UnclosedUnread(Exception):
    """An unread element that was never closed ran into the next record: the document is malformed."""


def _skip_unread(data: bytes, depth: int, final: bool, plain: bool) -> tuple[bytes, bytes, int]:
    """(`data` minus its unread elements, the unfinished end to hold back, depth inside one)."""
    kept, pos = [], 0
    for start, end, closer in _markup(data, plain):
        if start < pos:  # inside a comment, CDATA or PI already stepped over
            continue
        if depth > 0:
            _check_skipped(data, pos, start)
        if isinstance(closer, int):  # a start (+1), end (-1) or empty-element (0) tag of an unread element
            if depth == 0 and closer < 0:
                continue  # a stray end tag: left in, for lxml to report
            if depth == 0:
                kept.append(data[pos:start])
            depth, pos = depth + closer, end
            continue
        if depth == 0:
            kept.append(data[pos:start])
        close = data.find(closer, end)
        if close == -1 and not final:  # finish it with the next chunk
            return b"".join(kept), data[start:], depth
        pos = len(data) if close == -1 else close + len(closer)
        if depth == 0:
            kept.append(data[start:pos])
    rest, held = data[pos:], b""
    cut = rest.rfind(b"<")
    # a tag split across chunks; an unread one may hold a quoted ">" (legal in attribute values)
    if not final and cut != -1 and (rest.find(b">", cut) == -1 or _UNREAD_OPEN.match(rest, cut)):
        rest, held = rest[:cut], rest[cut:]
    if depth == 0:
        kept.append(rest)
    else:
        _check_skipped(rest, 0, len(rest))
    return b"".join(kept), held, depth


# the next record's start tag (text cannot hold a "<"): an unread element left open swallows it, unless
# it runs to the end of the stream, where the root's dropped end tag makes lxml refuse the document
_RECORD_MARKS = (b"<PubmedArticle", b"<PubmedBookArticle")


def _check_skipped(data: bytes, start: int, end: int) -> None:
    """Refuse to drop a record's tag: the unread element around it was never closed (or closed late)."""
    for mark in _RECORD_MARKS:
        at = data.find(mark, start, end)  # searched in place: dropped spans are a third of the bytes
        if at != -1:
            raise UnclosedUnread(data[at : at + 80].decode("utf-8", "replace"))


def _markup(data: bytes, plain: bool) -> Iterator[tuple[int, int, int | bytes]]:
    """(start, end, depth step) of each unread element's tag and (start, end, closer) of each comment,
    CDATA or PI opening, in order.

    bytes.find of each tag name, looking back for "<" or "</", costs a fraction of matching a pattern at
    every "<"; the pattern runs only on chunks with a comment, CDATA or PI (PubMed files have none).
    """
    if plain:
        found = []
        for name in _UNREAD:
            at = data.find(name)
            while at != -1:
                tag = _tag_at(data, at, at + len(name))
                if tag:
                    found.append(tag)
                at = data.find(name, at + len(name))
        yield from sorted(found)
        return
    for match in _MARKUP.finditer(data):
        if match.group(1) is None:
            yield match.start(), match.end(), _CLOSERS[match.group(0)]
        elif tag := _tag_at(data, match.start(1), match.end(1)):
            yield tag


def _plain(data: bytes) -> bool:
    """True when `data` has no comment, CDATA or PI (nor DOCTYPE): then "<" starts only tags."""
    for mark in (b"!", b"?"):  # each found by memchr and rare in text: cheaper than searching "<!"
        at = data.find(mark)
        while at != -1:
            if at and data[at - 1] == 60:  # 60 = "<"
                return False
            at = data.find(mark, at + 1)
    return True


def _declares_utf8(head: bytes) -> bool:
    """True unless the XML declaration names an encoding other than UTF-8 (the default)."""
    found = _ENCODING.match(head)
    return found is None or found.group(1).lower() in (b"utf-8", b"utf8")


def _tag_at(data: bytes, name: int, name_end: int) -> tuple[int, int, int] | None:
    """(start, end, depth step) of the tag whose name spans data[name:name_end], if that is a whole tag
    (not text, nor a longer name such as <HistoryNote>); None for an unfinished or malformed one."""
    closing = data[name - 2 : name] == b"</"
    start = name - 2 if closing else name - 1
    if start < 0 or data[start] != 60:  # 60 = "<"
        return None
    rest = (_END_REST if closing else _START_REST).match(data, name_end)
    if rest is None:
        return None
    return start, rest.end(), -1 if closing else (0 if rest.group(1) else 1)


def _feed(parser: etree.XMLPullParser, chunk: bytes, source: str) -> None:
    try:
        parser.feed(chunk)
    except etree.XMLSyntaxError as e:
        raise ParseError(source, "xml", str(e)) from e


# ----------------------------------------------------------------------------- safety guard


def _check_prolog(chunks: Iterator[bytes], source: str) -> tuple[list[bytes], str, bool]:
    """Read up to the root element with an expat guard that refuses entity declarations.

    Entities can only be declared in the DOCTYPE, which precedes the root element; once the root starts
    the rest of the document cannot declare any. Returns the chunks read so far (to parse again), the
    root tag, and whether the DOCTYPE has an internal subset (which may declare attribute defaults).
    """
    guard = expat.ParserCreate()
    guard.EntityDeclHandler = guard.UnparsedEntityDeclHandler = _forbid_entity
    guard.StartElementHandler = _stop_at_root
    subset: list[bool] = []
    guard.StartDoctypeDeclHandler = lambda _name, _system, _public, internal: subset.append(bool(internal))
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
        return seen, _check_root(str(found), source), any(subset)
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


# ----------------------------------------------------------------------------- records


def _parse_element(elem: Element, source: str) -> Record | DeletedCitation:
    if elem.tag == "DeleteCitation":
        return DeletedCitation(pmids=[p.text.strip() for p in elem.iter("PMID") if p.text])
    try:
        return parse_book(elem) if elem.tag == "PubmedBookArticle" else parse_article(elem)
    except (IdentifierError, ValueError) as e:
        pmid = next((p.text for p in elem.iter("PMID")), None) or "?"
        raise ParseError(f"{source} PMID {pmid.strip()}", type(e).__name__, str(e)) from e


def parse_article(article: Element) -> Record:
    """One <PubmedArticle> as a Record."""
    top = children_by_tag(article)
    citation = _required(top, "MedlineCitation", article)
    cit = children_grouped(citation)
    article_node = _required(cit, "Article", citation)
    art = children_grouped(article_node)
    ids = parse_article_ids(first_child(top.get("PubmedData"), "ArticleIdList"))
    ids["doi"] = ids.get("doi") or parse_elocation_doi(art.get("ELocationID", ()))
    journal = children_by_tag(_first(art, "Journal"))
    issue = children_by_tag(journal.get("JournalIssue"))
    title = flatten_text(_first(art, "ArticleTitle")) or flatten_text(_first(art, "VernacularTitle"))
    return _record(
        {
            **_identity(_required(cit, "PMID", citation), ids),
            **_abstract_fields(_first(art, "Abstract")),
            **_date_fields(parse_pub_date(issue.get("PubDate"), _first(art, "ArticleDate"))),
            "title": title,
            "other_abstracts": parse_other_abstracts(cit.get("OtherAbstract", ())),
            "language": node_texts(art.get("Language", ())),
            "journal": parse_journal(
                journal, issue, _first(art, "Pagination"), _first(cit, "MedlineJournalInfo")
            ),
            "authors": parse_authors(_first(art, "AuthorList")),
            "publication_types": parse_publication_types(child_nodes(_first(art, "PublicationTypeList"))),
            "mesh_headings": parse_mesh(child_nodes(_first(cit, "MeshHeadingList"))),
            "keywords": parse_keywords(cit.get("KeywordList", ())),
            "chemicals": parse_chemicals(child_nodes(_first(cit, "ChemicalList"))),
            "corrections": parse_corrections(child_nodes(_first(cit, "CommentsCorrectionsList"))),
            "status": citation.get("Status"),
            "date_revised": parse_date(_first(cit, "DateRevised")),
            "source": "pubmed",
        }
    )


def parse_book(article: Element) -> Record:
    """One <PubmedBookArticle> (a book or chapter, e.g. GeneReviews) as a Record with is_book=True."""
    top = children_by_tag(article)
    doc_node = _required(top, "BookDocument", article)
    doc = children_by_tag(doc_node)
    book = children_by_tag(doc.get("Book"))
    ids = parse_article_ids(doc.get("ArticleIdList"))
    ids.update(parse_article_ids(first_child(top.get("PubmedBookData"), "ArticleIdList")))
    book_title = flatten_text(book.get("BookTitle"))
    authors = next((a for a in doc_node.iterchildren("AuthorList") if a.get("Type") == "authors"), None)
    return Record(
        **_identity(_required(doc, "PMID", doc_node), ids),
        **_abstract_fields(doc.get("Abstract")),
        **_date_fields(parse_pub_date(book.get("PubDate"), None)),
        title=flatten_text(doc.get("ArticleTitle")) or book_title,
        language=node_texts(doc_node.iterchildren("Language")),
        journal=Journal(title=book_title),  # the container of a chapter is its book
        authors=parse_authors(doc.get("AuthorList") if authors is None else authors),
        publication_types=parse_publication_types(doc_node.iterchildren("PublicationType")),
        keywords=parse_keywords(doc_node.iterchildren("KeywordList")),
        date_revised=parse_date(doc.get("DateRevised")),
        is_book=True,
        source="pubmed",
    )


def _required(kids: dict[str, Element] | dict[str, list[Element]], tag: str, parent: Element) -> Element:
    found = kids.get(tag)
    if isinstance(found, list):  # children_grouped: the first of the group
        found = found[0]
    if found is None:
        raise ValueError(f"<{parent.tag}> has no <{tag}>")
    return found


def _first(groups: dict[str, list[Element]], tag: str) -> Element | None:
    found = groups.get(tag)
    return found[0] if found else None


def _identity(pmid_node: Element, ids: dict[str, str | None]) -> dict[str, Any]:
    pmid, doi, pmcid = (pmid_node.text or "").strip(), ids.pop("doi", None), ids.pop("pmc", None)
    return {
        "record_id": _record_id(pmid, doi, pmcid),
        "pmid": pmid,
        "pmid_version": to_int(pmid_node.get("Version")),
        "doi": doi,
        "pmcid": pmcid,
        "other_ids": {k: v for k, v in ids.items() if v},
    }


def _record_id(pmid: str, doi: str | None, pmcid: str | None) -> str:
    """record_key, without its dozen identifier patterns for the plain PMID every article has."""
    if pmid.isascii() and pmid.isdigit() and pmid[0] != "0" and len(pmid) <= 9:
        return f"pmid:{pmid}"
    return record_key(pmid=pmid, doi=doi, pmcid=pmcid)


def _abstract_fields(node: Element | None) -> dict[str, Any]:
    abstract, sections, complete = parse_abstract(node)
    return {"abstract": abstract, "abstract_sections": sections, "abstract_complete": complete}


def _date_fields(pub_date: PubDate) -> dict[str, Any]:
    return {"pub_date": pub_date, "year": pub_date.year}
