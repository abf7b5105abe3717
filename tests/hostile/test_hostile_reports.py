"""HTML and JavaScript in document and record text stay inert in every report (Markdown, HTML, index),
and spreadsheet formulas are neutralised in every CSV table of the dataset.

The run (tests/hostile/conftest.py) puts payloads in claim text, section headings, the document title,
record titles, journal and author names, decision notes, curator names, an alert and a source's error.
"""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hostile_helpers import FORMULAS, SCRIPT, TAGS, HostileRun
from markdown_it import MarkdownIt

from pipeline.outputs.tables import FORMULA_START, unneutralise

EVENT_OR_SCRIPT_TAGS = {"script", "img", "svg", "iframe", "object", "embed"}


class Inventory(HTMLParser):
    """Every element, attribute and text run of a page, as a browser's tokenizer would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []  # (tag, name, value)
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.scripts if self._in_script else self.text).append(data)


def inventory(html: str) -> Inventory:
    parsed = Inventory()
    parsed.feed(html)
    parsed.close()
    return parsed


def assert_inert(page: Inventory, *, scripts: int) -> None:
    """No injected element, event handler or javascript: URL; only our own scripts."""
    assert len(page.scripts) == scripts and not any("XSS" in s for s in page.scripts)
    injected = [t for t in page.tags if t in EVENT_OR_SCRIPT_TAGS and t != "script"]
    assert injected == [] or all(t == "svg" for t in injected)  # our own inline SVG pictures
    handlers = [(t, n) for t, n, _ in page.attributes if n.startswith("on")]
    assert handlers == []
    urls = [v for _, n, v in page.attributes if n in ("href", "src", "action", "xlink:href")]
    assert not any(v.strip().lower().startswith(("javascript:", "data:", "vbscript:")) for v in urls)
    assert not any("XSS" in v for _, n, v in page.attributes if n not in ("title", "id", "value"))


def test_the_document_report_shows_every_payload_as_text(hostile_run: HostileRun) -> None:
    page = inventory((hostile_run.root / "reports" / "hostile.html").read_text(encoding="utf-8"))
    assert_inert(page, scripts=1)
    text = " ".join(page.text)
    assert SCRIPT in text  # the title, headings, record titles and notes arrived as readable text
    assert {tag for tag in TAGS if tag in text} == set(TAGS)
    svgs = [t for t in page.tags if t == "svg"]
    assert len(svgs) == 2  # the pyramid and the matrix, nothing injected


def test_the_index_shows_the_hostile_title_and_source_error_as_text(hostile_run: HostileRun) -> None:
    page = inventory((hostile_run.root / "reports" / "index.html").read_text(encoding="utf-8"))
    assert_inert(page, scripts=0)
    text = " ".join(page.text)
    assert f"{SCRIPT} Vitamin K2" in text and f"HTTP 503: {SCRIPT}" in text


def test_the_origin_url_with_a_javascript_scheme_is_not_linked(hostile_run: HostileRun) -> None:
    html = (hostile_run.root / "reports" / "hostile.html").read_text(encoding="utf-8")
    markdown = (hostile_run.root / "reports" / "hostile.md").read_text(encoding="utf-8")
    assert "javascript:alert(1)" not in html and "javascript:alert(1)" not in markdown


def test_the_markdown_report_renders_to_inert_html(hostile_run: HostileRun) -> None:
    markdown = (hostile_run.root / "reports" / "hostile.md").read_text(encoding="utf-8")
    # CommonMark lets raw HTML through: only escaping in the report keeps the payloads text.
    rendered = MarkdownIt("commonmark", {"html": True}).render(markdown)
    page = inventory(rendered)
    assert_inert(page, scripts=0)
    assert [t for t in page.tags if t in EVENT_OR_SCRIPT_TAGS] == []
    text = " ".join(page.text)
    assert {tag for tag in TAGS if tag in text} == set(TAGS)
    assert SCRIPT in text and "[click](javascript:" in text  # shown as written, not linked


def csv_cells(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize(
    "table",
    ["documents", "sections", "claims", "markers", "records", "grades", "links", "flags", "decisions"],
)
def test_no_csv_cell_starts_like_a_formula(hostile_run: HostileRun, table: str) -> None:
    rows = csv_cells(hostile_run.root / "curated" / f"{table}.csv")
    assert rows, f"{table}.csv is empty: the test would prove nothing"
    live = [(col, v) for row in rows for col, v in row.items() if v.startswith(FORMULA_START)]
    assert [(col, v) for col, v in live if not is_number(v)] == []


def test_every_formula_payload_reached_a_csv_and_was_neutralised(hostile_run: HostileRun) -> None:
    cells = [
        v for p in hostile_run.written if p.suffix == ".csv" for row in csv_cells(p) for v in row.values()
    ]
    for formula in FORMULAS:
        neutralised = [c for c in cells if c.startswith("'" + formula)]
        assert neutralised, f"no CSV cell starts with the neutralised {formula!r}"
        assert all(unneutralise(c).startswith(formula) for c in neutralised)


@pytest.mark.parametrize(("table", "column"), [("sections", "heading"), ("claims", "section_heading"),
                                               ("decisions", "note"), ("decisions", "curator"),
                                               ("records", "title"), ("records", "journal")])  # fmt: skip
def test_hostile_columns_carry_the_payload_neutralised(
    hostile_run: HostileRun, table: str, column: str
) -> None:
    values = [row[column] for row in csv_cells(hostile_run.root / "curated" / f"{table}.csv")]
    hostile = [v for v in values if any(tag in v for tag in TAGS)]
    assert hostile, f"{table}.{column} carries no payload: the test would prove nothing"
    assert all(not v.startswith(FORMULA_START) for v in hostile)


def test_parquet_and_json_keep_the_text_exactly(hostile_run: HostileRun) -> None:
    import pandas as pd

    claims = pd.read_parquet(hostile_run.root / "curated" / "claims.parquet")
    assert any(t.startswith(FORMULAS[1]) for t in claims["text"])  # not neutralised: not a spreadsheet
    package = json.loads((hostile_run.root / "curated" / "datapackage.json").read_text(encoding="utf-8"))
    assert len(package["resources"]) == 9
