"""Mistyped commands, options and values: click's usage message and exit code 2, never an internal error.

Typer 0.29 raises its own copy of click's exceptions; before the CLI caught both, these read as
"internal error" with exit code 1.
"""

from __future__ import annotations

import pytest
from cli_helpers import run_cli_text


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["nosuchcommand"], "No such command 'nosuchcommand'"),
        (["grade", "--bogus"], "No such option: --bogus"),
        (["grade", "--workers", "-1"], "Invalid value for '--workers'"),
        (["grade", "--workers", "many"], "Invalid value for '--workers'"),
        (["link", "doc.md", "--top-k", "500"], "Invalid value for '--top-k'"),
    ],
)
def test_usage_errors_exit_2_with_clicks_message(argv: list[str], says: str, capsys) -> None:
    code, out, err = run_cli_text(argv, capsys)
    assert code == 2 and out == ""
    assert says in err and "internal error" not in err


def test_help_still_exits_0(capsys) -> None:
    code, out, _ = run_cli_text(["grade", "--help"], capsys)
    assert code == 0 and "--workers" in out
