"""Alerts since the last run (pipeline.alerts): stronger support, new contradictions, new retractions."""

from pipeline.alerts import alerts_since, state_of
from pipeline.models import Claim, ClaimVerdict, DocumentMeta, Link, ParsedDocument
from pipeline.outputs.bundle import DocumentRun


def claim(claim_id: str) -> Claim:
    return Claim(claim_id=claim_id, document="d", section="s", section_heading=None, kind="sentence", line=3,
                 column=1, start=0, end=5, text="VK2 helps.", source_text="VK2 helps.")  # fmt: skip


def link(
    record_id: str, relation: str = "supports", level: int | None = 5, integrity: str = "ok", **kw
) -> Link:
    return Link(claim_id="c1", line=3, record_id=record_id, origin="discovered", relation=relation, score=0.5,
                level=level, integrity=integrity, evidence_type="in_vitro", **kw)  # fmt: skip


def run(links: list[Link], best: int | None = 5, claims=("c1",)) -> DocumentRun:
    doc = ParsedDocument(
        meta=DocumentMeta(slug="d"), path="d.txt", sections=[], claims=[claim(c) for c in claims]
    )
    return DocumentRun(doc=doc, links=links, verdicts=[ClaimVerdict(claim_id="c1", line=3, best_level=best)])


def kinds(alerts) -> list[tuple[str, str]]:
    return [(a.kind, a.record_id) for a in alerts]


def test_a_first_run_raises_no_alerts():
    assert alerts_since(None, run([link("r1", "contradicts")])) == []


def test_stronger_support_new_contradiction_and_new_retraction_are_alerts():
    before = state_of([run([link("r1"), link("r2", integrity="ok")])])
    now = run(
        [
            link("r1"),
            link("r2", integrity="retracted"),
            link("r3", level=2),  # an RCT where the claim had only level 5
            link("r4", "contradicts", level=2),
            link("r5", level=5),  # support, but no stronger than before: not news
        ]
    )
    assert kinds(alerts_since(before, now)) == [
        ("new_retraction", "r2"),
        ("new_higher_level", "r3"),
        ("new_contradiction", "r4"),
    ]
    assert "level 2 support (was level 5)" in alerts_since(before, now)[1].detail


def test_rejected_links_and_claims_new_to_the_document_raise_nothing():
    before = state_of([run([link("r1")])])
    new_claim = link("r9", "contradicts").model_copy(update={"claim_id": "c2"})
    now = run([link("r4", "contradicts", rejected=True), new_claim], claims=("c1", "c2"))
    assert alerts_since(before, now) == []


def test_the_state_is_json_ready_and_keeps_relation_level_and_integrity():
    import json

    state = state_of([run([link("r1", "partial", level=4)])])
    assert json.loads(json.dumps(state)) == {
        "d": {
            "c1": {"best_level": 5, "links": {"r1": {"relation": "partial", "level": 4, "integrity": "ok"}}}
        }
    }
