"""BM25 over a small set of records — the papers that name a document's supplement.

Discovery ranks a claim's candidates among the papers about its supplement, with term statistics from
that same set: how rare "autophagy" is among vitamin K papers says more about a vitamin K claim than how
rare it is in a store of 100,000 papers on everything. It also makes ranking independent of what else
the store holds, and costs one pass over the set per document instead of one full-text query per claim.

Fields are weighted like the store's FTS5 index (title 10, abstract 1, MeSH 4, keywords 4); words are
lower-cased letters and digits with a light plural strip ("cancers" → "cancer").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

import numpy as np

from pipeline.models import Record

K1, B = 1.2, 0.75
FIELD_WEIGHTS = (("title", 10), ("abstract", 1), ("mesh", 4), ("keywords", 4))
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    stem = _STEMS.get
    return [stem(w) or _stem(w) for w in _WORD.findall(text.lower())]


_STEMS: dict[str, str] = {}  # word → stem: a store's abstracts repeat a small vocabulary


def _stem(word: str) -> str:
    stemmed = word
    if len(word) > 4 and word.endswith("ies"):
        stemmed = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        stemmed = word[:-1]
    if len(_STEMS) < 1_000_000:
        _STEMS[word] = stemmed
    return stemmed


class Bm25:
    """An in-memory BM25 index over records; `search` gives (record_id, score), best first.

    Each term's contribution to each document that holds it is computed once, as arrays, the first time
    a query asks for the term: a document's claims share most of their terms."""

    def __init__(self, records: Iterable[Record]) -> None:
        self.ids: list[str] = []
        self.tf: list[Counter[str]] = []
        for record in records:
            self.ids.append(record.record_id)
            self.tf.append(_weighted_terms(record))
        self.lengths = [sum(tf.values()) for tf in self.tf]
        self.avg = (sum(self.lengths) / len(self.lengths)) if self.lengths else 0.0
        self.postings: dict[str, list[int]] = {}
        for i, tf in enumerate(self.tf):
            for term in tf:
                self.postings.setdefault(term, []).append(i)
        n = len(self.ids)
        self.idf = {t: math.log(1 + (n - len(d) + 0.5) / (len(d) + 0.5)) for t, d in self.postings.items()}
        self._impacts: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: str, limit: int) -> list[tuple[str, float]]:
        scores = np.zeros(len(self.ids))
        hit = np.zeros(len(self.ids), dtype=bool)
        for term in dict.fromkeys(words(query)):
            if term in self.idf:
                docs, impact = self._impact(term)
                scores[docs] += impact  # a term's documents are distinct: no lost updates
                hit[docs] = True
        found = np.flatnonzero(hit)
        if len(found) > limit:  # keep the top `limit` and every tie with the last of them
            cut = np.partition(scores[found], len(found) - limit)[len(found) - limit]
            found = found[scores[found] >= cut]
        best = sorted(found.tolist(), key=lambda i: (-scores[i], self.ids[i]))[:limit]
        return [(self.ids[i], round(float(scores[i]), 4)) for i in best]

    def _impact(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """The term's documents and its BM25 contribution to each (the same float steps as summing it
        document by document, so scores do not depend on this cache)."""
        if term not in self._impacts:
            docs = self.postings[term]
            tf = np.array([self.tf[i][term] for i in docs], dtype=float)
            lengths = np.array([self.lengths[i] for i in docs], dtype=float)
            norm = tf + K1 * (1 - B + B * lengths / self.avg)
            self._impacts[term] = (np.array(docs), self.idf[term] * tf * (K1 + 1) / norm)
        return self._impacts[term]


def _weighted_terms(record: Record) -> Counter[str]:
    abstract = record.abstract or " ".join(s.text for s in record.abstract_sections)
    fields = {
        "title": record.title or "",
        "abstract": abstract,
        "mesh": " ".join(h.descriptor for h in record.mesh_headings),
        "keywords": " ".join(record.keywords),
    }
    # weights are whole numbers, so a field's words repeated `weight` times count exactly (in C)
    return Counter(w for name, weight in FIELD_WEIGHTS for w in words(fields[name]) * weight)
