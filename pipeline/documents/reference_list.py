"""A page's own reference list: found by its heading, kept out of the claims.

Reference entries are not claims: parsed as prose they became bullets with false markers (the digits of
`2011;54:532-40`) and headings ("1. Mizuta T …" followed by the next entry). The linking stage reads the
list's numbered entries from the raw text (`pipeline.linking.references.reference_list`).
"""

from __future__ import annotations

import re

from pipeline.documents.blocks import Block
from pipeline.documents.markers import NOT_PROSE

REFERENCE_HEADING = re.compile(
    r"^\s*#*\s*(references?|sources|bibliography|citations|works cited|literature cited)\s*:?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
# What a bibliographic entry carries that a claim does not: an identifier, "et al", authors' initials
# ("Mizuta T,", "Yoshida H."), or a journal's volume and pages ("2006;106:867-72", "54(2):532-40").
# A year alone is not enough: "first described in 1985" is a claim.
_ENTRY_SIGN = re.compile(
    r"\bet al\b"
    r"|\b[A-Z][a-z'’-]+ [A-Z]{1,3}[,.](?:\s|$)"
    r"|\b\d{1,4}\s*(?:\(\d+\))?\s*:\s*[A-Za-z]?\d+(?:[-–]\d+)?\b"
)


def looks_like_entry(text: str) -> bool:
    return bool(_ENTRY_SIGN.search(text) or NOT_PROSE.search(text))


def drop_reference_list(blocks: list[Block]) -> list[Block]:
    """The blocks without the last reference heading and its list: every block up to the next heading,
    when at least two of them are there and most look like bibliographic entries (a block is judged as a
    whole, so an entry wrapped over lines counts once).

    A heading such as "Citations" over prose, or over numbered claims, is content; so is "Sources" over
    "Natto was first described in 1985". (The section rules also treat a "References" or "Sources"
    section as site furniture up to the next heading; entries that look like headings end such a section
    early, which is why the list is removed here first.)"""
    for i in range(len(blocks) - 1, -1, -1):
        block = blocks[i]
        if len(block.lines) == 1 and REFERENCE_HEADING.fullmatch(block.first.stripped):
            end = i + 1
            while end < len(blocks) and _in_list(blocks[end]):
                end += 1
            listed = blocks[i + 1 : end]
            several = len(listed) >= 2 or (listed and len(listed[0].lines) >= 2)
            if several and sum(looks_like_entry(b.text) for b in listed) * 2 > len(listed):
                return blocks[:i] + blocks[end:]
            return blocks
    return blocks


def _in_list(block: Block) -> bool:
    """Still the list: not furniture, and not a heading unless it is an entry the splitter took for one
    ("1. Mizuta T et al. …" followed by the next entry reads like a numbered heading)."""
    return block.kind != "chrome" and (block.kind != "heading" or looks_like_entry(block.text))
