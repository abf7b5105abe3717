"""Document slugs, decision files and CLI paths cannot make the pipeline write outside the project's
output folders: symlinked document folders and decision files, `..` in slugs and paths, a planted lock
symlink, `curate review` on a folder elsewhere, and `--root` (in test_hostile_secrets, with a live run).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cli_helpers import run_cli_text
from hostile_helpers import HostileRun

from pipeline.documents import parse_document
from pipeline.errors import DocumentError
from pipeline.linking.decisions import (
    Decision,
    append_decision,
    decisions_path,
    document_folder,
    load_decisions,
)
from pipeline.outputs.bundle import CurationRun
from pipeline.outputs.report_write import report_name, write_reports

WHEN = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry under `folder` with its content (files) or target (symlinks)."""
    out: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        out[key] = os.readlink(path) if path.is_symlink() else path.read_bytes() if path.is_file() else "dir"
    return out


def first_claim(folder: Path) -> str:
    return parse_document(folder, max_bytes=10_000_000).claims[0].claim_id


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside the project that nothing may change."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "precious.txt").write_text("keep me\n")
    return folder


# ----------------------------------------------------------------------------- slugs


def test_a_slug_in_meta_yaml_cannot_rename_the_document(seed_project: Path) -> None:
    folder = seed_project / "sources" / "documents" / "vitamin-k2"
    (folder / "meta.yaml").write_text("title: Vitamin K2\nslug: ../../../escaped\n", encoding="utf-8")
    with pytest.raises(DocumentError, match="field 'slug' is not allowed") as caught:
        parse_document(folder, max_bytes=10_000_000)
    assert caught.value.path == str(folder / "meta.yaml")


def test_a_hostile_folder_name_becomes_a_plain_slug(seed_project: Path) -> None:
    docs = seed_project / "sources" / "documents"
    odd = docs / "..vitamin-k2 ..%2F..%2Fetc"
    (docs / "vitamin-k2").rename(odd)
    assert parse_document(odd, max_bytes=10_000_000).meta.slug == "vitamin-k2-2f-2fetc"


@pytest.mark.parametrize("slug", ["../escaped", "..", "a/b", "/tmp/x", ".hidden", "a\\b", "A B", ""])
def test_reports_refuse_a_slug_that_is_not_one_plain_name(
    hostile_run: HostileRun, slug: str, tmp_path
) -> None:
    bundle = hostile_run.bundle
    doc = bundle.documents[0]
    renamed = doc.model_copy(update={"doc": doc.doc.model_copy(update={"meta": doc.doc.meta.model_copy(
        update={"slug": slug})})})  # fmt: skip
    before = snapshot(tmp_path)
    with pytest.raises(DocumentError, match="not a document slug"):
        write_reports(CurationRun(run=bundle.run, documents=[renamed]), tmp_path / "project" / "reports")
    assert snapshot(tmp_path) == before


def test_report_names_are_the_slugs_written_by_the_parser() -> None:
    assert report_name("vitamin-k2") == "vitamin-k2" and report_name("hostile") == "hostile"


@pytest.mark.parametrize("slug", ["..", "../x", "a/b", "/etc", ".curate", ""])
def test_document_folder_refuses_slugs_that_lead_out(tmp_path: Path, slug: str) -> None:
    with pytest.raises(DocumentError):
        document_folder(tmp_path, slug)


def test_document_folder_refuses_a_symlink_out(tmp_path: Path, outside: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "linked").symlink_to(outside, target_is_directory=True)
    with pytest.raises(DocumentError, match="resolves outside"):
        document_folder(tmp_path / "docs", "linked")


# ----------------------------------------------------------------------------- decision files


def test_review_refuses_a_symlinked_document_folder(seed_project: Path, outside: Path, capsys) -> None:
    real = seed_project / "sources" / "documents" / "vitamin-k2"
    elsewhere = outside / "vitamin-k2"
    real.rename(elsewhere)
    real.symlink_to(elsewhere, target_is_directory=True)
    before = snapshot(outside)
    argv = ["review", "note", str(real), first_claim(elsewhere), "--note", "x"]
    code, out, err = run_cli_text(argv, capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and "is a symlink" in err
    assert snapshot(outside) == before


def test_review_refuses_a_decisions_file_that_links_out(seed_project: Path, outside: Path, capsys) -> None:
    folder = seed_project / "sources" / "documents" / "vitamin-k2"
    (folder / "decisions.yaml").symlink_to(outside / "precious.txt")
    before = snapshot(outside)
    code, _, err = run_cli_text(["review", "note", str(folder), first_claim(folder), "--note", "x"], capsys)
    assert code == 2 and "is a symlink" in err and err.startswith("curate: error: ")
    assert snapshot(outside) == before
    with pytest.raises(DocumentError, match="is a symlink"):
        load_decisions(folder / "decisions.yaml")  # a run refuses to read it too


def test_a_planted_lock_symlink_creates_nothing_outside(seed_project: Path, outside: Path) -> None:
    folder = seed_project / "sources" / "documents" / "vitamin-k2"
    (folder / ".decisions.yaml.lock").symlink_to(outside / "created-by-the-lock")
    before = snapshot(outside)
    decision = Decision(action="note", claim_id="c_1", note="x", decided_at=WHEN)
    with pytest.raises(DocumentError, match="lock file"):
        append_decision(folder / "decisions.yaml", decision)
    assert snapshot(outside) == before and not (folder / "decisions.yaml").exists()


@pytest.mark.parametrize(
    "path", ["sources/documents/../documents/vitamin-k2", "sources/documents/vitamin-k2/.."]
)
def test_review_refuses_paths_with_dot_dot(seed_project: Path, path: str, capsys) -> None:
    folder = seed_project / "sources" / "documents" / "vitamin-k2"
    argv = ["review", "note", str(seed_project / path), first_claim(folder), "--note", "x"]
    code, out, err = run_cli_text(argv, capsys)
    assert code == 2 and out == "" and "may not contain '..'" in err
    assert not (folder / "decisions.yaml").exists()
    with pytest.raises(DocumentError):
        decisions_path(seed_project / path)


def test_review_of_a_folder_outside_writes_only_its_decisions_file(seed_project: Path, outside: Path,
                                                                    capsys) -> None:  # fmt: skip
    """A document folder anywhere is a document folder: the one file written is its decisions.yaml."""
    folder = outside / "doc"
    (seed_project / "sources" / "documents" / "vitamin-k2").rename(folder)
    before = snapshot(outside.parent)
    code, out, _ = run_cli_text(["review", "note", str(folder), first_claim(folder), "--note", "x"], capsys)
    assert code == 0 and '"action": "note"' in out
    changed = {k for k, v in snapshot(outside.parent).items() if before.get(k) != v}
    assert changed == {"outside/doc/decisions.yaml", "outside/doc/.decisions.yaml.lock"}


def test_review_of_a_folder_without_a_document_writes_nothing(outside: Path, capsys) -> None:
    before = snapshot(outside)
    code, _, err = run_cli_text(["review", "note", str(outside), "c_1", "--note", "x"], capsys)
    assert code == 2 and "folder has no document" in err and snapshot(outside) == before


def test_outputs_replace_a_planted_report_symlink_instead_of_writing_through_it(
    hostile_run: HostileRun, tmp_path: Path, outside: Path
) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "hostile.html").symlink_to(outside / "precious.txt")
    before = snapshot(outside)
    write_reports(hostile_run.bundle, reports)
    assert snapshot(outside) == before
    assert not (reports / "hostile.html").is_symlink() and (reports / "hostile.html").stat().st_size > 1000
