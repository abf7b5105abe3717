"""NCBI E-utilities client: ESearch (paged, date-sliced), EPost, EFetch (PubMed XML), ESummary, ELink.

We own HTTP (`http.py`: timeouts, one rate limiter per host and process, retries), and Biopython's
DTD-aware parser `Bio.Entrez.read` reads the ESearch, EPost, ESummary and ELink answers from the bytes
we fetched. Biopython ships those DTDs, so parsing never goes online (the test suite blocks the network
to prove it). EFetch PubMed XML comes back as validated bytes for the pure parser in `pubmed_xml.py`.

EFetch batching: up to 200 IDs per GET (URL length), POST above that, 500 IDs per request, so 1,000
PMIDs take 2 requests and each answer stays a few MB (PubMed records average 5–15 KB). Above 10,000
IDs each 10,000-ID chunk is EPosted once and paged with WebEnv/query_key, NCBI's path for large sets.

ESearch returns at most the first 9,999 IDs of a query; when Count is larger the publication-date
range (pdat) is halved recursively until every slice fits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, timedelta
from io import BytesIO
from typing import Any
from urllib.parse import urlsplit
from xml.parsers import expat

from Bio import Entrez
from Bio.Entrez.Parser import CorruptedXMLError, NotXMLError
from pydantic import SecretStr

from pipeline.errors import ConfigError, FetchError, InputError
from pipeline.literature.http import (
    DEFAULT_MAX_BYTES,
    HttpClient,
    RejectedResponse,
    RetryableResponse,
    limiter_for,
    server_message,
)

GET_MAX_IDS = 200
FETCH_BATCH = 500
HISTORY_THRESHOLD = 10_000
SEARCH_CAP = 9_999
_ERROR = re.compile(rb"<ERROR>\s*[^<\s]")  # a non-empty E-utilities <ERROR> (espell sends an empty one)
_ELEMENT_START = re.compile(rb"<[A-Za-z_]")  # the root element: entity declarations can only precede it
EARLIEST = date(1781, 1, 1)  # PubMed's oldest publication dates; the floor when slicing an open range


def latest() -> date:
    """The ceiling of an open date range: issues are dated up to a few years ahead of print."""
    return date(date.today().year + 5, 12, 31)


def read_entrez(body: bytes) -> Any:
    """Parse an ESearch/EPost/ESummary/ELink answer with Bio.Entrez (its local DTDs, no network)."""
    check_not_error(body)
    try:
        return Entrez.read(BytesIO(body), validate=False)
    except (CorruptedXMLError, NotXMLError, expat.ExpatError) as exc:
        raise RetryableResponse(f"malformed E-utilities XML: {exc}") from exc
    except ValueError as exc:  # Bio.Entrez's refusal of what it cannot read (an external entity, say)
        raise RejectedResponse(f"unreadable E-utilities XML: {exc}") from exc


def check_not_error(body: bytes) -> None:
    """Classify bodies that are not answers: HTML error pages retry; <ERROR> and entities do not."""
    head = body[:1024].lstrip().lower()
    if head.startswith(b"<html") or head.startswith(b"<!doctype html") or b"<html" in head[:300]:
        raise RetryableResponse(f"HTML page instead of XML: {server_message(body)[:120]}")
    # Anywhere, not just before the root: a comment such as `<!-- <a -->` inside the DOCTYPE would end
    # a search for the root early. Markup keywords are upper case; text would carry `&lt;!ENTITY`.
    if b"<!ENTITY" in body:
        raise RejectedResponse("XML declares entities (possible entity-expansion attack); refused")
    if _ERROR.search(body):
        raise RejectedResponse(f"E-utilities error: {server_message(body)}")


def check_pubmed_set(body: bytes) -> bytes:
    """An EFetch validator: a complete PubmedArticleSet, else retry (truncation) or refuse."""
    check_not_error(body)
    root = _parse_safely(body)
    if root != "PubmedArticleSet":
        raise RetryableResponse(f"expected <PubmedArticleSet>, got <{root}>")
    return body


def returned_pmids(body: bytes) -> set[str]:
    """PMIDs of the records in an EFetch body (MedlineCitation/PMID and BookDocument/PMID).

    The caller compares them with what it asked for to report each missing ID as not found.
    Cited PMIDs (CommentsCorrections, ReferenceList) are not records and are not counted.
    """
    found: set[str] = set()
    _parse_safely(body, on_pmid=found.add)
    return found


def _parse_safely(body: bytes, on_pmid: Callable[[str], None] | None = None) -> str:
    """Stream `body` through expat once, refusing entities as defusedxml does; return the root tag.

    With `on_pmid`, report the text of every PMID whose parent is MedlineCitation or BookDocument.
    Handlers are installed only as needed: per-element Python calls dominate the cost on big bodies.
    """
    parser = expat.ParserCreate()
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = _refuse_entity
    parser.ExternalEntityRefHandler = _refuse_entity
    root: list[str] = []
    if on_pmid is None:

        def first_start(name: str, attrs: object) -> None:
            root.append(name)
            parser.StartElementHandler = None  # the root is all we need; let expat run at C speed

        parser.StartElementHandler = first_start
    else:
        _PmidScan(parser, root, on_pmid)
    try:
        parser.Parse(body, True)
    except expat.ExpatError as exc:
        raise RetryableResponse(f"truncated or malformed PubMed XML: {exc}") from exc
    return root[0] if root else ""


def _refuse_entity(*args: object) -> None:
    raise RejectedResponse(f"XML declares or references entity {args[0]!r}; refused (entity expansion)")


class _PmidScan:
    """expat handlers that collect the text of record-level PMID elements."""

    def __init__(self, parser: Any, root: list[str], on_pmid: Callable[[str], None]) -> None:
        self.parser, self.root, self.on_pmid = parser, root, on_pmid
        self.stack: list[str] = []
        self.text: list[str] = []
        parser.StartElementHandler, parser.EndElementHandler = self.start, self.end

    def start(self, name: str, attrs: object) -> None:
        if not self.stack:
            self.root.append(name)
        elif name == "PMID" and self.stack[-1] in ("MedlineCitation", "BookDocument"):
            self.parser.CharacterDataHandler = self.text.append  # only PMID text is worth a call
        self.stack.append(name)

    def end(self, name: str) -> None:
        self.stack.pop()
        if name == "PMID" and self.parser.CharacterDataHandler is not None:
            self.on_pmid("".join(self.text).strip())
            self.text.clear()
            self.parser.CharacterDataHandler = None


class EutilsClient:
    """One E-utilities endpoint, identified by `tool`/`email` (and `api_key`) on every request."""

    def __init__(
        self,
        base_url: str,
        *,
        email: str,
        tool: str,
        api_key: str | SecretStr | None = None,
        timeout: float = 30.0,
        http: HttpClient | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        if not email or "@" not in email:
            raise ConfigError("ncbi_email", "NCBI requires a contact email on every E-utilities request")
        if not tool:
            raise ConfigError("ncbi_tool", "NCBI requires a tool name on every E-utilities request")
        key = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
        self.tool = tool
        self._identity = {"tool": tool, "email": email} | ({"api_key": key} if key else {})
        # NCBI's policy: 3 requests/s per IP without a key, 10/s with one.
        limiter = limiter_for(f"eutils:{urlsplit(base_url).netloc}", 10.0 if key else 3.0)
        self.http = http or HttpClient(
            base_url,
            timeout=timeout,
            limiter=limiter,
            user_agent=f"{tool} (curate-evidence)",
            max_bytes=max_bytes,
        )

    def __repr__(self) -> str:
        keyed = ", api_key=***" if "api_key" in self._identity else ""
        return f"EutilsClient({self.http.base_url!r}, tool={self.tool!r}{keyed})"

    def esearch(
        self,
        term: str,
        *,
        db: str = "pubmed",
        mindate: date | None = None,
        maxdate: date | None = None,
        datetype: str = "pdat",
        retmax: int = SEARCH_CAP,
        limit: int | None = None,
        sort: str | None = None,
    ) -> list[str]:
        """Every ID matching `term` (or the first `limit`, in one request when `limit` ≤ `retmax`):
        paged by `retmax`, date-sliced past ESearch's 9,999 cap. `sort` is ESearch's own ("relevance"
        for Best Match, "pub_date", …); without it, ESearch's default order for `db`."""
        if not term.strip():
            raise InputError("empty search term")
        if not 1 <= retmax <= SEARCH_CAP:
            raise InputError(f"retmax must be 1..{SEARCH_CAP}, got {retmax}")
        if limit is not None and limit < 1:
            raise InputError(f"limit must be positive, got {limit}")
        search = _Search(self, term, db, datetype, retmax, limit, sort)
        return list(dict.fromkeys(search.ids(mindate, maxdate)))[:limit]

    def epost(self, ids: Iterable[str], *, db: str = "pubmed") -> tuple[str, str]:
        """Store `ids` on NCBI's history server; return (WebEnv, query_key) for later calls."""
        uids = _uids(ids)
        if not uids:
            raise InputError("epost needs at least one id")
        params = self._identity | {"db": db, "id": ",".join(uids)}
        result = self.http.post("epost.fcgi", params, validate=read_entrez, ids=uids)
        return str(result["WebEnv"]), str(result["QueryKey"])

    def efetch_pubmed(self, ids: Iterable[str]) -> Iterator[bytes]:
        """One validated PubmedArticleSet body per batch; unknown PMIDs are simply absent from it.

        A batch that still fails after retries raises FetchError naming its IDs (for history pages,
        the whole posted chunk, since NCBI decides which records fall on which page).
        """
        return (_raise_failed(result) for _, result in self.efetch_pubmed_batches(ids))

    def efetch_pubmed_batches(self, ids: Iterable[str]) -> Iterator[tuple[list[str], bytes | FetchError]]:
        """Each batch's IDs with its body, or with the FetchError that ended it: unlike efetch_pubmed,
        one failed batch does not stop the batches after it (callers report its IDs as failed)."""
        pmids = _uids(ids)  # validated now, before the generator sends anything
        if len(pmids) > HISTORY_THRESHOLD:
            return self._efetch_history(pmids)
        return ((batch, _attempt(self._efetch_batch, batch)) for batch in _chunks(pmids, FETCH_BATCH))

    def esummary(self, ids: Iterable[str], *, db: str = "pubmed") -> list[dict[str, Any]]:
        """Document summaries (Bio.Entrez-parsed DocSum dicts) for `ids`, batched."""
        out: list[dict[str, Any]] = []
        for batch in _chunks(_uids(ids), FETCH_BATCH):
            out.extend(self._call("esummary.fcgi", {"db": db, "id": ",".join(batch)}, batch))
        return out

    def elink(
        self, ids: Iterable[str], *, dbfrom: str = "pubmed", db: str = "pubmed", linkname: str | None = None
    ) -> list[dict[str, Any]]:
        """Bio.Entrez-parsed LinkSets; one per ID, because each ID goes as its own `id=` parameter."""
        out: list[dict[str, Any]] = []
        for batch in _chunks(_uids(ids), GET_MAX_IDS):
            params = {"dbfrom": dbfrom, "db": db, "id": batch} | ({"linkname": linkname} if linkname else {})
            out.extend(self._call("elink.fcgi", params, batch))
        return out

    def _call(
        self,
        endpoint: str,
        params: dict[str, Any],
        ids: Sequence[str] = (),
        validate: Callable[[bytes], Any] = read_entrez,
    ) -> Any:
        """GET with identity, or POST when the ID list would make the URL too long."""
        payload = self._identity | params
        if len(ids) > GET_MAX_IDS:
            return self.http.post(endpoint, payload, validate=validate, ids=ids)
        return self.http.get(endpoint, payload, validate=validate, ids=ids)

    def _efetch_batch(self, batch: list[str]) -> bytes:
        params = {"db": "pubmed", "retmode": "xml", "id": ",".join(batch)}
        return self._call("efetch.fcgi", params, batch, validate=check_pubmed_set)

    def _efetch_history(self, pmids: list[str]) -> Iterator[tuple[list[str], bytes | FetchError]]:
        for chunk in _chunks(pmids, HISTORY_THRESHOLD):
            try:
                webenv, query_key = self.epost(chunk)
            except FetchError as exc:
                yield chunk, exc
                continue
            for start in range(0, len(chunk), FETCH_BATCH):
                params = {"db": "pubmed", "retmode": "xml", "WebEnv": webenv, "query_key": query_key}
                params |= {"retstart": start, "retmax": FETCH_BATCH}
                yield chunk, _attempt(self._call, "efetch.fcgi", params, chunk, validate=check_pubmed_set)


class _Search:
    """One ESearch query, split by date when it matches more records than ESearch will list."""

    def __init__(
        self,
        client: EutilsClient,
        term: str,
        db: str,
        datetype: str,
        retmax: int,
        limit: int | None,
        sort: str | None = None,
    ) -> None:
        self.client, self.term, self.db, self.datetype, self.retmax = client, term, db, datetype, retmax
        self.limit, self.sort = limit, sort

    def ids(self, low: date | None, high: date | None) -> list[str]:
        first = self.page(low, high, 0)
        count = int(first["Count"])
        if self.limit is not None:  # the best `limit`: no need to list (or date-slice) all of them
            count = min(count, self.limit)
        if count > SEARCH_CAP:
            return self.split(low or EARLIEST, high or latest(), count)
        ids = [str(i) for i in first["IdList"]]
        while len(ids) < count:
            page = [str(i) for i in self.page(low, high, len(ids))["IdList"]]
            if not page:
                break  # the result set shrank while we paged; stop rather than ask forever
            ids += page
        return ids

    def split(self, low: date, high: date, count: int) -> list[str]:
        if low >= high:
            detail = f"{count} records dated {low:%Y/%m/%d} exceed ESearch's {SEARCH_CAP}; narrow the query"
            raise FetchError([self.term], None, detail)
        middle = low + (high - low) // 2
        return self.ids(low, middle) + self.ids(middle + timedelta(days=1), high)

    def page(self, low: date | None, high: date | None, retstart: int) -> Any:
        params: dict[str, Any] = {
            "db": self.db,
            "term": self.term,
            "retstart": retstart,
            "retmax": self.retmax,
        } | ({"sort": self.sort} if self.sort else {})
        if low or high:  # NCBI ignores one bound without the other
            params |= {"datetype": self.datetype, "mindate": f"{low or EARLIEST:%Y/%m/%d}"}
            params["maxdate"] = f"{high or latest():%Y/%m/%d}"
        return self.client._call("esearch.fcgi", params)


def _uids(ids: Iterable[str]) -> list[str]:
    """Strip, de-duplicate (keeping order) and check that every ID is a positive integer."""
    cleaned = list(dict.fromkeys(str(i).strip() for i in ids))
    bad = [i for i in cleaned if not i.isdigit() or int(i) == 0]
    if bad:
        raise InputError(f"not a valid Entrez id: {', '.join(map(repr, bad[:5]))}")
    return cleaned


def _attempt(call: Callable[..., bytes], *args: Any, **kwargs: Any) -> bytes | FetchError:
    """The body, or the FetchError the call raised, as a value the batch loop can hand on."""
    try:
        return call(*args, **kwargs)
    except FetchError as exc:
        return exc


def _raise_failed(result: bytes | FetchError) -> bytes:
    if isinstance(result, FetchError):
        raise result
    return result


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
