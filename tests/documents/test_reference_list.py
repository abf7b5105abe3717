"""A page's own reference list is not claims; a reference-like heading over prose still is content."""

from doc_helpers import parse

BODY = """# Vitamin K2 and liver cancer

## Trials

In liver cancer, VK2 reduced recurrence after surgery [1].
The trial (doi:10.1001/jama.292.3.358) found fewer cancers [2].

"""

ENTRIES = """1. Mizuta T et al. Cancer 2006;106:867-72. PMID: 16400650
2. Yoshida H et al. Hepatology 2011;54:532-40. doi:10.1002/hep.24430
3. Kawakita H et al. Int J Mol Med 2009;23:709-16.
"""


def _claims(text: str) -> list[tuple[str, str]]:
    return [(c.section, c.text) for c in parse(text).claims]


def test_a_numbered_reference_list_yields_no_claims_and_no_section():
    for heading in ("## References", "References", "Bibliography", "## Works cited"):
        doc = parse(BODY + heading + "\n\n" + ENTRIES)
        assert [c.text for c in doc.claims] == [
            "In liver cancer, VK2 reduced recurrence after surgery .",
            "The trial (doi:10.1001/jama.292.3.358) found fewer cancers .",
        ], heading
        assert [s.heading for s in doc.sections] == ["Vitamin K2 and liver cancer", "Trials"][
            -len(doc.sections) :
        ]


def test_what_follows_the_list_is_still_read():
    doc = parse(
        BODY
        + "## References\n\n"
        + ENTRIES
        + "\n## Dosage\n\nMK-7 was taken at 180 mcg per day in trials [3].\n"
    )
    assert doc.claims[-1].text == "MK-7 was taken at 180 mcg per day in trials ."
    assert doc.claims[-1].section.endswith("/dosage")


def test_a_reference_heading_over_prose_is_content():
    text = BODY + "## Citations\n\nNatto is the richest food source of MK-7 by far.\n"
    assert [t for _, t in _claims(text)][-1] == "Natto is the richest food source of MK-7 by far."


def test_a_reference_heading_over_numbered_claims_with_years_is_content():
    items = (
        "1. In 2011, vitamin K2 reduced bone loss in women [1].\n2. In 2015, it lowered calcification [2].\n"
    )
    cited = [t for _, t in _claims(BODY + "## Citations\n\n" + items)]
    assert cited == [t for _, t in _claims(BODY + "## Findings\n\n" + items)]
    assert cited[-2:] == [
        "In 2011, vitamin K2 reduced bone loss in women .",
        "In 2015, it lowered calcification .",
    ]


def test_wrapped_and_blank_separated_entries_are_one_list():
    wrapped = (
        "## References\n\n1. Mizuta T, Ozaki I, Eguchi Y, et al. The effect of menatetrenone\n"
        "   on recurrence of hepatocellular carcinoma. Cancer.\n   2006;106:867-72.\n"
        "2. Yoshida H, Shiratori Y, Kudo M, et al. Hepatology.\n   2011;54:532-40.\n"
    )
    spaced = (
        "References\n\n1. Mizuta T et al. Cancer 2006;106:867-72.\n\n2. A web page about vitamin K.\n\n"
        + ("3. Yoshida H et al. Hepatology 2011;54:532-40.\n")
    )
    for tail in (wrapped, spaced):
        assert len(_claims(BODY + tail)) == 2, tail


def test_the_list_reader_joins_wrapped_entries():
    from pipeline.linking.references import reference_list

    text = (
        BODY + "References\n\n1. Mizuta T, et al. Cancer.\n   2006;106:867-72. PMID: 16400650\n2. Web page.\n"
    )
    assert {n: i.key if i else None for n, i in reference_list(text).items()} == {1: "pmid:16400650", 2: None}
