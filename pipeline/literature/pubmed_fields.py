"""One small function per field of a PubMed / MEDLINE record: lxml elements in, plain values and models out.

Pure and stream-agnostic: pubmed_xml.py streams the document and assembles Records from these. They run
tens of times per article over millions of articles, so each avoids the costs a profile showed: lxml's
child iterators (~1 µs to set up: `node[:]` lists the children in one C call, walked once with the tag
read once), ElementPath `find()`, BaseModel.__init__, regexes over whole abstracts, the general identifier
parser for plain DOIs, and rebuilding the models of values that repeat across articles (vocabularies,
dates: built once per distinct raw value, in bounded caches).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from functools import lru_cache
from typing import Any, TypeVar

from lxml.etree import _Element as Element
from pydantic import BaseModel

from pipeline.literature.identifiers import IdentifierError, parse_identifier
from pipeline.models import (
    AbstractSection,
    Author,
    Chemical,
    Correction,
    Journal,
    MeshHeading,
    MeshQualifier,
    OtherAbstract,
    PubDate,
    PublicationType,
)

ModelT = TypeVar("ModelT", bound=BaseModel)
_MATHML = "{http://www.w3.org/1998/Math/MathML}"
MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun"), 1)} | {
    m: i for i, m in enumerate(("jul", "aug", "sep", "oct", "nov", "dec"), 7)
}
_ID_KINDS = {"doi": "doi", "pmc": "pmcid"}  # ArticleId IdType → identifiers kind
_ORCID = re.compile(r"(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dX])")
_PMCID = re.compile(r"PMC[1-9]\d*")
# a DOI that parse_identifier would return unchanged: no URL form, %-escape or trailing punctuation
_PLAIN_DOI = re.compile(r"10\.\d{4,9}/[^\s\"<>%]*[^\s\"<>%.,;:'!?)\]}>]")
_TRUNCATED_NOTE = re.compile(r"\(?ABSTRACT TRUNCATED( AT \d+ WORDS)?\)?\s*$", re.IGNORECASE)
_NOTE_SPAN = 64  # longer than any "(ABSTRACT TRUNCATED AT n WORDS)": the note is only looked for here
_SHARED = 8192  # entries per cache of shared models: a few MB at most, whatever the file size


def validator(model: type[ModelT]) -> Callable[[dict[str, Any]], ModelT]:
    """`model`'s pydantic-core validator as a function of a dict: every check of model(**values) without
    BaseModel.__init__'s Python overhead (1.2 µs vs 3.5 µs for an Author; model_construct takes 5.8 µs)."""
    return model.__pydantic_validator__.validate_python


_section, _other = validator(AbstractSection), validator(OtherAbstract)
_journal, _pub_date, _author = validator(Journal), validator(PubDate), validator(Author)
_heading, _correction = validator(MeshHeading), validator(Correction)


# Shared models have only immutable fields, so one instance can sit in many Records (frozen models);
# MeshHeading is not shared: its `qualifiers` list is mutable.
@lru_cache(maxsize=_SHARED)
def _qualifier(name: str, ui: str | None, major: bool) -> MeshQualifier:
    return MeshQualifier(name=name, ui=ui, major=major)


@lru_cache(maxsize=_SHARED)
def _publication_type(name: str, ui: str | None) -> PublicationType:
    return PublicationType(name=name, ui=ui)


@lru_cache(maxsize=_SHARED)
def _chemical(name: str, ui: str | None, registry: str | None) -> Chemical:
    # a RegistryNumber of "0" means none was assigned
    return Chemical(name=name, ui=ui, registry_number=None if registry == "0" else registry)


# ----------------------------------------------------------------------------- text


def flatten_text(node: Element | None) -> str | None:
    """Text of an element with inline markup (<i>, <sup>, MathML …) flattened and whitespace collapsed."""
    if node is None:
        return None
    if len(node):
        parts: list[str] = []
        _collect_text(node, parts)
        return collapse_space("".join(parts))
    text = node.text
    return collapse_space(text) if text else None


def collapse_space(text: str) -> str | None:
    """`text` with each whitespace run made one space and the ends trimmed; None when nothing is left."""
    if len(text) > 24 and text.isascii():  # a memchr per ASCII whitespace: cheaper than isprintable()
        clean = "\n" not in text and "\t" not in text and "\r" not in text and "\x0b" not in text
        clean = clean and "\x0c" not in text and "\x1c" not in text and "\x1d" not in text
        clean = clean and "\x1e" not in text and "\x1f" not in text
    else:  # isprintable() is False for every whitespace but " "
        clean = text.isprintable()
    if clean and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text or None  # the common already-clean text skips split()
    return " ".join(text.split()) or None


def _collect_text(node: Element, parts: list[str]) -> None:
    if node.text:
        parts.append(node.text)
    for child in node[:]:
        tag = child.tag
        if not isinstance(tag, str):
            pass  # a comment, processing instruction or undeclared entity (&lol;): no text of the record's
        elif tag.startswith(_MATHML):
            parts.append(_math_text(child))
        else:
            _collect_text(child, parts)
        if child.tail:
            parts.append(child.tail)


def _math_text(math: Element) -> str:
    """MathML as text: whitespace between elements is layout, so tokens join tightly; <mtext> is kept."""
    texts = (n.text if n.tag.endswith("mtext") else n.text.strip() for n in math.iter() if n.text)
    return "".join(texts)


# ----------------------------------------------------------------------------- identifiers


def parse_article_ids(node: Element | None) -> dict[str, str | None]:
    """ArticleIdList as {IdType: value}; doi and pmc normalised (None if malformed), PubMed id dropped."""
    ids: dict[str, str | None] = {}
    for item in node[:] if node is not None else ():
        if item.tag != "ArticleId":
            continue
        kind, value = item.get("IdType", "").lower(), (item.text or "").strip()
        if value and kind not in ("pubmed", "") and kind not in ids:
            ids[kind] = normalised_id(value, _ID_KINDS[kind]) if kind in _ID_KINDS else value
    return ids


def parse_elocation_doi(locations: Iterable[Element]) -> str | None:
    """The DOI from the <ELocationID EIdType="doi"> elements, used when PubmedData lists none."""
    for loc in locations:
        if loc.get("EIdType") == "doi" and loc.get("ValidYN", "Y") == "Y" and loc.text:
            return normalised_id(loc.text, "doi")
    return None


def normalised_id(text: str, kind: str) -> str | None:
    """The normalised DOI / PMCID, or None for a value that is not one (publishers mistype these)."""
    if (kind == "pmcid" and _PMCID.fullmatch(text)) or (kind == "doi" and _PLAIN_DOI.fullmatch(text)):
        return text  # the usual shapes, already normal: skip the general parser's dozen patterns
    try:
        ident = parse_identifier(text)
    except IdentifierError:
        return None
    return ident.value if ident.kind == kind else None


# ----------------------------------------------------------------------------- abstracts


def parse_abstract(node: Element | None) -> tuple[str | None, list[AbstractSection], bool | None]:
    """(flattened "LABEL: text LABEL: text", labelled sections, complete?) of an Abstract element."""
    kids = node[:] if node is not None else ()
    parts = [(p, text) for p in kids if p.tag == "AbstractText" and (text := flatten_text(p))]
    if not parts:
        return None, [], None
    labels = [p.get("Label") for p, _ in parts]
    sections = []
    if any(labels):  # sections only for a structured abstract; a plain one is just its text
        sections = [
            _section({"label": label, "category": p.get("NlmCategory"), "text": t})
            for (p, t), label in zip(parts, labels, strict=True)
        ]
    texts = (f"{label}: {t}" if label else t for (_, t), label in zip(parts, labels, strict=True))
    abstract = " ".join(texts)
    return abstract, sections, not _TRUNCATED_NOTE.search(abstract[-_NOTE_SPAN:])


def parse_other_abstracts(nodes: Iterable[Element]) -> list[OtherAbstract]:
    """<OtherAbstract> blocks (translations, plain-language summaries) with their type and language."""
    found = [(n, parse_abstract(n)[0]) for n in nodes]
    return [_other({"type": n.get("Type"), "language": n.get("Language"), "text": t}) for n, t in found if t]


# ----------------------------------------------------------------------------- journal and dates


def parse_journal(
    journal: dict[str, Element], issue: dict[str, Element], pagination: Element | None, info: Element | None
) -> Journal:
    """Journal title, ISO abbreviation, ISSNs, volume, issue and pages (Journal's children indexed by tag)."""
    pages = children_by_tag(pagination)
    page_range = node_text(pages.get("MedlinePgn")) or "-".join(
        p for p in (node_text(pages.get("StartPage")), node_text(pages.get("EndPage"))) if p
    )
    return _journal(
        {
            "title": node_text(journal.get("Title")),
            "iso_abbreviation": node_text(journal.get("ISOAbbreviation")),
            "issn": node_text(journal.get("ISSN")),
            "issn_linking": node_text(first_child(info, "ISSNLinking")),
            "volume": node_text(issue.get("Volume")),
            "issue": node_text(issue.get("Issue")),
            "pages": page_range or None,
        }
    )


def parse_pub_date(pub: Element | None, electronic: Element | None) -> PubDate:
    """PubDate from Year/Month/Day, Season or MedlineDate; the ArticleDate stands in when it has no year."""
    parts = children_by_tag(pub)
    if "MedlineDate" in parts:
        return parse_medline_date(node_text(parts["MedlineDate"]) or "")
    if "Year" not in parts and electronic is not None:
        parts = children_by_tag(electronic)
    return _dated(*(node_text(parts.get(tag)) for tag in ("Year", "Month", "Day", "Season")))


@lru_cache(maxsize=_SHARED)
def _dated(year: str | None, month: str | None, day: str | None, season: str | None) -> PubDate:
    """The PubDate of these Year/Month/Day/Season texts, shared: a file holds a few thousand distinct."""
    original = " ".join(t for t in (year, month, day, season) if t) or None
    return PubDate(
        year=to_int(year), month=to_month(month), day=to_int(day), season=season, original=original
    )


def parse_medline_date(text: str) -> PubDate:
    """A free-form MedlineDate ("1998 Dec-1999 Jan", "2000 Spring"): first year and month, original kept."""
    year = re.search(r"\b(\d{4})\b", text)
    month = re.fullmatch(r"\s*\d{4}\s+([A-Za-z]{3})[a-z]*(?:\s+\d{1,2})?\s*", text)  # a range has none
    season = re.search(r"\b(Spring|Summer|Autumn|Fall|Winter)\b", text, re.IGNORECASE)
    return _pub_date(
        {
            "year": int(year.group(1)) if year else None,
            "month": to_month(month.group(1)) if month else None,
            "season": season.group(1) if season else None,
            "original": text.strip() or None,
        }
    )


def parse_date(node: Element | None) -> date | None:
    """A Year/Month/Day element (DateRevised, DateCompleted) as a date; None when incomplete."""
    parts = children_by_tag(node)
    return _day(node_text(parts.get("Year")), node_text(parts.get("Month")), node_text(parts.get("Day")))


@lru_cache(maxsize=_SHARED)
def _day(year: str | None, month: str | None, day: str | None) -> date | None:
    y, m, d = to_int(year), to_month(month), to_int(day)
    return date(y, m, d) if y and m and d else None  # shared: date is immutable


# ----------------------------------------------------------------------------- people


def parse_authors(node: Element | None) -> list[Author]:
    """Individual and collective authors, skipping entries NLM marked invalid (ValidYN="N")."""
    kids = node[:] if node is not None else ()
    return [parse_author(a) for a in kids if a.tag == "Author" and a.get("ValidYN") != "N"]


def parse_author(node: Element) -> Author:
    """One <Author>: names, affiliations (current and pre-2014 layouts) and ORCID."""
    last = fore = initials = collective = orcid = None
    affiliations: list[str] = []
    for child in node[:]:  # one pass, plain locals, texts read in place: this runs ~7 times per article
        tag = child.tag
        if tag == "LastName":  # a repeated name element: the last one wins, as it always has
            last = child.text
        elif tag == "ForeName":
            fore = child.text
        elif tag == "Initials":
            initials = child.text
        elif tag == "AffiliationInfo" or tag == "Affiliation":
            affiliation = flatten_text(_affiliation(child) if tag == "AffiliationInfo" else child)
            if affiliation:
                affiliations.append(affiliation)
        elif tag == "CollectiveName":
            collective = child
        elif tag == "Identifier" and orcid is None and child.get("Source") == "ORCID":
            orcid = _orcid(child.text or "")
    return _author(
        {
            "last_name": (last.strip() or None) if last else None,
            "fore_name": (fore.strip() or None) if fore else None,
            "initials": (initials.strip() or None) if initials else None,
            "collective_name": flatten_text(collective),
            "affiliations": affiliations,
            "orcid": orcid,
        }
    )


def _affiliation(info: Element) -> Element | None:
    """The <Affiliation> of an <AffiliationInfo>: nearly always its first child."""
    first = info[0] if len(info) else None
    return first if first is not None and first.tag == "Affiliation" else first_child(info, "Affiliation")


def _orcid(text: str) -> str | None:
    """The ORCID in its bare 0000-0000-0000-000X form, whichever URL or spacing PubMed gives."""
    match = _ORCID.search(text)
    return "-".join(match.groups()) if match else None


# ----------------------------------------------------------------------------- indexing terms and links


def parse_publication_types(nodes: Iterable[Element]) -> list[PublicationType]:
    """PublicationType names with their MeSH UI (e.g. D016441 Retracted Publication)."""
    return [_publication_type(name, n.get("UI")) for n in nodes if (name := node_text(n))]


def parse_mesh(headings: Iterable[Element]) -> list[MeshHeading]:
    """MeSH headings with qualifiers; `major` is each descriptor's or qualifier's own MajorTopicYN."""
    found = []
    for heading in headings:
        descriptor, qualifiers = None, []
        for child in heading[:]:
            tag = child.tag  # lxml builds a new str at each .tag: read it once
            if tag == "DescriptorName":
                descriptor = child
            elif tag == "QualifierName" and (name := node_text(child)):
                qualifiers.append(_qualifier(name, child.get("UI"), child.get("MajorTopicYN") == "Y"))
        if descriptor is not None and (text := node_text(descriptor)):
            ui, major = descriptor.get("UI"), descriptor.get("MajorTopicYN") == "Y"
            found.append(_heading({"descriptor": text, "ui": ui, "major": major, "qualifiers": qualifiers}))
    return found


def parse_keywords(lists: Iterable[Element]) -> list[str]:
    """Keywords from every KeywordList (NLM and author-supplied), markup flattened."""
    return node_texts(k for node in lists for k in node[:] if k.tag == "Keyword")


def parse_chemicals(nodes: Iterable[Element]) -> list[Chemical]:
    """ChemicalList entries: substance name, its MeSH UI and registry number."""
    found = []
    for chem in nodes:
        kids = children_by_tag(chem)
        name_node = kids.get("NameOfSubstance")
        if name_node is not None and (name := node_text(name_node)):
            found.append(_chemical(name, name_node.get("UI"), node_text(kids.get("RegistryNumber"))))
    return found


def parse_corrections(nodes: Iterable[Element]) -> list[Correction]:
    """CommentsCorrections links (RetractionIn, ErratumFor, CommentOn …) with linked PMID and RefSource."""
    found = []
    for item in nodes:
        kids = children_by_tag(item)
        pmid, ref = node_text(kids.get("PMID")), node_text(kids.get("RefSource"))
        found.append(_correction({"type": item.get("RefType", "Other"), "pmid": pmid, "ref_source": ref}))
    return found


# ----------------------------------------------------------------------------- helpers


def children_by_tag(node: Element | None) -> dict[str, Element]:
    """Children by tag, first one winning: one pass instead of a find() per field (3-4x faster)."""
    kids: dict[str, Element] = {}
    for child in node[:] if node is not None else ():
        kids.setdefault(child.tag, child)
    return kids


def children_grouped(node: Element) -> dict[str, list[Element]]:
    """Children grouped by tag in document order, for elements with repeated children (Language …)."""
    groups: dict[str, list[Element]] = {}
    for child in node[:]:
        groups.setdefault(child.tag, []).append(child)
    return groups


def first_child(node: Element | None, tag: str) -> Element | None:
    """The first child with this tag: the wanted child usually comes first, so a plain loop is cheapest."""
    for child in node[:] if node is not None else ():
        if child.tag == tag:
            return child
    return None


def child_nodes(node: Element | None) -> Sequence[Element]:
    """The children of an optional list element (MeshHeadingList, ChemicalList …)."""
    return node[:] if node is not None else ()


def node_text(node: Element | None) -> str | None:
    """An element's own text, stripped; None for a missing element or blank text."""
    value = node.text if node is not None else None
    return (value.strip() or None) if value else None


def node_texts(nodes: Iterable[Element]) -> list[str]:
    """The non-empty flattened texts of these elements, in order."""
    return [t for n in nodes if (t := flatten_text(n))]


def to_int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def to_month(value: str | None) -> int | None:
    """1-12 from "3", "03" or "Mar"/"March"; None for anything else."""
    number = to_int(value) if value else None
    month = number if number is not None else MONTHS.get((value or "")[:3].lower())
    return month if month and 1 <= month <= 12 else None
