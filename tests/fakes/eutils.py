"""A fake NCBI E-utilities server: esearch, epost, efetch (pubmed), esummary and elink on loopback.

Bodies are real NCBI responses from tests/data/eutils, served verbatim or used as templates: esearch
counts and IDs come from a corpus the test registers (`add_corpus`), with real pdat-style date ranges
and NCBI's 9,999-record retrieval cap; efetch builds sets from real articles (see pubmed_sets).
"""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta
from functools import cache

from .pubmed_sets import DATA, billion_laughs, pubmed_set
from .server import FakeServer, Reply, Seen

SEARCH_CAP = 9_999
# Shape documented in the shared fixture index; no real capture of it exists (sent with HTTP 400).
EFETCH_EMPTY_ERROR = (
    b"<eFetchResult><ERROR>ID list is empty! Possibly it has no correct IDs.</ERROR></eFetchResult>"
)
# The message NCBI gives when paging past the cap (returned as an <ERROR> element in HTTP 200).
RETSTART_ERROR = "Search Backend failed: Exception:\n'retstart' cannot be larger than 9998."


@cache
def data(name: str) -> bytes:
    return (DATA / name).read_bytes()


def html_error_page() -> Reply:
    """The real HTML page NCBI once sent instead of XML (biopython's pubmed3.html)."""
    return Reply(200, data("biopython_pubmed3.html"), "text/html; charset=UTF-8")


def laughs_reply() -> Reply:
    return Reply(200, billion_laughs())


class FakeEutils(FakeServer):
    """Routes by endpoint (`esearch.fcgi`, …) and parameters; see the module docstring."""

    def __init__(self) -> None:
        super().__init__()
        self.unknown_pmids: set[str] = set()  # efetch omits these, as NCBI does for deleted/unknown ids
        self.corpora: dict[str, list[tuple[str, date]]] = {}
        self.history: dict[tuple[str, str], list[str]] = {}
        self._webenvs = itertools.count(1)

    def add_corpus(
        self, term: str, count: int, first: date, last: date, *, start_pmid: int = 10_000_000
    ) -> None:
        """Register `count` PMIDs matching `term`, with pdat spread evenly from `first` to `last`."""
        span = (last - first).days
        self.corpora[term] = [
            (str(start_pmid + i), first + timedelta(days=span * i // max(count - 1, 1))) for i in range(count)
        ]

    def route(self, seen: Seen) -> Reply:
        handler = {
            "esearch.fcgi": self._esearch,
            "epost.fcgi": self._epost,
            "efetch.fcgi": self._efetch,
            "esummary.fcgi": self._esummary,
            "elink.fcgi": self._elink,
        }.get(seen.endpoint)
        return handler(seen) if handler else Reply(404, b"<html><body>Not Found</body></html>", "text/html")

    def _esearch(self, seen: Seen) -> Reply:
        if seen.one("db") != "pubmed":
            return Reply(200, data("eutilsjson_esearch_baderror.xml"))
        corpus = self.corpora.get(seen.one("term", ""))
        if corpus is None:
            return Reply(200, data("biopython_esearch8.xml"))  # real "no items found" answer
        low, high = _bound(seen, "mindate", date.min), _bound(seen, "maxdate", date.max)
        matches = [pmid for pmid, pdat in corpus if low <= pdat <= high]
        retstart, retmax = int(seen.one("retstart", "0")), int(seen.one("retmax", "20"))
        if retstart > SEARCH_CAP - 1:
            return Reply(200, _esearch_error(RETSTART_ERROR))
        page = matches[retstart : min(retstart + retmax, SEARCH_CAP)]
        return Reply(200, _esearch_body(len(matches), retstart, page))

    def _epost(self, seen: Seen) -> Reply:
        ids = [i for i in seen.ids() if i.isdigit()]
        if not ids:
            return Reply(200, data("biopython_epost3.xml"))  # real "Empty ID list" error
        webenv = seen.one("WebEnv") or f"MCID_{next(self._webenvs):024x}"
        query_key = str(1 + sum(1 for env, _ in self.history if env == webenv))
        self.history[(webenv, query_key)] = ids
        body = re.sub(
            rb"<QueryKey>\d+</QueryKey>",
            f"<QueryKey>{query_key}</QueryKey>".encode(),
            data("biopython_epost1.xml"),
        )
        return Reply(200, re.sub(rb"<WebEnv>[^<]*</WebEnv>", f"<WebEnv>{webenv}</WebEnv>".encode(), body))

    def _efetch(self, seen: Seen) -> Reply:
        ids = self._requested_ids(seen)
        if not ids:
            return Reply(400, EFETCH_EMPTY_ERROR)
        return Reply(200, pubmed_set([i for i in ids if i not in self.unknown_pmids]))

    def _requested_ids(self, seen: Seen) -> list[str]:
        """`id=` values, or a slice of a posted history set (WebEnv + query_key + retstart/retmax)."""
        if seen.params.get("id"):
            return [i for i in seen.ids() if i.isdigit()]
        posted = self.history.get((seen.one("WebEnv", ""), seen.one("query_key", "")), [])
        retstart, retmax = int(seen.one("retstart", "0")), int(seen.one("retmax", "20"))
        return posted[retstart : retstart + retmax]

    def _esummary(self, seen: Seen) -> Reply:
        """The real esummary1 DocSums for the requested ids (the error body when none are given)."""
        if not seen.ids():
            return Reply(200, data("biopython_esummary8.xml"))
        text = data("biopython_esummary1.xml").decode()
        head, _, rest = text.partition("<DocSum>")
        docsums = ["<DocSum>" + d for d in rest.split("<DocSum>")]
        docsums[-1] = docsums[-1].replace("</eSummaryResult>", "")
        kept = [d for d in docsums if re.search(r"<Id>(\d+)</Id>", d)[1] in seen.ids()]
        return Reply(200, (head + "".join(kept) + "</eSummaryResult>\n").encode())

    def _elink(self, seen: Seen) -> Reply:
        return Reply(200, data("biopython_elink1.xml"))


def _bound(seen: Seen, name: str, open_end: date) -> date:
    """NCBI's mindate/maxdate (YYYY/MM/DD, inclusive); an absent bound leaves that side open."""
    value = seen.one(name)
    return date(*map(int, value.split("/"))) if value else open_end


def _esearch_body(count: int, retstart: int, ids: list[str]) -> bytes:
    """The real esearch1 answer with its Count, RetMax, RetStart and IdList replaced."""
    text = data("biopython_esearch1.xml").decode()
    id_list = "<IdList>\n" + "".join(f"<Id>{i}</Id>\n" for i in ids) + "</IdList>"
    text = re.sub(r"<IdList>.*?</IdList>", id_list, text, flags=re.S)
    text = re.sub(r"<Count>\d+</Count>", f"<Count>{count}</Count>", text)
    text = re.sub(r"<RetMax>\d+</RetMax>", f"<RetMax>{len(ids)}</RetMax>", text)
    return re.sub(r"<RetStart>\d+</RetStart>", f"<RetStart>{retstart}</RetStart>", text).encode()


def _esearch_error(message: str) -> bytes:
    head = data("eutilsjson_esearch_baderror.xml").decode()
    return re.sub(r"<ERROR>.*?</ERROR>", f"<ERROR>{message}</ERROR>", head, flags=re.S).encode()
