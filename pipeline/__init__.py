"""curate: the evidence behind health claims, from document to curated dataset."""

__version__ = "0.1.0"
