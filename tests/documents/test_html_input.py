"""HTML documents: reduced to text with the standard library; tags never leak into claims."""

from pipeline.documents import parse_document

PAGE = """<!doctype html>
<html><head><title>Vitamin K2</title><script>var x = "<p>not content</p>";</script>
<style>p { color: red }</style></head>
<body>
<nav><a href="/">Home</a> <a href="/shop">Shop</a></nav>
<h1>Vitamin K2</h1>
<h2>Bone health</h2>
<p>Vitamin K2 reduced fractures in a <b>randomised controlled trial</b><sup>1,2</sup>.
It was <i>well tolerated</i> &amp; safe<sup>3</sup>.</p>
<ul><li>MK-7 raised osteocalcin carboxylation<sup>[4]</sup>.</li>
<li>Doses of 45&nbsp;mg were used<sup>5</sup>.</li></ul>
<table><tr><th>Study</th><th>Evidence Type</th></tr>
<tr><td>Knapen 2013</td><td>RCT</td></tr></table>
<footer>Copyright 2025 <a href="#">Privacy</a></footer>
</body></html>
"""


def test_html_claims_have_no_tags_and_explicit_markers(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    doc = parse_document(path, max_bytes=1_000_000)
    texts = [c.text for c in doc.claims]
    assert not any("<" in t or ">" in t for t in texts)
    assert not any("not content" in t or "color" in t or "Privacy" in t or "Shop" in t for t in texts)
    first = doc.claims[0]
    assert first.text == "Vitamin K2 reduced fractures in a randomised controlled trial."
    assert [(m.refs, m.style) for m in first.markers] == [([1, 2], "bracket")]
    assert first.asserted_evidence == ["rct"]
    assert [m.refs for c in doc.claims for m in c.markers] == [[1, 2], [3], [4], [5]]
    bullets = [c for c in doc.claims if c.kind == "bullet"]
    assert [c.text for c in bullets] == [
        "MK-7 raised osteocalcin carboxylation.",
        "Doses of 45 mg were used.",
    ]
    row = next(c for c in doc.claims if c.kind == "table_row")
    assert row.cells == {"Study": "Knapen 2013", "Evidence Type": "RCT"}


def test_html_lines_point_at_the_source_file(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    doc = parse_document(path, max_bytes=1_000_000)
    source_lines = PAGE.splitlines()
    for claim in doc.claims[:3]:
        assert claim.text.split()[0] in source_lines[claim.line - 1], claim


LINKED = """<html><body>
<h1>Vitamin K2</h1>
<h2>Liver cancer</h2>
<p>Vitamin K2 reduced the recurrence of liver cancer in patients<sup><a href="https://pubmed.ncbi.nlm.nih.gov/16400650/">1</a></sup>.</p>
<p>A later trial found no benefit on recurrence<sup><a href="#ref2">2</a></sup>.</p>
<p>Menatetrenone was studied again (<a href="https://doi.org/10.1002/hep.24430">Yoshida 2011</a>,
<a href="https://example.org/x">a blog</a>).</p>
<h2>References</h2>
<ol start="1">
<li>Mizuta T. <a href="https://pubmed.ncbi.nlm.nih.gov/16400650/">PubMed</a></li>
<li id="ref2">Yoshida H. Hepatology 2011. <a href="https://doi.org/10.1002/hep.24430">doi</a></li>
</ol>
</body></html>
"""


def test_links_to_papers_survive_and_ordered_lists_keep_their_numbers(tmp_path):
    from pipeline.documents.html_text import html_to_text

    text, _ = html_to_text(LINKED)
    assert "patients[1](https://pubmed.ncbi.nlm.nih.gov/16400650/)." in text
    assert "recurrence[2]." in text  # an in-page anchor is not a paper
    assert "(Yoshida 2011 <https://doi.org/10.1002/hep.24430>, a blog)" in text
    assert "1. Mizuta T. PubMed <https://pubmed.ncbi.nlm.nih.gov/16400650/>" in text
    assert "2. Yoshida H. Hepatology 2011. doi <https://doi.org/10.1002/hep.24430>" in text

    path = tmp_path / "page.html"
    path.write_text(LINKED, encoding="utf-8")
    doc = parse_document(path, max_bytes=1_000_000)
    assert [c.text for c in doc.claims] == [
        "Vitamin K2 reduced the recurrence of liver cancer in patients.",
        "A later trial found no benefit on recurrence.",
        "Menatetrenone was studied again (Yoshida 2011 <https://doi.org/10.1002/hep.24430>, a blog).",
    ]
    assert doc.claims[0].markers[0].token == "[1](https://pubmed.ncbi.nlm.nih.gov/16400650/)"


def test_a_numbered_list_of_claims_stays_claims(tmp_path):
    """Only an <ol> under a reference heading is numbered: elsewhere its short items would read as
    numbered headings and the claims after them would move to other sections (and change IDs)."""
    page = (
        "<h1>Vitamin K2</h1><h2>Benefits</h2><p>Vitamin K2 is studied for bone and heart health.</p>"
        "<ol><li>Supports bone health in older women</li>"
        "<li>Lowers arterial calcification in adults</li></ol>"
        "<p>Vitamin K2 reduces fracture risk in trials<sup>1</sup>.</p>"
    )
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    doc = parse_document(path, max_bytes=1_000_000)
    assert [(c.kind, c.section, c.text) for c in doc.claims][1:] == [
        ("bullet", "benefits", "Supports bone health in older women"),
        ("bullet", "benefits", "Lowers arterial calcification in adults"),
        ("sentence", "benefits", "Vitamin K2 reduces fracture risk in trials."),
    ]
