"""HttpClient and RateLimiter against the loopback fake E-utilities server and its scripted faults."""

from __future__ import annotations

import logging
import socket
import threading
import time
import traceback

import pytest
from fakes import Fault, Reply, fast_http

from pipeline.errors import FetchError
from pipeline.literature.http import (
    RateLimiter,
    RejectedResponse,
    RetryableResponse,
    limiter_for,
    redact,
    retry_after_seconds,
    server_message,
)

KNOWN = {"id": "36400559", "db": "pubmed"}  # a real article served by the fake


def efetch(http, **kwargs):
    return http.get("efetch.fcgi", KNOWN, ids=["36400559"], **kwargs)


# ----------------------------------------------------------------------------- rate limiting


def test_limiter_spaces_slots_by_interval_with_a_fake_clock():
    now, slept = [100.0], []
    limiter = RateLimiter(4, margin=0.0, clock=lambda: now[0], sleep=slept.append)
    waits = [limiter.acquire() for _ in range(4)]
    assert waits == pytest.approx([0.0, 0.25, 0.5, 0.75])
    assert slept == pytest.approx([0.25, 0.5, 0.75])


def test_limiter_gives_every_thread_its_own_slot():
    """20 threads acquire at one frozen instant: each gets a distinct slot, one interval apart."""
    limiter = RateLimiter(10, margin=0.0, clock=lambda: 50.0, sleep=lambda _: None)
    waits, lock = [], threading.Lock()

    def worker():
        for _ in range(5):
            wait = limiter.acquire()
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=5)
    assert sorted(waits) == pytest.approx([n * 0.1 for n in range(20)])


def test_limiter_registry_shares_one_limiter_per_key_and_keeps_the_slower_rate():
    first = limiter_for("test-host-a", 10)
    assert limiter_for("test-host-a", 10) is first
    slower = limiter_for("test-host-a", 3)
    assert slower.rate_per_second == 3
    assert limiter_for("test-host-a", 10) is slower
    assert limiter_for("test-host-b", 10) is not slower


# ----------------------------------------------------------------------------- retries


def test_429_burst_is_retried_until_success(fake_eutils):
    fake_eutils.script(*[Fault.status_code(429, retry_after="0")] * 3)
    body = efetch(fast_http(fake_eutils.base_url))
    assert b'<PMID Version="1">36400559</PMID>' in body
    assert len(fake_eutils.calls("efetch.fcgi")) == 4


def test_retry_after_is_honoured(fake_eutils):
    slept: list[float] = []
    http = fast_http(fake_eutils.base_url, sleep=slept.append, backoff_cap=5.0)
    fake_eutils.script(Fault.status_code(429, retry_after="2"))
    efetch(http)
    assert slept and slept[0] >= 2.0


def test_retry_after_beyond_the_cap_fails_at_once(fake_eutils):
    fake_eutils.script(Fault.status_code(429, retry_after="3600"))
    with pytest.raises(FetchError, match="retry after 3600 s") as err:
        efetch(fast_http(fake_eutils.base_url))
    assert err.value.status == 429 and err.value.ids == ["36400559"]
    assert len(fake_eutils.requests) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried(fake_eutils, status):
    fake_eutils.script(Fault.status_code(status))
    assert b"<PubmedArticleSet>" in efetch(fast_http(fake_eutils.base_url))
    assert len(fake_eutils.requests) == 2


def test_backoff_is_exponential_with_full_jitter(fake_eutils):
    slept: list[float] = []
    http = fast_http(fake_eutils.base_url, sleep=slept.append, backoff_base=0.1, backoff_cap=0.3)
    fake_eutils.script(*[Fault.status_code(503)] * 4)
    efetch(http)
    ceilings = [0.1, 0.2, 0.3, 0.3]  # base * 2**n, capped
    assert len(slept) == 4
    assert all(0 <= s <= c for s, c in zip(slept, ceilings, strict=True))


def test_persistent_503_gives_up_with_the_last_reason(fake_eutils):
    fake_eutils.script(*[Fault.status_code(503)] * 10)
    with pytest.raises(FetchError) as err:
        efetch(fast_http(fake_eutils.base_url, max_attempts=3))
    assert err.value.status == 503
    assert "gave up after 3 attempts: HTTP 503: 503 scripted fault" in str(err.value)
    assert len(fake_eutils.requests) == 3


def test_connection_reset_mid_body_is_retried(fake_eutils):
    fake_eutils.script(Fault.reset())
    body = efetch(fast_http(fake_eutils.base_url))
    assert body.rstrip().endswith(b"</PubmedArticleSet>")
    assert len(fake_eutils.requests) == 2


def test_reply_slower_than_the_timeout_is_retried(fake_eutils):
    fake_eutils.script(Fault.slow(1.0))
    started = time.monotonic()
    body = efetch(fast_http(fake_eutils.base_url, timeout=0.3))
    assert b"36400559" in body
    assert time.monotonic() - started < 1.0  # the retry did not wait for the slow reply
    assert len(fake_eutils.requests) == 2


def test_a_server_that_never_answers_in_time_ends_in_fetch_error(fake_eutils):
    fake_eutils.script(Fault.slow(1.0), Fault.slow(1.0))
    with pytest.raises(FetchError, match=r"timed out after 0\.2 s") as err:
        efetch(fast_http(fake_eutils.base_url, timeout=0.2, max_attempts=2))
    assert err.value.status is None


def test_client_errors_fail_at_once_with_the_servers_message(fake_eutils):
    http = fast_http(fake_eutils.base_url)
    with pytest.raises(FetchError) as err:
        http.get("efetch.fcgi", {"db": "pubmed", "id": "abc"}, ids=["abc"])
    assert err.value.status == 400 and err.value.ids == ["abc"]
    assert err.value.detail == "ID list is empty! Possibly it has no correct IDs."
    assert len(fake_eutils.requests) == 1


def test_unknown_endpoint_is_a_404_fetch_error(fake_eutils):
    with pytest.raises(FetchError, match="HTTP 404: Not Found"):
        fast_http(fake_eutils.base_url).get("nosuch.fcgi")
    assert len(fake_eutils.requests) == 1


def test_response_size_cap(fake_eutils):
    with pytest.raises(FetchError, match="exceeds 2000"):
        efetch(fast_http(fake_eutils.base_url, max_bytes=2000))
    assert len(fake_eutils.requests) == 1


def test_validator_runs_inside_the_retry_loop(fake_eutils):
    verdicts = iter([RetryableResponse("looked truncated"), None])

    def validate(body: bytes) -> int:
        verdict = next(verdicts)
        if verdict:
            raise verdict
        return len(body)

    assert efetch(fast_http(fake_eutils.base_url), validate=validate) > 1000
    assert len(fake_eutils.requests) == 2


def test_rejected_response_is_not_retried(fake_eutils):
    def validate(body: bytes) -> None:
        raise RejectedResponse("not what we asked for")

    with pytest.raises(FetchError, match="HTTP 200: not what we asked for") as err:
        efetch(fast_http(fake_eutils.base_url), validate=validate)
    assert err.value.ids == ["36400559"]
    assert len(fake_eutils.requests) == 1


def test_post_sends_a_form_body(fake_eutils):
    ids = [str(n) for n in range(30_000_001, 30_000_301)]
    fast_http(fake_eutils.base_url).post("efetch.fcgi", {"db": "pubmed", "id": ",".join(ids)})
    (seen,) = fake_eutils.requests
    assert seen.method == "POST" and seen.ids() == ids


# ----------------------------------------------------------------------------- secrets and logs

SECRETS = {"api_key": "SEKRET-KEY-123", "email": "someone@example.org"}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_secrets_never_reach_errors_or_logs(caplog):
    caplog.set_level(logging.DEBUG)
    http = fast_http(f"http://127.0.0.1:{_closed_port()}/", max_attempts=2)
    with pytest.raises(FetchError) as err:
        http.get("esearch.fcgi", {"term": "x", **SECRETS})
    shown = str(err.value) + "".join(traceback.format_exception(err.value)) + caplog.text
    assert "connection failed: ConnectionError" in str(err.value)
    for secret in ("SEKRET", "someone", "example.org"):
        assert secret not in shown


def test_urllib3_request_log_is_redacted_and_one_line_per_request_is_logged(fake_eutils, caplog):
    caplog.set_level(logging.DEBUG)
    efetch_params = {**KNOWN, **SECRETS}
    fast_http(fake_eutils.base_url).get("efetch.fcgi", efetch_params)
    assert fake_eutils.requests[0].one("api_key") == "SEKRET-KEY-123"  # it was sent …
    assert "SEKRET" not in caplog.text and "someone" not in caplog.text  # … and never logged
    ours = [r.getMessage() for r in caplog.records if r.name == "pipeline.literature.http"]
    assert len(ours) == 1 and ours[0].startswith("GET efetch.fcgi -> 200 in ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "GET /esearch.fcgi?term=a&api_key=abc123&email=x%40y.org",
            "GET /esearch.fcgi?term=a&api_key=***&email=***",
        ),
        ("url: https://h/?EMAIL=a@b.c", "url: https://h/?EMAIL=***"),
        ("nothing secret here", "nothing secret here"),
    ],
)
def test_redact(text, expected):
    assert redact(text) == expected


# ----------------------------------------------------------------------------- small parsers


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"<eFetchResult><ERROR>ID list is empty!</ERROR></eFetchResult>", "ID list is empty!"),
        (
            b"<ePostResult>\n\t<ERROR>Empty ID list; Nothing to store</ERROR>\n\t<ERROR>Some IDs have invalid"
            b" value</ERROR></ePostResult>",
            "Empty ID list; Nothing to store; Some IDs have invalid value",
        ),
        (b'{"errCode":404,"errMsg":"No results found"}', "No results found"),
        (b"<html><body><h1>Bad Gateway</h1></body></html>", "Bad Gateway"),
        (b"", "(empty body)"),
    ],
)
def test_server_message(body, expected):
    assert server_message(body) == expected


@pytest.mark.parametrize(
    ("header", "expected"), [("7", 7.0), ("0", 0.0), ("-3", 0.0), (None, None), ("soon", None)]
)
def test_retry_after_seconds(header, expected):
    assert retry_after_seconds(header) == expected


def test_retry_after_http_date_is_seconds_from_now():
    header = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 120))
    assert 100 < retry_after_seconds(header) <= 120


def test_fake_replace_fault_serves_the_given_reply(fake_eutils):
    fake_eutils.script(Fault.replace(Reply(200, b"<PubmedArticleSet></PubmedArticleSet>")))
    assert efetch(fast_http(fake_eutils.base_url)) == b"<PubmedArticleSet></PubmedArticleSet>"


def test_the_session_blocks_every_non_loopback_address():
    from fakes import network as conftest

    http = fast_http("https://eutils.ncbi.nlm.nih.gov/entrez/eutils/")
    with pytest.raises(conftest.NetworkBlocked):
        http.get("einfo.fcgi")  # not retried, not wrapped: a test can never reach NCBI by mistake
    with pytest.raises(conftest.NetworkBlocked):
        socket.create_connection(("192.0.2.1", 80), timeout=0.1)
    assert conftest.BLOCKED[-2:] == ["eutils.ncbi.nlm.nih.gov", "192.0.2.1"]
    del conftest.BLOCKED[-2:]  # expected attempts: keep the autouse guard from failing this test
