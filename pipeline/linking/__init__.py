"""Linking: claims × records → links, relations, flags and curator decisions.

Modules of the stage:
  entities.py    what a claim or a record is about (intervention, form, condition, co-intervention,
                 mechanism, outcome, population, dose), from the vocabularies in data/, and how two agree
  references.py  explicit references: where a claim's citation markers point
  links.py       explicit and curator links resolved to records (planned)
  discovery.py   candidate records for uncited claims: queries, BM25 and ranking (planned)
  relations.py   supports / partial / contradicts / unrelated, with reasons (planned)
  verdicts.py    per-claim verdicts and audit flags
  decisions.py   the curator's decisions file, applied on every run (planned)
"""
