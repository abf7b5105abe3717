"""Linking: the seed against its gold, and the seed against stores of 10,000 and 100,000 synthetic records.

Run: `.venv/bin/python benchmarks/bench_linking.py [--sizes 10000 100000] [--k-shares 0.05 0.25]`
(or `make bench`).

The synthetic records are the 38 real ones rewritten one by one: about another supplement (curcumin,
vitamin D3, melatonin, …) instead of vitamin K, the cancer swapped for another, abstract sentences
shuffled, a fresh PMID — so BM25 sees a realistic vocabulary full of near misses (same designs, same
outcomes, same cancers) that must not displace the real records. Those are filtered out before ranking
(they do not name vitamin K), so two more stores of 100,000 keep vitamin K in 5% and 25% of them: the
cost of ranking among 5,000 (in memory) and 25,000 (past `SUBSET_CAP`: the store's FTS index) papers
about the supplement. Their recall is not a ranking figure: those distractors are the gold papers
themselves with the cancer swapped. Stores are built once and kept under .curate/bench/.
"""

from __future__ import annotations

import argparse
import random
import re
import time
from pathlib import Path

from pipeline.documents import parse_document
from pipeline.linking.evaluate import load_gold, score
from pipeline.linking.linker import link_document
from pipeline.literature.record_jsonl import iter_jsonl_records
from pipeline.literature.store import RecordStore
from pipeline.models import Record

ROOT = Path(__file__).parents[1]
SEED = ROOT / "sources" / "documents" / "vitamin-k2"
RECORDS = ROOT / "sources" / "records" / "vitamin-k2-records.jsonl"
GOLD = ROOT / "tests" / "data" / "linking" / "gold.yaml"
CACHE = ROOT / ".curate" / "bench"
OTHERS = ["curcumin", "vitamin D3", "melatonin", "resveratrol", "quercetin", "berberine", "selenium",
          "omega-3 fatty acids", "green tea extract", "metformin", "zinc", "coenzyme Q10"]  # fmt: skip
CANCERS = ["breast cancer", "prostate cancer", "lung cancer", "gastric cancer", "colorectal cancer",
           "ovarian cancer", "pancreatic cancer", "bladder cancer", "leukaemia",
           "hepatocellular carcinoma"]  # fmt: skip
# every way the records name a K vitamin: a rewritten paper must be about its new supplement only
K2 = re.compile(
    r"\b(?:vitamins? K ?\d?|K vitamins?|VK ?\d?|VK-\d|K\d|menaquinones?(?:-\d+)?|menatetrenone|MK-?\d+|MKs|"
    r"MNT|phylloquinone|phytonadione|menadione)\b",
    re.I,
)
CANCER = re.compile(r"\b(?:" + "|".join(map(re.escape, CANCERS)) + r")\b", re.I)
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def real_records() -> list[Record]:
    with RECORDS.open(encoding="utf-8") as f:
        return list(iter_jsonl_records(f, str(RECORDS)))


def synthetic(base: list[Record], n: int, seed: int = 7, k_share: float = 0.0) -> list[Record]:
    """`n` rewritten records; a `k_share` of them keep their vitamin K names (and MeSH), so discovery
    must rank them among the supplement's papers instead of filtering them out."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        r = base[i % len(base)]
        supplement = rng.choice(OTHERS)
        cancer = rng.choice(CANCERS)
        keeps_k = k_share > 0 and rng.random() < k_share  # no draw at 0: older stores stay identical

        def rewrite(text: str | None, supplement=supplement, cancer=cancer, keeps_k=keeps_k) -> str | None:
            if not text:
                return text
            if not keeps_k:
                text = K2.sub(supplement, text)
            return CANCER.sub(cancer, text)

        sentences = SENTENCE.split(rewrite(r.abstract) or "")
        rng.shuffle(sentences)
        pmid = str(90_000_000 + i)
        out.append(
            r.model_copy(
                update={
                    "record_id": f"pmid:{pmid}",
                    "pmid": pmid,
                    "doi": None,
                    "pmcid": None,
                    "title": rewrite(r.title),
                    "abstract": " ".join(sentences),
                    "abstract_sections": [],
                    # they name vitamin K: a rewritten paper keeps none unless it stays about vitamin K
                    "mesh_headings": r.mesh_headings if keeps_k else [],
                    "keywords": r.keywords if keeps_k else [],
                    "chemicals": r.chemicals if keeps_k else [],
                }
            )
        )
    return out


def store_of(size: int, base: list[Record], k_share: float = 0.0) -> tuple[RecordStore, float]:
    """A store with the real records and `size` synthetic ones; (store, seconds spent building it)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    name = f"synthetic-v4-{size}" + (f"-k{k_share}" if k_share else "")
    path = CACHE / f"{name}.sqlite"
    store = RecordStore(f"sqlite:///{path}")
    if store.stats().total >= size + len(base):
        return store, 0.0
    started = time.perf_counter()
    store.upsert_many(base)
    records = synthetic(base, size, k_share=k_share)
    for start in range(0, size, 5000):
        store.upsert_many(records[start : start + 5000])
    return store, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument(
        "--k-shares",
        type=float,
        nargs="*",
        default=[0.05, 0.25],
        help="also link against 100,000 records of which this share still name vitamin K",
    )
    args = parser.parse_args()
    doc = parse_document(SEED, max_bytes=10_000_000)
    base = real_records()
    gold = load_gold(GOLD)
    print("| store | records | build s | link s | links | recall@5 | contradicts (correct / in gold) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    stores = [("seed records", 0, 0.0), *((f"synthetic {s:,}", s, 0.0) for s in args.sizes)]
    stores += [(f"synthetic 100,000, {k:.0%} naming vitamin K", 100_000, k) for k in args.k_shares]
    for label, size, k_share in stores:
        store, built = store_of(size, base, k_share)
        started = time.perf_counter()
        result = link_document(doc, store, top_k=5)
        seconds = time.perf_counter() - started
        s = score(gold, result.links, result.verdicts)
        print(
            f"| {label} | {store.stats().total:,} | {built:.1f} | {seconds:.1f} | {len(result.links)} | "
            f"{s.recall_at_k:.3f} ({s.found}/{s.gold_relevant}) | "
            f"{s.contradicts_correct} / {s.contradicts_in_gold} ({s.contradicts_predicted} predicted) |",
            flush=True,
        )
        if size == 0:
            seed_scores = s
    print("\nRelations on gold pairs that were linked (rows: gold, columns: predicted):\n")
    names = ["supports", "partial", "contradicts", "unrelated"]
    print("| gold \\ predicted | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for g in names:
        row = seed_scores.confusion.get(g, {})
        print(f"| {g} | " + " | ".join(str(row.get(p, 0)) for p in names) + " |")
    print(f"\nRelation agreement: {seed_scores.relation_agreement}")
    print("\nFlags on the seed: " + ", ".join(f"{k} {v}" for k, v in sorted(seed_scores.flags.items())))


if __name__ == "__main__":
    main()
