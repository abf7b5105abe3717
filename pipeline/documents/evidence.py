"""Asserted evidence: what a claim says its evidence *is* ("in vitro studies have shown", "a randomised
controlled trial", the table's "Evidence Type" cell), mapped onto the fixed evidence vocabulary.

Mentions that deny or defer evidence ("no phase III trials", "trials are needed") are not assertions.
"""

from __future__ import annotations

import re

from pipeline.documents.vocab import evidence_phrases
from pipeline.models import EvidenceType

NEGATED_BEFORE = re.compile(
    r"\b(?:no|not|lack of|absence of|without|need for|any)\b(?:[\s,(/-]+(?!(?:observed|reported|seen|found|"
    r"shown|noted|demonstrated|in|at)\b)[\w/’'-]+){0,7}[\s(,-]*$",
    re.IGNORECASE,
)
DEFERRED_AFTER = re.compile(
    r"^[\s,)]*(?:[\w-]+\s+){0,3}(?:are|is|remain|would be)?\s*(?:needed|warranted|required|planned|"
    r"valuable|lacking|limited|scarce)\b",
    re.IGNORECASE,
)


def _asserted(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 80) : start]
    return not (NEGATED_BEFORE.search(before) or DEFERRED_AFTER.match(text[end : end + 60]))


def asserted_evidence(text: str, *, cell: bool = False) -> list[EvidenceType]:
    """Evidence types the text asserts, in the order first asserted, each once.

    `cell=True` reads a table's evidence cell, where a bare "Clinical" is itself an assertion.
    """
    vocab = evidence_phrases()
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, EvidenceType]] = []
    for kind, pattern in vocab.phrases + (vocab.cell_phrases if cell else ()):
        for m in pattern.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue  # a more specific phrase already covers these words
            taken.append(m.span())
            if _asserted(text, *m.span()):
                found.append((m.start(), kind))
    return list(dict.fromkeys(kind for _, kind in sorted(found)))
