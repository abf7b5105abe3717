"""Shared helpers of the fault-injection suite: clients with short timeouts, the CLI in-process."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fakes import FakeServer, fast_http

from pipeline.cli import main
from pipeline.literature.eutils import EutilsClient

EMAIL, API_KEY = "curator@example.org", "s3cret-key-fault-suite"
TIMEOUT = 0.25  # seconds; every stall in the plans lasts three times longer
STALL = 0.75
# Every reason a failed outcome may give under the fault plans; anything else is a bug here or there.
KNOWN_CAUSES = re.compile(
    r"HTTP 5\d\d|HTTP 429|timed out|broken response body|connection failed|truncated or malformed"
    r"|HTML page|server asked to retry after|cannot parse|unreachable"
)


def eutils_for(fake: FakeServer, **http: Any) -> EutilsClient:
    """A client of the fake with the suite's short timeout and millisecond backoff (overridable)."""
    options = {"timeout": TIMEOUT, "max_attempts": 3, "backoff_cap": 2.0} | http
    return EutilsClient(
        fake.base_url, email=EMAIL, tool="curate-tests", http=fast_http(fake.base_url, **options)
    )


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, Any]], str]:
    """`curate ARGS` in this process: exit code, stdout as JSON Lines, stderr."""
    with pytest.raises(SystemExit) as info:
        main(list(args))
        raise SystemExit(0)
    out = capsys.readouterr()
    return info.value.code or 0, [json.loads(x) for x in out.out.splitlines()], out.err
