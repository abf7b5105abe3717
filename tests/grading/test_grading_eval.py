"""The labelled evaluation set is well formed, and the scorer computes what the README reports."""

from __future__ import annotations

from pipeline.grading.evaluate import evaluate, markdown_table
from pipeline.models import EVIDENCE_TYPES


def test_every_label_is_in_the_vocabulary_and_justified(labels):
    assert len(labels) >= 150
    for row in labels:
        assert row["type"] is None or row["type"] in EVIDENCE_TYPES, row
        assert row["ref"] in ("pubmed", "reading") and len(row["why"]) > 10, row
    ids = [row["id"] for row in labels]
    assert len(ids) == len(set(ids))


def test_every_labelled_record_is_in_the_data(labels, real_records):
    assert {row["id"] for row in labels} <= set(real_records)
    snapshot = [r for r in real_records.values() if r.source == "snapshot"]
    assert len(snapshot) == 38 and {r.record_id for r in snapshot} <= {row["id"] for row in labels}


def test_held_out_set_is_labelled_justified_and_disjoint(held_out_labels, held_out_records, real_records):
    assert len(held_out_labels) >= 40
    for row in held_out_labels:
        assert row["type"] in EVIDENCE_TYPES and row["ref"] in ("pubmed", "reading"), row
        assert len(row["why"]) > 10, row
    ids = {row["id"] for row in held_out_labels}
    assert len(ids) == len(held_out_labels) and ids <= set(held_out_records)
    assert not set(held_out_records) & set(real_records)  # never seen while the cues were written
    assert (
        held_out_records["pmid:23121403"].title
        == "Low-dose aspirin for preventing recurrent venous thromboembolism."
    )


def test_unseen_set_labels_every_record_the_labelled_set_leaves_out(unseen_labels, labels, real_records):
    for row in unseen_labels:
        assert row["type"] is None or row["type"] in EVIDENCE_TYPES, row
        assert row["ref"] in ("pubmed", "reading") and len(row["why"]) > 10, row
    ids = {row["id"] for row in unseen_labels}
    assert len(ids) == len(unseen_labels)
    assert not ids & {row["id"] for row in labels}
    assert ids | {row["id"] for row in labels} == set(real_records)  # together: every record of the files


def test_fresh_set_labels_every_record_with_an_abstract_and_is_new(
    fresh_labels, fresh_records, real_records, held_out_records
):
    for row in fresh_labels:
        assert row["type"] is None or row["type"] in EVIDENCE_TYPES, row
        assert row["ref"] in ("pubmed", "reading") and len(row["why"]) > 10, row
    ids = [row["id"] for row in fresh_labels]
    assert len(ids) == len(set(ids)) >= 100
    with_abstract = {rid for rid, r in fresh_records.items() if r.abstract and len(r.abstract) >= 100}
    assert set(ids) == with_abstract  # every record of the files, none chosen by its content
    assert not set(ids) & (set(real_records) | set(held_out_records))  # never seen by any cue round


def test_scores():
    result = evaluate(
        [
            ("a", "rct", "rct"),
            ("b", "rct", "observational"),
            ("c", "observational", "rct"),
            ("d", "other", "other"),
        ]
    )
    assert (result.total, result.correct, result.accuracy) == (4, 2, 0.5)
    rct = result.score("rct")
    assert (rct.support, rct.predicted, rct.correct, rct.precision, rct.recall) == (2, 2, 1, 0.5, 0.5)
    assert result.score("animal").precision is None
    assert result.misses == [("b", "rct", "observational"), ("c", "observational", "rct")]
    table = markdown_table(result, result)
    assert "| rct | 2 | 0.50 | 0.50 | 0.50 | 0.50 |" in table
    assert "animal" not in table  # classes with no labels and no predictions are left out
