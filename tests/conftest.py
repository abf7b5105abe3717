"""Session-wide test setup: nothing may leave this machine, and Prefect may not phone home.

Every non-loopback connect or name lookup raises NetworkBlocked (a RuntimeError, so libraries that
swallow OSError, such as Bio.Entrez's DTD download, cannot hide it) and fails the test that tried.
"""

import os

os.environ.update({"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"})

import pytest
from fakes.network import BLOCKED, install

pytest_plugins = ["fakes.plugin"]

install()


@pytest.fixture(autouse=True)
def _no_network_attempts() -> object:
    """Fail a test that tried the network even if the code under test caught the error."""
    before = len(BLOCKED)
    yield
    assert BLOCKED[before:] == [], f"test tried to reach {BLOCKED[before:]}"
