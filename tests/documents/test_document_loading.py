"""Bad input: each gets a specific message and exit code 2, or a clean result with a warning."""

import json
import os
import time

import pytest

from pipeline.cli import main
from pipeline.documents import parse_document
from pipeline.errors import DocumentError

MB = 1_000_000


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
        raise SystemExit(0)
    captured = capsys.readouterr()
    return exit_info.value.code or 0, captured.out, captured.err


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.txt", "no such file or folder"),
        (lambda d: (d / "empty-folder").mkdir() or d / "empty-folder", "folder has no document"),
        (lambda d: (d / "empty.txt").write_text("  \n") and d / "empty.txt", "document is empty"),
        (lambda d: (d / "bin.txt").write_bytes(b"PK\x03\x04\x00\x00binary") and d / "bin.txt", "binary file"),
        (
            lambda d: (
                (d / "latin1.txt").write_bytes("Caf\xe9 au lait.".encode("latin-1")) and d / "latin1.txt"
            ),
            "not valid UTF-8 (byte 3",
        ),
    ],
    ids=["missing", "folder-without-document", "empty", "binary", "invalid-utf8"],
)
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, make, message):
    path = make(tmp_path)
    code, out, err = run_cli(capsys, "claims", str(path))
    assert code == 2
    assert out == ""
    assert message in err and str(path) in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_oversized_file_is_refused_before_reading(tmp_path, capsys):
    big = tmp_path / "huge.txt"
    with open(big, "wb") as fh:  # sparse: 200 MB on paper, nothing on disk
        fh.truncate(200 * MB)
    started = time.perf_counter()
    code, _, err = run_cli(capsys, "claims", str(big))
    assert code == 2 and "200,000,000 bytes is over the limit" in err
    assert time.perf_counter() - started < 2


def test_folder_with_two_documents(tmp_path):
    (tmp_path / "document.txt").write_text("A claim about vitamin K2 here.")
    (tmp_path / "document.md").write_text("A claim about vitamin K2 here.")
    with pytest.raises(DocumentError, match="several documents"):
        parse_document(tmp_path, max_bytes=MB)


def test_bad_metadata_names_the_field(tmp_path):
    (tmp_path / "document.txt").write_text("A claim about vitamin K2 here.")
    (tmp_path / "meta.yaml").write_text("citation_style: sometimes\n")
    with pytest.raises(DocumentError, match="citation_style"):
        parse_document(tmp_path, max_bytes=MB)


def test_document_without_citations_is_a_clean_result_with_a_warning(tmp_path, capsys):
    doc = tmp_path / "plain.txt"
    doc.write_text("Vitamin K2\n\nIntro\n\nVitamin K2 is found in natto. It is fat soluble.\n")
    code, out, err = run_cli(capsys, "claims", str(doc))
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["text"] for r in rows] == ["Vitamin K2 is found in natto.", "It is fat soluble."]
    assert "no citation markers found" in err


def test_unbalanced_brackets_warn(tmp_path, capsys):
    doc = tmp_path / "brackets.md"
    doc.write_text("# Vitamin K2\n\nIt helps bones [3 and teeth.\n")
    code, out, err = run_cli(capsys, "claims", str(doc))
    assert code == 0 and "unbalanced brackets" in err and out


def test_claims_output_fields_from_the_shipped_folder(capsys):
    root = os.path.join(os.path.dirname(__file__), "..", "..", "sources", "documents", "vitamin-k2")
    code, out, _ = run_cli(capsys, "claims", root)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) == 203
    first_cited = next(r for r in rows if r["markers"])
    assert {"claim_id", "document", "section", "kind", "line", "text", "markers", "asserted_evidence"} <= set(
        first_cited
    )
    assert first_cited["document"] == "vitamin-k2" and first_cited["line"] == 16
    assert {"token", "refs", "alternatives", "line", "column", "confidence"} <= set(first_cited["markers"][0])


@pytest.mark.parametrize("module", ["pipeline", "pipeline.cli"])
def test_python_dash_m_runs_the_command(module):
    import subprocess
    import sys
    from pathlib import Path

    seed = Path(__file__).parents[2] / "sources" / "documents" / "vitamin-k2"
    done = subprocess.run(
        [sys.executable, "-m", module, "-q", "claims", str(seed)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 203
