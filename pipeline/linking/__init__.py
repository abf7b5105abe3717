"""Linking: claims × records → links, relations, verdicts with audit flags, curator decisions applied.

Modules of the stage:
  entity_vocab.py      the curated vocabularies in data/, loaded and compiled once
  entities.py          what a claim or a record is about (intervention, form, condition, co-intervention,
                       mechanism, outcome, population, dose)
  entity_agreement.py  how a record's entities agree with a claim's, aspect by aspect; coverage
  references.py        explicit references: where a claim's citation markers point
  discovery.py         queries for uncited claims and the ranking formula
  bm25.py              BM25 among the papers naming the supplement
  direction.py         which way a claim and a record point: benefit, harm, no effect
  relations.py         supports / partial / contradicts / unrelated, with reasons
  verdicts.py          per-claim verdicts and audit flags
  decisions.py         the curator's decisions file, applied on every run
  linker.py            one document, end to end (no I/O of its own: a store and callables come in)
  evaluate.py          scores against the gold in tests/data/linking
"""
