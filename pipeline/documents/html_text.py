"""HTML → the Markdown-like text the block splitter reads, with a map back to source lines.

Standard library only (`html.parser`): headings become `#` lines, list items `-` bullets, table rows `|`
rows, `<sup>1,5</sup>` a bracketed marker `[1,5]` (the page kept its superscripts, so they are explicit),
and script, style and navigation furniture disappear. No tag ever reaches a claim.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

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
        elif tag == "li":
            self._newline()
            self._write("- ")
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
            m = SUP_REFS.fullmatch(text)
            self.handle_data(f"[{m[1]}]" if m else text)
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
            self._newline(blank=tag != "li")

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
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


def html_to_text(html: str) -> tuple[str, list[tuple[int, int]]]:
    """Reduce HTML to text; the second value lists (output offset, source line) at each run of text."""
    reducer = _Reducer()
    reducer.feed(html)
    reducer.close()
    reducer.lines[-1] = reducer.lines[-1].rstrip()
    return "\n".join(reducer.lines), reducer.points
