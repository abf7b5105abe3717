"""Map Europe PMC REST search results (`resultType=core`, tolerant of `lite`) onto Records.

The JSON is untrusted: a missing key or a value of the wrong type drops that field, never the record.
Only a result without any PMID, DOI or PMCID is refused (ParseError), since it cannot be keyed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from pipeline.errors import ParseError
from pipeline.literature.identifiers import IdentifierError, parse_identifier, record_key
from pipeline.literature.pubmed_fields import MONTHS
from pipeline.models import (
    AbstractSection,
    Author,
    Chemical,
    Correction,
    Journal,
    MeshHeading,
    MeshQualifier,
    PubDate,
    PublicationType,
    Record,
)

# Only real HTML tags: abstracts also hold bare "<" in text such as "p<0.05" or "<1 year".
_INLINE_TAG = re.compile(r"</?(?:i|b|u|em|strong|sup|sub|sc|span|a|inf|italic|bold)(?:\s[^<>]*)?/?>", re.I)
_BLOCK_TAG = re.compile(r"</?(?:p|br|div|ul|ol|li|h[1-6]|title|sec)(?:\s[^<>]*)?/?>", re.I)
_HEADING = re.compile(r"<h[1-6][^<>]*>(.*?)</h[1-6]>", re.I | re.S)
_CORRECTION_TYPES = {
    "retraction in": "RetractionIn",
    "retraction of": "RetractionOf",
    "partial retraction in": "PartialRetractionIn",
    "partial retraction of": "PartialRetractionOf",
    "erratum in": "ErratumIn",
    "erratum for": "ErratumFor",
    "expression of concern in": "ExpressionOfConcernIn",
    "expression of concern for": "ExpressionOfConcernFor",
    "comment in": "CommentIn",
    "comment on": "CommentOn",
    "update in": "UpdateIn",
    "update of": "UpdateOf",
    "republished in": "RepublishedIn",
    "republished from": "RepublishedFrom",
    "reprint in": "ReprintIn",
    "reprint of": "ReprintOf",
    "summary for patients in": "SummaryForPatientsIn",
    "original report in": "OriginalReportIn",
}


def iter_search_results(payload: Any) -> Iterator[dict[str, Any]]:
    """The result items of one search response page (`resultList.result`), skipping non-objects."""
    yield from _objects(_get(payload, "resultList", "result"))


def next_cursor_mark(payload: Any) -> str | None:
    """The cursor for the next page, or None on the last page (where Europe PMC repeats the cursor)."""
    cursor = _str(_get(payload, "nextCursorMark"))
    sent = _str(_get(payload, "request", "cursorMark"))
    return cursor if cursor and cursor != sent else None


def record_from_europepmc(item: dict[str, Any]) -> Record:
    """One Europe PMC result as a Record (source="europepmc"); ParseError if it has no PMID, DOI or PMCID."""
    pmid, doi, pmcid = _id(item, "pmid", "pmid"), _id(item, "doi", "doi"), _id(item, "pmcid", "pmcid")
    where = f"{_str(item.get('source')) or '?'}/{_str(item.get('id')) or '?'}"
    if not (pmid or doi or pmcid):
        raise ParseError(f"europepmc {where}", "id", "result has no PMID, DOI or PMCID")
    abstract, sections = parse_abstract(_str(item.get("abstractText")))
    pub_date = parse_pub_date(item)
    return Record(
        record_id=record_key(pmid=pmid, doi=doi, pmcid=pmcid),
        pmid=pmid,
        doi=doi,
        pmcid=pmcid,
        other_ids={"europepmc": where},
        title=strip_html(_str(item.get("title"))),
        abstract=abstract,
        abstract_sections=sections,
        abstract_complete=True if abstract else None,
        language=[lang] if (lang := _str(item.get("language"))) else [],
        journal=parse_journal(item),
        pub_date=pub_date,
        year=pub_date.year,
        authors=[parse_author(a) for a in _objects(_get(item, "authorList", "author"))],
        publication_types=[PublicationType(name=name) for name in _pub_types(item)],
        mesh_headings=[
            h for h in map(parse_mesh_heading, _objects(_get(item, "meshHeadingList", "meshHeading"))) if h
        ],
        keywords=_strs(_get(item, "keywordList", "keyword")),
        chemicals=parse_chemicals(item),
        corrections=parse_corrections(item),
        is_book=any(t.lower() in ("book", "book chapter") for t in _pub_types(item)),
        date_revised=_iso_date(item.get("dateOfRevision")),
        cited_by_count=_int(item.get("citedByCount")),
        is_open_access={"Y": True, "N": False}.get(_str(item.get("isOpenAccess")) or ""),
        full_text_urls=[u for u in (_str(x.get("url")) for x in _full_text(item)) if u],
        source_url=f"https://europepmc.org/article/{where}" if "?" not in where else None,
        source="europepmc",
    )


# ----------------------------------------------------------------------------- fields


def strip_html(text: str | None) -> str | None:
    """Text with Europe PMC's HTML removed: inline tags vanish, block tags become a space."""
    if not text:
        return None
    text = _BLOCK_TAG.sub(" ", _INLINE_TAG.sub("", text))
    return " ".join(html.unescape(text).split()) or None


def parse_abstract(text: str | None) -> tuple[str | None, list[AbstractSection]]:
    """(flat abstract, sections): `<h4>Label</h4>text` headings become "Label: text" as in PubMed."""
    if not text:
        return None, []
    pieces = _HEADING.split(text)  # [before, label, body, label, body, …]
    lead = strip_html(pieces[0])
    pairs = [(strip_html(pieces[i]), strip_html(pieces[i + 1])) for i in range(1, len(pieces) - 1, 2)]
    sections = [
        AbstractSection(label=(label or "").rstrip(":") or None, text=body) for label, body in pairs if body
    ]
    if not sections:
        return strip_html(text), []
    if lead:
        sections.insert(0, AbstractSection(text=lead))
    return " ".join(f"{s.label}: {s.text}" if s.label else s.text for s in sections), sections


def parse_journal(item: dict[str, Any]) -> Journal:
    """Journal title, ISO abbreviation, ISSN, volume, issue (core `journalInfo` or lite flat keys), pages."""
    info, journal = _get(item, "journalInfo"), _get(item, "journalInfo", "journal")
    return Journal(
        title=_str(_get(journal, "title")) or _str(item.get("journalTitle")),
        iso_abbreviation=_str(_get(journal, "isoabbreviation")) or _str(_get(journal, "medlineAbbreviation")),
        issn=_str(_get(journal, "issn")) or _str(_get(journal, "essn")) or _str(item.get("journalIssn")),
        volume=_str(_get(info, "volume")) or _str(item.get("journalVolume")),
        issue=_str(_get(info, "issue")) or _str(item.get("issue")),
        pages=_str(item.get("pageInfo")),
    )


def parse_pub_date(item: dict[str, Any]) -> PubDate:
    """The issue date ("2025 Dec", "2021 Nov 15") from journalInfo, else the year of publication."""
    info = _get(item, "journalInfo")
    original = _str(_get(info, "dateOfPublication"))
    year = _int(_get(info, "yearOfPublication")) or _int(item.get("pubYear"))
    match = re.fullmatch(r"(\d{4})\s+([A-Za-z]{3})[a-z]*(?:\s+(\d{1,2}))?", original or "")
    if match:  # a range such as "2019 Jan-Feb" keeps only its year
        month, day = MONTHS.get(match.group(2).lower()), _int(match.group(3))
        return PubDate(year=int(match.group(1)), month=month, day=day, original=original)
    return PubDate(year=year, original=original or (str(year) if year else None))


def parse_author(author: dict[str, Any]) -> Author:
    """One author: names, collective name, affiliations and ORCID."""
    affiliations = _objects(_get(author, "authorAffiliationDetailsList", "authorAffiliation"))
    orcid = _get(author, "authorId")
    return Author(
        last_name=_str(author.get("lastName")),
        fore_name=_str(author.get("firstName")),
        initials=_str(author.get("initials")),
        collective_name=_str(author.get("collectiveName")),
        affiliations=[a for a in (_str(x.get("affiliation")) for x in affiliations) if a],
        orcid=_str(_get(orcid, "value")) if _str(_get(orcid, "type")) == "ORCID" else None,
    )


def parse_mesh_heading(heading: dict[str, Any]) -> MeshHeading | None:
    """One MeSH heading with its qualifiers; None when it has no descriptor name."""
    descriptor = _str(heading.get("descriptorName"))
    if not descriptor:
        return None
    qualifiers = [
        MeshQualifier(name=name, major=q.get("majorTopic_YN") == "Y")
        for q in _objects(_get(heading, "meshQualifierList", "meshQualifier"))
        if (name := _str(q.get("qualifierName")))
    ]
    return MeshHeading(
        descriptor=descriptor, major=heading.get("majorTopic_YN") == "Y", qualifiers=qualifiers
    )


def parse_chemicals(item: dict[str, Any]) -> list[Chemical]:
    """Chemicals with registry numbers; "0" means none was assigned."""
    found = []
    for chem in _objects(_get(item, "chemicalList", "chemical")):
        name, number = _str(chem.get("name")), _str(chem.get("registryNumber"))
        if name:
            found.append(Chemical(name=name, registry_number=None if number == "0" else number))
    return found


def parse_corrections(item: dict[str, Any]) -> list[Correction]:
    """Comment/correction links with PubMed's RefType names; the id is a PMID when its source is MED."""
    found = []
    for link in _objects(_get(item, "commentCorrectionList", "commentCorrection")):
        kind = _CORRECTION_TYPES.get((_str(link.get("type")) or "").lower(), "Other")
        pmid = _str(link.get("id")) if _str(link.get("source")) == "MED" else None
        reference = _str(link.get("reference")) or " ".join(
            p for p in (_str(link.get("type")), _str(link.get("source")), _str(link.get("id"))) if p
        )
        found.append(Correction(type=kind, pmid=pmid, ref_source=" ".join(reference.split()) or None))
    return found


# ----------------------------------------------------------------------------- helpers


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


def _objects(value: Any) -> list[dict[str, Any]]:
    """A list of objects; a lone object counts as a list of one, anything else as empty."""
    items = [value] if isinstance(value, dict) else value if isinstance(value, list) else []
    return [v for v in items if isinstance(v, dict)]


def _str(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value).strip() or None


def _strs(value: Any) -> list[str]:
    return [s for v in value if (s := _str(v))] if isinstance(value, list) else []


def _int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.strip().isdigit() else None


def _id(item: dict[str, Any], key: str, kind: str) -> str | None:
    """A normalised identifier, or None when absent or not of the expected kind."""
    text = _str(item.get(key))
    try:
        ident = parse_identifier(text) if text else None
    except IdentifierError:
        return None
    return ident.value if ident and ident.kind == kind else None


def _pub_types(item: dict[str, Any]) -> list[str]:
    core = _strs(_get(item, "pubTypeList", "pubType"))
    lite = _str(item.get("pubType"))  # lite results flatten the list to "a; b; c"
    return core or ([t.strip() for t in lite.split(";") if t.strip()] if lite else [])


def _full_text(item: dict[str, Any]) -> list[dict[str, Any]]:
    return _objects(_get(item, "fullTextUrlList", "fullTextUrl"))


def _iso_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
