"""`curate grade` through grade_command: JSON Lines files, PubMed XML, the record store, bad input."""

from __future__ import annotations

import io
import json
import logging
import sqlite3
import sys
from pathlib import Path

import pytest
from cli_helpers import run_cli_text

from pipeline.cli_grade import grade_command
from pipeline.errors import InputError, ParseError
from pipeline.literature.store import RecordStore
from pipeline.models import EVIDENCE_TYPES

DATA = Path(__file__).parents[1] / "data" / "grading"
FIELDS = {
    "record_id",
    "evidence_type",
    "design_detail",
    "population",
    "level",
    "confidence",
    "integrity",
    "reasons",
    "integrity_links",
}


def run(capsys, *args) -> list[dict]:
    grade_command(*args)
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_contract_38_records_text_only(capsys):
    rows = run(capsys, [], DATA / "vitamin-k2-records.jsonl", True)
    assert len(rows) == 38
    assert all(set(row) >= FIELDS and row["evidence_type"] in EVIDENCE_TYPES for row in rows)
    by_id = {row["record_id"]: row for row in rows}
    assert by_id["pmid:23191943"]["evidence_type"] == "meta_analysis"
    assert by_id["pmid:23191943"]["level"] == 1
    assert by_id["pmid:32150581"]["population"]["species"] == ["rats"]


def test_pubmed_xml_gz(capsys):
    rows = run(capsys, [], DATA / "pmparser_pubmed26n1334.xml.gz", False)
    by_id = {row["record_id"]: row for row in rows}
    notice = by_id["pmid:41578200"]
    assert (notice["integrity"], notice["evidence_type"]) == ("retraction_notice", "other")
    assert by_id["pmid:41583336"]["evidence_type"] == "case_report"


def test_stored_records_by_any_identifier(capsys, tmp_path, monkeypatch, real_records):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    monkeypatch.setenv("CURATE_STORE_URL", url)
    with RecordStore(url) as store:
        store.upsert_many([real_records["pmid:23225445"], real_records["doi:10.1002/hep.24430"]])
    rows = run(capsys, ["23225445", "https://doi.org/10.1002/hep.24430"], None, False)
    assert [(r["record_id"], r["evidence_type"]) for r in rows] == [
        ("pmid:23225445", "rct"),
        ("doi:10.1002/hep.24430", "rct"),
    ]
    with pytest.raises(InputError, match="pmid:424242"):
        grade_command(["pmid:23225445", "pmid:424242"], None, False)
    assert capsys.readouterr().out.count("\n") == 1  # the known record is still printed first
    assert len(run(capsys, [], None, True)) == 2  # no IDs: every stored record


def test_bad_input(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        grade_command([], tmp_path / "missing.jsonl", False)
    with pytest.raises(InputError, match="not both"):
        grade_command(["pmid:1"], tmp_path / "x.jsonl", False)
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"pmid": "1", "title": "ok"}\nnot json\n', encoding="utf-8")
    with pytest.raises(ParseError, match="line 2"):
        grade_command([], broken, False)


def test_workers_print_what_one_process_prints(capsys):
    source = DATA / "vitamin-k2-records.jsonl"
    code, single, _ = run_cli_text(["grade", "--input", str(source)], capsys)
    assert code == 0
    code, pooled, err = run_cli_text(["grade", "--input", str(source), "--workers", "2"], capsys)
    assert code == 0, err
    assert pooled == single
    assert len(pooled.splitlines()) == 38


def test_workers_stop_at_a_bad_line_after_printing_the_lines_before_it(tmp_path, capsys):
    lines = (DATA / "vitamin-k2-records.jsonl").read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "records.jsonl"
    bad.write_text("\n".join([*lines[:29], '{"title": ', *lines[29:]]) + "\n", encoding="utf-8")
    single = run_cli_text(["grade", "--input", str(bad)], capsys)
    pooled = run_cli_text(["grade", "--input", str(bad), "--workers", "2"], capsys)
    assert pooled == single
    code, out, err = pooled
    assert code == 1 and len(out.splitlines()) == 29
    assert f"cannot parse {bad} (line 30)" in err and "internal error" not in err


def test_workers_grade_pubmed_xml_like_one_process(capsys):
    source = DATA / "pmparser_pubmed25n1275.xml.gz"  # 30 articles
    single = run_cli_text(["grade", "--input", str(source), "--text-only"], capsys)
    pooled = run_cli_text(["grade", "--input", str(source), "--text-only", "--workers", "2"], capsys)
    assert single[0] == 0 and pooled == single and single[1].count("\n") == 30


def test_workers_grade_the_whole_store_like_one_process(capsys, tmp_path, monkeypatch, real_records):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    monkeypatch.setenv("CURATE_STORE_URL", url)
    with RecordStore(url) as store:
        store.upsert_many(list(real_records.values())[:40])
    single = run_cli_text(["grade"], capsys)
    pooled = run_cli_text(["grade", "--workers", "2"], capsys)
    assert single[0] == 0 and pooled == single and single[1].count("\n") == 40


def test_a_stored_record_that_no_longer_reads_is_named(capsys, tmp_path, monkeypatch, real_records):
    path = tmp_path / "store.sqlite"
    monkeypatch.setenv("CURATE_STORE_URL", f"sqlite:///{path}")
    with RecordStore(f"sqlite:///{path}") as store:
        store.upsert_many(list(real_records.values())[:12])
        broken = sorted(r.record_id for r in store.iter_records())[7]
    with sqlite3.connect(path) as db:  # a row written by another version, or edited by hand
        db.execute("UPDATE records SET parsed = ? WHERE record_id = ?", ('{"title": 5}', broken))
    single = run_cli_text(["grade"], capsys)
    pooled = run_cli_text(["grade", "--workers", "2"], capsys)
    assert pooled == single
    code, out, err = single
    assert code == 1 and out.count("\n") == 7  # the records before it are graded first
    assert f"cannot parse record store ({broken})" in err and "internal error" not in err


@pytest.mark.parametrize(
    ("bad_line", "says"),
    [
        (b"[" * 100_000, "nested too deeply"),  # json.loads raises RecursionError, not ValueError
        (b'{"title": "caf\xe9"}', "not UTF-8 (byte 15 of the line)"),  # Latin-1 among UTF-8 lines
    ],
)
def test_a_hostile_line_is_named_after_the_lines_before_it(tmp_path, capsys, bad_line, says):
    lines = (DATA / "vitamin-k2-records.jsonl").read_bytes().splitlines()
    path = tmp_path / "records.jsonl"
    path.write_bytes(b"\n".join([*lines[:10], bad_line, *lines[10:]]) + b"\n")
    single = run_cli_text(["grade", "--input", str(path)], capsys)
    pooled = run_cli_text(["grade", "--input", str(path), "--workers", "2"], capsys)
    assert pooled == single
    code, out, err = single
    assert code == 1 and out.count("\n") == 10
    assert f"cannot parse {path} (line 11): {says}" in err and "internal error" not in err


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("vitamin-k2-records.jsonl", "38/38"),  # JSON Lines: the non-blank lines are counted first
        ("pmparser_pubmed25n1275.xml.gz", "30/?"),  # XML: only parsing would say how many
    ],
)
def test_a_person_watching_sees_a_progress_bar_on_stderr(capsys, monkeypatch, source, shown):
    monkeypatch.setattr("pipeline.cli_grade.watched", lambda: True)
    code, out, err = run_cli_text(["grade", "--input", str(DATA / source)], capsys)
    assert code == 0 and out.count("\n") == int(shown.split("/")[0])
    assert "grading" in err and shown in err
    assert "grading" not in out  # the data on stdout stays pure JSON Lines


def test_the_store_is_counted_for_the_bar(capsys, tmp_path, monkeypatch, real_records):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    monkeypatch.setenv("CURATE_STORE_URL", url)
    with RecordStore(url) as store:
        store.upsert_many(list(real_records.values())[:12])
        assert store.count() == 12
    monkeypatch.setattr("pipeline.cli_grade.watched", lambda: True)
    code, out, err = run_cli_text(["grade"], capsys)
    assert code == 0 and out.count("\n") == 12 and "12/12" in err


def test_the_bar_counts_exactly_the_lines_that_are_graded(capsys, tmp_path, monkeypatch):
    lines = (DATA / "vitamin-k2-records.jsonl").read_text(encoding="utf-8").splitlines()[:5]
    path = tmp_path / "records.jsonl"
    # blank to str.strip() but not to bytes.strip(): skipped by the reader, so not counted either
    path.write_text("\n".join([lines[0], "\u3000", lines[1], "\xa0 ", *lines[2:], "\x1c"]) + "\n", "utf-8")
    monkeypatch.setattr("pipeline.cli_grade.watched", lambda: True)
    code, out, err = run_cli_text(["grade", "--input", str(path)], capsys)
    assert code == 0 and out.count("\n") == 5 and "5/5" in err


def test_no_bar_when_stdout_is_the_same_terminal(capsys, monkeypatch):
    monkeypatch.setattr("pipeline.cli_grade.watched", lambda: True)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)  # the bar would redraw over the lines
    code, out, err = run_cli_text(["grade", "--input", str(DATA / "vitamin-k2-records.jsonl")], capsys)
    assert code == 0 and out.count("\n") == 38 and "38/38" not in err


def test_log_lines_follow_stderr_while_a_bar_replaces_it(monkeypatch):
    """Rich swaps sys.stderr while a bar is drawn, to print other output above it; a handler that kept the
    original stream glued its lines onto the bar."""
    from pipeline.cli import _configure_logging

    _configure_logging(0, False)
    replaced = io.StringIO()
    monkeypatch.setattr(sys, "stderr", replaced)
    logging.getLogger("curate").info("skipping a DeleteCitation")
    assert replaced.getvalue() == "curate: skipping a DeleteCitation\n"
