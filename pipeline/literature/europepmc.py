"""Europe PMC REST client: `search` with cursorMark paging and single-record lookups, as JSON dicts.

HTTP (rate limit, timeouts, retries) is `http.py`'s; turning a result dict into a Record is
`europepmc_json.py`'s. Paging follows Europe PMC's contract: start at cursorMark `*`, stop when a page
is empty, has no nextCursorMark, or hands back the cursor just used (the documented end). A cursor seen
on an earlier page means the server is cycling: that is a FetchError, never an endless loop.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, Literal
from urllib.parse import urlsplit

from pipeline.errors import FetchError, InputError
from pipeline.literature import json_text
from pipeline.literature.http import (
    DEFAULT_MAX_BYTES,
    HttpClient,
    RejectedResponse,
    RetryableResponse,
    limiter_for,
)

IdType = Literal["pmid", "doi", "pmcid"]
MAX_PAGE_SIZE = 1000  # Europe PMC's largest pageSize
DEFAULT_RATE = 10.0  # Europe PMC publishes no hard limit; stay polite
_PMCID = re.compile(r"(?i)^(?:PMC)?(\d+)$")


class EuropePmcClient:
    """The `search` endpoint of one Europe PMC REST base URL."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 30.0,
        http: HttpClient | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        rate: float = DEFAULT_RATE,
    ) -> None:
        limiter = limiter_for(f"europepmc:{urlsplit(base_url).netloc}", rate)
        self.http = http or HttpClient(
            base_url,
            timeout=timeout,
            limiter=limiter,
            user_agent="curate-evidence (Europe PMC client)",
            max_bytes=max_bytes,
        )

    def __repr__(self) -> str:
        return f"EuropePmcClient({self.http.base_url!r})"

    def search(
        self, query: str, *, result_type: str = "core", page_size: int = 1000, limit: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every result dict for `query` (at most `limit`), page by page."""
        if not query.strip():
            raise InputError("empty Europe PMC query")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise InputError(f"page_size must be 1..{MAX_PAGE_SIZE}, got {page_size}")
        if limit is not None and limit < 1:
            raise InputError(f"limit must be positive, got {limit}")
        size = min(page_size, limit) if limit else page_size
        return _Pages(self.http, query, result_type, size).results(limit)

    def lookup(self, id_type: IdType, value: str) -> dict[str, Any] | None:
        """The core result for one PMID, DOI or PMCID, or None when Europe PMC has no such record."""
        query, matches = lookup_query(id_type, value)
        for result in self.search(query, page_size=25, limit=25):
            if matches(result):
                return result
        return None


class _Pages:
    """The cursorMark walk of one search."""

    def __init__(self, http: HttpClient, query: str, result_type: str, size: int) -> None:
        self.http, self.query, self.result_type, self.size = http, query, result_type, size

    def results(self, limit: int | None) -> Iterator[dict[str, Any]]:
        cursor, seen, yielded = "*", {"*"}, 0
        while True:
            page = self.fetch(cursor)
            for result in page.get("resultList", {}).get("result", []):
                yield result
                yielded += 1
                if limit is not None and yielded >= limit:
                    return
            following = page.get("nextCursorMark")
            if not page.get("resultList", {}).get("result") or not following or following == cursor:
                return
            if following in seen:
                raise FetchError([self.query], 200, f"server repeated an earlier cursorMark {following!r}")
            seen.add(following)
            cursor = following

    def fetch(self, cursor: str) -> dict[str, Any]:
        params = {
            "query": self.query,
            "resultType": self.result_type,
            "pageSize": self.size,
            "cursorMark": cursor,
            "format": "json",
        }
        return self.http.get("search", params, validate=read_json_page, ids=[self.query])


def read_json_page(body: bytes) -> dict[str, Any]:
    """A search page as a dict; truncated JSON or an HTML page is worth a retry."""
    if body.lstrip()[:1] == b"<":
        raise RetryableResponse("HTML or XML page instead of JSON")
    try:
        data = json_text.loads(body)
    except ValueError as exc:
        raise RetryableResponse(f"truncated or malformed JSON: {exc}") from exc
    except RecursionError as exc:  # "[[[[…" a thousand deep: no retry will read it
        raise RejectedResponse("JSON nested too deeply") from exc
    if not isinstance(data, dict):
        raise RejectedResponse(f"expected a JSON object, got {type(data).__name__}")
    return data


def lookup_query(id_type: IdType, value: str) -> tuple[str, Callable[[dict[str, Any]], bool]]:
    """The Europe PMC query for one identifier, and a test that a result really is that record."""
    value = value.strip()
    if id_type == "pmid":
        if not value.isdigit():
            raise InputError(f"not a PMID: {value!r}")
        return f"EXT_ID:{value} AND SRC:MED", lambda r: r.get("pmid") == value
    if id_type == "doi":
        if not value.startswith("10.") or "/" not in value:
            raise InputError(f"not a DOI: {value!r}")
        quoted = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'DOI:"{quoted}"', lambda r: str(r.get("doi", "")).lower() == value.lower()
    if id_type == "pmcid":
        match = _PMCID.match(value)
        if not match:
            raise InputError(f"not a PMCID: {value!r}")
        pmcid = f"PMC{match[1]}"
        return f"PMCID:{pmcid}", lambda r: r.get("pmcid") == pmcid
    raise InputError(f"unknown id type {id_type!r}; expected pmid, doi or pmcid")
