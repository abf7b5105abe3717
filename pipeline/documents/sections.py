"""Blocks → sections: heading levels, FAQ answers that lost their questions, chrome regions, scopes.

Flattened pages keep no heading levels, so levels are inferred from the page's rhythm: a top-level
section ends with its "Conclusion" (or an "In conclusion/In summary" paragraph), a heading directly
followed by another heading opens a parent, and a section of site furniture ends whatever came before.
In an FAQ block each answer is its own section: one starts after the previous answer's conclusion, or
at a paragraph that opens afresh — naming the document's subject and not continuing the last one
("Below is…", "These…", "Key findings include:").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.documents.blocks import Block
from pipeline.documents.vocab import chrome
from pipeline.models import Section

CONCLUSION = re.compile(r"(conclusions?|summary|in summary|key takeaways?|bottom line)$", re.IGNORECASE)
CLOSING_PARAGRAPH = re.compile(r"(in conclusion|in summary|to conclude|to sum up|overall)\b", re.IGNORECASE)
CONTINUATION = re.compile(
    r"(below|here|these|this|the following|key findings|in addition|additionally|furthermore|moreover|"
    r"however|for example|also|such|they|it|its|overall|in (?:short|particular))\b",
    re.IGNORECASE,
)
CAPTION = re.compile(r"(summary )?table\b", re.IGNORECASE)


def slugify(text: str, words: int = 12) -> str:
    tokens = re.findall(r"[a-z0-9]+", text.lower().replace("’", "").replace("'", ""))
    return "-".join(tokens[:words]) or "untitled"


@dataclass
class _Open:
    section_id: str
    heading: str | None
    level: int
    kind: str
    parent: str | None
    line: int
    start: int
    end: int
    scope: str


@dataclass
class Layout:
    """Where every block belongs: its section id (None for chrome) and the ordered sections."""

    sections: list[Section]
    block_section: list[str | None]
    block_scope: list[str | None]


@dataclass
class _Walker:
    subject: re.Pattern[str] | None
    title: str | None
    rhythm: bool = True  # the page closes its sections with conclusions, so levels can be inferred
    opened: list[_Open] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)
    stack: list[_Open] = field(default_factory=list)  # open sections, outermost first
    region: str = "preamble"  # preamble | body | faq | footer
    closed: bool = False  # the current top-level section (or FAQ answer) has concluded
    in_conclusion: bool = False
    answer_paragraphs: int = 0

    # ------------------------------------------------------------------ bookkeeping
    def _unique(self, base: str) -> str:
        n = self.ids.get(base, 0) + 1
        self.ids[base] = n
        return base if n == 1 else f"{base}-{n}"

    def open(self, heading: str | None, level: int, kind: str, block: Block, slug: str) -> _Open:
        while self.stack and self.stack[-1].level >= level:
            self.stack.pop()
        parent = self.stack[-1] if self.stack else None
        base = f"{parent.section_id}/{slug}" if parent and kind != "faq_answer" else slug
        sid = self._unique(base)
        scope = sid if level == 1 or kind == "faq_answer" else (parent.scope if parent else sid)
        first = block.first
        node = _Open(
            sid,
            heading,
            level,
            kind,
            parent.section_id if parent else None,
            first.number,
            first.start,
            first.end,
            scope,
        )
        self.opened.append(node)
        self.stack.append(node)
        return node

    def current(self) -> _Open | None:
        return self.stack[-1] if self.stack else None

    def extend(self, block: Block) -> None:
        for node in self.stack:
            node.end = max(node.end, block.lines[-1].end)

    # ------------------------------------------------------------------ decisions
    def top_level(self, blocks: list[Block], i: int) -> bool:
        top = self.stack[0] if self.stack else None
        if not self.rhythm or top is None or top.kind in ("preamble", "chrome") or self.closed:
            return True
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        return bool(
            nxt
            and nxt.kind == "heading"
            and not CAPTION.match(nxt.label or "")
            and nxt.level is None
            and not _numbered(nxt)
        )

    def opens_answer(self, block: Block) -> bool:
        if not any(n.kind == "faq_answer" for n in self.stack) or self.closed:
            return True
        current = self.current()
        if current is None or current.kind != "faq_answer" or not self.answer_paragraphs:
            return False
        first_sentence = re.split(r"(?<=[.!?:])\s", block.text, maxsplit=1)[0]
        fresh = not CONTINUATION.match(block.text)
        names_subject = self.subject is None or self.subject.search(first_sentence) is not None
        return fresh and names_subject

    # ------------------------------------------------------------------ walking
    def heading(self, blocks: list[Block], i: int) -> str | None:
        block, label = blocks[i], blocks[i].label or blocks[i].text
        ch = chrome()
        if self.title and label.strip().lower() == self.title.lower() and self.region == "preamble":
            return None  # the page title repeated in the banner
        if ch.ends_article(label):
            self.region = "footer"
            return None
        if ch.opens_faq(label):
            self.region, self.closed = "faq", False
            return self.open(label, 1, "section", block, slugify(label)).section_id
        if ch.opens_section(label):
            self.region = "body"
            return self.open(label, 1, "chrome", block, slugify(label)).section_id
        if self.region == "faq":
            return self._faq_heading(block, label)
        self.region = "body"
        if block.level is not None:
            level = block.level
        elif _numbered(block):
            level = 3
        elif CAPTION.match(label) or CONCLUSION.match(label):
            level = 2
        else:
            level = 1 if self.top_level(blocks, i) else 2
        if level == 1:
            self.closed = False
        self.in_conclusion = bool(CONCLUSION.match(label))
        return self.open(
            label, level, "section" if level == 1 else "subsection", block, slugify(label)
        ).section_id

    def _faq_heading(self, block: Block, label: str) -> str | None:
        answer = next((n for n in reversed(self.stack) if n.kind == "faq_answer"), None)
        if answer is None:
            return None
        self.in_conclusion = bool(CONCLUSION.match(label))
        level = 4 if _numbered(block) else 3
        return self.open(label, level, "subsection", block, slugify(label)).section_id

    def paragraph(self, block: Block) -> str | None:
        if self.region == "faq" and block.kind == "paragraph" and self.opens_answer(block):
            self.closed, self.in_conclusion, self.answer_paragraphs = False, False, 0
            self.open(None, 2, "faq_answer", block, "faq-" + slugify(block.text, 6))
        node = self.current()
        if node is None:
            node = self.open(None, 1, "preamble", block, "preamble")
        if node.kind == "faq_answer" and block.kind == "paragraph":
            self.answer_paragraphs += 1
        if self.in_conclusion or CLOSING_PARAGRAPH.match(block.text):
            self.closed = True
        return node.section_id if node.kind != "chrome" else None


def _numbered(block: Block) -> bool:
    return block.kind == "heading" and re.match(r"\s*\d{1,2}[.)]\s", block.first.text) is not None


def _has_rhythm(blocks: list[Block]) -> bool:
    """Pages like the seed close each top-level section with a conclusion; without that cue every plain
    heading is top-level, because nothing else tells a section from a subsection."""
    return any(
        (b.kind == "heading" and CONCLUSION.match(b.label or ""))
        or (b.kind == "paragraph" and CLOSING_PARAGRAPH.match(b.text))
        for b in blocks
    )


def lay_out(blocks: list[Block], *, title: str | None, subject: re.Pattern[str] | None) -> Layout:
    """Assign every block to a section; chrome blocks and the footer get None."""
    walker = _Walker(subject=subject, title=title, rhythm=_has_rhythm(blocks))
    block_section: list[str | None] = []
    for i, block in enumerate(blocks):
        sid: str | None = None
        if walker.region == "footer" or block.kind == "chrome":
            if block.kind == "chrome" and chrome().ends_article(block.text):
                walker.region = "footer"
        elif block.kind == "heading":
            sid = walker.heading(blocks, i)
        else:
            sid = walker.paragraph(block)
        if sid is not None:
            walker.extend(block)
        block_section.append(sid)
    by_id = {n.section_id: n for n in walker.opened}
    sections = [
        Section(
            section_id=n.section_id,
            heading=n.heading,
            level=n.level,
            kind=n.kind,
            parent=n.parent,
            line=n.line,
            start=n.start,
            end=n.end,
            scope=n.scope,
        )
        for n in walker.opened
    ]
    scopes = [by_id[s].scope if s else None for s in block_section]
    return Layout(sections, block_section, scopes)
