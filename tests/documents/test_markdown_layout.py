"""Markdown documents: `#` headings are the only headings, and a sentence ending in a citation is prose."""

from pipeline.documents.blocks import is_heading_like
from pipeline.documents.parse import parse_text
from pipeline.models import DocumentMeta

PAGE = """# Vitamin K2 and liver cancer

## Clinical evidence

In liver cancer, VK2 supplementation reduced recurrence rates after surgical treatment.[1]

## Safety

- VK2 is well tolerated at 45 mg/day.[2]
"""


def test_marked_headings_are_the_only_headings():
    doc = parse_text(PAGE, DocumentMeta(slug="md", title="Vitamin K2"))
    assert [s.heading for s in doc.sections] == ["Vitamin K2 and liver cancer", "Clinical evidence", "Safety"]
    first = doc.claims[0]
    assert first.section == "vitamin-k2-and-liver-cancer/clinical-evidence"
    assert first.text.startswith("In liver cancer") and first.markers[0].refs == [1]
    assert [c.kind for c in doc.claims] == [
        "sentence",
        "bullet",
    ]  # the short line is neither heading nor claim


def test_a_sentence_hiding_its_full_stop_behind_a_citation_is_not_a_heading():
    assert not is_heading_like("VK2 reduced recurrence after surgery.[1]")
    assert not is_heading_like("VK2 reduced recurrence after surgery.12")
    assert not is_heading_like("VK2 reduced recurrence after surgery.(3, 4)")
    assert is_heading_like("Cell-Cycle Arrest")
    assert is_heading_like("1. Ovarian Cancer Resistance")
