"""The report's SVG pictures: well-formed XML whatever the labels hold, and drawing the real counts."""

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from pipeline.models import Claim, ClaimVerdict, Link
from pipeline.outputs.report_svg import matrix_svg, pyramid_svg, xml_text
from pipeline.outputs.report_view import ClaimCard, LinkRow

SVG = "{http://www.w3.org/2000/svg}"


def card(claim_id: str, *links: tuple[str, str]) -> ClaimCard:
    claim = Claim(claim_id=claim_id, document="d", section="s", section_heading=None, kind="sentence",
                  line=3, column=1, start=0, end=1, text="t", source_text="t")  # fmt: skip
    rows = [
        LinkRow(
            Link(
                claim_id=claim_id,
                line=3,
                record_id=f"pmid:{i}",
                origin="discovered",
                relation=rel,
                score=0.5,
                evidence_type=etype,
            ),
            "title",
            2020,
            None,
            [],
        )
        for i, (etype, rel) in enumerate(links)
    ]
    return ClaimCard(claim, ClaimVerdict(claim_id=claim_id, line=3), [], rows, [], [])


def parse(svg: str) -> etree._Element:
    return etree.fromstring(svg.encode("utf-8"))


@given(st.text())
def test_xml_text_round_trips_through_an_xml_parser(label):
    root = parse(f'<svg xmlns="{SVG[1:-1]}"><text a="{xml_text(label)}">{xml_text(label)}</text></svg>')
    one_line = "".join(" " if ch in "\t\n\r" else ch for ch in label)
    expected = "".join(
        ch for ch in one_line if ch >= " " and ch not in "\ufffe\uffff" and not "\ud800" <= ch <= "\udfff"
    )
    assert (root[0].text or "") == expected and root[0].get("a") == expected


@given(st.text(min_size=1))
def test_matrix_cells_link_to_cards_even_with_hostile_claim_ids(claim_id):
    root = parse(matrix_svg([card(claim_id, ("rct", "supports"))]))
    (link,) = root.iter(f"{SVG}a")
    assert link.get("href").startswith("#") and not list(root.iter(f"{SVG}script"))


def test_matrix_rows_are_evidence_types_and_cells_colour_the_relation():
    cards = [
        card("c1", ("rct", "supports"), ("in_vitro", "partial")),
        card("c2", ("rct", "contradicts")),
        card("c3"),
    ]
    root = parse(matrix_svg(cards))
    labels = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert labels == ["in_vitro", "rct"]  # in TYPE_ORDER, only types present
    fills = {(a.get("href"), r.get("fill")) for a in root.iter(f"{SVG}a") for r in a}
    assert fills == {("#c1", "#2e7d32"), ("#c1", "#a5d6a7"), ("#c2", "#c62828")}
    assert int(root.get("width")) > 150 + 3 * 5  # one column per claim, the empty claim included


def test_pyramid_bars_scale_with_counts_and_label_types():
    rows = {
        1: Counter({"meta_analysis": 2}),
        2: Counter({"rct": 4}),
        5: Counter(),
        None: Counter({"review": 1}),
    }
    root = parse(pyramid_svg(rows))
    widths = [int(r.get("width")) for r in root.iter(f"{SVG}rect")]
    assert widths == [180, 360, 0, 90]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Level 1" in texts and "No level" in texts and "4 (rct 4)" in texts and "0" in texts
