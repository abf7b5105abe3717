"""Shared by the PubMed parser tests: the fixture bytes, and a stream that ends its reads anywhere."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

DATA = Path(__file__).parent.parent / "data" / "pubmed"


def raw(name: str) -> bytes:
    """A fixture's bytes, gunzipped when its name ends in .gz."""
    path = DATA / name
    return gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()


class Trickle(io.BytesIO):
    """A stream answering each read with at most `size` bytes, so tags straddle chunk boundaries."""

    def __init__(self, data: bytes, size: int) -> None:
        super().__init__(data)
        self.size = size

    def read(self, size: int | None = -1) -> bytes:
        return super().read(self.size if size is None or size < 0 else min(size, self.size))
