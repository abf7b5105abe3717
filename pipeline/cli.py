"""The `curate` command (placeholder until the CLI lands in this change)."""


def main() -> None:
    raise SystemExit("curate: not built yet")
