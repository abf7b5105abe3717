"""Claim verdicts and audit flags, each flag naming the links that raised it."""

from pipeline.linking.references import MarkerTarget
from pipeline.linking.verdicts import judge
from pipeline.literature.identifiers import parse_identifier
from pipeline.models import Claim, Link, Marker


def claim(
    text="VK2 is safe and effective in HCC patients.", evidence=("rct",), markers=True, kind="sentence"
):
    marks = (
        [
            Marker(
                token="5",
                refs=[5],
                line=3,
                column=40,
                start=40,
                end=41,
                scope="s",
                style="flattened",
                confidence=1.0,
            )
        ]
        if markers
        else []
    )
    return Claim(
        claim_id="c1",
        document="d",
        section="s",
        section_heading=None,
        kind=kind,
        line=3,
        column=1,
        start=0,
        end=len(text),
        text=text,
        source_text=text,
        markers=marks,
        asserted_evidence=list(evidence),
    )


def link(
    record="pmid:1",
    relation="supports",
    etype="rct",
    level=2,
    integrity="ok",
    indirect=False,
    origin="explicit",
):
    return Link(
        claim_id="c1",
        line=3,
        record_id=record,
        origin=origin,
        relation=relation,
        score=1.0,
        evidence_type=etype,
        level=level,
        integrity=integrity,
        indirect=indirect,
    )


def kinds(verdict):
    return {f.kind: f for f in verdict.flags}


def test_rct_claim_backed_by_an_rct_has_no_flags():
    v = judge(claim(), [link()], [])
    assert v.flags == [] and v.best_level == 2 and v.counts_by_type == {"rct": 1}


def test_uncited_claim():
    assert set(kinds(judge(claim(markers=False), [], []))) == {"uncited"}
    assert "uncited" not in kinds(judge(claim(markers=False), [link(origin="curator")], []))


def test_unresolved_and_missing_markers_give_reasons():
    unresolved = MarkerTarget(claim_id="c1", scope="s", number=5, reason="no reference list")
    missing = MarkerTarget(
        claim_id="c1", scope="s", number=6, identifier=parse_identifier("PMID: 99"), via="sidecar"
    )
    flags = kinds(judge(claim(), [], [unresolved, missing], [missing]))
    assert flags["unresolved_marker"].detail == "s#5: no reference list"
    assert flags["missing_record"].links == ["pmid:99"]


def test_clinical_claim_backed_by_cells_is_a_mismatch_overstated_and_indirect():
    cells = link(etype="in_vitro", level=5, indirect=True)
    flags = kinds(judge(claim(), [cells], []))
    assert set(flags) == {"evidence_type_mismatch", "overstated", "indirect_population"}
    assert all(f.links == ["pmid:1"] for f in flags.values())


def test_table_evidence_cell_disagreeing_with_records():
    row = claim(
        "Clinical outcomes Case reports, trials HCC Reduced recurrence",
        evidence=("case_report",),
        kind="table_row",
    )
    assert "evidence_type_mismatch" in kinds(judge(row, [link(etype="observational", level=3)], []))
    assert "evidence_type_mismatch" not in kinds(judge(row, [link(etype="case_report", level=4)], []))


def test_contradiction_of_equal_or_better_level():
    flags = kinds(judge(claim(), [link(level=2), link("pmid:2", "contradicts", level=2)], []))
    assert flags["contradicted"].links == ["pmid:2"]
    weaker = judge(
        claim(), [link(level=1), link("pmid:2", "contradicts", etype="observational", level=3)], []
    )
    assert "contradicted" not in kinds(weaker)


def test_retracted_support_never_counts():
    v = judge(claim(), [link(integrity="retracted")], [])
    assert kinds(v)["retracted_support"].links == ["pmid:1"] and v.best_level is None
