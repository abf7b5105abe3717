"""Normalise PMIDs, PMCIDs and DOIs from every form documents and curators write them, and key records.

The canonical record key is `pmid:<n>` when a PMID is known, else `doi:<lower-case doi>`, else
`pmcid:PMC<n>`: one key per work whichever source described it.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import unquote

from pydantic import BaseModel, ConfigDict

from pipeline.errors import InputError

IdentifierKind = Literal["pmid", "pmcid", "doi"]

_URL_TAIL = r"(?:[/?#][^\s\"<>]*)?"
_DOI_BODY = r"10\.\d{4,9}(?:/|%2[Ff])[^\s\"<>]+"  # a DOI in a URL may have its slash encoded
# (kind, pattern) in priority order: URL forms first so a DOI or PMCID inside a URL is read as the URL.
_FORMS: tuple[tuple[IdentifierKind, str], ...] = (
    ("doi", rf"(?:https?://)?(?:dx\.|www\.)?doi\.org/({_DOI_BODY})"),
    ("pmid", rf"(?:https?://)?(?:www\.)?pubmed\.ncbi\.nlm\.nih\.gov/(\d{{1,9}}){_URL_TAIL}"),
    ("pmid", rf"(?:https?://)?(?:www\.)?ncbi\.nlm\.nih\.gov/pubmed/(\d{{1,9}}){_URL_TAIL}"),
    ("pmcid", rf"(?:https?://)?(?:www\.)?ncbi\.nlm\.nih\.gov/pmc/articles/(PMC\d{{1,9}}){_URL_TAIL}"),
    ("pmcid", rf"(?:https?://)?pmc\.ncbi\.nlm\.nih\.gov/articles/(PMC\d{{1,9}}){_URL_TAIL}"),
    ("pmid", rf"(?:https?://)?(?:www\.)?europepmc\.org/(?:article|abstract)/MED/(\d{{1,9}}){_URL_TAIL}"),
    (
        "pmcid",
        rf"(?:https?://)?(?:www\.)?europepmc\.org/(?:article|abstract)/PMC/((?:PMC)?\d{{1,9}}){_URL_TAIL}",
    ),
    ("doi", rf"(?:doi\s*:?\s*)?({_DOI_BODY})"),
    ("pmcid", r"(?:pmcid\s*:?\s*)?(PMC\d{1,9})\b"),
    ("pmid", r"pmid\s*:?\s*0*(\d{1,9})\b"),
)
# Forms accepted only when the whole string is the identifier (too ambiguous inside free text).
_WHOLE_ONLY: tuple[tuple[IdentifierKind, str], ...] = (
    ("pmcid", r"pmcid\s*:?\s*(\d{1,9})"),
    ("pmid", r"0*(\d{1,9})"),
)
_WHOLE = [(kind, re.compile(p, re.IGNORECASE)) for kind, p in _FORMS + _WHOLE_ONLY]
_ANYWHERE = re.compile("|".join(f"(?:{p})" for _, p in _FORMS), re.IGNORECASE)
_TRAILING = ".,;:'\"!?"
_CLOSERS = {")": "(", "]": "[", "}": "{", ">": "<"}


class IdentifierError(InputError):
    """Text that is not a PMID, PMCID or DOI in any form we know; carries the text."""

    def __init__(self, text: str, reason: str = "not a PMID, PMCID or DOI") -> None:
        self.text, self.reason = text, reason
        super().__init__(f"{reason}: {text[:200]!r}")

    def _init_args(self) -> tuple[object, ...]:
        return self.text, self.reason


class Identifier(BaseModel):
    """One identifier: its kind, the normalised value, and the input it was read from."""

    model_config = ConfigDict(frozen=True)

    kind: IdentifierKind
    value: str
    input: str

    @property
    def key(self) -> str:
        """The record key this identifier alone would give (`doi:` keys are lower-case)."""
        return f"{self.kind}:{self.value.lower() if self.kind == 'doi' else self.value}"


def parse_identifier(text: str) -> Identifier:
    """Read one identifier written in any supported form; IdentifierError (an InputError) if none fits."""
    stripped = text.strip().strip("<>").strip()
    for kind, pattern in _WHOLE:
        match = pattern.fullmatch(stripped)
        if match:
            return Identifier(kind=kind, value=_normalise(kind, match.group(1), text), input=text)
    raise IdentifierError(text)


def find_identifiers(text: str) -> list[Identifier]:
    """Every PMID (labelled or in a URL), PMCID and DOI in free text, in order, without repeats."""
    found: dict[tuple[str, str], Identifier] = {}
    for match in _ANYWHERE.finditer(text):
        index = next(i for i, group in enumerate(match.groups()) if group is not None)
        kind = _FORMS[index][0]
        try:
            value = _normalise(kind, match.group(index + 1), match.group(0))
        except IdentifierError:
            continue
        ident = Identifier(kind=kind, value=value, input=match.group(0))
        found.setdefault((kind, ident.key), ident)
    return list(found.values())


def record_key(pmid: str | None = None, doi: str | None = None, pmcid: str | None = None) -> str:
    """Canonical key: `pmid:<n>` if a PMID is known, else `doi:<lower-case doi>`, else `pmcid:PMC<n>`."""
    for kind, raw in (("pmid", pmid), ("doi", doi), ("pmcid", pmcid)):
        if raw is not None and str(raw).strip():
            ident = parse_identifier(str(raw))
            if ident.kind != kind:
                raise IdentifierError(str(raw), f"expected a {kind.upper()}, got a {ident.kind.upper()}")
            return ident.key
    raise IdentifierError("", "a record needs a PMID, DOI or PMCID")


def _normalise(kind: IdentifierKind, raw: str, text: str) -> str:
    if kind == "doi":
        return _clean_doi(raw, text)
    digits = raw.upper().removeprefix("PMC").lstrip("0")
    if not digits:
        raise IdentifierError(text, f"{kind.upper()} cannot be zero")
    return f"PMC{digits}" if kind == "pmcid" else digits


def _clean_doi(raw: str, text: str) -> str:
    """Drop URL-encoding and the sentence punctuation that follows a DOI, keeping balanced brackets."""
    doi = unquote(raw)
    while doi and (doi[-1] in _TRAILING or _unbalanced_closer(doi)):
        doi = doi[:-1]
    prefix, _, suffix = doi.partition("/")
    if not suffix:
        raise IdentifierError(text, "DOI has no suffix")
    return f"{prefix}/{suffix}"


def _unbalanced_closer(doi: str) -> bool:
    """True when the DOI ends in a closing bracket that has no opener inside the DOI (`(doi: 10.1/x)`)."""
    opener = _CLOSERS.get(doi[-1])
    return opener is not None and doi.count(opener) < doi.count(doi[-1])
