"""Find, check and read a document and its metadata: the only I/O of the documents stage.

A document is a file (`.txt`, `.md`, `.html`) or a folder `sources/documents/<slug>/` holding one
`document.*` and an optional `meta.yaml`. Every refusal is a `DocumentError` naming the path and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from pipeline.documents.html_text import html_to_text
from pipeline.documents.sections import slugify
from pipeline.errors import DocumentError
from pipeline.models import DocumentMeta

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
META_FILE = "meta.yaml"
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class SourceText:
    path: Path
    text: str
    format: str  # txt | md | html
    line_map: list[tuple[int, int]] | None  # (offset in reduced text, source line), for HTML


def locate(path: Path) -> tuple[Path, Path | None]:
    """(document file, metadata file or None) for a file or a document folder."""
    if not path.exists():
        raise DocumentError(str(path), "no such file or folder")
    if path.is_file():
        return path, None
    found = sorted(p for p in path.glob("document.*") if p.suffix.lower() in SUFFIXES)
    if not found:
        raise DocumentError(
            str(path), f"folder has no document ({', '.join('document' + s for s in SUFFIXES[:4])})"
        )
    if len(found) > 1:
        raise DocumentError(str(path), f"folder has several documents: {', '.join(p.name for p in found)}")
    meta = path / META_FILE
    return found[0], meta if meta.is_file() else None


def read_yaml_mapping(path: Path, expected: str) -> dict:
    """A curator-written YAML file that must hold a mapping; DocumentError naming the file otherwise."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise DocumentError(str(path), f"not valid YAML: {str(e).splitlines()[0]}") from e
    if not isinstance(data, dict):
        raise DocumentError(str(path), f"expected {expected}")
    return data


def read_meta(meta_path: Path | None, document: Path) -> DocumentMeta:
    """The metadata file, or defaults: slug from the folder (or file) name, citation style `auto`."""
    slug = (
        folder_slug(document.parent)
        if meta_path or document.stem == "document"
        else slugify(document.stem, 8)
    )
    if meta_path is None:
        return DocumentMeta(slug=slug)
    data = read_yaml_mapping(meta_path, "a mapping of fields (title, origin_url, …)")
    if "slug" in data:  # the slug names output files: it comes from the folder, never from the file
        raise DocumentError(str(meta_path), "field 'slug' is not allowed: the slug is the folder's name")
    try:
        return DocumentMeta.model_validate({"slug": slug, **data})
    except ValidationError as e:
        err = e.errors()[0]
        field = ".".join(str(x) for x in err["loc"])
        raise DocumentError(str(meta_path), f"field {field!r}: {err['msg']}") from e


def read_text(path: Path, *, max_bytes: int) -> SourceText:
    """Read a document file as UTF-8 text, refusing what is not a usable text document."""
    size = path.stat().st_size
    if size > max_bytes:
        raise DocumentError(
            str(path), f"{size:,} bytes is over the limit of {max_bytes:,} (CURATE_MAX_DOCUMENT_BYTES)"
        )
    data = path.read_bytes()
    if not data.strip():
        raise DocumentError(str(path), "document is empty")
    if b"\x00" in data[:SNIFF_BYTES]:
        raise DocumentError(str(path), "binary file (NUL bytes), not a text document")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DocumentError(
            str(path), f"not valid UTF-8 (byte {e.start}: {data[e.start : e.start + 1]!r})"
        ) from e
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm") or (
        suffix not in SUFFIXES and text.lstrip()[:15].lower().startswith(("<!doctype html", "<html"))
    ):
        reduced, line_map = html_to_text(text)
        return SourceText(path, reduced, "html", line_map)
    return SourceText(path, text, "md" if suffix in (".md", ".markdown") else "txt", None)


def load(path: Path, *, max_bytes: int) -> tuple[DocumentMeta, SourceText]:
    document, meta_path = locate(path)
    meta = read_meta(meta_path, document)
    return meta, read_text(document, max_bytes=max_bytes)


def folder_slug(folder: Path) -> str:
    """A document folder's slug: its name, lower-cased, words joined by hyphens (at most 8 words)."""
    return slugify(folder.name, 8)
