"""Our HTTP layer on `requests`: the one owner of rate limits, timeouts and retries for remote sources.

Why not let Bio.Entrez fetch: it hard-codes NCBI's URLs (no mirror, no local fake), sets no request
timeout, retries 429/5xx at once without backoff, and keeps its rate limiter in unlocked module globals,
so threads and Prefect tasks together can exceed NCBI's limit. Flows add no retries on top of this one.

    RetryableResponse(reason)   a validator saw a body worth asking for again (truncated, error page)
    RejectedResponse(reason)    a validator saw an answer that retrying cannot fix (an <ERROR> body)
    FetchError(ids, status, detail)   what callers see: a permanent refusal or retries used up

Secrets (`api_key`, `email`) never reach exception messages or logs: every message is redacted, and
urllib3's request log line (which prints the query string) is filtered.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urljoin

import requests

from pipeline.errors import FetchError

log = logging.getLogger(__name__)
# backoff jitter from its own generator: retries never disturb (or depend on) the global `random` state
# that callers may have seeded; reseeded in a forked child, or forked workers would retry in step
_JITTER = random.Random()
os.register_at_fork(after_in_child=_JITTER.seed)

T = TypeVar("T")
Params = Mapping[str, Any]

SECRET_PARAMS = ("api_key", "email")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
DEFAULT_MAX_BYTES = 200 * 1024 * 1024
_SECRET_RE = re.compile(r"(?i)\b(api_key|email)=([^&\s'\"]*)")
_ERROR_RE = re.compile(rb"<ERROR>\s*([^<]+?)\s*</ERROR>", re.IGNORECASE)
_TAG_RE = re.compile(r"<[^>]+>")


class RetryableResponse(Exception):
    """Raised by a validator (or the client) when asking again may succeed: truncation, 5xx, resets."""

    def __init__(self, reason: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        self.reason, self.status, self.retry_after = reason, status, retry_after
        super().__init__(reason)


class RejectedResponse(Exception):
    """Raised by a validator when the server answered with an error that a retry will not fix."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask `api_key=`/`email=` values and any known secret value in a message or URL."""
    text = _SECRET_RE.sub(r"\1=***", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


class _RedactUrllib3(logging.Filter):
    """urllib3 logs each request line with its query string at DEBUG; mask the secrets in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), ()
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_RedactUrllib3())


class RateLimiter:
    """Space calls at least 1/rate seconds apart, across every thread that shares this limiter.

    A caller reserves the next free slot under the lock and sleeps outside it, so waiting threads
    do not serialise on the lock. NCBI counts arrivals, and scheduling jitter can bunch requests, so
    slots are spaced `margin` (5 %) wider than 1/rate.
    """

    def __init__(
        self,
        rate_per_second: float,
        *,
        margin: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError(f"rate must be positive, got {rate_per_second}")
        self.rate_per_second = rate_per_second
        self.interval = (1.0 + margin) / rate_per_second
        self._clock, self._sleep = clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Block until this caller may send; return the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
        return wait

    def pause(self, seconds: float) -> None:
        """Hold every caller for `seconds` from now: the host said so (Retry-After), for all requests."""
        with self._lock:
            self._next = max(self._next, self._clock() + seconds)


_LIMITERS: dict[str, RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def limiter_for(key: str, rate_per_second: float) -> RateLimiter:
    """The process-wide limiter for `key` (e.g. a host): every client of that host shares it.

    If clients ask for different rates under one key, the slower one wins: the limit is the host's.
    """
    with _LIMITERS_LOCK:
        current = _LIMITERS.get(key)
        if current is None or rate_per_second < current.rate_per_second:
            current = _LIMITERS[key] = RateLimiter(rate_per_second)
        return current


def server_message(body: bytes) -> str:
    """The server's own words from an error body: E-utilities `<ERROR>`, a JSON message, or text."""
    found = _ERROR_RE.findall(body[:65536])
    if found:
        return "; ".join(m.decode("utf-8", "replace") for m in found)
    try:
        data = json.loads(body[:65536])
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("errMsg", "message", "error", "detail"):
            if isinstance(data.get(key), str) and data[key]:
                return data[key]
    text = _TAG_RE.sub(" ", body[:2048].decode("utf-8", "replace"))
    return " ".join(text.split())[:200] or "(empty body)"


def retry_after_seconds(value: str | None) -> float | None:
    """Parse a Retry-After header: delta seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class HttpClient:
    """GET/POST against one base URL with a shared rate limiter, timeouts, a size cap and retries.

    Retried: 429 (honouring Retry-After), 500/502/503/504, timeouts, connection errors and resets,
    broken or undecodable bodies, and validators raising RetryableResponse; backoff is exponential
    with full jitter. Other 4xx fail at once with the server's message.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float,
        limiter: RateLimiter,
        user_agent: str,
        max_attempts: int = 5,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {max_attempts}")
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.timeout, self.limiter, self.max_attempts = timeout, limiter, max_attempts
        self.backoff_base, self.backoff_cap, self.max_bytes = backoff_base, backoff_cap, max_bytes
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = user_agent
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"HttpClient({self.base_url!r}, rate={self.limiter.rate_per_second}/s)"

    def get(
        self,
        path: str,
        params: Params | None = None,
        *,
        validate: Callable[[bytes], T] | None = None,
        ids: Sequence[str] = (),
    ) -> T | bytes:
        """GET `path` with query `params`; return the validated body (raw bytes without a validator)."""
        return self.request("GET", path, params=params, validate=validate, ids=ids)

    def post(
        self,
        path: str,
        data: Params | None = None,
        *,
        validate: Callable[[bytes], T] | None = None,
        ids: Sequence[str] = (),
    ) -> T | bytes:
        """POST form `data` to `path` (long ID lists); return the validated body."""
        return self.request("POST", path, data=data, validate=validate, ids=ids)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        data: Params | None = None,
        validate: Callable[[bytes], Any] | None = None,
        ids: Sequence[str] = (),
    ) -> Any:
        """Send with retries; `ids` name the records asked for, so a FetchError says which failed."""
        call = _Call(method, path, params, data, tuple(ids), _secret_values(params, data))
        last: RetryableResponse | None = None
        for attempt in range(1, self.max_attempts + 1):
            if last is not None:
                self._sleep(self._delay(attempt - 1, last, call))
            try:
                return self._validate(call, *self._attempt(call), validate)
            except RetryableResponse as exc:
                last = exc
                log.debug("%s %s attempt %d/%d: %s", method, path, attempt, self.max_attempts, exc.reason)
        assert last is not None  # every pass of the loop either returned or set `last`
        raise call.error(last.status, f"gave up after {self.max_attempts} attempts: {last.reason}")

    def _delay(self, retry: int, last: RetryableResponse, call: _Call) -> float:
        """Full-jitter exponential backoff, at least the server's Retry-After (up to the cap)."""
        jitter = _JITTER.uniform(0, min(self.backoff_cap, self.backoff_base * 2 ** (retry - 1)))
        if last.retry_after is None:
            return jitter
        if last.retry_after > self.backoff_cap:
            # Waiting hours inside a worker helps nobody: report it and let the caller reschedule.
            detail = f"server asked to retry after {last.retry_after:.0f} s (cap {self.backoff_cap:.0f} s)"
            raise call.error(last.status, detail)
        return max(jitter, last.retry_after)

    def _attempt(self, call: _Call) -> tuple[bytes, int]:
        """One rate-limited request: the body and status, or a RetryableResponse / FetchError."""
        self.limiter.acquire()
        started = time.monotonic()
        status: int | str = "error"
        try:
            with self._send(call) as response:
                status = response.status_code
                if status in RETRY_STATUSES:
                    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                    if retry_after is not None and retry_after <= self.backoff_cap:
                        # Every request to the host waits, not only this call's retry: the next batch or
                        # another thread would otherwise ask at once. Past the cap the call gives up.
                        self.limiter.pause(retry_after)
                    reason = f"HTTP {status}: {server_message(_snippet(response))}"
                    raise RetryableResponse(
                        redact(reason, call.secrets), status=status, retry_after=retry_after
                    )
                if status >= 400:
                    raise call.error(status, server_message(_snippet(response)))
                return self._read(response, self.max_bytes, call), status
        finally:
            log.debug("%s %s -> %s in %.0f ms", call.method, call.path, status, _ms_since(started))

    def _send(self, call: _Call) -> requests.Response:
        """Open the response stream; network failures become retries with a redacted reason."""
        url = urljoin(self.base_url, call.path)
        try:
            return self.session.request(
                call.method, url, params=call.params, data=call.data, timeout=self.timeout, stream=True
            )
        except requests.Timeout:
            raise RetryableResponse(f"timed out after {self.timeout} s") from None
        except requests.RequestException as exc:
            # `from None`: requests' messages embed the full URL, query string and secrets included.
            raise RetryableResponse(f"connection failed: {type(exc).__name__}") from None

    def _read(self, response: requests.Response, limit: int, call: _Call) -> bytes:
        """Read the body up to `limit` bytes; a broken or oversized stream is a retry or a FetchError."""
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise call.error(response.status_code, f"response of {declared} bytes exceeds {limit}")
        buf = bytearray()
        try:
            for chunk in response.iter_content(chunk_size=65536):
                buf += chunk
                if len(buf) > limit:
                    raise call.error(response.status_code, f"response exceeds {limit} bytes")
        except (requests.RequestException, OSError) as exc:
            # ChunkedEncodingError (resets, IncompleteRead), ContentDecodingError, read timeouts.
            raise RetryableResponse(f"broken response body: {type(exc).__name__}") from None
        return bytes(buf)

    @staticmethod
    def _validate(call: _Call, body: bytes, status: int, validate: Callable[[bytes], Any] | None) -> Any:
        """Run the caller's validator; its verdicts become a retry or a FetchError naming the ids."""
        if validate is None:
            return body
        try:
            return validate(body)
        except RetryableResponse as exc:
            raise RetryableResponse(redact(exc.reason, call.secrets), status=status) from None
        except RejectedResponse as exc:
            raise call.error(status, exc.reason) from None


@dataclass(frozen=True)
class _Call:
    """One logical request (all its attempts share it): what to send and what to mask."""

    method: str
    path: str
    params: Params | None
    data: Params | None
    ids: tuple[str, ...]
    secrets: list[str]

    def error(self, status: int | None, detail: str) -> FetchError:
        return FetchError(self.ids, status, redact(detail, self.secrets))


def _snippet(response: requests.Response, limit: int = 65536) -> bytes:
    """The start of an error body, enough to quote the server; a broken stream yields what arrived."""
    buf = bytearray()
    try:
        for chunk in response.iter_content(chunk_size=8192):
            buf += chunk
            if len(buf) >= limit:
                break
    except (requests.RequestException, OSError):
        pass  # the status code already tells what happened; the text is a courtesy
    return bytes(buf[:limit])


def _ms_since(started: float) -> float:
    return (time.monotonic() - started) * 1000


def _secret_values(*mappings: Params | None) -> list[str]:
    """The values of secret-named parameters, to mask them wherever they might be echoed."""
    return [str(m[k]) for m in mappings if m for k in SECRET_PARAMS if m.get(k)]
