"""Curator decisions: the file's validation, atomic and concurrent appends, applying them, path safety,
and `curate review` end to end on a copy of the seed document."""

import json
import multiprocessing
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import pipeline.outputs.atomic as atomic
from pipeline.cli_review import review_command
from pipeline.documents import parse_document
from pipeline.errors import DocumentError, InputError
from pipeline.linking.decision_apply import apply_decisions
from pipeline.linking.decisions import (
    Decision,
    append_decision,
    decisions_path,
    document_folder,
    load_decisions,
    render_decisions,
)
from pipeline.models import Link

SEED = Path(__file__).parents[2] / "sources" / "documents" / "vitamin-k2"
WHEN = datetime(2025, 4, 1, 12, 0, tzinfo=UTC)
GOOD = {"action": "accept", "claim_id": "c_1", "record_id": "pmid:1", "decided_at": "2025-04-01T12:00:00Z"}


def decision(action: str, claim_id: str = "c_1", record_id: str | None = "pmid:1", **fields) -> Decision:
    return Decision(action=action, claim_id=claim_id, record_id=record_id, decided_at=WHEN, **fields)


def link(claim_id: str, record_id: str, origin: str = "explicit", relation: str = "supports") -> Link:
    return Link(
        claim_id=claim_id,
        line=3,
        record_id=record_id,
        origin=origin,
        relation=relation,
        score=0.8,
        evidence_type="in_vitro",
        reasons=["same condition"],
    )


def write_yaml(path: Path, data: object) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- loading and validation


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({**GOOD, "action": "approve"}, "entry 2: field 'action': Input should be 'accept'"),
        ({**GOOD, "action": "relation", "relation": "refutes"}, "entry 2: field 'relation'"),
        ({**GOOD, "action": "evidence_type", "evidence_type": "anecdote"}, "field 'evidence_type'"),
        ({**GOOD, "action": "relation"}, "entry 2: field 'relation' is required for action 'relation'"),
        ({**GOOD, "relation": "supports"}, "field 'relation' does not go with action 'accept'"),
        ({**GOOD, "action": "note"}, "field 'note' is required for action 'note'"),
        ({**GOOD, "record_id": None}, "field 'record_id' is required for action 'accept'"),
        ({**GOOD, "record_id": "not-an-id"}, "field 'record_id': not a PMID, PMCID or DOI"),
        ({**GOOD, "relaton": "supports"}, "field 'relaton': Extra inputs are not permitted"),
        ({**GOOD, "decided_at": "yesterday"}, "field 'decided_at'"),
        ("accept c_1", "entry 2: Input should be a valid dictionary"),
    ],
)
def test_invalid_entries_name_file_entry_and_field(tmp_path: Path, entry: object, expected: str) -> None:
    entry = {k: v for k, v in entry.items() if v is not None} if isinstance(entry, dict) else entry
    path = write_yaml(tmp_path / "decisions.yaml", [GOOD, entry])
    with pytest.raises(DocumentError) as caught:
        load_decisions(path)
    assert caught.value.path == str(path)
    assert expected in caught.value.reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("action: accept\nclaim_id: c_1\n", "expected a list of decisions, got a dict"),
        ("- [unclosed\n", "not valid YAML"),
        ("- {action: note, claim_id: c_1, note: x, decided_at: 2025-01-01, id: d-1}\n" * 2, "duplicate id"),
    ],
)
def test_malformed_files_are_refused(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "decisions.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DocumentError, match=expected):
        load_decisions(path)


def test_missing_or_empty_file_has_no_decisions(tmp_path: Path) -> None:
    assert load_decisions(tmp_path / "decisions.yaml") == []
    (tmp_path / "decisions.yaml").write_text("# nothing decided yet\n", encoding="utf-8")
    assert load_decisions(tmp_path / "decisions.yaml") == []


def test_hand_written_entry_gets_stable_id_and_canonical_record_key(tmp_path: Path) -> None:
    entry = {
        "action": "reject",
        "claim_id": "c_1",
        "record_id": "PMID: 0123",
        "decided_at": "2025-04-01 12:00",
    }
    path = write_yaml(tmp_path / "decisions.yaml", [entry])
    first, again = load_decisions(path)[0], load_decisions(path)[0]
    assert first.record_id == "pmid:123"
    assert first.decided_at == WHEN  # a bare time is read as UTC
    assert first.id == again.id and first.id.startswith("d-") and len(first.id) == 14
    assert decision("reject", record_id="pmid:124").id != first.id


# ----------------------------------------------------------------------------- appending


def test_append_keeps_earlier_entries_in_order(tmp_path: Path) -> None:
    path = tmp_path / "decisions.yaml"
    hand = {"action": "note", "claim_id": "c_9", "note": "check dose: 45 mg # not 90", "decided_at": WHEN}
    write_yaml(path, [hand])
    append_decision(path, decision("accept", curator="alice"))
    append_decision(path, decision("relation", record_id="doi:10.1000/X", relation="contradicts"))
    loaded = load_decisions(path)
    assert [(d.action, d.claim_id, d.record_id) for d in loaded] == [
        ("note", "c_9", None),
        ("accept", "c_1", "pmid:1"),
        ("relation", "c_1", "doi:10.1000/x"),
    ]
    assert loaded[0].note == "check dose: 45 mg # not 90"
    assert loaded[1].curator == "alice" and loaded[2].relation == "contradicts"
    assert path.read_text(encoding="utf-8").startswith("# Curator decisions")


def test_appending_the_same_decision_twice_stores_it_once(tmp_path: Path) -> None:
    path = tmp_path / "decisions.yaml"
    first = append_decision(path, decision("accept"))
    assert append_decision(path, decision("accept")) == first
    assert len(load_decisions(path)) == 1


def test_failed_write_leaves_the_old_file_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "decisions.yaml"
    append_decision(path, decision("accept"))
    before = path.read_bytes()

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", disk_full)  # fails after the temp file is written
    with pytest.raises(DocumentError, match="cannot write: No space left on device"):
        append_decision(path, decision("reject", record_id="pmid:2"))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".decisions.yaml.lock", "decisions.yaml"]


def test_a_killed_writers_staged_file_is_removed_by_the_next_append(tmp_path: Path) -> None:
    path = tmp_path / "decisions.yaml"
    append_decision(path, decision("accept"))
    (tmp_path / ".decisions.yaml.k1ll3d.tmp").write_text("- half a new file")  # what a SIGKILL leaves
    (tmp_path / ".other.yaml.x.tmp").write_text("not ours")
    append_decision(path, decision("reject", record_id="pmid:2"))
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [".decisions.yaml.lock", ".other.yaml.x.tmp", "decisions.yaml"]
    assert [d.action for d in load_decisions(path)] == ["accept", "reject"]


def _append_many(path: Path, worker: int, count: int) -> None:
    for i in range(count):
        append_decision(path, decision("note", claim_id=f"c_{worker}", record_id=None, note=f"n{i}"))


def test_concurrent_threads_lose_no_decision(tmp_path: Path) -> None:
    path = tmp_path / "decisions.yaml"
    threads = [threading.Thread(target=_append_many, args=(path, w, 15)) for w in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    notes = {(d.claim_id, d.note) for d in load_decisions(path)}
    assert notes == {(f"c_{w}", f"n{i}") for w in range(3) for i in range(15)}


def test_concurrent_processes_lose_no_decision(tmp_path: Path) -> None:
    path = tmp_path / "decisions.yaml"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_append_many, args=(path, w, 10)) for w in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert [worker.exitcode for worker in workers] == [0, 0]
    loaded = load_decisions(path)
    assert len(loaded) == 20
    for w in range(2):  # each writer's entries keep their own order
        assert [d.note for d in loaded if d.claim_id == f"c_{w}"] == [f"n{i}" for i in range(10)]


@settings(max_examples=60, deadline=None)
@given(note=st.text(min_size=1).filter(lambda s: s.strip()), curator=st.text(max_size=20))
def test_render_then_load_round_trips_any_text(
    tmp_path_factory: pytest.TempPathFactory, note, curator
) -> None:
    made = decision("note", note=note, curator=curator)
    path = tmp_path_factory.mktemp("rt") / "decisions.yaml"
    path.write_text(render_decisions([made]), encoding="utf-8")
    assert load_decisions(path) == [made]


# ----------------------------------------------------------------------------- applying


def test_accept_reject_relation_and_evidence_type_change_the_links() -> None:
    links = [link("c_1", "pmid:1"), link("c_1", "pmid:2"), link("c_2", "pmid:1", origin="discovered")]
    decisions = [
        decision("reject", record_id="pmid:2", note="bladder, not liver", curator="alice"),
        decision("accept", claim_id="c_2"),
        decision("relation", claim_id="c_2", relation="contradicts"),
        decision("evidence_type", evidence_type="rct"),
    ]
    applied = apply_decisions(links, decisions, {"c_1", "c_2"})
    c1_r1, c1_r2, c2_r1 = applied.links
    assert (c1_r2.rejected, c1_r2.accepted, c1_r2.relation) == (True, False, "supports")
    assert c1_r2.reasons == [
        "same condition",
        f"curator rejected ({decisions[0].id}, alice): bladder, not liver",
    ]
    assert (c2_r1.accepted, c2_r1.relation, c2_r1.origin) == (True, "contradicts", "discovered")
    assert f"curator set relation supports → contradicts ({decisions[2].id})" in c2_r1.reasons
    assert c1_r1.evidence_type == "rct" and not c1_r1.accepted
    assert c1_r1.decisions == [decisions[3].id]
    assert applied.orphaned == []


def test_add_creates_a_curator_link_or_accepts_an_existing_one() -> None:
    links = [link("c_1", "pmid:1")]
    decisions = [
        decision("add", record_id="pmid:7", relation="partial", evidence_type="animal", note="mice"),
        decision("reject"),
        decision("add"),
    ]
    applied = apply_decisions(links, decisions, {"c_1"})
    existing, added = applied.links
    assert (added.origin, added.record_id, added.relation, added.evidence_type) == (
        "curator",
        "pmid:7",
        "partial",
        "animal",
    )
    assert added.accepted and added.reasons == [f"added by the curator ({decisions[0].id}): mice"]
    assert existing.origin == "explicit" and existing.accepted and not existing.rejected  # add after reject
    assert existing.reasons[-1].startswith("curator added (already linked as explicit)")


def test_later_decisions_on_the_same_aspect_override_earlier_ones() -> None:
    decisions = [
        decision("accept"),
        decision("relation", relation="contradicts"),
        decision("reject"),
        decision("relation", relation="partial"),
        decision("evidence_type", record_id=None, evidence_type="animal"),
        decision("evidence_type", record_id=None, evidence_type="in_vitro_and_animal"),
    ]
    applied = apply_decisions([link("c_1", "pmid:1")], decisions, {"c_1"})
    (only,) = applied.links
    assert (only.accepted, only.rejected, only.relation) == (False, True, "partial")
    assert only.decisions == [d.id for d in decisions[:4]]  # every step stays in the audit trail
    assert applied.claim_evidence_types == {"c_1": "in_vitro_and_animal"}


def test_notes_are_collected_per_claim_in_order() -> None:
    decisions = [
        decision("note", record_id=None, note="first look"),
        decision("note", claim_id="c_2", record_id="pmid:3", note="odd dose"),
        decision("note", record_id=None, note="second look"),
    ]
    applied = apply_decisions([], decisions, {"c_1", "c_2"})
    assert {k: [d.note for d in v] for k, v in applied.notes.items()} == {
        "c_1": ["first look", "second look"],
        "c_2": ["odd dose"],
    }


def test_orphaned_decisions_are_reported_with_their_reason() -> None:
    gone = decision("accept", claim_id="c_gone")
    unlinked = decision("relation", record_id="pmid:99", relation="unrelated")
    note_gone = decision("note", claim_id="c_gone", record_id=None, note="still here?")
    applied = apply_decisions([link("c_1", "pmid:1")], [gone, unlinked, note_gone], ["c_1"])
    assert [(o.decision, o.reason) for o in applied.orphaned] == [
        (gone, "claim c_gone is no longer in the document"),
        (unlinked, "record pmid:99 is not linked to claim c_1"),
        (note_gone, "claim c_gone is no longer in the document"),
    ]
    assert applied.links[0].reasons == ["same condition"] and applied.notes == {}


# ----------------------------------------------------------------------------- path safety


@pytest.mark.parametrize("slug", ["..", "../outside", "/etc", "a/b", ".hidden", ""])
def test_slugs_that_leave_the_documents_folder_are_refused(tmp_path: Path, slug: str) -> None:
    with pytest.raises(DocumentError, match="not a document slug"):
        document_folder(tmp_path, slug)


def test_symlinks_out_of_the_folder_are_refused(tmp_path: Path) -> None:
    documents, outside = tmp_path / "documents", tmp_path / "outside"
    (documents / "real").mkdir(parents=True)
    outside.mkdir()
    (documents / "escape").symlink_to(outside)
    assert document_folder(documents, "real") == documents / "real"
    with pytest.raises(DocumentError, match="resolves outside"):
        document_folder(documents, "escape")
    target = documents / "real" / "decisions.yaml"
    target.symlink_to(outside / "decisions.yaml")
    for call in (
        lambda: decisions_path(documents / "real"),
        lambda: append_decision(target, decision("accept")),
    ):
        with pytest.raises(DocumentError, match="is a symlink"):
            call()
    assert list(outside.iterdir()) == []


def test_paths_with_dotdot_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    with pytest.raises(DocumentError, match=r"may not contain '\.\.'"):
        decisions_path(tmp_path / "a" / ".." / "a")
    with pytest.raises(DocumentError, match=r"may not contain '\.\.'"):
        append_decision(tmp_path / "a" / ".." / "decisions.yaml", decision("accept"))
    assert not (tmp_path / "decisions.yaml").exists()


# ----------------------------------------------------------------------------- curate review


@pytest.fixture(scope="module")
def seed_claims() -> list[str]:
    return [claim.claim_id for claim in parse_document(SEED, max_bytes=10_000_000).claims]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "sources" / "documents" / "vitamin-k2"
    shutil.copytree(SEED, copy)
    return copy


def review(folder: Path, action: str, claim_id: str, **options: str) -> None:
    args = {k: options.get(k) for k in ("record_id", "note", "relation", "evidence_type", "curator")}
    review_command(action, folder, claim_id, **args)


def test_review_appends_decisions_and_prints_each_as_json(folder: Path, seed_claims, capsys) -> None:
    claim = seed_claims[5]
    review(folder, "reject", claim, record_id="PMID: 25681349", note="cells only", curator="alice")
    review(folder, "evidence", claim, evidence_type="in_vitro")
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    stored = load_decisions(folder / "decisions.yaml")
    assert printed == [d.model_dump(mode="json", exclude_none=True) for d in stored]
    assert [(d.action, d.claim_id, d.record_id, d.note) for d in stored] == [
        ("reject", claim, "pmid:25681349", "cells only"),
        ("evidence_type", claim, None, None),
    ]
    assert stored[1].evidence_type == "in_vitro" and stored[0].curator == "alice"
    applied = apply_decisions([link(claim, "pmid:25681349")], stored, seed_claims)
    assert applied.links[0].rejected and applied.claim_evidence_types == {claim: "in_vitro"}


def test_review_of_an_unknown_claim_lists_the_closest(folder: Path, seed_claims) -> None:
    typo = seed_claims[3][:-1] + ("0" if seed_claims[3][-1] != "0" else "1")
    with pytest.raises(InputError, match=f"no claim '{typo}'.*closest: {seed_claims[3]}"):
        review(folder, "accept", typo, record_id="pmid:1")
    assert not (folder / "decisions.yaml").exists()


@pytest.mark.parametrize(
    ("action", "options", "expected"),
    [
        ("approve", {"record_id": "pmid:1"}, "review action must be one of accept, reject"),
        ("relation", {"record_id": "pmid:1", "relation": "refutes"}, "field 'relation': Input should be"),
        ("evidence", {"evidence_type": "anecdote"}, "field 'evidence_type'"),
        ("accept", {}, "field 'record_id' is required for action 'accept'"),
    ],
)
def test_review_refuses_bad_decisions(folder: Path, seed_claims, action: str, options, expected: str) -> None:
    with pytest.raises(InputError, match=expected):
        review(folder, action, seed_claims[0], **options)
    assert not (folder / "decisions.yaml").exists()


def test_review_needs_a_document_folder(folder: Path, seed_claims) -> None:
    with pytest.raises(DocumentError, match="decisions are kept per document folder"):
        review(folder / "document.txt", "accept", seed_claims[0], record_id="pmid:1")
