"""Helpers for the linking tests (a module with a unique name: `conftest` names clash across folders)."""

from pipeline.models import Claim, ParsedDocument


def find_claim(doc: ParsedDocument, words: str) -> Claim:
    found = [c for c in doc.claims if words in c.text]
    assert len(found) == 1, f"{len(found)} claims contain {words!r}"
    return found[0]
