"""BM25 among the papers naming the supplement (pipeline.linking.bm25)."""

from pipeline.linking.bm25 import Bm25, words
from pipeline.models import Record


def record(record_id: str, title: str, abstract: str = "") -> Record:
    return Record(record_id=record_id, title=title, abstract=abstract, source="import")


def test_words_are_lower_case_with_plurals_stripped():
    assert words("Cancers, therapies and HCC's glass") == ["cancer", "therapy", "and", "hcc", "s", "glass"]


def test_a_rare_term_in_the_title_ranks_first_and_unknown_terms_score_nothing():
    index = Bm25(
        [
            record("a", "Vitamin K2 and bladder cancer", "apoptosis in bladder cancer cells"),
            record("b", "Vitamin K2 autophagy in leukaemia", "cells died by autophagy"),
            record("c", "Vitamin K2 and bone", "bone mineral density in women"),
        ]
    )
    assert len(index) == 3
    hits = index.search("autophagy leukaemias", limit=5)
    assert [r for r, _ in hits] == ["b"]
    ranked = [r for r, _ in index.search("bladder bone cells", limit=5)]
    assert ranked[0] in ("a", "c") and set(ranked) == {"a", "b", "c"}
    assert index.search("zebrafish", limit=5) == []
    assert index.search("cells", limit=1) == index.search("cells", limit=5)[:1]


def test_an_empty_index_answers_nothing():
    assert Bm25([]).search("cancer", 5) == []
