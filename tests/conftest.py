"""Session-wide test setup: nothing may leave this machine, and Prefect may not phone home.

Every non-loopback connect or name lookup raises NetworkBlocked (a RuntimeError, so libraries that
swallow OSError, such as Bio.Entrez's DTD download, cannot hide it) and fails the test that tried.
"""

import os
import tempfile

os.environ.update({"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"})
# Prefect keeps its state in a throw-away folder (always: the Makefile's PREFECT_HOME is the project's own
# .curate/prefect, which a fresh clone does not have yet), and its embedded server gets time to start on
# a busy 2-core machine (its own default, 20 s, is too short there).
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="curate-test-prefect-")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

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
