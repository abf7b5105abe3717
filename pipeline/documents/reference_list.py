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
# What a bibliographic entry carries that prose rarely does: a year, an identifier or "et al".
_ENTRY_SIGN = re.compile(r"\b(?:19|20)\d\d\b|\bet al\b", re.IGNORECASE)


def looks_like_entry(line: str) -> bool:
    return bool(_ENTRY_SIGN.search(line) or NOT_PROSE.search(line))


def drop_reference_list(blocks: list[Block]) -> list[Block]:
    """The blocks without the last reference heading and the run of entry-like blocks after it.

    A heading such as "Citations" over prose is content, so the list must follow it: blocks where at
    least half the lines look like entries. What comes after the list (a footer, an author box) is kept
    for the section rules to judge. (Those rules also treat a "References" or "Sources" section as site
    furniture up to the next heading; entries that look like headings end such a section early, which is
    why the list is removed here first.)"""
    for i in range(len(blocks) - 1, -1, -1):
        block = blocks[i]
        if len(block.lines) == 1 and REFERENCE_HEADING.fullmatch(block.first.stripped):
            end = i + 1
            while end < len(blocks) and _entries(blocks[end]):
                end += 1
            if end > i + 1:
                return blocks[:i] + blocks[end:]
    return blocks


def _entries(block: Block) -> bool:
    if block.kind == "chrome":
        return False
    signs = sum(looks_like_entry(line.stripped) for line in block.lines)
    return signs * 2 >= len(block.lines)
