"""Explicit references: sidecar, the document's reference list, identifiers in the claim, and reasons."""

import pytest

from pipeline.documents.parse import parse_text
from pipeline.errors import DocumentError
from pipeline.linking.references import inline_identifiers, load_sidecar, reference_list, resolve_markers
from pipeline.models import DocumentMeta

PAGE = """Vitamin K2

Dosage

Doses up to 45 mg per day were safe5. Warfarin users need care58.

Safety

No toxicity was seen in mice2. See https://doi.org/10.1371/journal.pone.0161886. for details.

References

1. Smith J. A trial. J Med. 2001. PMID: 11111111
2. Doe A. Mice. doi:10.1000/mice.2
"""


@pytest.fixture
def doc():
    return parse_text(PAGE, DocumentMeta(slug="t", title="Vitamin K2", citation_style="section"))


def test_sidecar_maps_scope_and_number_to_identifiers(tmp_path, doc):
    (tmp_path / "references.yaml").write_text(
        'dosage:\n  5: "PMID: 27570977"\n  8: https://doi.org/10.1000/X\n'
    )
    table = load_sidecar(tmp_path)
    assert table["dosage"][5].key == "pmid:27570977" and table["dosage"][8].key == "doi:10.1000/x"
    targets = resolve_markers(doc.claims, table, {})
    by_number = {(t.scope, t.number): t for t in targets}
    assert by_number[("dosage", 5)].via == "sidecar"
    assert by_number[("safety", 2)].reason == "reference 2 of scope 'safety' is not in the reference list"


def test_document_reference_list_resolves_document_scope(doc):
    listed = reference_list(PAGE)
    assert {n: i.key for n, i in listed.items()} == {1: "pmid:11111111", 2: "doi:10.1000/mice.2"}
    targets = resolve_markers(doc.claims, {}, listed)
    assert {(t.number, t.via) for t in targets if t.identifier} == {(2, "reference_list")}
    assert {t.number for t in targets if t.identifier is None} == {5, 8}


def test_no_references_anywhere_is_the_reason():
    bare = parse_text(
        "Vitamin K2\n\nSafety\n\nIt was safe in mice2.\n", DocumentMeta(slug="b", title="Vitamin K2")
    )
    [target] = resolve_markers(bare.claims, {}, {})
    assert target.reason == "the document has no reference list and no references.yaml sidecar"


def test_identifiers_in_the_claim_text(doc):
    claim = next(c for c in doc.claims if "doi.org" in c.source_text)
    assert [i.key for i in inline_identifiers(claim)] == ["doi:10.1371/journal.pone.0161886"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2]\n", "expected a mapping"),
        ("dosage:\n  five: 123\n", "not a reference number"),
        ("dosage:\n  5: not-an-id\n", "reference 5"),
        ("dosage: [\n", "not valid YAML"),
    ],
)
def test_bad_sidecar_names_the_problem(tmp_path, content, message):
    (tmp_path / "references.yaml").write_text(content)
    with pytest.raises(DocumentError, match=message):
        load_sidecar(tmp_path)
