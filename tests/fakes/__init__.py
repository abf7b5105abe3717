"""Loopback fakes of NCBI E-utilities and Europe PMC, with scripted faults and request logs."""

from __future__ import annotations

from pipeline.literature.http import HttpClient, RateLimiter

from .europepmc import FakeEuropePmc
from .eutils import FakeEutils, html_error_page, laughs_reply
from .server import FakeServer, Fault, Reply, Seen

__all__ = [
    "FakeEuropePmc",
    "FakeEutils",
    "FakeServer",
    "Fault",
    "Reply",
    "Seen",
    "fast_http",
    "html_error_page",
    "laughs_reply",
]


def fast_http(base_url: str, *, rate: float = 1000.0, timeout: float = 0.5, **kwargs: object) -> HttpClient:
    """An HttpClient for tests: its own fast limiter, a short timeout and millisecond backoff."""
    options: dict = {"max_attempts": 5, "backoff_base": 0.001, "backoff_cap": 0.05} | kwargs
    limiter = RateLimiter(rate)
    return HttpClient(base_url, timeout=timeout, limiter=limiter, user_agent="curate-tests", **options)
