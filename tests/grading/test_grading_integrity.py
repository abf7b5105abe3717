"""Integrity status: real notices and retracted papers, and the direction of correction links."""

from __future__ import annotations

import pytest
from grading_helpers import make

from pipeline.grading import grade_record


@pytest.mark.parametrize(
    ("record_id", "status", "role"),
    [
        ("pmid:15146069", "retracted", "article"),  # PubMed "Retracted Publication"
        ("pmid:38075128", "retraction_notice", "notice"),  # older name "Retraction of Publication"
        ("pmid:41578200", "retraction_notice", "notice"),  # 2026 name "Retraction Notice"
        ("pmid:36490231", "expression_of_concern", "notice"),
        ("pmid:38069913", "erratum", "notice"),
        ("pmid:23225445", "ok", None),
    ],
)
def test_real_records(real_records, record_id: str, status: str, role: str | None):
    grade = grade_record(real_records[record_id], text_only=True)  # integrity is read in text-only mode too
    assert (grade.integrity, grade.integrity_role) == (status, role)


def test_retracted_paper_links_to_its_notice_and_keeps_its_design(real_records):
    grade = grade_record(real_records["pmid:15146069"])
    assert grade.integrity_links  # the RetractionIn PMID(s)
    assert all(link.startswith("pmid:") for link in grade.integrity_links)
    assert grade.evidence_type == "other"  # plant pathology: its design survives the retraction
    assert grade.can_support is False


def test_notice_points_back_at_the_article(real_records):
    notice = grade_record(real_records["pmid:41578200"])
    assert notice.integrity_links and notice.can_support is False


def test_direction_of_links():
    article = grade_record(make("A trial", corrections=(("RetractionIn", "99"), ("ErratumIn", "98"))))
    assert (article.integrity, article.integrity_role, article.integrity_links) == (
        "retracted",
        "article",
        ["pmid:99"],
    )
    notice = grade_record(make("Retraction", corrections=(("RetractionOf", "5"),)))
    assert (notice.integrity, notice.integrity_role, notice.integrity_links) == (
        "retraction_notice",
        "notice",
        ["pmid:5"],
    )
    corrected = grade_record(make("A trial", corrections=(("ErratumIn", "7"),)))
    assert (corrected.integrity, corrected.can_support) == ("erratum", True)
    concern = grade_record(make("A trial", corrections=(("ExpressionOfConcernIn", "8"),)))
    assert (concern.integrity, concern.integrity_role) == ("expression_of_concern", "article")


def test_comments_do_not_touch_integrity():
    grade = grade_record(make("A trial", corrections=(("CommentIn", "1"), ("Cites", "2"))))
    assert (grade.integrity, grade.integrity_links, grade.can_support) == ("ok", [], True)
