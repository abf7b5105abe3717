"""HTML → the Markdown-like text the block splitter reads, with a map back to source lines.

Standard library only (`html.parser`): headings become `#` lines, list items `-` bullets (`1.` in an
`<ol>` under a reference heading, so a reference list keeps its numbers; other numbered lists stay
bullets, as their items are claims), table rows `|` rows, `<sup>1,5</sup>` a bracketed marker
`[1,5]` (the page kept its superscripts, so they are explicit), and script, style and navigation
furniture disappear. No tag ever reaches a claim.

Links to a paper are where real pages keep their references, so an `href` naming a PMID, PMCID or DOI
(PubMed, PMC, Europe PMC, doi.org) is kept: after the link's text as `<https://doi.org/…>`, or, for a
superscript marker that is one link, as the marker's own link `[1](https://pubmed.ncbi.nlm.nih.gov/…)`.
Other links keep only their text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from pipeline.documents.reference_list import REFERENCE_HEADING
from pipeline.literature.identifiers import find_identifiers

SKIP = {"script", "style", "noscript", "template", "svg", "head", "nav", "footer", "aside", "form", "button"}
BLOCK = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "blockquote",
    "ul",
    "ol",
    "dl",
    "dd",
    "dt",
    "figure",
    "figcaption",
    "table",
    "thead",
    "tbody",
    "pre",
    "address",
    "hr",
    "header",
}
VOID = {"br", "img", "hr", "meta", "link", "input", "wbr", "source", "col", "area", "base", "embed"}
SUP_REFS = re.compile(r"\s*\[?\s*([0-9]{1,4}(?:\s*[-–,]\s*[0-9]{1,4})*)\s*\]?\s*")


class _Reducer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.size = 0  # characters written before the current line
        self.points: list[tuple[int, int]] = []  # (offset in output, source line) at each text run
        self.skip_depth = 0
        self.sup: list[str] | None = None
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.rows_in_table = 0
        self.lists: list[int | None] = []  # per open list: the next <ol> number, None for <ul>
        self.href: str | None = None  # a paper's URL while inside its <a>
        self.anchor: list[str] = []  # the text of that <a>
        self.sup_links: list[str] = []
        self.heading: list[str] | None = None  # the text of the heading being read
        self.last_heading = ""  # an <ol> is numbered only under a reference heading

    # -------------------------------------------------------------- output
    def _newline(self, blank: bool = False) -> None:
        if self.lines[-1].strip():
            self._append_line()
        if blank and (len(self.lines) < 2 or self.lines[-2].strip()):
            self._append_line()

    def _append_line(self) -> None:
        self.lines[-1] = self.lines[-1].rstrip()
        self.size += len(self.lines[-1]) + 1
        self.lines.append("")

    def _write(self, text: str, source_line: int | None = None) -> None:
        self.points.append((self.size + len(self.lines[-1]), source_line or self.getpos()[0]))
        self.lines[-1] += text

    # -------------------------------------------------------------- events
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIP:
            self.skip_depth += tag not in VOID
            return
        if self.skip_depth:
            return
        if re.fullmatch(r"h[1-6]", tag):
            self._newline(blank=True)
            self._write("#" * int(tag[1]) + " ")
            self.heading = []
        elif tag == "li":
            self._newline()
            self._write(self._item_prefix(attrs))
        elif tag in ("ol", "ul"):
            self._newline(blank=True)
            numbered = tag == "ol" and REFERENCE_HEADING.match(self.last_heading)
            self.lists.append(_start(attrs) if numbered else None)
        elif tag == "a":
            self.href, self.anchor = _paper_url(attrs), []
        elif tag == "tr":
            self._newline()
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
        elif tag == "sup":
            self.sup = []
        elif tag == "br":
            self._newline()
        elif tag in BLOCK:
            self._newline(blank=True)
            if tag == "table":
                self.rows_in_table = 0

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if self.skip_depth:
            return
        if tag == "sup" and self.sup is not None:
            text, self.sup = "".join(self.sup), None
            links, self.sup_links = self.sup_links, []
            m = SUP_REFS.fullmatch(text)
            link = f"({links[0]})" if m and len(links) == 1 and re.fullmatch(r"\d+", m[1]) else ""
            self.handle_data(f"[{m[1]}]{link}" if m else text)
        elif tag == "a" and self.href is not None:
            href, self.href = self.href, None
            if self.sup is not None:
                self.sup_links.append(href)
            elif href not in "".join(self.anchor):
                self.handle_data(f" <{href}>")
        elif tag in ("ol", "ul") and self.lists:
            self.lists.pop()
            self._newline(blank=True)
        elif tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append(" ".join("".join(self.cell).split()).replace("|", "/"))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self._write("| " + " | ".join(self.row) + " |")
            if self.rows_in_table == 0:
                self._newline()
                self._write("|" + "---|" * len(self.row))
            self.rows_in_table += 1
            self.row = None
            self._newline()
        elif re.fullmatch(r"h[1-6]", tag) or tag in BLOCK or tag == "li":
            if re.fullmatch(r"h[1-6]", tag) and self.heading is not None:
                self.last_heading, self.heading = " ".join("".join(self.heading).split()), None
            self._newline(blank=tag != "li")

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if self.href is not None:
            self.anchor.append(data)
        if self.heading is not None:
            self.heading.append(data)
        if self.sup is not None:
            self.sup.append(data)
        elif self.cell is not None:
            self.cell.append(data)
        elif self.row is None:
            line = self.getpos()[0]
            for i, part in enumerate(data.split("\n")):  # one run per source line, so lines stay exact
                text = re.sub(r"\s+", " ", (" " if i else "") + part)
                if not self.lines[-1] or self.lines[-1].endswith(" "):
                    text = text.lstrip()
                if text:
                    self._write(text, line + i)

    def _item_prefix(self, attrs: list[tuple[str, str | None]]) -> str:
        if not self.lists or self.lists[-1] is None:
            return "- "
        number = _start(attrs, "value") or self.lists[-1]
        self.lists[-1] = number + 1
        return f"{number}. "


def _start(attrs: list[tuple[str, str | None]], name: str = "start") -> int:
    """An `<ol start>` or `<li value>` number, 1 (or 0 for `value`) when absent or not a number."""
    value = dict(attrs).get(name) or ""
    return int(value) if value.strip().isdigit() and len(value.strip()) < 6 else int(name == "start")


def _paper_url(attrs: list[tuple[str, str | None]]) -> str | None:
    """The link's URL when it names a paper (PubMed, PMC, Europe PMC, doi.org), else None."""
    href = (dict(attrs).get("href") or "").strip()
    if not href.lower().startswith(("http://", "https://")) or re.search(r"[\s<>\"()]", href):
        return None
    return href if find_identifiers(href) else None


def html_to_text(html: str) -> tuple[str, list[tuple[int, int]]]:
    """Reduce HTML to text; the second value lists (output offset, source line) at each run of text."""
    reducer = _Reducer()
    reducer.feed(html)
    reducer.close()
    reducer.lines[-1] = reducer.lines[-1].rstrip()
    return "\n".join(reducer.lines), reducer.points
