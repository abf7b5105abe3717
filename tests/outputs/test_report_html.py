"""The HTML audit reports of a real run: self-contained, escaped, and showing the run's real content."""

import base64
import hashlib
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline.outputs import report_html
from pipeline.outputs.report_view import record_urls, safe_url
from pipeline.outputs.report_write import write_reports

RECURRENCE_CLAIM = "c_76aa4f3f24f0e85d"  # the seed_run claim with a rejection, a note and an alert
HOSTILE_RECORD = "pmid:16400650"  # seed_run gave it a title holding <script> and a spreadsheet formula
ALLOWED_HREF = re.compile(r"^(#|\./|https://pubmed\.ncbi\.nlm\.nih\.gov/\d+/$|https://doi\.org/)")


class Page(HTMLParser):
    """Every element with its attributes, the text of each script, and all text outside scripts."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)

    def all(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.elements if t == tag and all(a.get(k) == v for k, v in attrs.items())]


@pytest.fixture(scope="module")
def written(seed_run, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("reports")
    return {p.name: p for p in write_reports(seed_run, out)}


@pytest.fixture(scope="module")
def page(written) -> Page:
    return Page(written["vitamin-k2.html"].read_text(encoding="utf-8"))


def test_write_reports_writes_markdown_html_and_index_atomically(written):
    assert list(written) == ["vitamin-k2.md", "vitamin-k2.html", "index.html"]
    folder = written["index.html"].parent
    assert not list(folder.glob(".*.tmp"))  # every file went through a temporary file and a rename
    assert written["vitamin-k2.md"].read_text(encoding="utf-8").startswith("# Vitamin K2\n")


def test_reports_of_a_document_no_longer_in_the_run_are_named_not_deleted(seed_run, tmp_path):
    from pipeline.outputs.report_write import stale_reports

    write_reports(seed_run, tmp_path)
    for name in ("old-page.md", "old-page.html", "notes.md", "benchmarks.md", "Shot.html"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert stale_reports(seed_run, tmp_path) == [tmp_path / "old-page.html"]  # a pair, named by a slug
    assert (tmp_path / "old-page.html").is_file()


def test_hostile_record_title_renders_as_text_and_only_our_script_exists(page, written, seed_run):
    hostile = seed_run.records[HOSTILE_RECORD].title
    assert hostile.startswith("<script>")
    assert len(page.scripts) == 1 and page.scripts[0] == report_html.filter_script()
    assert hostile in page.text
    raw = written["vitamin-k2.html"].read_text(encoding="utf-8")
    assert '<script>alert("x")' not in raw and "&lt;script&gt;alert(" in raw


def test_the_page_loads_nothing_external_and_links_only_http_or_in_page(page):
    assert not page.all("link") and not page.all("img") and not page.all("iframe")
    assert not [a for _, a in page.elements if "src" in a]  # the one script is inline
    hrefs = [a["href"] for _, a in page.elements if "href" in a]
    assert hrefs and all(ALLOWED_HREF.match(h) for h in hrefs), [
        h for h in hrefs if not ALLOWED_HREF.match(h)
    ]
    assert "https://pubmed.ncbi.nlm.nih.gov/16400650/" in hrefs  # the hostile record still links out


def test_csp_allows_exactly_our_script(page):
    (meta,) = page.all("meta", **{"http-equiv": "Content-Security-Policy"})
    digest = base64.b64encode(hashlib.sha256(page.scripts[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in meta["content"] and "default-src 'none'" in meta["content"]


def test_summary_counts_match_the_run(page, seed_run):
    doc = seed_run.documents[0]
    cards = page.all("article")
    assert len(cards) == len(doc.doc.claims) == 203
    text = " ".join(page.text)
    assert re.search(r"Claims\s*203\b", text)
    uncited = sum(not c.markers for c in doc.doc.claims)
    assert re.search(rf"Uncited\s*{uncited}\b", text) and uncited > 0
    flags = Counter(f.kind for v in doc.verdicts for f in v.flags)
    options = {o["value"] for o in page.all("option")}
    assert set(flags) <= options and {"all", "none"} <= options
    tagged = Counter(k for c in cards for k in c["data-flags"].split())
    assert tagged == Counter(
        {k: sum(1 for v in doc.verdicts if k in {f.kind for f in v.flags}) for k in flags}
    )


def test_pyramid_table_counts_supporting_links_by_level(written, seed_run):
    links = seed_run.documents[0].links
    level2 = sum(k.relation == "supports" and not k.rejected and k.level == 2 for k in links)
    html = written["vitamin-k2.html"].read_text(encoding="utf-8")
    table = re.search(r'<table id="pyramid">.*?</table>', html, re.S).group(0)
    row = re.search(r"<tr><th>2</th>(.*?)</tr>", table, re.S).group(1)
    assert re.findall(r"<td>(\d*)</td>", row)[-1] == str(level2) and level2 > 0


def card_html(html: str, claim_id: str) -> str:
    return re.search(rf'<article class="card" id="{claim_id}".*?</article>', html, re.S).group(0)


def test_claim_card_shows_rejection_note_alert_and_record_details(written):
    card = card_html(written["vitamin-k2.html"].read_text(encoding="utf-8"), RECURRENCE_CLAIM)
    text = " ".join(Page(card).text)
    assert 'data-level="' in card and "contradicted" in card.split(">")[0]  # the filter attributes
    assert "reduced recurrence rates" in text and "line 38" in text
    assert re.search(r"contradicts\s*\(rejected\)", text)  # the curator's rejection stays visible
    assert "reject · record pmid:23225445 by ana on 2026-11-26: checked: subgroup only" in text
    assert "note by" not in text and "note on 2026-11-26: ask the author for the reference" in text
    assert "new_contradiction: a new trial contradicts" in text
    assert "Anticancer Research" in text and "2012" in text  # journal and year of pmid:23225445
    assert '<a href="https://pubmed.ncbi.nlm.nih.gov/23225445/"' in card


def test_summary_lists_alert_orphaned_decision_and_pending(page):
    text = " ".join(page.text)
    assert "claim c_0000000000000000 is no longer in the document" in text
    assert "new_contradiction" in text and "None: every source answered." in text
    assert re.search(r"(\d+) flagged claims without a curator decision", text)


def test_index_lists_every_document_with_links(written):
    page = Page(written["index.html"].read_text(encoding="utf-8"))
    assert {a["href"] for a in page.all("a")} == {"./vitamin-k2.html", "./vitamin-k2.md"}
    assert "203" in page.text and not page.scripts


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/a?b=1", "https://example.org/a?b=1"),
        ("http://example.org", "http://example.org"),
        ("javascript:alert(1)", None),
        (" JavaScript:alert(1)", None),
        ("data:text/html,<script>", None),
        ("//example.org/x", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_url_keeps_only_absolute_http_links(url, expected):
    assert safe_url(url) == expected


def test_record_urls_are_built_from_identifiers_and_encoded():
    assert record_urls(None, "pmid:123") == [("PubMed", "https://pubmed.ncbi.nlm.nih.gov/123/")]
    ((label, url),) = record_urls(None, 'doi:10.1/a"><script>(x)')
    assert label == "DOI" and url == "https://doi.org/10.1/a%22%3E%3Cscript%3E%28x%29"
    assert record_urls(None, "pmid:javascript:1") == []  # not a PMID: no link at all
