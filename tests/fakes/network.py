"""The network guard of the test session: every non-loopback connect or name lookup raises
NetworkBlocked (a RuntimeError, so libraries that swallow OSError cannot hide it). Installed by
tests/conftest.py; kept here so tests can import it by a name no other conftest shadows."""

import socket

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
BLOCKED: list[str] = []


class NetworkBlocked(RuntimeError):
    """A test tried to reach a host other than loopback."""


def _guard(host: object) -> None:
    name = host.decode() if isinstance(host, bytes) else host
    if name is not None and name not in LOOPBACK:
        BLOCKED.append(str(name))
        raise NetworkBlocked(f"network access to {name!r} is blocked in tests")


def _host_of(address: object) -> object:
    return address[0] if isinstance(address, tuple) else None  # AF_UNIX paths stay local


_real_connect, _real_connect_ex = socket.socket.connect, socket.socket.connect_ex
_real_getaddrinfo, _real_gethostbyname = socket.getaddrinfo, socket.gethostbyname


def _connect(self: socket.socket, address: object) -> None:
    _guard(_host_of(address))
    return _real_connect(self, address)


def _connect_ex(self: socket.socket, address: object) -> int:
    _guard(_host_of(address))
    return _real_connect_ex(self, address)


def _getaddrinfo(host: object, *args: object, **kwargs: object) -> list:
    _guard(host)
    return _real_getaddrinfo(host, *args, **kwargs)


def _gethostbyname(host: str) -> str:
    _guard(host)
    return _real_gethostbyname(host)


def install() -> None:
    socket.socket.connect, socket.socket.connect_ex = _connect, _connect_ex
    socket.getaddrinfo, socket.gethostbyname = _getaddrinfo, _gethostbyname
