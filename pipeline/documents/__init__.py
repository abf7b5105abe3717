"""Documents → sections, claims and citation markers.

loading.py    find and read a document file or folder (the stage's only I/O)
html_text.py  HTML reduced to Markdown-like text
blocks.py     text → headings, paragraphs, bullets, tables, chrome
sections.py   blocks → sections, FAQ answers, reference scopes
sentences.py  prose → sentence spans
markers.py    citation-marker candidates and their reading per scope
reference_list.py  the page's own reference list, kept out of the claims
tables.py     flattened table headers and cells
evidence.py   asserted evidence (what the text says its evidence is)
parse.py      all of the above → ParsedDocument
"""

from __future__ import annotations

from pathlib import Path

from pipeline.documents.loading import folder_slug, load
from pipeline.documents.parse import parse_text
from pipeline.errors import DocumentError
from pipeline.models import CitationStyle, ParsedDocument

__all__ = ["discover", "parse_document", "parse_text"]


def parse_document(path: Path, *, max_bytes: int, style: CitationStyle | None = None) -> ParsedDocument:
    """Read and parse one document file or `sources/documents/<slug>` folder."""
    meta, source = load(path, max_bytes=max_bytes)
    if style is not None:
        meta = meta.model_copy(update={"citation_style": style})
    return parse_text(source.text, meta, path=str(source.path), line_map=source.line_map)


def discover(documents_dir: Path) -> list[Path]:
    """Every document folder under `sources/documents/`, in name order (hidden folders skipped).

    Two folders whose names give the same slug (`Vitamin K2` and `vitamin-k2`) are refused: the slug keys
    every claim ID, table row and report file, so one would silently overwrite the other."""
    if not documents_dir.is_dir():
        return []
    folders = sorted(p for p in documents_dir.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    seen: dict[str, Path] = {}
    for folder in folders:
        slug = folder_slug(folder)
        if slug in seen:
            raise DocumentError(
                str(documents_dir),
                f"folders {seen[slug].name!r} and {folder.name!r} both give the slug {slug!r}: rename one",
            )
        seen[slug] = folder
    return folders
