"""`curate run` end to end, in a subprocess with an embedded Prefect server (slow: ~30 s)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).parents[2]


@pytest.mark.slow
def test_curate_run_writes_tables_and_reports(tmp_path):
    shutil.copytree(ROOT / "sources", tmp_path / "sources")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CURATE_"))}
    env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1", CURATE_OFFLINE="1")
    curate = Path(sys.executable).with_name("curate")
    result = subprocess.run(
        [str(curate), "run", "--root", str(tmp_path)], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "1 document(s), 203 claims" in result.stderr and "38 records in the store" in result.stderr
    # our one-line format, not Prefect's ("12:00:00.000 | INFO | curate - …"): its setup kept our handler
    assert "\ncurate: record store: 38 records (38 imported from the snapshot)\n" in f"\n{result.stderr}"
    assert (tmp_path / ".curate" / "store.sqlite").is_file()
    assert "wrote curated/: 28 files" in result.stderr
    assert "wrote reports/: vitamin-k2.md, vitamin-k2.html, index.html" in result.stderr
    assert "links: 1004 discovered" in result.stderr and "110 unresolved_marker" in result.stderr
    assert "Traceback" not in result.stderr
    assert "━" not in result.stderr  # no progress bar when stderr is a pipe (test_progress_bars: a terminal)
    claims = pq.read_table(tmp_path / "curated" / "claims.parquet").to_pandas()
    assert len(claims) == 203 and set(claims["document"]) == {"vitamin-k2"}
    report = (tmp_path / "reports" / "vitamin-k2.md").read_text()
    assert report.startswith("# Vitamin K2") and "## Ambiguous markers" in report
    assert (tmp_path / ".curate" / "prefect").is_dir()  # Prefect state stays inside the project

    # A document over the size limit is that document's failure: one line, no Prefect traceback, and the
    # previous dataset and reports stay as they were (a partial dataset would drop its rows).
    huge = tmp_path / "sources" / "documents" / "huge"
    huge.mkdir()
    (huge / "document.txt").write_text("Vitamin K2\n\n" + "It was safe in mice1. " * 6_000, encoding="utf-8")
    before = (tmp_path / "curated" / "claims.parquet").read_bytes()
    env["CURATE_MAX_DOCUMENT_BYTES"] = "100000"
    failed = subprocess.run(
        [str(curate), "run", "--root", str(tmp_path)], capture_output=True, text=True, env=env, timeout=300
    )
    assert failed.returncode == 2, failed.stderr
    assert "failed: huge: " in failed.stderr and "is over the limit of 100,000" in failed.stderr
    assert failed.stderr.rstrip().splitlines()[-1].startswith("curate: error: ")
    assert "were left as they were" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert (tmp_path / "curated" / "claims.parquet").read_bytes() == before


def test_run_refuses_a_folder_without_sources(tmp_path, capsys):
    from pipeline.cli import main

    with pytest.raises(SystemExit) as info:
        main(["run", "--root", str(tmp_path)])
    assert info.value.code == 2
    assert "sources/documents: no such folder" in capsys.readouterr().err


def test_run_refuses_two_folders_with_one_slug_before_any_work(tmp_path, capsys):
    from pipeline.cli import main

    for name in ("vitamin-k2", "Vitamin K2"):
        (tmp_path / "sources" / "documents" / name).mkdir(parents=True)
        (tmp_path / "sources" / "documents" / name / "document.txt").write_text("Vitamin K2\n\nIt works1.\n")
    with pytest.raises(SystemExit) as info:
        main(["run", "--root", str(tmp_path)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "folders 'Vitamin K2' and 'vitamin-k2' both give the slug 'vitamin-k2': rename one" in err
    assert not (tmp_path / ".curate").exists()  # refused before the lock, the store or Prefect
