"""Small helpers for document tests: parse a text and look claims and markers up by their words."""

from pipeline.documents.parse import parse_text
from pipeline.models import Claim, DocumentMeta, ParsedDocument


def parse(text: str, *, title: str | None = "Vitamin K2", style: str = "auto") -> ParsedDocument:
    return parse_text(text, DocumentMeta(slug="test", title=title, citation_style=style))


def claim_with(doc: ParsedDocument, words: str) -> Claim:
    found = [c for c in doc.claims if words in c.source_text]
    assert len(found) == 1, f"{len(found)} claims contain {words!r}"
    return found[0]


def refs_of(doc: ParsedDocument, words: str) -> list[list[int]]:
    return [m.refs for m in claim_with(doc, words).markers]
