"""A seeded fault plan for the fake servers: a random but reproducible mix of the faults real APIs show.

Installed as `fake.chaos = FaultPlan(seed, mix)`, it decides for every request to its endpoint whether
to serve it as routed or to damage it, drawing from one `random.Random(seed)` in arrival order, so a
sequential client meets the same faults on every run. It logs each fault with its request (`log`), so
a test can count them by kind and check, e.g., that a 429's Retry-After was waited out.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, replace

from .eutils import html_error_page
from .server import Fault, Reply, Seen

SERVER_ERRORS = (500, 502, 503, 504)
KINDS = (
    "server_error",
    "throttle",
    "reset",
    "stall",
    "stall_body",
    "truncated",
    "garbled",
    "html",
    "bad_record",
)
_PMID = re.compile(rb'(<MedlineCitation[^>]*>\s*<PMID Version="\d+">)(\d+)(</PMID>)')


@dataclass(frozen=True)
class FaultMix:
    """How often each fault starts, per request; whatever probability is left is served as routed."""

    server_error: float = 0.30  # 500, 502, 503 or 504 with an HTML error page
    throttle: float = 0.04  # a burst of 429s begins
    reset: float = 0.03  # headers and half the body, then the connection is reset
    stall: float = 0.03  # no answer until after the client's read timeout
    stall_body: float = 0.03  # half the body, then silence past the client's read timeout
    truncated: float = 0.03  # a clean HTTP 200 whose XML stops half way
    garbled: float = 0.03  # a closing tag misspelt: not well-formed
    html: float = 0.02  # HTTP 200 with NCBI's real HTML page instead of XML
    bad_record: float = 0.02  # well-formed, but one article's PMID is not a number
    burst: tuple[int, int] = (2, 4)  # how many 429s in a row
    # what each burst's 429s carry: no Retry-After, one second, or an hour (past any backoff cap)
    retry_after: tuple[str | None, ...] = (None, None, "1", "3600")


@dataclass(frozen=True)
class Injected:
    """One fault as served: which request got it, what it was, and its Retry-After if any."""

    seen: Seen
    kind: str
    retry_after: str | None = None


class FaultPlan:
    """Call it with a request; get the fault to serve, or None. Thread-safe only under the fake's lock."""

    def __init__(self, seed: int, mix: FaultMix, *, endpoint: str, stall_seconds: float) -> None:
        self.rng, self.mix, self.endpoint, self.stall_seconds = (
            random.Random(seed),
            mix,
            endpoint,
            stall_seconds,
        )
        self.log: list[Injected] = []
        self.served = 0  # requests to `endpoint` seen while the plan was on
        self.enabled = True
        self._burst_left, self._burst_retry_after = 0, None

    def counts(self) -> Counter[str]:
        return Counter(i.kind for i in self.log)

    def __call__(self, seen: Seen) -> Fault | None:
        if not self.enabled or seen.endpoint != self.endpoint:
            return None
        self.served += 1
        if self._burst_left:
            self._burst_left -= 1
            return self._note(seen, "throttle", self._burst_retry_after)
        kind = self._draw()
        if kind == "throttle":
            self._burst_left = self.rng.randint(*self.mix.burst) - 1
            self._burst_retry_after = self.rng.choice(self.mix.retry_after)
            return self._note(seen, kind, self._burst_retry_after)
        return None if kind is None else self._note(seen, kind)

    def _draw(self) -> str | None:
        """One fault kind by the mix's probabilities, or None for a clean answer."""
        roll = self.rng.random()
        for kind in KINDS:
            roll -= getattr(self.mix, kind)
            if roll < 0:
                return kind
        return None

    def _note(self, seen: Seen, kind: str, retry_after: str | None = None) -> Fault:
        self.log.append(Injected(seen, kind, retry_after))
        return self._fault(kind, retry_after)

    def _fault(self, kind: str, retry_after: str | None) -> Fault:
        if kind == "server_error":
            return Fault.status_code(self.rng.choice(SERVER_ERRORS))
        if kind == "throttle":
            return Fault.status_code(429, retry_after=retry_after)
        if kind == "stall":
            return Fault.slow(self.stall_seconds)
        if kind == "stall_body":
            return Fault.stall(self.stall_seconds)
        if kind == "html":
            return Fault.replace(html_error_page())
        transform = {"garbled": garble, "bad_record": unreadable_record}.get(kind)
        if transform is not None:
            return Fault.corrupt(transform)
        return Fault.reset() if kind == "reset" else Fault.truncate()


def garble(reply: Reply) -> Reply:
    """Misspell the last closing </PubmedArticle> tag: the XML is no longer well-formed."""
    body = reply.body
    at = body.rfind(b"</PubmedArticle>")
    damaged = body[:at] + b"</PubmedArticel>" + body[at + 16 :] if at >= 0 else body + b"<"
    return replace(reply, body=damaged)


def unreadable_record(reply: Reply) -> Reply:
    """Well-formed XML whose first article carries a PMID that is not a number (a parser, not XML, error)."""
    return replace(reply, body=_PMID.sub(rb"\g<1>PMID-\g<2>\g<3>", reply.body, count=1))
