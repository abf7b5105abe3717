"""A fake Europe PMC REST server: `search` with cursorMark paging and ID lookups, on loopback.

The result dicts are real core results (tests/data/europepmc); the envelope copies the real one
(version, hitCount, nextCursorMark, request, resultList). `cursor_end` picks how the last page ends:
'same' (nextCursorMark repeats the request's, Europe PMC's documented end), 'fresh' (a new cursor
whose page is empty), 'omit' (no nextCursorMark) or 'cycle' (a faulty server handing back an old cursor).
"""

from __future__ import annotations

import base64
import json
import re
from functools import cache
from pathlib import Path
from typing import Any, Literal

from .server import FakeServer, Reply, Seen

DATA = Path(__file__).resolve().parents[1] / "data" / "europepmc"
POOL_FILES = ("pyeuropepmc_search_cancer_core.json", "kotlin_web_europepmc_2.json")
EMPTY_FILE = "pyeuropepmc_search_no_results.json"
JSON = "application/json;charset=UTF-8"
CursorEnd = Literal["same", "fresh", "omit", "cycle"]


@cache
def pool() -> tuple[dict[str, Any], ...]:
    """Every real core result of the pool files, in file order."""
    return tuple(r for name in POOL_FILES for r in _load(name)["resultList"]["result"])


def _load(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def cursor_for(offset: int) -> str:
    return "*" if offset == 0 else base64.b64encode(f"fake-offset:{offset}".encode()).decode()


def offset_of(cursor: str) -> int:
    return 0 if cursor == "*" else int(base64.b64decode(cursor).decode().split(":")[1])


class FakeEuropePmc(FakeServer):
    """Routes `search`; `queries` maps a free-text query to its results (default: 'cancer' → pool)."""

    def __init__(self) -> None:
        super().__init__()
        self.queries: dict[str, list[dict[str, Any]]] = {"cancer": list(pool())}
        self.cursor_end: CursorEnd = "same"

    def route(self, seen: Seen) -> Reply:
        if seen.endpoint != "search":
            return Reply(404, b'{"errMsg":"no such endpoint"}', JSON)
        if seen.one("format") != "json":
            return Reply(400, b'{"errMsg":"this fake speaks format=json only"}', JSON)
        query = seen.one("query", "")
        matches = _lookup(query)
        results = matches if matches is not None else self.queries.get(query, [])
        return Reply(200, json.dumps(self._page(seen, results)).encode(), JSON)

    def _page(self, seen: Seen, results: list[dict[str, Any]]) -> dict[str, Any]:
        if not results:
            return _load(EMPTY_FILE)
        cursor, size = seen.one("cursorMark", "*"), int(seen.one("pageSize", "25"))
        offset = offset_of(cursor)
        page = results[offset : offset + size]
        envelope = _load(POOL_FILES[0]) | {"hitCount": len(results)}
        envelope["request"] = envelope["request"] | {"queryString": seen.one("query"), "cursorMark": cursor}
        envelope["resultList"] = {"result": page}
        next_cursor = self._next_cursor(cursor, size, offset + len(page), len(results))
        envelope.pop("nextPageUrl", None)
        envelope.pop("nextCursorMark", None)
        if next_cursor is not None:
            envelope["nextCursorMark"] = next_cursor
        return envelope

    def _next_cursor(self, cursor: str, size: int, reached: int, total: int) -> str | None:
        if self.cursor_end == "cycle" and offset_of(cursor) >= 2 * size:
            return cursor_for(size)  # the second page's cursor again: a client that trusts it loops forever
        if reached < total:
            return cursor_for(reached)
        return {"same": cursor, "fresh": cursor_for(reached), "omit": None, "cycle": cursor}[self.cursor_end]


def _lookup(query: str) -> list[dict[str, Any]] | None:
    """Answer the three ID query shapes the client builds; None when `query` is free text."""
    if m := re.fullmatch(r"EXT_ID:(\d+) AND SRC:MED", query):
        return [r for r in pool() if r.get("source") == "MED" and r.get("pmid") == m[1]]
    if m := re.fullmatch(r'DOI:"((?:[^"\\]|\\.)+)"', query):
        doi = re.sub(r"\\(.)", r"\1", m[1]).lower()
        return [r for r in pool() if r.get("doi", "").lower() == doi]
    if m := re.fullmatch(r"PMCID:(PMC\d+)", query):
        return [r for r in pool() if r.get("pmcid") == m[1]]
    return None
