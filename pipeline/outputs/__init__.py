"""Emitted artefacts: curated tables (`curated/`) and audit reports (`reports/`)."""
