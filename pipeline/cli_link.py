"""`curate link PATH`: every claim of one document linked to records and judged, as JSON Lines.

One line per link (`type: link`), then one line per claim verdict (`type: verdict`). Orphaned curator
decisions and unreachable sources go to stderr; they never disappear silently.
"""

from __future__ import annotations

import json
import logging
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.jobs import document_run
from pipeline.literature.snapshot import import_snapshot
from pipeline.outputs.bundle import DocumentRun
from pipeline.settings import Settings
from pipeline.wiring import live_sources, open_store

log = logging.getLogger("curate")


def link_command(settings: Settings, path: Path, top_k: int, offline: bool) -> None:
    with open_store(settings) as store:
        imported = import_snapshot(store, settings.root / "sources" / "records")
        if imported:
            log.info("record store: imported %d records from the shipped snapshot", imported)
        sources = live_sources(settings, offline=offline)
        result = document_run(
            path, store, sources, max_bytes=settings.max_document_bytes, top_k=top_k, ttl=settings.cache_ttl
        )
    out = sys.stdout
    for row in rows(result):
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    out.flush()
    for orphan in result.orphaned:
        log.warning("decision %s is orphaned: %s", orphan.decision.id, orphan.reason)
    for source, error in sources.unreachable.items():
        log.warning("%s could not be reached; links come from the record store only (%s)", source, error)
    log.info(summary(result))


def rows(result: DocumentRun) -> Iterator[dict[str, Any]]:
    """The JSON Lines: links in claim order, then one verdict per claim."""
    for link in result.links:
        yield {"type": "link", **link.model_dump(mode="json")}
    for verdict in result.verdicts:
        yield {"type": "verdict", **verdict.model_dump(mode="json")}


def summary(result: DocumentRun) -> str:
    origins = Counter(k.origin for k in result.links)
    relations = Counter(k.relation for k in result.links if not k.rejected)
    flags = Counter(f.kind for v in result.verdicts for f in v.flags)
    return (
        f"link {result.slug}: {len(result.verdicts)} claims, {len(result.links)} links "
        f"({', '.join(f'{n} {o}' for o, n in sorted(origins.items())) or 'none'}; "
        f"{', '.join(f'{n} {r}' for r, n in sorted(relations.items())) or 'none'}); "
        f"flags: {', '.join(f'{n} {k}' for k, n in sorted(flags.items())) or 'none'}"
    )
