"""The Markdown audit report: summary first, every claim with its evidence, all text escaped."""

import re

import pytest

from pipeline.documents.parse import parse_text
from pipeline.models import DocumentMeta
from pipeline.outputs import report_md
from pipeline.outputs.bundle import CurationRun, DocumentRun, RunInfo

RECURRENCE_CLAIM = "c_76aa4f3f24f0e85d"  # the seed_run claim with a rejection, a note and an alert
HOSTILE = """Vitamin K2

Evidence

=HYPERLINK("http://evil.example","click") is what the page said about trials1.

<script>alert('x')</script> Vitamin K2 is safe in mice2.
"""


@pytest.fixture(scope="module")
def seed_md(seed_run) -> str:
    return report_md.render_document(seed_run.documents[0], seed_run)


def claim_block(report: str, claim_id: str) -> str:
    """The claim's list item and its nested lines."""
    return re.search(rf"^- \*\*L\d+\*\* · \w+ · `{claim_id}`.*?(?=^- |^#|\Z)", report, re.S | re.M).group(0)


def test_hostile_document_text_is_escaped():
    doc = parse_text(HOSTILE, DocumentMeta(slug="hostile", title="Vitamin K2"), path="hostile.txt")
    run = CurationRun(run=RunInfo(run_id="r", started_at="t"), documents=[DocumentRun(doc=doc)])
    report = report_md.render_document(run.documents[0], run)
    assert "<script>" not in report and "&lt;script&gt;" in report
    assert "## Summary" in report and "- Claims: 2 (sentence: 2)" in report
    assert "`1` → 1" in report and "Cited claims: 2; uncited: 0" in report


def test_parse_only_render_still_reports_the_parse():
    doc = parse_text(HOSTILE, DocumentMeta(slug="hostile", title="Vitamin K2"), path="hostile.txt")
    report = report_md.render(doc)
    assert report.startswith("# Vitamin K2\n") and "- Linked records: 0, of which rejected" in report


def test_summary_comes_first_with_the_runs_counts(seed_md, seed_run):
    doc = seed_run.documents[0]
    head = seed_md.split("## Sections and claims")[0]
    assert head.index("## Summary") < head.index("### Evidence pyramid") < head.index("### Alerts since")
    uncited = sum(not c.markers for c in doc.doc.claims)
    assert f"- Cited claims: {203 - uncited}; uncited: {uncited}" in head
    assert f"- Linked records: {len(doc.links)}, of which rejected by a curator: 1" in head
    assert "- **new_contradiction** `c_76aa4f3f24f0e85d` record `doi:10.1002/hep.24430`" in head
    assert "claim c\\_0000000000000000 is no longer in the document" in head  # the orphaned decision
    level2 = sum(k.relation == "supports" and not k.rejected and k.level == 2 for k in doc.links)
    assert re.search(rf"^\| 2 \|.*\| {level2} \|$", head, re.M)


def test_claim_shows_records_decisions_and_escaped_hostile_title(seed_md):
    block = claim_block(seed_md, RECURRENCE_CLAIM)
    assert "reduced recurrence rates" in block
    assert (
        "  - curator: reject · record pmid:23225445 by ana on 2026\\-11\\-26: checked: subgroup only" in block
    )
    assert "  - **alert** new_contradiction: a new trial contradicts" in block
    rejected = next(line for line in block.splitlines() if "`pmid:23225445`" in line)
    assert (
        "**contradicts** (rejected)" in rejected
        and "[PubMed](<https://pubmed.ncbi.nlm.nih.gov/23225445/>)" in rejected
    )
    assert "<script>" not in seed_md
    assert '&lt;script&gt;alert\\("x"\\)&lt;/script&gt; =HYPERLINK\\(' in seed_md
