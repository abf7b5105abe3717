"""Text → blocks: headings, paragraphs, bullets, numbered items, tables and chrome, with exact offsets.

Scraped pages lose their markup, so a block's kind is inferred from layout: blank-line separated groups,
indentation, bullet glyphs, and the shape of a line (a heading is short and ends without punctuation; a
run of three or more unbroken short lines is a flattened table). Markdown syntax, where present, is taken
at its word (`#` headings, `-` bullets, `|` tables).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from pipeline.documents.vocab import chrome

BULLET = re.compile(r"^(?P<prefix>[ \t\u00a0]*[•●◦▪‣∙·*\-–][ \t\u00a0]+)")
NUMBERED = re.compile(r"^(?P<prefix>[ \t\u00a0]*(?P<n>\d{1,2})[.)][ \t\u00a0]+)(?=\S)")
MD_HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+")
MD_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
TRAILING_CITATION = re.compile(r"(?<=[.!?])(?:\[[\d,\s–-]+\]|\(\d[\d,\s–-]*\)|\^?\d[\d,–-]*)+$")
SENTENCE_END = re.compile(r"[.!?][0-9\u00a0 ]*$|[.!?]['’”\")\]]?$")
WS = " \t\u00a0"

BlockKind = Literal["heading", "paragraph", "bullet", "numbered", "table", "chrome"]


@dataclass(frozen=True)
class Line:
    number: int  # 1-based line in the text
    start: int  # offset of the line's first character
    end: int  # offset just past the line's last character (newline excluded)
    text: str

    @property
    def stripped(self) -> str:
        return self.text.strip(WS)

    @property
    def indent(self) -> int:
        return len(self.text) - len(self.text.lstrip(WS))

    @property
    def content_start(self) -> int:
        return self.start + self.indent


@dataclass
class Block:
    kind: BlockKind
    lines: list[Line]
    label: str | None = None  # a bullet's or numbered item's title, or a heading's text
    level: int | None = None  # explicit heading level (Markdown), else inferred later
    content: list[tuple[int, int]] = field(default_factory=list)  # claim-bearing spans (offsets)
    cells: list[list[str]] | None = None  # explicit table cells (Markdown pipe tables)

    @property
    def first(self) -> Line:
        return self.lines[0]

    @property
    def text(self) -> str:
        return " ".join(line.stripped for line in self.lines)


def split_lines(text: str) -> list[Line]:
    lines, offset = [], 0
    for number, raw in enumerate(text.split("\n"), 1):
        body = raw[:-1] if raw.endswith("\r") else raw
        lines.append(Line(number, offset, offset + len(body), body))
        offset += len(raw) + 1
    return lines


def is_heading_like(line: str) -> bool:
    """Short, capitalised, no closing punctuation: how a heading looks once its markup is gone. A
    sentence's closing punctuation may hide behind its citation ("… treatment.[1]", "… cells.12")."""
    s = TRAILING_CITATION.sub("", line.strip(WS))
    if not s or len(s) > 90 or len(s.split()) > 12 or s[-1] in ".!?;,:":
        return False
    return s[0].isupper() or s[0].isdigit()


def is_sentence_like(line: str) -> bool:
    s = line.strip(WS)
    return len(s.split()) >= 6 and SENTENCE_END.search(s) is not None


def _groups(lines: list[Line]) -> list[list[Line]]:
    groups: list[list[Line]] = []
    current: list[Line] = []
    for line in lines:
        if line.stripped:
            current.append(line)
        elif current:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def _span(line: Line, prefix_len: int = 0) -> tuple[int, int]:
    return (line.start + prefix_len, line.end)


def _trimmed_span(line: Line) -> tuple[int, int]:
    end = line.start + len(line.text.rstrip(WS))
    return (line.content_start, end)


def _list_item(group: list[Line], i: int, kind: BlockKind, prefix: str) -> tuple[Block, int]:
    """A bullet or numbered item: its head line and the more-indented lines that continue it."""
    head = group[i]
    body = []
    j = i + 1
    while j < len(group) and group[j].indent > head.indent and not BULLET.match(group[j].text):
        body.append(group[j])
        j += 1
    head_text = head.text[len(prefix) :].strip(WS)
    head_span = (head.start + len(prefix), head.start + len(head.text.rstrip(WS)))
    block = Block(kind, [head, *body])
    if body and (is_heading_like(head_text) or head_text.endswith(":")):
        block.label = head_text  # a title like "Sorafenib:" or "Cell-Cycle Arrest" is not a claim
        block.content = [_trimmed_span(line) for line in body]
    elif kind == "numbered" and not body and is_heading_like(head_text):
        block.kind, block.label = "heading", head_text  # "1. Ovarian Cancer Resistance"
    else:
        block.content = [head_span, *(_trimmed_span(line) for line in body)]
    return block, j


def _markdown_table(group: list[Line]) -> Block | None:
    if len(group) < 2 or not group[0].stripped.startswith("|") or not MD_TABLE_RULE.match(group[1].text):
        return None
    rows = [group[0], *group[2:]]
    cells = [[c.strip(WS) for c in line.stripped.strip("|").split("|")] for line in rows]
    return Block("table", rows, cells=cells, content=[_trimmed_span(line) for line in rows])


def _flattened_table(group: list[Line], after_caption: bool) -> Block | None:
    """Three or more unbroken short lines (two after a table caption) are a table that lost its columns."""
    if len(group) < (2 if after_caption else 3):
        return None
    if any(BULLET.match(x.text) or NUMBERED.match(x.text) or x.indent for x in group):
        return None
    if sum(len(x.stripped) > 200 for x in group) or sum(is_sentence_like(x.text) for x in group) > 1:
        return None
    return Block("table", group, content=[_trimmed_span(line) for line in group[1:]])


def _group_blocks(group: list[Line], after_caption: bool, infer_headings: bool = True) -> list[Block]:
    if table := _markdown_table(group) or _flattened_table(group, after_caption):
        return [table]
    blocks: list[Block] = []
    i = 0
    while i < len(group):
        line = group[i]
        if m := MD_HEADING.match(line.text):
            label = line.text[m.end() :].strip(WS + "#")
            blocks.append(Block("heading", [line], label=label, level=len(m["hashes"])))
            i += 1
        elif m := BULLET.match(line.text):
            block, i = _list_item(group, i, "bullet", m["prefix"])
            blocks.append(block)
        elif m := NUMBERED.match(line.text):
            block, i = _list_item(group, i, "numbered", m["prefix"])
            blocks.append(block)
        elif infer_headings and is_heading_like(line.text) and (i + 1 < len(group) or len(group) == 1):
            blocks.append(Block("heading", [line], label=line.stripped))
            i += 1
        else:
            j = i + 1  # a paragraph runs to the next line that starts something else
            while j < len(group) and not (BULLET.match(group[j].text) or NUMBERED.match(group[j].text)):
                j += 1
            para = group[i:j]
            blocks.append(
                Block("paragraph", para, content=[(para[0].content_start, _trimmed_span(para[-1])[1])])
            )
            i = j
    return blocks


def _is_chrome_line(line: Line) -> bool:
    """A furniture line; headings that open a furniture section or the FAQ stay headings for the walker."""
    ch = chrome()
    return ch.is_line(line.text) and not (ch.opens_section(line.text) or ch.opens_faq(line.text))


def _mark_chrome(block: Block) -> Block:
    if block.kind in ("heading", "paragraph") and len(block.lines) == 1 and _is_chrome_line(block.first):
        block.kind = "chrome"
    return block


def split_blocks(text: str) -> list[Block]:
    """All blocks of a text in order. Chrome lines are marked; sections decide what else is chrome."""
    blocks: list[Block] = []
    lines = split_lines(text)
    # a document that marks its headings (`#`) says which lines are headings: none is guessed
    infer = not any(MD_HEADING.match(line.text) for line in lines)
    for group in _groups(lines):
        if all(_is_chrome_line(line) for line in group):
            blocks.append(Block("chrome", group))
            continue
        after_caption = bool(blocks) and blocks[-1].kind == "heading" and _is_caption(blocks[-1].label)
        blocks.extend(_mark_chrome(b) for b in _group_blocks(group, after_caption, infer))
    return blocks


def _is_caption(label: str | None) -> bool:
    return bool(label) and re.match(r"(summary )?table\b", label, re.IGNORECASE) is not None
