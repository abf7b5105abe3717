"""Running the `curate` command inside a test: exit code, JSON Lines from stdout, stderr."""

import json

import pytest

from pipeline.cli import main


def run_cli(capsys, *args: str) -> tuple[int, list[dict], str]:
    """`curate ARGS…` in-process; (exit code, the JSON objects printed, stderr)."""
    with pytest.raises(SystemExit) as info:
        main(list(args))
        raise SystemExit(0)
    out = capsys.readouterr()
    return info.value.code or 0, [json.loads(x) for x in out.out.splitlines()], out.err
