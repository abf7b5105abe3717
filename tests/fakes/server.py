"""A threaded loopback HTTP server that records every request and plays scripted faults.

Subclasses implement `route(seen) -> Reply`; a test scripts faults (`fake.script(Fault.status(429))`)
that replace or damage the next matching replies, then asserts on `fake.requests`. For long runs a test
sets `fake.chaos`, a callable that picks a fault (or none) for every request no scripted fault claims
(see chaos.py for a seeded plan).
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal
from urllib.parse import parse_qs, urlsplit

FaultKind = Literal["status", "reset", "slow", "stall", "truncate", "replace", "corrupt"]
MAX_SLOW_SECONDS = 5.0  # a "slow" fault never holds a server thread longer than this


@dataclass(frozen=True)
class Seen:
    """One request as the server received it; query and form parameters merged."""

    at: float
    method: str
    endpoint: str
    params: dict[str, list[str]]
    client: str

    def one(self, name: str, default: str | None = None) -> str | None:
        values = self.params.get(name)
        return values[0] if values else default

    def ids(self) -> list[str]:
        """The `id` parameter as E-utilities reads it: comma lists and repeated keys alike."""
        return [i for value in self.params.get("id", []) for i in value.split(",") if i.strip()]


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/xml; charset=UTF-8"
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Fault:
    """What to do to one reply instead of serving it as routed; `endpoint` limits which request."""

    kind: FaultKind
    status: int = 503
    delay: float = 0.0
    reply: Reply | None = None
    retry_after: str | None = None
    endpoint: str | None = None
    transform: Callable[[Reply], Reply] | None = None

    @classmethod
    def status_code(
        cls, status: int, *, retry_after: str | None = None, endpoint: str | None = None
    ) -> Fault:
        return cls("status", status=status, retry_after=retry_after, endpoint=endpoint)

    @classmethod
    def reset(cls, endpoint: str | None = None) -> Fault:
        """Send the headers and half the body, then reset the connection."""
        return cls("reset", endpoint=endpoint)

    @classmethod
    def slow(cls, delay: float, endpoint: str | None = None) -> Fault:
        return cls("slow", delay=min(delay, MAX_SLOW_SECONDS), endpoint=endpoint)

    @classmethod
    def stall(cls, delay: float, endpoint: str | None = None) -> Fault:
        """Send the headers and half the body, then nothing for `delay` seconds, then the rest."""
        return cls("stall", delay=min(delay, MAX_SLOW_SECONDS), endpoint=endpoint)

    @classmethod
    def truncate(cls, endpoint: str | None = None) -> Fault:
        """A complete HTTP reply whose body is the first half of the real one."""
        return cls("truncate", endpoint=endpoint)

    @classmethod
    def replace(cls, reply: Reply, endpoint: str | None = None) -> Fault:
        return cls("replace", reply=reply, endpoint=endpoint)

    @classmethod
    def corrupt(cls, transform: Callable[[Reply], Reply], endpoint: str | None = None) -> Fault:
        """Serve `transform(routed reply)`: damage the real answer (bad XML, an unreadable record)."""
        return cls("corrupt", transform=transform, endpoint=endpoint)


class FakeServer:
    """Base fake: start/stop, request log, fault queue, rate measurement."""

    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self._faults: deque[Fault] = deque()
        # Picks a fault for each request no scripted fault claims; called under the lock, in arrival order.
        self.chaos: Callable[[Seen], Fault | None] | None = None
        # Seconds every reply is held before it is sent: a WAN round trip (NCBI's is ~80 ms) for benchmarks.
        self.latency = 0.0
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.01,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/"

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def route(self, seen: Seen) -> Reply:
        raise NotImplementedError

    def script(self, *faults: Fault) -> None:
        """Queue faults; each is used once, by the next request to its endpoint (any if None)."""
        with self._lock:
            self._faults.extend(faults)

    def calls(self, endpoint: str | None = None) -> list[Seen]:
        with self._lock:
            return [s for s in self.requests if endpoint is None or s.endpoint == endpoint]

    def max_per_second(self, client: str | None = None) -> int:
        """The most requests that arrived within any one-second window (sliding, half-open)."""
        times = sorted(s.at for s in self.calls() if client is None or s.client == client)
        best, start = 0, 0
        for end, t in enumerate(times):
            while t - times[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best

    def _record(self, seen: Seen) -> Fault | None:
        with self._lock:
            self.requests.append(seen)
            for fault in self._faults:
                if fault.endpoint in (None, seen.endpoint):
                    self._faults.remove(fault)
                    return fault
            return self.chaos(seen) if self.chaos else None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5  # an idle keep-alive connection frees its thread after this
    fake: FakeServer

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep pytest output quiet; tests read `fake.requests` instead

    def _serve(self) -> None:
        url = urlsplit(self.path)
        params = parse_qs(url.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        for key, values in parse_qs(self.rfile.read(length).decode(), keep_blank_values=True).items():
            params.setdefault(key, []).extend(values)
        seen = Seen(time.monotonic(), self.command, url.path.strip("/"), params, self.headers["User-Agent"])
        fault = self.fake._record(seen)
        if self.fake.latency > 0:
            time.sleep(min(self.fake.latency, MAX_SLOW_SECONDS))
        try:
            self._deliver(self.fake.route(seen), fault)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. timed out); nothing to answer

    def _deliver(self, reply: Reply, fault: Fault | None) -> None:
        if fault is None:
            return self._send(reply)
        if fault.kind == "status":
            headers = (("Retry-After", fault.retry_after),) if fault.retry_after is not None else ()
            body = f"<html><body><h1>{fault.status} scripted fault</h1></body></html>".encode()
            return self._send(Reply(fault.status, body, "text/html", headers))
        if fault.kind == "slow":
            time.sleep(fault.delay)
            return self._send(reply)
        if fault.kind == "stall":
            return self._stall(reply, fault.delay)
        if fault.kind == "corrupt":
            assert fault.transform is not None
            return self._send(fault.transform(reply))
        if fault.kind == "truncate":
            return self._send(Reply(reply.status, reply.body[: len(reply.body) // 2], reply.content_type))
        if fault.kind == "replace":
            assert fault.reply is not None
            return self._send(fault.reply)
        return self._reset(reply)

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def _stall(self, reply: Reply, delay: float) -> None:
        """Promise the whole body, send half, go quiet past the client's read timeout, then finish."""
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        half = len(reply.body) // 2
        self.wfile.write(reply.body[:half])
        self.wfile.flush()
        time.sleep(delay)
        self.wfile.write(reply.body[half:])

    def _reset(self, reply: Reply) -> None:
        """Promise the whole body, send half, then abort with RST (SO_LINGER 0)."""
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body[: len(reply.body) // 2])
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True
