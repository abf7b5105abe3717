"""The suite's no-network guard (tests/conftest.py) is in force here too: loopback only."""

from __future__ import annotations

import socket

import pytest
from fakes.network import BLOCKED, NetworkBlocked

from pipeline.literature.acquire import Acquirer, Sources, parse_inputs
from pipeline.literature.eutils import EutilsClient
from pipeline.literature.store import RecordStore


@pytest.fixture
def blocked_attempts():
    """The attempts a test makes on purpose; removed so the session's own check does not fail it."""
    before = len(BLOCKED)
    yield lambda: BLOCKED[before:]
    del BLOCKED[before:]


def test_a_client_pointed_at_ncbi_is_stopped_before_any_lookup(tmp_path, blocked_attempts):
    """Even past the client's retries (which catch network errors) nothing leaves: the guard is not an
    OSError, so it cannot be mistaken for a flaky server and retried."""
    client = EutilsClient("https://eutils.ncbi.nlm.nih.gov/entrez/eutils/", email="c@example.org", tool="t")
    with RecordStore(f"sqlite:///{tmp_path / 's.sqlite'}") as store, pytest.raises(NetworkBlocked):
        Acquirer(store, Sources(eutils=client), ttl_seconds=0).fetch(parse_inputs(["31000001"]))
    assert blocked_attempts() == ["eutils.ncbi.nlm.nih.gov"]


@pytest.mark.parametrize("address", [("192.0.2.1", 80), ("www.ebi.ac.uk", 443)])
def test_non_loopback_connections_are_refused_and_loopback_is_not(address, blocked_attempts):
    with socket.socket() as s, pytest.raises(NetworkBlocked):
        s.connect(address)
    assert blocked_attempts() == [address[0]]
    with socket.socket() as server, socket.socket() as client:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        client.connect(server.getsockname())  # loopback stays open for the fakes
