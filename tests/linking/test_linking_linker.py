"""The linking stage end to end (pipeline.linking.linker): explicit references, discovery, decisions."""

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from linking_helpers import find_claim

from pipeline.linking.decisions import Decision
from pipeline.linking.linker import References, link_document
from pipeline.literature.identifiers import parse_identifier

WHEN = datetime(2026, 1, 5, tzinfo=UTC)
RECURRENCE = "reduced recurrence rates and improved prognosis"


def decision(action: str, claim_id: str, record_id: str | None = None, **fields) -> Decision:
    return Decision(action=action, claim_id=claim_id, record_id=record_id, decided_at=WHEN, **fields)


def of(result, claim_id: str):
    links = [k for k in result.links if k.claim_id == claim_id]
    verdict = next(v for v in result.verdicts if v.claim_id == claim_id)
    return links, {f.kind: f for f in verdict.flags}


def test_discovery_ranks_the_recurrence_trials_for_the_recurrence_claim(seed_doc, seed_store):
    claim = find_claim(seed_doc, RECURRENCE)
    result = link_document(seed_doc, seed_store, top_k=5)
    links, flags = of(result, claim.claim_id)
    assert [k.rank for k in links] == [1, 2, 3, 4, 5]
    assert all(k.origin == "discovered" and k.line == claim.line for k in links)
    found = {k.record_id: k for k in links}
    assert {"pmid:16400650", "doi:10.1002/hep.24430", "pmid:23225445"} <= set(found)
    assert found["doi:10.1002/hep.24430"].relation == "contradicts"
    assert found["pmid:16400650"].relation == "supports"
    assert found["pmid:16400650"].reasons[0].startswith("discovered: score")
    # the negative RCT (level 2) is at least as strong as the positive one: the claim is contradicted
    assert set(flags["contradicted"].links) == {"doi:10.1002/hep.24430", "pmid:23225445"}
    assert "unresolved_marker" in flags  # its markers point nowhere: the seed lost its list


def test_top_k_bounds_discovery_and_zero_turns_it_off(seed_doc, seed_store):
    assert {k.rank for k in link_document(seed_doc, seed_store, top_k=2).links} == {1, 2}
    result = link_document(seed_doc, seed_store, top_k=0)
    assert result.links == []
    assert len(result.verdicts) == len(seed_doc.claims)


def test_a_sidecar_resolves_markers_to_explicit_links_and_stops_discovery(seed_doc, seed_store):
    claim = find_claim(seed_doc, RECURRENCE)
    scope = claim.markers[0].scope
    sidecar = {scope: {n: parse_identifier("PMID: 16400650") for n in claim.markers[0].refs}}
    result = link_document(seed_doc, seed_store, references=References(sidecar=sidecar), top_k=3)
    links, flags = of(result, claim.claim_id)
    assert [(k.record_id, k.origin, k.relation) for k in links] == [("pmid:16400650", "explicit", "supports")]
    assert links[0].marker == f"{scope}#{claim.markers[0].refs[0]}"
    assert links[0].reasons[0].startswith("explicit: sidecar")
    assert "unresolved_marker" not in flags and "uncited" not in flags


def test_a_reference_the_store_lacks_is_a_missing_record(seed_doc, seed_store):
    claim = find_claim(seed_doc, RECURRENCE)
    scope = claim.markers[0].scope
    sidecar = {scope: {n: parse_identifier("PMID: 1") for n in claim.markers[0].refs}}
    result = link_document(seed_doc, seed_store, references=References(sidecar=sidecar))
    links, flags = of(result, claim.claim_id)
    assert links == []
    assert flags["missing_record"].links == ["pmid:1"]


def test_fetch_is_asked_once_for_every_distinct_identifier(seed_doc, seed_store):
    asked = []

    def fetch(idents):
        asked.append([i.key for i in idents])
        return {i.key: (None, "failed: offline") for i in idents}

    claims = [c for c in seed_doc.claims if c.markers][:3]
    sidecar = {
        c.markers[0].scope: {n: parse_identifier("PMID: 16400650") for n in c.markers[0].refs} for c in claims
    }
    result = link_document(seed_doc, seed_store, references=References(sidecar=sidecar), fetch=fetch)
    assert asked == [["pmid:16400650"]]
    _links, flags = of(result, claims[0].claim_id)
    assert "failed: offline" in flags["missing_record"].detail or flags["missing_record"].links == [
        "pmid:16400650"
    ]


def test_decisions_reject_add_and_override_and_orphans_are_reported(seed_doc, seed_store):
    claim = find_claim(seed_doc, RECURRENCE)
    decisions = [
        decision("reject", claim.claim_id, "doi:10.1002/hep.24430", note="off-topic here", curator="ana"),
        decision("add", claim.claim_id, "pmid:18400723", relation="partial"),
        decision("add", claim.claim_id, "pmid:2"),  # not in the store
        decision("evidence_type", claim.claim_id, "pmid:16400650", evidence_type="nonrandomized_trial"),
        decision("note", claim.claim_id, note="check the 2011 trial"),
        decision("accept", "c_gone", "pmid:16400650"),
    ]
    result = link_document(seed_doc, seed_store, decisions=decisions, top_k=5)
    links, flags = of(result, claim.claim_id)
    by_id = {k.record_id: k for k in links}
    rejected = by_id["doi:10.1002/hep.24430"]
    assert rejected.rejected and rejected.decisions == [decisions[0].id]
    assert rejected.reasons[-1] == f"curator rejected ({decisions[0].id}, ana): off-topic here"
    assert by_id["pmid:18400723"].origin == "curator" and by_id["pmid:18400723"].relation == "partial"
    assert by_id["pmid:18400723"].evidence_type == "observational"
    assert by_id["pmid:2"].origin == "curator" and "pmid:2" in flags["missing_record"].links
    assert (by_id["pmid:16400650"].evidence_type, by_id["pmid:16400650"].level) == ("nonrandomized_trial", 3)
    assert "doi:10.1002/hep.24430" not in flags["contradicted"].links  # a rejected link is not evidence
    assert [n.note for n in result.notes[claim.claim_id]] == ["check the 2011 trial"]
    assert [o.decision.claim_id for o in result.orphaned] == ["c_gone"]


def test_every_link_is_graded_and_every_claim_gets_one_verdict(seed_doc, seed_store):
    result = link_document(seed_doc, seed_store, top_k=3)
    assert [v.claim_id for v in result.verdicts] == [c.claim_id for c in seed_doc.claims]
    assert all(k.record_id in result.grades for k in result.links)
    assert all(k.evidence_type == result.grades[k.record_id].evidence_type for k in result.links)
    assert {k.relation for k in result.links} <= {"supports", "partial", "contradicts", "unrelated"}


def test_a_numbered_reference_list_and_identifiers_in_the_text_give_explicit_links(seed_store):
    from pipeline.documents.parse import parse_text
    from pipeline.linking.references import reference_list
    from pipeline.models import DocumentMeta

    text = (
        "Vitamin K2 and liver cancer\n\n"
        "In liver cancer, VK2 reduced recurrence after surgery.1 "
        "The bladder data are in doi:10.1371/journal.pone.0161886.\n\n"
        "References\n\n1. Mizuta T et al. Cancer 2006;106:867-72. PMID: 16400650\n"
    )
    doc = parse_text(text, DocumentMeta(slug="tiny", title="Vitamin K2", supplement="vitamin K2"))
    result = link_document(doc, seed_store, references=References(listed=reference_list(text)), top_k=0)
    scope = doc.claims[0].markers[0].scope
    explicit = {(k.record_id, k.marker, k.reasons[0]) for k in result.links}
    assert explicit == {
        ("pmid:16400650", f"{scope}#1", f"explicit: reference_list {scope}#1"),
        ("pmid:27570977", None, "explicit: claim_text"),
    }


def test_an_html_page_resolves_marker_links_its_reference_list_and_links_in_the_text(tmp_path, seed_store):
    from pipeline.documents import parse_document
    from pipeline.documents.html_text import html_to_text
    from pipeline.linking.references import reference_list

    page = (Path(__file__).parents[1] / "data" / "linking" / "linked_page.html").read_text()
    (tmp_path / "document.html").write_text(page)
    doc = parse_document(tmp_path / "document.html", max_bytes=1_000_000)
    listed = reference_list(html_to_text(page)[0])
    assert {n: i.key if i else None for n, i in listed.items()} == {
        1: "pmid:16400650",
        2: "doi:10.1002/hep.24430",
        3: None,
    }
    result = link_document(doc, seed_store, references=References(listed=listed), top_k=0)
    by_line = {(k.line, k.record_id): k.reasons[0] for k in result.links}
    assert by_line == {
        (4, "pmid:16400650"): "explicit: marker_link document#1",
        (5, "doi:10.1002/hep.24430"): "explicit: reference_list document#2",
        (6, "doi:10.1002/hep.24430"): "explicit: claim_text",
    }
    unresolved = {f.detail for v in result.verdicts for f in v.flags if f.kind == "unresolved_marker"}
    assert unresolved == {"document#3: reference 3 of the list names no PMID, PMCID or DOI"}
    assert not any("PubMed" in c.text or "Mizuta" in c.text for c in doc.claims)  # the list is no claim


def test_records_a_live_search_stores_are_ranked_for_every_claim_of_the_run(seed_doc, seed_records, tmp_path):
    """Live searches all run before ranking: a record stored by a later claim's search (here the Yoshida
    2011 trial, returned only for queries about recurrence) is ranked too — it used to miss the index
    the first discovered claim had built, and appeared only a run later."""
    from pipeline.literature.store import RecordStore

    yoshida = "doi:10.1002/hep.24430"
    store = RecordStore(f"sqlite:///{tmp_path / 'store.db'}")
    store.upsert_many([r for rid, r in seed_records.items() if rid != yoshida])
    asked: list[str] = []

    def remote(query: str, claim_ids: Sequence[str]) -> None:
        assert claim_ids and all(c.startswith("c_") for c in claim_ids)
        asked.append(query)
        if "recurrence" in query:
            store.upsert(seed_records[yoshida])

    result = link_document(seed_doc, store, top_k=5, remote_search=remote)
    first_recurrence = next(i for i, q in enumerate(asked) if "recurrence" in q)
    assert first_recurrence > 0  # other claims' searches came first
    linked = {k.claim_id for k in result.links if k.record_id == yoshida}
    assert "c_76aa4f3f24f0e85d" in linked  # "reduced recurrence rates and improved prognosis"
