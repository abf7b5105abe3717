"""A page's own reference list: found by its heading, kept out of the claims.

Reference entries are not claims: parsed as prose they became bullets with false markers (the digits of
`2011;54:532-40`) and headings ("1. Mizuta T …" followed by the next entry). The linking stage reads the
list's numbered entries from the raw text (`pipeline.linking.references.reference_list`).
"""

from __future__ import annotations

import re

from pipeline.documents.blocks import Block, split_blocks
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
    """The blocks without the page's reference list (see `find_list`): reference entries are not claims.

    (The section rules also treat a "References" or "Sources" section as site furniture up to the next
    heading; entries that look like headings end such a section early, which is why the list is removed
    here first.)"""
    found = find_list(blocks)
    return blocks if found is None else blocks[: found[0]] + blocks[found[1] :]


def reference_list_span(text: str) -> tuple[int, int] | None:
    """Where the entries of the page's reference list are in `text` (offsets), or None: the one place
    the linking stage reads numbered entries from, so it agrees with what the claims left out."""
    blocks = split_blocks(text)
    found = find_list(blocks)
    if found is None:
        return None
    heading, end = found
    return blocks[heading + 1].first.start, blocks[end - 1].lines[-1].end


def find_list(blocks: list[Block]) -> tuple[int, int] | None:
    """(index of the last reference heading, index past its list), when a list follows it: every block up
    to the next heading, at least half of them with a bibliographic sign (a block is judged as a whole,
    so an entry wrapped over lines counts once).

    A heading such as "Citations" over prose, or over numbered claims, is content; so is "Sources" over
    "Natto was first described in 1985"."""
    for i in range(len(blocks) - 1, -1, -1):
        block = blocks[i]
        if len(block.lines) == 1 and REFERENCE_HEADING.fullmatch(block.first.stripped):
            end = i + 1
            while end < len(blocks) and _in_list(blocks[end]):
                end += 1
            listed = blocks[i + 1 : end]
            if listed and sum(looks_like_entry(b.text) for b in listed) * 2 >= len(listed):
                return i, end
            return None
    return None


def _in_list(block: Block) -> bool:
    """Still the list: not furniture, and not a heading unless it is an entry the splitter took for one
    ("1. Mizuta T et al. …" followed by the next entry reads like a numbered heading)."""
    return block.kind != "chrome" and (block.kind != "heading" or looks_like_entry(block.text))
