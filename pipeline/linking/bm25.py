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

from pipeline.models import Record

K1, B = 1.2, 0.75
FIELD_WEIGHTS = (("title", 10.0), ("abstract", 1.0), ("mesh", 4.0), ("keywords", 4.0))
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text.lower())]


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


class Bm25:
    """An in-memory BM25 index over records; `search` gives (record_id, score), best first."""

    def __init__(self, records: Iterable[Record]) -> None:
        self.ids: list[str] = []
        self.tf: list[Counter[str]] = []
        for record in records:
            self.ids.append(record.record_id)
            self.tf.append(_weighted_terms(record))
        self.lengths = [sum(tf.values()) for tf in self.tf]
        self.avg = (sum(self.lengths) / len(self.lengths)) if self.lengths else 0.0
        df: Counter[str] = Counter(t for tf in self.tf for t in tf)
        n = len(self.ids)
        self.idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self.postings: dict[str, list[int]] = {}
        for i, tf in enumerate(self.tf):
            for term in tf:
                self.postings.setdefault(term, []).append(i)

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: str, limit: int) -> list[tuple[str, float]]:
        terms = list(dict.fromkeys(words(query)))
        scores: dict[int, float] = {}
        for term in terms:
            idf = self.idf.get(term)
            if idf is None:
                continue
            for i in self.postings[term]:
                tf = self.tf[i][term]
                norm = tf + K1 * (1 - B + B * self.lengths[i] / self.avg)
                scores[i] = scores.get(i, 0.0) + idf * tf * (K1 + 1) / norm
        best = sorted(scores.items(), key=lambda item: (-item[1], self.ids[item[0]]))[:limit]
        return [(self.ids[i], round(s, 4)) for i, s in best]


def _weighted_terms(record: Record) -> Counter[str]:
    abstract = record.abstract or " ".join(s.text for s in record.abstract_sections)
    fields = {
        "title": record.title or "",
        "abstract": abstract,
        "mesh": " ".join(h.descriptor for h in record.mesh_headings),
        "keywords": " ".join(record.keywords),
    }
    counts: Counter[str] = Counter()
    for name, weight in FIELD_WEIGHTS:
        for word in words(fields[name]):
            counts[word] += weight  # type: ignore[assignment]
    return counts
