"""`curate review` killed with SIGKILL between writing the new decisions file and renaming it into place."""

import pytest
from crash_helpers import CURATE, finish, kill_at, new_project, staging_files, start

from pipeline.documents import parse_document
from pipeline.linking.decisions import load_decisions


@pytest.mark.slow
def test_a_killed_review_leaves_the_decisions_file_whole_and_unlocked(tmp_path, leftovers):
    root = new_project(tmp_path / "project")
    folder = root / "sources" / "documents" / "vitamin-k2"
    first, second = (c.claim_id for c in parse_document(folder, max_bytes=20_000_000).claims[:2])

    def review(claim: str, note: str) -> list[str]:
        return ["review", "note", str(folder), claim, "--note", note, "--curator", "crash-test"]

    kept = finish(start([str(CURATE), *review(first, "kept")], tmp_path / "kept.log"), tmp_path / "kept.log")
    assert kept.code == 0, kept.stderr
    before = (folder / "decisions.yaml").read_bytes()

    kill_at("review", review(second, "lost"), tmp_path, leftovers)
    assert (folder / "decisions.yaml").read_bytes() == before  # the old file, whole
    (staged,) = staging_files(root)  # the new one, written and fsynced, never renamed
    assert staged.parent == folder and staged.name.startswith(".decisions.yaml.")
    assert [d.note for d in load_decisions(folder / "decisions.yaml")] == ["kept"]

    log = tmp_path / "after.log"
    after = finish(start([str(CURATE), *review(second, "after")], log), log)  # the lock died with it
    assert after.code == 0, after.stderr
    assert [d.note for d in load_decisions(folder / "decisions.yaml")] == ["kept", "after"]
    assert staging_files(root) == []  # the next writer, holding the lock, removed the dead one's file
