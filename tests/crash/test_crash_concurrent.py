"""Two `curate run` at once on one project: one refuses with a one-line message, the other completes."""

import pytest
from crash_helpers import staging_files, store_records

from pipeline.datasets import load


@pytest.mark.slow
def test_the_second_run_refuses_and_the_first_writes_valid_tables(reference):
    done = [r for r in reference.runs if r.code == 0]
    refused = [r for r in reference.runs if r.code != 0]
    assert len(done) == 1 and len(refused) == 1, [r.stderr[-2000:] for r in reference.runs]
    lock = reference.root / ".curate" / "run.lock"
    assert refused[0].code == 2
    assert refused[0].stderr.splitlines() == [
        f"curate: error: another curate run (pid {done[0].pid}) holds {lock}; wait for it to finish "
        "(a killed run's lock is released by the system, so this one is alive)"
    ]
    assert "1 document(s), 203 claims" in done[0].stderr and "Traceback" not in done[0].stderr
    data = load(reference.tables)
    assert len(data.claims) == 203 and len(data.links) == 1004 and data.run_id in done[0].stderr
    assert len(store_records(reference.root)) == 38
    assert staging_files(reference.root) == []
