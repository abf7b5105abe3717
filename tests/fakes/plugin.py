"""Pytest fixtures for the fake servers (loaded by tests/conftest.py through `pytest_plugins`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .europepmc import FakeEuropePmc
from .eutils import FakeEutils


@pytest.fixture
def fake_eutils() -> Iterator[FakeEutils]:
    """A fresh fake E-utilities server: `.base_url`, `.script(...)`, `.requests` and its knobs."""
    fake = FakeEutils().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_europepmc() -> Iterator[FakeEuropePmc]:
    """A fresh fake Europe PMC server: `.base_url`, `.script(...)`, `.requests`, `.cursor_end`."""
    fake = FakeEuropePmc().start()
    yield fake
    fake.stop()
