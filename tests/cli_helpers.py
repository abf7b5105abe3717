"""Running the `curate` command inside a test: exit code, JSON Lines from stdout, stderr."""

import json

import pytest

from pipeline.cli import main


def run_cli_text(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """`curate ARGV…` in-process; (exit code, stdout, stderr) as printed."""
    with pytest.raises(SystemExit) as info:
        main(argv)
        raise SystemExit(0)
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def run_cli(capsys, *args: str) -> tuple[int, list[dict], str]:
    """`curate ARGS…` in-process; (exit code, the JSON objects printed, stderr)."""
    code, out, err = run_cli_text(list(args), capsys)
    return code, [json.loads(x) for x in out.splitlines()], err
