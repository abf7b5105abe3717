"""`python -m pipeline …` runs the `curate` command (for environments without the entry point)."""

from pipeline.cli import main

main()
